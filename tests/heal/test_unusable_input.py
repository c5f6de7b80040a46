"""Input the agent cannot use is one clear line and exit 2, and nothing is touched (issue 13,
item 12): symlink loops, a model that cannot be used, a disk that fills up during an apply.

The real CLI in a subprocess; the full disk is a real size-limited tmpfs in a private mount
namespace (skipped where this machine cannot make one).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .projects import digest, write_project
from .test_heal_cli import REPO, selfheal

HEAL = ("--yes", "--json", "--no-memory")


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("selfheal: "), proc.stderr[-3000:]
    assert proc.stdout == ""
    return lines[0]


# ---------------------------------------------------------------- symlink loops


@pytest.mark.parametrize("command", [("scan", "--json"), ("heal", *HEAL, "--no-model")])
def test_two_symlinks_pointing_at_each_other_are_one_line(tmp_path, command):
    root = write_project(tmp_path / "proj", "name_typo")
    (root / "shop/b.py").symlink_to("c.py")
    (root / "shop/c.py").symlink_to("b.py")
    before = digest(root)
    proc = selfheal(command[0], str(root), *command[1:], home=tmp_path / "home")
    assert proc.returncode == 2
    assert "symlink loop" in one_line_error(proc)
    assert digest(root) == before and not (root / ".selfheal").exists()


# ---------------------------------------------------------------- a model that cannot be used


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("make_args,mentions", [
    (lambda tmp: ["--model", str(tmp / "no-such-model")], "not a local model directory"),
    (lambda tmp: (tmp / "notes").mkdir() or ["--model", str(tmp / "notes")], "no config.json"),
    (lambda tmp: ["--engine", "hf", "--model", "http://127.0.0.1:8000"], "needs a local model"),
    (lambda tmp: ["--model", f"http://127.0.0.1:{_free_port()}"], "no healthy vLLM server"),
])
def test_a_model_that_cannot_be_used_stops_the_heal_before_anything(tmp_path, make_args, mentions):
    root = write_project(tmp_path / "proj", "name_typo")
    before = digest(root)
    proc = selfheal("heal", str(root), *HEAL, *make_args(tmp_path), home=tmp_path / "home")
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    line = one_line_error(proc)
    assert mentions in line and "--no-model" in line
    assert digest(root) == before and not (root / ".selfheal").exists()


# ---------------------------------------------------------------- a full disk during apply

DRIVER = textwrap.dedent("""
    import json, os, shutil, subprocess, sys
    from pathlib import Path

    staging, mnt, free_kb, out, home = sys.argv[1:6]
    mnt = Path(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], check=True)
    proj = mnt / "proj"
    shutil.copytree(staging, proj, symlinks=True)
    st = os.statvfs(mnt)
    with open(mnt / "filler", "wb") as fh:  # leave exactly free_kb on the disk
        fh.write(b"\\0" * max(0, st.f_bavail * st.f_frsize - int(free_kb) * 1024))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV"))}
    env |= {"SELFHEAL_HOME": home, "HF_HUB_OFFLINE": "1"}
    heal = subprocess.run([sys.executable, "-m", "selfheal_local", "heal", str(proj), "--yes",
                           "--json", "--no-model", "--no-memory"], capture_output=True, text=True,
                          env=env, stdin=subprocess.DEVNULL, timeout=600)
    shutil.copytree(proj, Path(out) / "after_heal", symlinks=True)
    os.unlink(mnt / "filler")  # space again: the next command
    scan = subprocess.run([sys.executable, "-m", "selfheal_local", "scan", str(proj), "--no-tests",
                           "--json"], capture_output=True, text=True, env=env, timeout=600)
    shutil.copytree(proj, Path(out) / "after_next", symlinks=True)
    Path(out, "result.json").write_text(json.dumps({
        "rc": heal.returncode, "stdout": heal.stdout, "stderr": heal.stderr,
        "next_rc": scan.returncode, "next_stderr": scan.stderr}))
""")


def _can_mount_tmpfs(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    target = tmp_path / "probe"
    target.mkdir()
    probe = subprocess.run(["unshare", "-m", "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                            str(target)], capture_output=True)
    return probe.returncode == 0


def _journal_states(root: Path) -> list[str]:
    return [json.loads(p.read_text())["state"]
            for p in (root / ".selfheal/journal").glob("*/entry.json")]


@pytest.mark.parametrize("free_kb", [0, 4, 8, 12, 16])
def test_a_disk_full_during_apply_is_one_line_and_leaves_the_project_whole(tmp_path, free_kb):
    if not _can_mount_tmpfs(tmp_path):
        pytest.skip("cannot mount a tmpfs in a private mount namespace here (needs root)")
    staging = write_project(tmp_path / "staging", "name_typo")
    before = digest(staging)
    (tmp_path / "mnt").mkdir()
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV"))}
    env["PYTHONPATH"] = str(REPO)
    driver = subprocess.run(
        ["unshare", "-m", "--propagation", "private", sys.executable, "-c", DRIVER, str(staging),
         str(tmp_path / "mnt"), str(free_kb), str(out), str(tmp_path / "home")],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
    assert driver.returncode == 0, driver.stderr[-3000:]
    result = json.loads((out / "result.json").read_text())
    healed, after_next = out / "after_heal", out / "after_next"
    if result["rc"] == 0:  # enough room after all: healed, and the JSON says so
        assert json.loads(result["stdout"])["healthy"] is True
        assert "subtotl" not in (healed / "shop/cart.py").read_text()
    else:
        proc = subprocess.CompletedProcess([], result["rc"], result["stdout"], result["stderr"])
        assert result["rc"] == 2, result
        assert "No space left on device" in one_line_error(proc)
        assert digest(healed) == before  # nothing half-written
    # after the next command: no pending entry, no stray temp file, and still whole
    assert result["next_rc"] in (0, 1) and "Traceback" not in result["next_stderr"]
    assert "pending" not in _journal_states(after_next)
    assert not list(after_next.rglob("*.selfheal-*.tmp"))
    assert digest(after_next) == digest(healed)
