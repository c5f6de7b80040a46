"""A candidate proved once proves it again: its tests run a second time, under another hash
seed, before it counts as validated.

A change that makes a test pass only sometimes (the order of a set of strings, a random
choice, a race) is no fix: run once it may pass by chance, and the person's next run fails.
The first run is under ``PYTHONHASHSEED=0`` (the sandbox's fixed environment), the second
under a random seed; a test of the change that passed the first time and not the second makes
the candidate "flaky", never validated. A slow suite runs again only what the candidate's
staged validation ran first (its targets and the test modules that exercise the change), in
the order the whole suite ran them: a test that depends on what ran before it in its process
(six's ``test_lazy`` asserts ``html.parser`` is not imported yet, and a target imports it) is
not flaky for having been run after a target it follows in the suite. What such a part run
calls unsteady is confirmed on the whole suite under the same seed before it counts, and a
test the candidate did not make pass (a target) is not held against it when the unchanged
project fails it too under that seed (a test that was flaky before the candidate).

When a core is spare (a candidate validated alone, as a replay from memory is) the second run
starts beside the first, in a workspace of its own, and is stopped when the first fails: the
candidate's proof then costs about one run of wall time, not two.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from selfheal_local.protocols import Sandbox
from selfheal_local.types import TestReport
from selfheal_local.validation.evidence import regressed
from selfheal_local.validation.warm import Slot

log = logging.getLogger(__name__)

GATE_POLL_S = 0.05

Run = Callable[..., TestReport]
"""``run(ids, seed, where, stop, warm)``: the validator's test run (``ids`` ``()``: the whole
suite), in the workspace ``where``, stopped when the event ``stop`` is set, in the started
interpreter ``warm`` when given."""


def in_copy(sandbox: Sandbox, root: Path, overrides: Mapping[str, str], run: Run,
            ids: tuple[str, ...], seed: str, stop: threading.Event | None = None,
            slot: Slot | None = None) -> TestReport:
    """``run`` in a workspace of its own: the project with ``overrides`` written in (the warm
    ``slot``'s, started for a whole-suite run under ``seed``, when there is one)."""
    if slot is not None:
        with slot.use(overrides) as where:
            return run(ids, seed, where, stop, slot.prestarted if not ids else None)
    with sandbox.workspace(root, overrides) as where:
        return run(ids, seed, where, stop)


class Beside:
    """The second run, started now in a thread beside the first; ``report()`` waits for it
    (None when it was stopped or could not run), ``stop()`` kills it."""

    def __init__(self, sandbox: Sandbox, root: Path, overrides: Mapping[str, str], run: Run,
                 ids: tuple[str, ...], seed: str, slot: Slot | None = None,
                 when: Callable[[], bool] | None = None) -> None:
        self._stop = threading.Event()
        self._report: TestReport | None = None
        self.due = threading.Event()
        """Set when the second run must start whatever ``when`` says (the first run ended)."""

        def go() -> None:
            # ``when``: a core is free (the batch's other candidates are done)
            while when is not None and not (when() or self.due.is_set() or self._stop.is_set()):
                self.due.wait(GATE_POLL_S)
            if self._stop.is_set():
                return
            try:
                self._report = in_copy(sandbox, root, overrides, run, ids, seed, self._stop,
                                       slot)
            except Exception:  # the second run is then made after the first, as without a spare core
                log.exception("the second run beside the first failed")

        self._thread = threading.Thread(target=go, name="selfheal-second-run", daemon=True)
        self._thread.start()

    def report(self) -> TestReport | None:
        self.due.set()
        self._thread.join()
        return None if self._stop.is_set() else self._report

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def again(targets: tuple[str, ...], modules: tuple[str, ...], staged: bool,
          first: TestReport | None) -> tuple[str, ...]:
    """What the second run runs: the whole suite (``()``) unless it is staged (slow); then the
    test modules whole and the targets of other modules, in the order ``first`` ran them."""
    if not staged:
        return ()
    whole = set(modules)
    chosen = dict.fromkeys([*modules, *(t for t in targets if t.split("::")[0] not in whole)])
    position: dict[str, int] = {}
    for index, outcome in enumerate(first.outcomes if first is not None else ()):
        position.setdefault(outcome.test_id, index)
        position.setdefault(outcome.test_id.split("::")[0], index)
    return tuple(sorted(chosen, key=lambda t: position.get(t, len(position))))


def recheck(first: TestReport, run: Run, targets: tuple[str, ...], modules: tuple[str, ...],
            staged: bool, seed: str, *, second: TestReport | None = None,
            original: Callable[[str], TestReport] | None = None) -> tuple[str, ...]:
    """The candidate's tests that passed in ``first`` and fail when run again under ``seed``
    (``second``, made beside the first, or ``run(ids, seed)``). A test that is not a target
    (the candidate did not make it pass) is held against it only when it fails on the whole
    suite, as ``first`` was run, and passes in ``original(seed)`` (the unchanged project's
    suite under that seed): otherwise its order or the test itself is to blame."""
    if second is None:
        second = run(again(targets, modules, staged, first), seed)
    shaky = unsteady(first, second, targets, modules)
    mine = [t for t in shaky if t in targets]
    others = [t for t in shaky if t not in targets]
    if others and staged:
        others = list(regressed(others, run((), seed)))
    if others and original is not None:
        before = set(regressed(others, original(seed)))
        others = [t for t in others if t not in before]
    return tuple(mine + others)


def unsteady(first: TestReport, second: TestReport, targets: tuple[str, ...],
             modules: tuple[str, ...]) -> tuple[str, ...]:
    """Tests of the candidate (its targets, and every test of a module that exercises the
    change) that passed in ``first`` and did not pass in ``second`` (tests renamed between
    runs, as parametrized ids built from objects are, count as ``regressed`` counts them);
    all of them when the second run timed out."""
    mine = sorted(t for t in first.passed if t in targets or t.split("::")[0] in modules)
    return tuple(mine) if second.timed_out else regressed(mine, second)


__all__ = ["Beside", "again", "in_copy", "recheck", "unsteady"]
