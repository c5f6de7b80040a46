"""Running commands: environment, output, signals, rlimits, levels and the public API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_helpers import LEVELS, processes_with

import sandbox
from sandbox import (
    CommandError,
    IsolationError,
    Limits,
    RunResult,
    Sandbox,
    detect_isolation,
    isolation_report,
    run_command,
)

PY = sys.executable


def test_public_api_is_exported():
    for name in sandbox.__all__:
        assert getattr(sandbox, name) is not None
    assert {
        "Sandbox",
        "Limits",
        "RunResult",
        "SandboxError",
        "WorkspaceError",
        "run_command",
        "detect_isolation",
        "isolation_report",
    } <= set(sandbox.__all__)


def test_sandbox_satisfies_the_heal_loops_protocol(make_sandbox):
    from selfheal_local.protocols import Sandbox as SandboxProtocol

    assert isinstance(make_sandbox(), SandboxProtocol)


def test_import_has_no_side_effects(tmp_path):
    empty = tmp_path / "tmp"
    empty.mkdir()
    code = "import sandbox, logging; print(len(logging.getLogger('sandbox').handlers))"
    out = subprocess.run(
        [PY, "-c", code],
        env={"TMPDIR": str(empty), "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "0"
    assert list(empty.iterdir()) == []


@pytest.mark.parametrize("level", LEVELS)
def test_commands_run_at_every_level(make_sandbox, project, level):
    box = make_sandbox(level)
    assert box.isolation == level
    with box.workspace(project) as ws:
        result = box.run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ws)
    assert result.ok, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert result.isolation == level and result.signal is None


def test_environment_is_an_allow_list(make_sandbox, project, monkeypatch):
    monkeypatch.setenv("SELFHEAL_TEST_SECRET", "s3cr3t-value")
    box = make_sandbox()
    dump = "import json, os; print(json.dumps(dict(os.environ)))"
    with box.workspace(project) as ws:
        result = box.run([PY, "-c", dump], cwd=ws, env={"EXTRA": "yes", "PYTHONPATH": "src"})
    env = json.loads(result.stdout)
    assert "s3cr3t-value" not in result.stdout
    assert "SELFHEAL_TEST_SECRET" not in env
    assert env["EXTRA"] == "yes" and env["PYTHONPATH"] == "src"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1" and env["PYTHONHASHSEED"] == "0"
    assert env["HF_HUB_OFFLINE"] == "1" and env["NO_PROXY"] == "*"
    assert env["HOME"] != str(Path.home()) and "selfheal-run-" in env["HOME"]
    assert "selfheal-run-" in env["TMPDIR"]


def test_output_over_the_cap_keeps_the_tail(make_sandbox, project):
    box = make_sandbox(output_bytes=64 * 1024)
    code = (
        "import sys\nfor i in range(100000): print(f'line {i}')\nprint('err-end', file=sys.stderr)"
    )
    with box.workspace(project) as ws:
        result = box.run([PY, "-c", code], cwd=ws)
    assert result.ok
    assert result.stdout.endswith("line 99999\n")
    assert "line 0\n" not in result.stdout
    assert "bytes cut" in result.stdout.splitlines()[0]
    assert len(result.stdout) <= 64 * 1024 + 100
    assert result.stderr == "err-end\n"


@pytest.mark.parametrize("level", LEVELS)
def test_signal_is_recorded(make_sandbox, project, level):
    box = make_sandbox(level)
    with box.workspace(project) as ws:
        result = box.run(
            [PY, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"], cwd=ws
        )
    assert result.signal == 15 and not result.ok and not result.timed_out


def test_cpu_seconds_limit_stops_a_busy_loop_before_the_timeout(make_sandbox, project):
    box = make_sandbox(cpu_s=1, timeout_s=30)
    with box.workspace(project) as ws:
        result = box.run([PY, "-c", "while True: pass"], cwd=ws)
    assert not result.timed_out and result.signal == 24  # SIGXCPU
    assert result.elapsed_s < 15


def test_open_files_limit(make_sandbox, project):
    box = make_sandbox(open_files=32)
    code = "import os\nfds = [os.open('data.txt', os.O_RDONLY) for _ in range(100)]"
    with box.workspace(project) as ws:
        result = box.run([PY, "-c", code], cwd=ws)
    assert result.returncode == 1 and "Too many open files" in result.stderr


def test_core_dumps_are_off(make_sandbox, project):
    code = "import resource; print(resource.getrlimit(resource.RLIMIT_CORE))"
    with make_sandbox().workspace(project) as ws:
        result = make_sandbox().run([PY, "-c", code], cwd=ws)
    assert result.stdout.strip() == "(0, 0)"


def test_run_command_without_a_sandbox(tmp_path):
    result = run_command(
        ["sh", "-c", "echo out; echo err >&2; exit 3"], cwd=tmp_path, tmp_root=tmp_path
    )
    assert isinstance(result, RunResult)
    assert (result.returncode, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert result.isolation == detect_isolation()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_missing_program_and_empty_argv(make_sandbox, project):
    box = make_sandbox()
    with box.workspace(project) as ws:
        result = box.run(["no-such-program-selfheal"], cwd=ws)
        assert result.returncode != 0 and not result.ok
        with pytest.raises(CommandError, match="empty argv"):
            box.run([], cwd=ws)


def test_unknown_isolation_level_is_refused():
    with pytest.raises(IsolationError, match="unknown isolation level"):
        Sandbox(isolation="docker")


# a shell, not the test's interpreter: the unprivileged uid may not read a venv under /root
# each child is one process that blocks on a fifo without forking again: a child that had to fork
# (sleep) and failed would exit and free its slot, so the loop could start more than the limit
SHELL_BOMB = """
mkfifo hold
n=0
while [ $n -lt 2000 ]; do
  sh -c 'read x < hold' "$0" &
  n=$((n+1))
  echo $n
done
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="the unprivileged-uid fallback is for root")
def test_unprivileged_uid_bounds_processes_without_a_cgroup(tmp_path, token):
    work = tmp_path / "work"
    work.mkdir()
    result = run_command(
        ["sh", "-c", SHELL_BOMB, token],
        cwd=work,
        limits=Limits(processes=64, timeout_s=60),
        process_limit="uid",
        tmp_root=tmp_path,
    )
    # RLIMIT_NPROC counts every process and thread of uid 65534 on the machine: when another
    # sandbox (a parallel test worker) holds most of the quota, the bomb may not fork even once
    counts = result.stdout.split()
    started = int(counts[-1]) if counts else 0
    assert started < 64 and not result.timed_out, result
    assert "fork" in result.stderr.lower() or "resource temporarily unavailable" in result.stderr.lower(), result
    assert work.stat().st_uid == 65534
    assert processes_with(token) == []


def test_isolation_report_describes_this_machine():
    report = isolation_report()
    assert report["level"] == detect_isolation()
    assert report["level"] in ("bwrap", "unshare", "none")
    assert isinstance(report["summary"], str) and report["summary"]
    assert report["process_limit"]["method"] in ("cgroup", "uid", "rlimit", "none")
    if report["bwrap"]["path"]:
        assert report["bwrap"]["version"].startswith("bubblewrap")
    assert "RLIMIT_AS" in report["rlimits"]
    json.dumps(report)
