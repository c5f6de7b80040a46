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
calls unsteady is confirmed on the whole suite under the same seed before it counts.
"""

from __future__ import annotations

from collections.abc import Callable

from selfheal_local.types import TestReport
from selfheal_local.validation.evidence import regressed


def again(targets: tuple[str, ...], modules: tuple[str, ...], staged: bool,
          first: TestReport) -> tuple[str, ...]:
    """What the second run runs: the whole suite (``()``) unless it is staged (slow); then the
    test modules whole and the targets of other modules, in the order ``first`` ran them."""
    if not staged:
        return ()
    whole = set(modules)
    chosen = dict.fromkeys([*modules, *(t for t in targets if t.split("::")[0] not in whole)])
    position: dict[str, int] = {}
    for index, outcome in enumerate(first.outcomes):
        position.setdefault(outcome.test_id, index)
        position.setdefault(outcome.test_id.split("::")[0], index)
    return tuple(sorted(chosen, key=lambda t: position.get(t, len(position))))


def recheck(first: TestReport, run: Callable[[tuple[str, ...], str], TestReport],
            targets: tuple[str, ...], modules: tuple[str, ...], staged: bool,
            seed: str) -> tuple[str, ...]:
    """The candidate's tests that passed in ``first`` and fail when run again under ``seed``
    (``run(ids, seed)``; ``()`` is the whole suite); a staged part run's verdict is confirmed
    on the whole suite, as ``first`` was run, before it stands."""
    shaky = unsteady(first, run(again(targets, modules, staged, first), seed), targets, modules)
    if shaky and staged:
        shaky = unsteady(first, run((), seed), targets, modules)
    return shaky


def unsteady(first: TestReport, second: TestReport, targets: tuple[str, ...],
             modules: tuple[str, ...]) -> tuple[str, ...]:
    """Tests of the candidate (its targets, and every test of a module that exercises the
    change) that passed in ``first`` and did not pass in ``second`` (tests renamed between
    runs, as parametrized ids built from objects are, count as ``regressed`` counts them);
    all of them when the second run timed out."""
    mine = sorted(t for t in first.passed if t in targets or t.split("::")[0] in modules)
    return tuple(mine) if second.timed_out else regressed(mine, second)


__all__ = ["again", "recheck", "unsteady"]
