"""Bad input for ``selfheal heal`` and ``selfheal undo``: a clear one-line error (exit 2) or a
finding, never a traceback, never a changed or half-written file.

The real CLI in a subprocess, the real sandbox, real pytest; projects are built in tmp_path.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from .projects import digest, write_project
from .test_heal_cli import REPO, selfheal, suite_passes

HEAL = ("--yes", "--json", "--no-model", "--no-memory")


def heal(root: Path, home: Path, **kw) -> subprocess.CompletedProcess:
    return selfheal("heal", str(root), *HEAL, home=home, **kw)


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    """The single stderr line of a refused run (and nothing on stdout)."""
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("selfheal: ")
    assert proc.stdout == ""
    return lines[0]


def result_of(proc: subprocess.CompletedProcess) -> dict:
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


# ---------------------------------------------------------------- unusable paths


@pytest.mark.parametrize("command", ["heal", "undo"])
@pytest.mark.parametrize("make,message", [
    (lambda p: (p / "app.py").write_text("x = 1\n") and p / "app.py", "not a directory"),
    (lambda p: p / "missing", "no such directory"),
    (lambda p: os.symlink(p / "nowhere", p / "dangling") or p / "dangling", "no such directory"),
])
def test_a_path_that_is_not_a_directory_is_exit_2(tmp_path, command, make, message):
    target = make(tmp_path)
    before = digest(tmp_path)
    args = HEAL if command == "heal" else ()
    proc = selfheal(command, str(target), *args, home=tmp_path / "home")
    assert proc.returncode == 2
    line = one_line_error(proc)
    # undo does not tell a missing path from a file: both are "not a directory"
    assert message in line or (command == "undo" and "not a directory" in line)
    assert digest(tmp_path) == before


def test_a_project_without_python_files_is_exit_2(tmp_path):
    root = write(tmp_path / "docs", {"README.md": "# notes\n", "data/values.csv": "a,b\n1,2\n",
                                      "setup.cfg": "[metadata]\nname = docs\n"})
    before = digest(root)
    proc = heal(root, tmp_path / "home")
    assert proc.returncode == 2
    assert "no Python files" in one_line_error(proc)
    assert digest(root) == before and not (root / ".selfheal").exists()


# ---------------------------------------------------------------- projects without usable tests


def test_no_tests_still_fixes_lint_when_asked_and_says_no_tests_exist(tmp_path):
    root = write(tmp_path / "proj", {
        "tool/__init__.py": "",
        "tool/util.py": """
            import os
            import sys


            def greeting(name):
                return f"hello " + name
        """,
    })
    proc = selfheal("heal", str(root), *HEAL, "--lint", home=tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    result = result_of(proc)
    assert result["healthy"] is True and result["tests_run"] == 0
    assert {a["source"] for a in result["applied"]} == {"ruff"}
    assert any("no tests" in note for note in result["notes"]), result["notes"]
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select", "F", str(root)],
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout
    assert 'return "hello " + name' in (root / "tool/util.py").read_text()


@pytest.mark.parametrize("broken,code,message", [
    ({"conftest.py": "raise RuntimeError('the fixture server is not configured')\n"},
     "RuntimeError", "the fixture server is not configured"),
    ({"tests/test_cart.py": """
        import shop_plugins_that_do_not_exist
        from shop.cart import cart_total

        def test_total():
            assert cart_total([1.0], 0.0) == 1.0
     """}, "ModuleNotFoundError", "shop_plugins_that_do_not_exist"),
])
def test_a_suite_that_cannot_be_collected_is_a_finding_not_a_crash(tmp_path, broken, code, message):
    root = write_project(tmp_path / "proj", "name_typo")
    write(root, broken)
    before = digest(root)
    proc = heal(root, tmp_path / "home")
    assert proc.returncode == 1, proc.stderr
    result = result_of(proc)
    assert result["healthy"] is False
    found = [f for f in result["findings"] if f["source"] == "test" and f["code"] == code]
    assert found and message in found[0]["message"], result["findings"]
    # the broken suite stays a finding; tests and conftest are never edited to "fix" it
    assert any(f["code"] == code for f in result["remaining"])
    assert any(f["finding"]["code"] == code and f["reason"] for f in result["failed"])
    after = digest(root)
    assert {rel for rel in after if after[rel] != before.get(rel)} <= {"shop/cart.py"}
    # ruff's undefined name in shop/cart.py is still proven statically and healed, as with no tests
    assert all(a["files"] == ["shop/cart.py"] and a["pattern"] == "undefined_variable"
               for a in result["applied"]), result["applied"]


# ---------------------------------------------------------------- odd files


@pytest.mark.parametrize("name,data,message", [
    ("shop/latin1.py", b'# -*- coding: utf-8 -*-\nNAME = "caf\xe9 cr\xe8me"\n', "UTF-8"),
    ("shop/blob.py", bytes(range(256)) * 16, "null bytes"),
])
def test_undecodable_python_files_are_findings_and_stay_untouched(tmp_path, name, data, message):
    root = write_project(tmp_path / "proj", "name_typo")
    (root / name).write_bytes(data)
    proc = heal(root, tmp_path / "home")
    result = result_of(proc)
    [odd] = [f for f in result["findings"] if f["file"] == name]
    assert odd["code"] == "SyntaxError" and message in odd["message"], odd
    assert (root / name).read_bytes() == data
    # the rest of the project is still healed
    assert any(a["pattern"] == "undefined_variable" for a in result["applied"]), result
    assert "subtotl" not in (root / "shop/cart.py").read_text()
    assert proc.returncode == 1  # the undecodable file remains a finding
    assert suite_passes(root)


def test_a_file_of_several_mb_is_left_alone_and_noted(tmp_path):
    root = write_project(tmp_path / "proj", "name_typo")
    big = root / "shop/generated_table.py"
    big.write_text("".join(f"VALUE_{i} = {i}  # generated, do not edit\n" for i in range(100_000)))
    assert big.stat().st_size > 3 * 1024 * 1024
    big_before = digest(root)["shop/generated_table.py"]
    proc = heal(root, tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    result = result_of(proc)
    assert result["healthy"] is True
    assert any("shop/generated_table.py" in note and "MB" in note for note in result["notes"]), result["notes"]
    assert digest(root)["shop/generated_table.py"] == big_before
    assert suite_passes(root)


def test_never_writes_through_a_symlink_that_leaves_the_project(tmp_path):
    root = write_project(tmp_path / "proj", "name_typo")
    outside = tmp_path / "vendor"
    outside.mkdir()
    (root / "shop/cart.py").rename(outside / "cart.py")  # the bug now sits outside the project
    (root / "shop/cart.py").symlink_to(outside / "cart.py")
    before_outside, before = digest(outside), digest(root)
    proc = heal(root, tmp_path / "home")
    assert proc.returncode == 1, proc.stderr
    result = result_of(proc)
    assert result["healthy"] is False and result["applied"] == []
    assert digest(outside) == before_outside
    assert "subtotl" in (outside / "cart.py").read_text()
    assert (root / "shop/cart.py").is_symlink() and digest(root) == before


def test_a_bug_in_a_read_only_file_is_not_written_and_the_reason_given(tmp_path):
    root = write_project(tmp_path / "proj", "name_typo")
    write(root, {"shop/util.py": """
        import os


        def greeting(name):
            return "hello " + name
    """})
    cart = root / "shop/cart.py"
    cart.chmod(0o444)
    cart_before = cart.read_bytes()
    # --lint: the unused import is healed although the NameError stays (the person asked)
    proc = selfheal("heal", str(root), *HEAL, "--lint", home=tmp_path / "home")
    assert proc.returncode == 1, proc.stderr
    result = result_of(proc)
    assert result["healthy"] is False
    reasons = [f["reason"] for f in result["failed"] if f["finding"]["file"] == "shop/cart.py"]
    assert reasons and all("read-only" in r for r in reasons), result["failed"]
    assert cart.read_bytes() == cart_before and stat.S_IMODE(cart.stat().st_mode) == 0o444
    # a writable file with its own finding is still healed in the same run
    assert [a["files"] for a in result["applied"]] == [["shop/util.py"]]
    assert "import os" not in (root / "shop/util.py").read_text()


def test_tests_that_hang_are_a_timeout_finding_not_a_hang(tmp_path):
    root = write_project(tmp_path / "proj", "name_typo")
    write(root, {
        "pyproject.toml": "[tool.selfheal]\ntest_timeout_s = 3\n",
        "tests/test_forever.py": """
            import time

            def test_waits_for_a_server_that_never_answers():
                while True:
                    time.sleep(0.1)
        """,
    })
    before = digest(root)
    proc = heal(root, tmp_path / "home", timeout=300)  # TimeoutExpired here would mean a hang
    assert proc.returncode == 1, proc.stderr
    result = result_of(proc)
    assert result["healthy"] is False
    [timeout] = [f for f in result["findings"] if f["code"] == "TimeoutError"]
    assert "did not finish within 3s" in timeout["message"]
    assert any(f["code"] == "TimeoutError" for f in result["remaining"])
    # no fix can be proven while the suite cannot finish: nothing is written
    assert result["applied"] == [] and digest(root) == before


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize("pyproject,mentions", [
    ("[tool.selfheal\ntest_timeout_s = 3\n", "invalid TOML"),
    ("[tool.selfheal]\ntest_timout_s = 3\n", "unknown setting 'test_timout_s'"),
    ("[tool.selfheal]\ntest_timeout_s = 'soon'\n", "'test_timeout_s' must be float"),
    ("[tool.selfheal]\nprotected = [1, 2]\n", "'protected'"),
    ("[tool.selfheal]\ncommit = 'yes'\n", "'commit' must be bool"),
    ("[tool]\nselfheal = 3\n", "must be a table"),
    ("[tool.selfheal]\ntest_timeout_s = nan\n", "'test_timeout_s' must be a finite number"),
    ("[tool.selfheal]\ntest_timeout_s = -1\n", "'test_timeout_s' must be more than 0"),
    ("[tool.selfheal]\nmemory_limit_mb = 0\n", "'memory_limit_mb' must be more than 0"),
    ("[tool.selfheal]\nmax_steps = -3\n", "'max_steps' must be more than 0"),
    ("[tool.selfheal]\ntest_command = 'no-such-test-runner --all'\n", "'no-such-test-runner' is not an executable"),
    # a relative interpreter is the project's own (an absolute one outside it is ignored)
    ("[tool.selfheal]\npython = 'env3/bin/python3'\n", "/proj/env3/bin/python3' is not an executable"),
])
def test_a_broken_selfheal_config_is_one_line_and_exit_2(tmp_path, pyproject, mentions):
    root = write_project(tmp_path / "proj", "name_typo")
    (root / "pyproject.toml").write_text(pyproject)
    before = digest(root)
    proc = heal(root, tmp_path / "home")
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert mentions in one_line_error(proc)
    assert digest(root) == before and not (root / ".selfheal").exists()


def test_a_config_that_is_not_utf8_is_one_line_and_exit_2(tmp_path):
    root = write_project(tmp_path / "proj", "name_typo")
    (root / "pyproject.toml").write_bytes(b"\xff\xfe[tool.selfheal]\nmax_steps = 3\n")
    proc = heal(root, tmp_path / "home")
    assert proc.returncode == 2
    assert "not UTF-8" in one_line_error(proc)


# ---------------------------------------------------------------- undo


def test_undo_without_a_journal_is_one_line_and_leaves_no_trace(tmp_path):
    root = write_project(tmp_path / "proj", "name_typo")
    before = digest(root)
    proc = selfheal("undo", str(root), home=tmp_path / "home")
    assert proc.returncode == 1
    assert "nothing to undo" in one_line_error(proc)
    assert digest(root) == before and not (root / ".selfheal").exists()


# ---------------------------------------------------------------- killed mid-run


SLOW_PROJECT = {
    "shop/__init__.py": "",
    "shop/cart.py": """
        def cart_total(prices, tax_rate):
            subtotal = sum(prices)
            tax = subtotal * tax_rate
            return round(subtotl + tax, 2)
    """,
    "shop/util.py": """
        import os


        def greeting(name):
            return "hello " + name
    """,
    "tests/test_cart.py": """
        import time

        from shop.cart import cart_total

        def test_total():
            time.sleep(0.7)
            assert cart_total([10.0, 5.0], 0.2) == 18.0

        def test_empty():
            time.sleep(0.7)
            assert cart_total([], 0.2) == 0.0
    """,
}


def _sandboxed_processes_under(tmp: Path) -> list[int]:
    """Processes whose working directory lies under ``tmp`` (the heal's workspaces)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd.startswith(str(tmp)):
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("sig,when", [
    (signal.SIGTERM, "validate.start"),
    (signal.SIGINT, "validate.start"),
    (signal.SIGTERM, "apply"),
    (signal.SIGINT, "apply"),
])
def test_killed_mid_run_leaves_the_project_as_it_was_or_fully_healed(tmp_path, sig, when):
    """Two fixes (cart.py, then util.py); each file is either as it was or fully fixed."""
    root = write(tmp_path / "proj", SLOW_PROJECT)
    before = digest(root)
    fixed = {"shop/cart.py": ("subtotl", "subtotal"), "shop/util.py": ("import os\n", "")}
    states = {}
    for files in ([], ["shop/cart.py"], ["shop/util.py"], ["shop/cart.py", "shop/util.py"]):
        copy = shutil.copytree(root, tmp_path / f"expected{len(states)}")
        for rel in files:
            (copy / rel).write_text((copy / rel).read_text().replace(*fixed[rel]))
        states[tuple(files)] = digest(copy)
    after = states[("shop/cart.py", "shop/util.py")]

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV"))}
    env |= {"SELFHEAL_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1", "TMPDIR": str(tmp)}
    log = tmp_path / "heal.log"
    with open(log, "w") as err:
        # -vv logs every loop event, so the signal lands at a known step
        proc = subprocess.Popen([sys.executable, "-m", "selfheal_local", "-vv", "heal", str(root), *HEAL,
                                 "--lint"],
                                cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=err,
                                # Ctrl-C as in a terminal, even when this run was started with
                                # SIGINT ignored (a shell's background job): that is inherited
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            deadline = time.monotonic() + 240
            while f": {when}:" not in log.read_text():
                assert proc.poll() is None, f"heal ended before {when}: {log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, f"no {when} event: {log.read_text()[-3000:]}"
                time.sleep(0.02)
            time.sleep(0.3)  # into a sandboxed test run (after an apply: the next fix's validation)
            proc.send_signal(sig)
            proc.communicate(timeout=240)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    # SIGTERM unwinds like Ctrl-C: the sandbox copies are removed, one line says so
    assert proc.returncode == 130 and "interrupted" in text.strip().splitlines()[-1]

    state = digest(root)
    assert state in states.values(), "a half-applied project"
    if when == "apply":
        assert state != before  # the apply event comes after the journal committed
    # nothing the heal started in the sandbox outlives it
    deadline = time.monotonic() + 10
    while _sandboxed_processes_under(tmp) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _sandboxed_processes_under(tmp) == []

    # the next start recovers whatever the journal holds and finishes the job
    again = selfheal("heal", str(root), *HEAL, "--lint", home=tmp_path / "home")
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert result_of(again)["healthy"] is True
    assert digest(root) == after
    journal = root / ".selfheal" / "journal"
    states = [json.loads(p.read_text())["state"] for p in journal.glob("*/entry.json")]
    assert "pending" not in states
    assert suite_passes(root)
