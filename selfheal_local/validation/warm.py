"""Test runs started ahead of need, for a candidate validated alone on a quick suite.

A candidate validated alone (a replay from memory, a rule's fix) costs its suite run twice
over (the run, and the second run under another hash seed beside it), and on a quick suite
each run is mostly an interpreter start and ``import pytest``. ``WarmRuns`` keeps one
workspace per kind of run (the first, and the second with its seed chosen now) with the
sandbox's interpreter already started in it (``Sandbox.prestart``); the validator takes
them, writes the candidate into the workspace and sends the command line.

Correctness does not rest on this module: a workspace is taken only while the project's
files are exactly what was copied (``stamp``), and the sandbox uses the started interpreter
only for exactly the command and environment it was started with; otherwise the run
starts cold, as without it. Used only for quick pytest suites (staged suites run parts,
and their runs are dominated by the tests), never for a project that shadows ``pytest``.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from selfheal_local.project import Project
from selfheal_local.protocols import Sandbox
from selfheal_local.types import TestReport

log = logging.getLogger(__name__)

QUICK_S = 1.0
"""Suites at least this slow are staged (``validator.STAGED_ABOVE_S``): no warm runs."""
SMALL_FILES = 300
"""Before the suite's first run, only a project of at most this many Python files is copied
ahead (a large tree's copies would slow the scan they run beside)."""


@dataclass
class Slot:
    """A workspace copy of the project and the interpreter started in it."""

    sandbox: Sandbox
    workspace: Path
    seed: str | None
    prestarted: object
    stamp: frozenset
    stack: contextlib.ExitStack = field(repr=False)

    @contextlib.contextmanager
    def use(self, overrides: Mapping[str, str]) -> Iterator[Path]:
        """The workspace with ``overrides`` written in; the slot is closed afterwards."""
        try:
            self.sandbox.write(self.workspace, overrides)
            yield self.workspace
        finally:
            self.close()

    def close(self) -> None:
        try:
            self.prestarted.close()
        finally:
            self.stack.close()


class WarmRuns:
    """At most one ready slot per kind (unseeded, seeded); ``prime`` starts what is missing
    in the background, ``take`` hands one over (None when none is ready and current)."""

    def __init__(self, project: Project, sandbox: Sandbox) -> None:
        self.project, self.sandbox = project, sandbox
        self._slots: dict[bool, Slot] = {}
        self._making: dict[bool, threading.Thread] = {}
        self._lock = threading.Lock()
        self._closed = False

    def usable(self, baseline: TestReport | None) -> bool:
        from selfheal_local.detect.tests import is_pytest

        config, root = self.project.config, self.project.root
        argv = config.test_argv(root)
        return (not self._closed and config.workers() > 1
                and all(hasattr(self.sandbox, m) for m in ("prestart", "stamp", "write"))
                and is_pytest(argv) and len(argv) == 3 and argv[1:] == ["-m", "pytest"]
                and not (root / "pytest.py").exists() and not (root / "pytest").exists()
                and (baseline.elapsed_s < QUICK_S and not baseline.timed_out if baseline is not None
                     else len(self.project.python_files) <= SMALL_FILES))

    def prime(self, baseline: TestReport | None, test_limit_s: float | None) -> None:
        """Start (in threads) the slots that are missing, for runs with ``test_limit_s``."""
        if not self.usable(baseline):
            return
        for seeded in (False, True):  # a copy of files since changed is of no use
            slot = self.take(seeded)
            if slot is not None:
                with self._lock:
                    kept = not self._closed and self._slots.setdefault(seeded, slot) is slot
                if not kept:
                    slot.close()
        with self._lock:
            for seeded in (False, True):
                if seeded in self._slots or seeded in self._making:
                    continue
                thread = threading.Thread(target=self._make, args=(seeded, test_limit_s),
                                          name="selfheal-warm-run", daemon=True)
                self._making[seeded] = thread
                thread.start()

    def _make(self, seeded: bool, test_limit_s: float | None) -> None:
        from selfheal_local.detect.tests import prepare_run

        stack = contextlib.ExitStack()
        slot = None
        try:
            project = self.project
            before = self.sandbox.stamp(project.root)
            workspace = stack.enter_context(self.sandbox.workspace(project.root))
            seed = str(random.randrange(1, 2**32)) if seeded else None
            env = {**project.test_env, **({"PYTHONHASHSEED": seed} if seed else {})}
            argv, run_env, _junit = prepare_run(workspace, project.config, env=env,
                                                source_roots=project.source_roots,
                                                test_limit_s=test_limit_s)
            started = self.sandbox.prestart(argv[:3], "pytest", cwd=workspace, env=run_env)
            slot = Slot(self.sandbox, workspace, seed, started, before, stack)
        except Exception as exc:  # a warm run is an optimisation: without it, runs start cold
            log.info("no warm test run: %s", exc)
            stack.close()
        with self._lock:
            self._making.pop(seeded, None)
            if slot is not None and not self._closed:
                self._slots[seeded] = slot
                slot = None
        if slot is not None:
            slot.close()

    def take(self, seeded: bool) -> Slot | None:
        """The ready slot of this kind, if the project's files are still what it copied."""
        with self._lock:
            slot = self._slots.pop(seeded, None)
        if slot is None:
            return None
        if self.sandbox.stamp(self.project.root) != slot.stamp:
            slot.close()
            return None
        return slot

    def ready(self) -> set[bool]:
        """The kinds (seeded or not) with a slot ready to take."""
        with self._lock:
            return set(self._slots)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            slots, self._slots = list(self._slots.values()), {}
            making = list(self._making.values())
        for slot in slots:
            slot.close()
        for thread in making:
            thread.join()

    def reopen(self) -> None:
        with self._lock:
            self._closed = False
