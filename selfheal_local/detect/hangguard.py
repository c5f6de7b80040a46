"""A per-test limit: a test that hangs or loops forever fails on its own instead of the suite.

Without it, one endless loop costs the whole run its time-out and leaves no per-test result:
nothing to localize, nothing to validate against. With it, a small pytest plugin written into
the workspace (like the coverage plugin) arms ``SIGALRM`` around each test's call and raises
``TestTimeout`` where the test was when its limit ran out, so the run goes on, the test reads as
failed, and its traceback names the loop. ``TestTimeout`` derives from ``BaseException``: an
``except Exception`` (or ``except OSError``) in the looping code cannot swallow it. The alarm
stays off where it cannot work or would clash: outside the main thread, and while another
handler owns ``SIGALRM`` (pytest-timeout's signal method, a test's own alarm).

A bug that makes one test hang often makes several hang: after the first stop, each later test
of the run gets a multiple of the slowest test that finished instead of the full limit (the
run still goes on: another finding's stuck test must not hide what a candidate fixed).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

GUARD_DIR = ".selfheal-hang"
GUARD_NAME = "_selfheal_hang"
OPTION = "--selfheal-test-limit"
AFTER_HANG_FACTOR = 3.0
AFTER_HANG_FLOOR_S = 1.0
"""Once one test hung, each later test of the run may take this many times the slowest test
that finished, plus the floor (five stuck tests cost one limit and four short ones, not five)."""

PLUGIN = '''"""selfheal-local: stop a test that runs past its limit with TestTimeout where it was."""
import signal
import threading
import time

import pytest

_seen = {"slowest": 0.0, "stopped": False}


class TestTimeout(BaseException):
    """A test ran past selfheal-local's per-test limit (a hang or an endless loop?)."""

    __test__ = False


def pytest_addoption(parser):
    parser.addoption("--selfheal-test-limit", type=float, default=0.0)


def _limit(config):
    limit = config.getoption("--selfheal-test-limit")
    if _seen["stopped"]:  # one test hung: the rest get what the finished ones needed
        limit = min(limit, FACTOR * _seen["slowest"] + FLOOR_S)
    return limit


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    limit = _limit(item.config)
    if (limit <= 0 or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, None)):
        yield
        return
    armed, fired = [True], [False]

    def stop(signum, frame):
        if armed[0]:
            fired[0] = True
            raise TestTimeout(f"the test did not finish within {limit:g}s and was stopped "
                              "(an endless loop or a hang?)")

    started = time.monotonic()
    signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, limit, 1.0)  # again each second if it is swallowed
    try:
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
    if fired[0]:
        _seen["stopped"] = True
    else:
        _seen["slowest"] = max(_seen["slowest"], time.monotonic() - started)
'''.replace("FACTOR", repr(AFTER_HANG_FACTOR)).replace("FLOOR_S", repr(AFTER_HANG_FLOOR_S))


def stopped(exception_type: str) -> bool:
    """An outcome's exception is the guard's (the test ran past its limit)."""
    return exception_type.rsplit(".", 1)[-1] == "TestTimeout"


def derived_limit(durations: Iterable[tuple[float, str]], factor: float, floor_s: float,
                  cap_s: float) -> float:
    """A candidate's per-test limit: ``factor`` times the slowest baseline test that was not
    stopped by the guard, plus ``floor_s``, never more than ``cap_s``. ``durations``: (seconds,
    exception type) of the baseline's tests."""
    slowest = max((s for s, exc in durations if not stopped(exc)), default=0.0)
    return min(cap_s, factor * slowest + floor_s)


def guard_files() -> dict[str, str]:
    """The workspace files the guard needs (relative path -> text), for ``Sandbox.workspace``."""
    return {f"{GUARD_DIR}/{GUARD_NAME}.py": PLUGIN}


def install(workspace: Path) -> None:
    """Write the guard into ``workspace`` (a sandbox copy, never the project)."""
    for rel, text in guard_files().items():
        path = workspace / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def guard_args(limit_s: float) -> list[str]:
    """pytest arguments that load the guard with ``limit_s`` seconds per test."""
    return ["-p", GUARD_NAME, f"{OPTION}={limit_s:g}"]


def with_guard_path(workspace: Path, env: dict[str, str]) -> dict[str, str]:
    """``env`` with the guard's directory first on ``PYTHONPATH``."""
    paths = [str(workspace / GUARD_DIR), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
    return {**env, "PYTHONPATH": os.pathsep.join(paths)}


__all__ = ["GUARD_DIR", "derived_limit", "guard_args", "guard_files", "install", "stopped", "with_guard_path"]
