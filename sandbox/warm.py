"""A command started ahead of need: ``python -m MODULE`` whose interpreter has already
imported what it will need, waiting for its arguments.

A test run of a small project is mostly an interpreter start and ``import pytest`` (a few
tenths of a second, most of the run). ``Sandbox.prestart`` starts ``python -c WARM`` in a
workspace, under the same wrapper, limits and environment as any run; that interpreter
imports ``preload`` and blocks on its standard input. ``Sandbox.run`` with the
``Prestarted`` sends the rest of the command line: the interpreter sets ``sys.argv`` and
``sys.path[0]`` as ``python -m`` does and runs the module as ``__main__`` (runpy, as ``-m``
does). Nothing of the project is imported before the arguments arrive, so files written into
the workspace before then are what the run sees.

The run is used only when the command, the directory and the environment are exactly those
it was started with; otherwise it is discarded and the command starts cold. An interpreter
nobody sends arguments to exits after ``IDLE_S`` (and dies with the agent, as every run does).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from .command import Started
from .limits import RunResult

IDLE_S = 600.0
GO = b"go\0"
WARM = r"""
import sys
def _warm():
    import os, select
    module, preload, idle = sys.argv[1], sys.argv[2], float(sys.argv[3])
    here = sys.path.pop(0)  # nothing is read from the workspace before the arguments come
    __import__(preload)
    sys.path.insert(0, here)
    data = b""
    if select.select([0], [], [], idle)[0]:
        while chunk := os.read(0, 65536):
            data += chunk
    if not data.startswith(b"go\0"):
        raise SystemExit(0)  # released unused
    sys.argv = ["-m", *(a.decode("utf-8", "surrogateescape") for a in data[3:].split(b"\0"))]
    sys.path[0] = os.getcwd()  # what python -m puts first
    return module
_module = _warm()
del _warm
import runpy
runpy._run_module_as_main(_module)
"""


def warm_argv(head: Sequence[str], preload: str) -> list[str]:
    """The command that stands for ``head`` (``[python, "-m", module]``) until it is sent the
    rest of its arguments."""
    python, flag, module = head
    if flag != "-m":
        raise ValueError("only 'python -m MODULE' can be started ahead")
    return [python, "-c", WARM, module, preload, str(IDLE_S)]


class Prestarted:
    """A run of ``head`` started in ``cwd`` with ``env``; ``finish`` (once) sends the rest of
    the command line and waits; ``close`` discards it."""

    def __init__(self, started: Started, head: Sequence[str], cwd: Path,
                 env: Mapping[str, str] | None) -> None:
        self.head = tuple(head)
        self.cwd = cwd
        self.env = dict(env or {})
        self._started = started
        self._lock = threading.Lock()
        self._used = False

    def matches(self, argv: Sequence[str], cwd: Path, env: Mapping[str, str] | None) -> bool:
        """``argv`` in ``cwd`` with ``env`` is the run this one was started for."""
        return (tuple(argv[:len(self.head)]) == self.head and Path(cwd) == self.cwd
                and dict(env or {}) == self.env and not self._used)

    def finish(self, argv: Sequence[str], timeout_s: float,
               cancel: threading.Event | None = None) -> RunResult:
        with self._lock:
            if self._used:
                raise RuntimeError("a prestarted run runs once")
            self._used = True
        rest = [str(a).encode("utf-8", "surrogateescape") for a in argv[len(self.head):]]
        result = self._started.finish(timeout_s, cancel, stdin=GO + b"\0".join(rest))
        return replace(result, argv=tuple(str(a) for a in argv))

    def close(self) -> None:
        with self._lock:
            self._used = True
        self._started.abandon()
