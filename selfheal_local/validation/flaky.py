"""A candidate proved once proves it again: its tests run a second time, under another hash
seed, before it counts as validated.

A change that makes a test pass only sometimes (the order of a set of strings, a random
choice, a race) is no fix: run once it may pass by chance, and the person's next run fails.
The first run is under ``PYTHONHASHSEED=0`` (the sandbox's fixed environment), the second
under a random seed; a test of the change that passed the first time and not the second makes
the candidate "flaky", never validated. A slow suite runs again only what the candidate's
staged validation ran first (its targets and the test modules that exercise the change).
"""

from __future__ import annotations

from selfheal_local.types import TestReport
from selfheal_local.validation.evidence import regressed


def again(targets: tuple[str, ...], modules: tuple[str, ...], staged: bool) -> tuple[str, ...]:
    """What the second run runs: the whole suite (``()``) unless it is staged (slow)."""
    return tuple(dict.fromkeys([*targets, *modules])) if staged else ()


def unsteady(first: TestReport, second: TestReport, targets: tuple[str, ...],
             modules: tuple[str, ...]) -> tuple[str, ...]:
    """Tests of the candidate (its targets, and every test of a module that exercises the
    change) that passed in ``first`` and did not pass in ``second`` (tests renamed between
    runs, as parametrized ids built from objects are, count as ``regressed`` counts them);
    all of them when the second run timed out."""
    mine = sorted(t for t in first.passed if t in targets or t.split("::")[0] in modules)
    return tuple(mine) if second.timed_out else regressed(mine, second)


__all__ = ["again", "unsteady"]
