"""``selfheal heal`` end to end: the real CLI in a subprocess, the real sandbox, real pytest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .projects import digest, write_project

REPO = Path(__file__).resolve().parents[2]


def selfheal(*args: str, home: Path, cwd: Path | None = None, wrap: list[str] | None = None,
             timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV"))}
    env |= {"SELFHEAL_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    argv = [*(wrap or []), sys.executable, "-m", "selfheal_local", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=cwd or REPO, stdin=subprocess.DEVNULL)


def suite_passes(root: Path) -> bool:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=root, capture_output=True, text=True, timeout=300)
    return proc.returncode == 0


@pytest.mark.parametrize("case,pattern,source", [
    ("name_typo", "undefined_variable", "rule"),
    ("missing_import", "undefined_variable", "rule"),
    ("attribute_typo", "attribute_error", "rule"),
    ("str_int", "type_error", "rule"),
    ("lint", "lint", "ruff"),
])
def test_heals_projects_it_has_never_seen(tmp_path, case, pattern, source):
    root = write_project(tmp_path / "proj", case)
    lint = ["--lint"] if case == "lint" else []  # lint is healed only when asked for
    proc = selfheal("heal", str(root), "--yes", "--json", "--no-model", *lint, home=tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["healthy"] is True
    assert any(a["pattern"] == pattern and a["source"] == source for a in result["applied"]), result["applied"]
    for applied in result["applied"]:
        assert applied["validation"]["passed"] is True and applied["diff"].startswith("--- a/")
    assert suite_passes(root)  # checked independently of selfheal
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E9,F", str(root)],
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_never_claims_healthy_while_tests_fail(tmp_path):
    root = write_project(tmp_path / "proj", "unfixable_logic")
    before = digest(root)
    proc = selfheal("heal", str(root), "--yes", "--json", "--no-model", home=tmp_path / "home")
    assert proc.returncode == 1, proc.stderr
    result = json.loads(proc.stdout)
    assert result["healthy"] is False and result["applied"] == []
    [failure] = result["failed"]
    assert failure["pattern"] == "assertion_error" and failure["reason"]
    assert digest(root) == before  # every rejected candidate left the project byte-identical
    assert not suite_passes(root)


def test_undo_restores_byte_identical_files(tmp_path):
    root = write_project(tmp_path / "proj", "attribute_typo")
    before = digest(root)
    assert selfheal("heal", str(root), "--yes", "--json", "--no-model", home=tmp_path / "h").returncode == 0
    assert digest(root) != before
    proc = selfheal("undo", str(root), "--all", home=tmp_path / "h")
    assert proc.returncode == 0, proc.stderr
    assert digest(root) == before
    again = selfheal("undo", str(root), home=tmp_path / "h")
    assert again.returncode == 1 and "nothing to undo" in again.stderr


def test_demo_project_heals_completely(tmp_path):
    root = tmp_path / "inventory"
    shutil.copytree(REPO / "examples" / "inventory", root)
    # --lint, as make run does: the demo's README promises its lint fixes too
    proc = selfheal("heal", str(root), "--yes", "--json", "--no-model", "--lint",
                    home=tmp_path / "home")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    assert result["healthy"] is True
    assert {a["pattern"] for a in result["applied"]} >= {
        "undefined_variable", "attribute_error", "type_error", "lint"}
    assert suite_passes(root)


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="cannot create a network namespace (unshare -n) here")
def test_heals_the_same_with_the_network_cut(tmp_path):
    """Air-gapped for real: the whole heal inside a network namespace with no interfaces."""
    results = []
    for wrap in (None, ["unshare", "-n"]):
        root = write_project(tmp_path / f"proj{len(results)}", "name_typo")
        proc = selfheal("heal", str(root), "--yes", "--json", "--no-model", home=tmp_path / f"h{len(results)}",
                        wrap=wrap)
        assert proc.returncode == 0, proc.stderr
        results.append(json.loads(proc.stdout))
        assert suite_passes(root)
    online, offline = results
    assert [a["diff"] for a in offline["applied"]] == [a["diff"] for a in online["applied"]]
    assert offline["healthy"] is online["healthy"] is True


@pytest.mark.parametrize("make,args,message", [
    (lambda p: p / "missing", [], "no such directory"),
    (lambda p: (p / "file.py").write_text("x = 1\n") and p / "file.py", [], "not a directory"),
    (lambda p: (p / "empty").mkdir() or p / "empty", [], "no Python files"),
    (lambda p: write_project(p / "proj", "name_typo"), ["--no-yes"], "pass --yes"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, make, args, message):
    target = make(tmp_path)
    argv = ["heal", str(target), "--json"] + ([] if args == ["--no-yes"] else ["--yes"])
    before = digest(tmp_path)
    proc = selfheal(*argv, home=tmp_path / "home")
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr
    assert digest(tmp_path) == before


def test_bad_config_is_one_line_and_exit_2(tmp_path):
    root = write_project(tmp_path / "proj", "name_typo")
    (root / "pyproject.toml").write_text("[tool.selfheal]\nmax_steps = 'many'\n")
    proc = selfheal("heal", str(root), "--yes", home=tmp_path / "home")
    assert proc.returncode == 2 and "max_steps" in proc.stderr and "Traceback" not in proc.stderr


def test_a_test_that_loops_forever_is_healed_not_waited_out(tmp_path):
    # the stuck test fails alone after 3 s (not the 120 s run limit), its traceback names the
    # loop, and every candidate that still loops costs seconds: the search finds .pop
    root = write_project(tmp_path / "proj", "endless_loop")
    proc = selfheal("heal", str(root), "--yes", "--json", "--no-model", home=tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["healthy"] is True
    [applied] = result["applied"]
    assert applied["pattern"] == "timeout_error" and ".pop(" in applied["diff"]
    assert suite_passes(root)
