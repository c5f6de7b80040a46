"""When the agent itself dies (kill -9), nothing it started in the sandbox runs on.

A test run left going on its own keeps writing into a workspace the next start is removing
(the kill-9 chains of tests/heal/test_kill.py once found two such leftovers in CI).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sandbox_helpers import LEVELS, processes_with

from sandbox.runner import SHIM

PY = sys.executable
REPO = Path(__file__).parents[2]

AGENT = """
import sys
from pathlib import Path
from sandbox import Limits, run_command
level, cwd, tmp_root, token = sys.argv[1:5]
run_command([sys.executable, "-c", "while True: pass", token + "-run"], cwd=Path(cwd),
            limits=Limits(timeout_s=120), isolation=level, process_limit="none",
            tmp_root=Path(tmp_root))
"""


def _command_runs(token: str) -> bool:
    """The command itself runs (not only the shim or bubblewrap that will start it: the
    agent is killed while its command runs; the startup window is the shim tests' below)."""
    for pid in processes_with(token, grace_s=0):
        try:
            argv = Path("/proc", str(pid), "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[1:3] == [b"-c", b"while True: pass"]:
            return True
    return False


@pytest.mark.parametrize("level", LEVELS)
def test_a_run_dies_with_its_agent(project, tmp_root, token, level):
    tmp_root.mkdir()
    command = token + "-run"  # the agent's own command line holds only ``token``
    agent = subprocess.Popen([PY, "-c", AGENT, level, str(project), str(tmp_root), token],
                             cwd=REPO, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _command_runs(command):
            assert agent.poll() is None, "the agent stopped before its command ran"
            assert time.monotonic() < deadline, "the command never started"
            time.sleep(0.05)
    finally:
        agent.send_signal(signal.SIGKILL)
        agent.wait()
    assert processes_with(command) == [], f"the command outlived its agent at level {level}"


def test_a_shim_whose_agent_is_already_gone_runs_nothing(tmp_path):
    # the agent died between starting the shim and the shim's request to die with it: the
    # shim's parent is then no longer the agent, and the command must not start
    marker = tmp_path / "ran"
    spec = {"cgroup_procs": None, "rlimits": {}, "parent_pid": 1}  # not our parent
    proc = subprocess.run([PY, "-I", "-S", str(SHIM), json.dumps(spec), "--", "touch",
                           str(marker)], capture_output=True, timeout=30)
    assert proc.returncode == 137
    assert not marker.exists()


def test_a_shim_with_its_agent_alive_runs_the_command(tmp_path):
    marker = tmp_path / "ran"
    spec = {"cgroup_procs": None, "rlimits": {}, "parent_pid": os.getpid()}
    proc = subprocess.run([PY, "-I", "-S", str(SHIM), json.dumps(spec), "--", "touch",
                           str(marker)], capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()
