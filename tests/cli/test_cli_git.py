"""``commit = true``: a heal is one commit whose message says what and why in plain words;
``selfheal undo`` adds a revert commit (history is never rewritten) and leaves the tree clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import selfheal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from heal.projects import digest, write_project  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

GIT_ENV = ["-c", "user.name=someone", "-c", "user.email=someone@example.org"]


def files(root: Path) -> dict[str, str]:
    return {k: v for k, v in digest(root).items() if not k.startswith(".git/")}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *GIT_ENV, *args], cwd=root, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_undo_of_a_committed_heal_is_a_revert_commit(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", "name_typo")
    (root / "pyproject.toml").write_text("[tool.selfheal]\ncommit = true\n")
    (root / ".gitignore").write_text("__pycache__/\n.selfheal/\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    start = git(root, "rev-parse", "HEAD").strip()
    before = files(root)

    healed = selfheal("heal", str(root), "--yes", "--no-model", "--no-memory", home=tmp_path / "h")
    assert healed.returncode == 0, healed.stderr
    heal_sha = git(root, "rev-parse", "HEAD").strip()
    assert heal_sha != start and git(root, "status", "--porcelain") == ""
    message = git(root, "log", "-1", "--format=%B")
    subject, body = message.split("\n", 1)
    assert subject.startswith("Fix NameError in shop/cart.py: renamed 'subtotl' to 'subtotal'")
    assert "Why: shop/cart.py:4: name 'subtotl' is not defined" in body
    assert "Failing before: tests/test_cart.py::test_total" in body
    trailers = git(root, "log", "-1", "--format=%(trailers:only)")
    assert "Selfheal-Journal: " in trailers and "Selfheal-Finding: " in trailers
    prose = "\n".join(line for line in message.splitlines() if not line.startswith("Selfheal-"))
    assert not any(len(w) >= 8 and all(c in "0123456789abcdef" for c in w)
                   for w in prose.split()), prose  # ids only in the trailers

    undone = selfheal("undo", str(root), home=tmp_path / "h")
    assert undone.returncode == 0, undone.stderr
    assert "reverted by a new commit" in undone.stdout
    assert files(root) == before
    assert git(root, "status", "--porcelain") == ""  # the working tree is clean
    history = git(root, "log", "--format=%H %s").splitlines()
    assert [h.split()[0] for h in history[1:]] == [heal_sha, start]  # nothing rewritten
    assert history[0].split(" ", 1)[1].startswith('Revert "Fix NameError in shop/cart.py')
