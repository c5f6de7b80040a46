"""``selfheal scan`` as a person or a script runs it: a real subprocess, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def selfheal(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SELFHEAL_HOME": str(Path(cwd or ".").resolve() / ".home")}
    return subprocess.run(
        [sys.executable, "-m", "selfheal_local", *args], capture_output=True, text=True,
        timeout=300, env=env, cwd=cwd,
    )


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_broken_project_json(tmp_path: Path) -> None:
    root = write(tmp_path / "p", {
        "calc.py": "def total(xs):\n    return totl\n",
        "tests/test_calc.py": "from calc import total\n\ndef test_t():\n    assert total([1]) == 1\n",
    })
    proc = selfheal("scan", str(root), "--json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)  # only one JSON object on stdout
    assert set(data) >= {"findings", "tests", "elapsed_s"}
    test = next(f for f in data["findings"] if f["source"] == "test")
    assert (test["code"], test["file"], test["line"]) == ("NameError", "calc.py", 2)
    assert test["test_ids"] == ["tests/test_calc.py::test_t"] and len(test["id"]) == 12
    assert data["tests"]["failed"] == ["tests/test_calc.py::test_t"]


def test_clean_project_exit_0_and_table_output(tmp_path: Path) -> None:
    root = write(tmp_path / "p", {"ok.py": "def one():\n    return 1\n",
                                  "tests/test_ok.py": "from ok import one\n\ndef test_one():\n"
                                                      "    assert one() == 1\n"})
    proc = selfheal("scan", str(root), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "no findings" in proc.stdout and "1 passed" in proc.stdout


def test_table_lists_findings_and_no_tests_flag(tmp_path: Path) -> None:
    root = write(tmp_path / "p", {"app.py": "import os\n",
                                  "tests/test_hang.py": "def test_h():\n    while True:\n        pass\n"})
    proc = selfheal("scan", str(root), "--no-tests", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "F401" in proc.stdout and "app.py:1" in proc.stdout and "tests:" not in proc.stdout


def test_command_and_log(tmp_path: Path) -> None:
    root = write(tmp_path / "p", {"app.py": "cfg = {}\nprint(cfg['port'])\n"})
    log = tmp_path / "app.log"
    log.write_text('Traceback (most recent call last):\n  File "/x/app.py", line 1, in <module>\n'
                   "ZeroDivisionError: division by zero\n")
    proc = selfheal("scan", str(root), "--json", "--no-tests", "--command", "python app.py",
                    "--log", str(log), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    codes = {(f["source"], f["code"], f["file"], f["line"]) for f in json.loads(proc.stdout)["findings"]}
    assert ("traceback", "KeyError", "app.py", 2) in codes
    assert ("traceback", "ZeroDivisionError", "app.py", 1) in codes


@pytest.mark.parametrize("case", ["missing", "file", "no_python", "bad_log", "binary_log",
                                  "bad_config", "bad_ruff_config", "bad_command"])
def test_bad_input_exit_2_one_line(tmp_path: Path, case: str) -> None:
    root = write(tmp_path / "p", {"app.py": "x = 1\n"})
    args = ["scan", str(root), "--no-tests"]
    if case == "missing":
        args[1] = str(tmp_path / "nope")
    elif case == "file":
        args[1] = str(root / "app.py")
    elif case == "no_python":
        empty = tmp_path / "empty"
        empty.mkdir()
        (empty / "notes.txt").write_text("hi")
        args[1] = str(empty)
    elif case == "bad_log":
        args += ["--log", str(tmp_path / "missing.log")]
    elif case == "binary_log":
        (tmp_path / "b.log").write_bytes(b"\x00\xff" * 64)
        args += ["--log", str(tmp_path / "b.log")]
    elif case == "bad_config":
        (root / "pyproject.toml").write_text("[tool.selfheal]\ntest_timeout_s = 'soon'\n")
    elif case == "bad_ruff_config":
        (root / "ruff.toml").write_text('[lint]\nselect = ["NOPE123"]\n')
    elif case == "bad_command":
        args += ["--command", "python 'unterminated"]
    message = one_line_error(selfheal(*args, cwd=tmp_path))
    assert message.startswith("selfheal: ")


def test_uncollectable_suite_and_unchanged_files(tmp_path: Path) -> None:
    root = write(tmp_path / "p", {"conftest.py": "import not_installed_anywhere\n",
                                  "tests/test_a.py": "def test_a():\n    pass\n"})
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    proc = selfheal("scan", str(root), "--json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    [finding] = [f for f in json.loads(proc.stdout)["findings"] if f["source"] == "test"]
    assert finding["code"] == "ModuleNotFoundError" and finding["file"] == "conftest.py"
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after == before


def test_hanging_tests_and_no_tests(tmp_path: Path) -> None:
    hang = write(tmp_path / "hang", {
        "pyproject.toml": "[tool.selfheal]\ntest_timeout_s = 3\n",
        "tests/test_hang.py": "def test_h():\n    while True:\n        pass\n",
    })
    proc = selfheal("scan", str(hang), "--json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    [finding] = json.loads(proc.stdout)["findings"]
    assert finding["code"] == "TimeoutError" and "did not finish within 3s" in finding["message"]
    none = write(tmp_path / "none", {"app.py": "def f():\n    return 1\n"})
    proc = selfheal("scan", str(none), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "no tests were collected" in proc.stdout
