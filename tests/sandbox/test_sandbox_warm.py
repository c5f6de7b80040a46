"""Runs started ahead of need (``Sandbox.prestart``): the same run as a cold start, or none."""

from __future__ import annotations

import sys
import time
import uuid

import pytest
from sandbox_helpers import LEVELS, processes_with

PY = sys.executable
SHOW = (
    "import os, sys\n"
    "print(__name__, sys.argv[1:], sys.path[0] == os.getcwd(), os.environ.get('COLOUR'))\n"
    "print(open('data.txt').read())\n"
)


@pytest.fixture
def module() -> str:
    """A module name unique to the test (it shows in the started interpreter's command line)."""
    return f"warm_{uuid.uuid4().hex}"


@pytest.mark.parametrize("level", LEVELS)
def test_a_prestarted_run_is_the_cold_run_and_sees_what_was_written_after_it_started(
        make_sandbox, project, level, module):
    box = make_sandbox(level)
    head = [PY, "-m", module]
    with box.workspace(project) as cold_ws, box.workspace(project) as warm_ws:
        started = box.prestart(head, "json", cwd=warm_ws, env={"COLOUR": "blue"})
        time.sleep(0.3)  # it has started and waits: nothing of the module exists yet
        for ws in (cold_ws, warm_ws):
            (ws / f"{module}.py").write_text(SHOW)
            (ws / "data.txt").write_text("written after the start")
        cold = box.run([*head, "a b", "--flag"], cwd=cold_ws, env={"COLOUR": "blue"})
        warm = box.run([*head, "a b", "--flag"], cwd=warm_ws, env={"COLOUR": "blue"},
                       prestarted=started)
    assert cold.returncode == 0, cold.stderr
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout == cold.stdout
    assert warm.stdout.splitlines() == ["__main__ ['a b', '--flag'] True blue",
                                        "written after the start"]
    assert warm.argv == (*head, "a b", "--flag")
    assert processes_with(module) == []


def test_a_prestarted_run_is_not_used_for_another_environment(make_sandbox, project, module):
    box = make_sandbox()
    head = [PY, "-m", module]
    with box.workspace(project) as ws:
        (ws / f"{module}.py").write_text(SHOW)
        (ws / "data.txt").write_text("text")
        started = box.prestart(head, "json", cwd=ws, env={"COLOUR": "blue"})
        got = box.run([*head, "x"], cwd=ws, env={"COLOUR": "red"}, prestarted=started)
        assert got.returncode == 0, got.stderr
        assert got.stdout.splitlines()[0] == "__main__ ['x'] True red"
        assert not started.matches([*head, "x"], ws, {"COLOUR": "blue"})  # discarded, spent
    assert processes_with(module) == []


def test_an_unused_prestarted_run_leaves_nothing_behind(make_sandbox, project, module):
    box = make_sandbox()
    with box.workspace(project) as ws:
        started = box.prestart([PY, "-m", module], "json", cwd=ws)
        time.sleep(0.2)
        assert processes_with(module, grace_s=0) != []
        started.close()
        assert processes_with(module) == []


def test_a_prestarted_run_is_timed_from_its_arguments_and_killed_at_its_limit(
        make_sandbox, project, module):
    box = make_sandbox()
    with box.workspace(project) as ws:
        (ws / f"{module}.py").write_text("import time\ntime.sleep(60)\n")
        started = box.prestart([PY, "-m", module], "json", cwd=ws)
        time.sleep(1.5)  # waiting does not count against the run's time
        began = time.monotonic()
        got = box.run([PY, "-m", module], cwd=ws, timeout_s=1.0, prestarted=started)
        took = time.monotonic() - began
    assert got.timed_out
    assert 0.9 < got.elapsed_s < 2.0 and took < 2.5
    assert processes_with(module) == []
