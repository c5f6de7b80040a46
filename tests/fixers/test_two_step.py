"""Two-step repair: a mutant that fixes some of a finding's failing tests (and breaks nothing)
seeds a second round in the sandbox; only the state that passes everything is applied."""

from __future__ import annotations

import textwrap
from pathlib import Path

from sandbox import Limits, Sandbox
from selfheal_local.fixers.search import SearchSource, is_partial
from selfheal_local.project import Project
from selfheal_local.service import Healer
from selfheal_local.types import Verdict

# two slips in one loop: the range skips the first element and the lower bound is exclusive;
# the parametrized cases fail at one assertion (one finding), some need one fix, some both
RANGE_COUNT = {
    "counting.py": """
        def count_in_range(xs, lo, hi):
            n = 0
            for i in range(1, len(xs)):
                if lo < xs[i] <= hi:
                    n += 1
            return n
        """,
    "tests/test_counting.py": """
        import pytest

        from counting import count_in_range


        @pytest.mark.parametrize(("xs", "lo", "hi", "expected"), [
            ([5, 1, 2], 0, 10, 3),
            ([1, 2, 3], 1, 3, 3),
            ([0, 2, 3], 2, 3, 2),
            ([9, 4], 0, 5, 1),
        ])
        def test_count(xs, lo, hi, expected):
            assert count_in_range(xs, lo, hi) == expected
        """,
}
FIXED = """def count_in_range(xs, lo, hi):
    n = 0
    for i in range(0, len(xs)):
        if lo <= xs[i] <= hi:
            n += 1
    return n
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def test_partial_means_progress_without_breakage():
    partial = Verdict(False, "partial", "partial: 1 of 3", still_failing=("a", "b"),
                      now_passing=("c",))
    assert is_partial(partial, 3)
    assert is_partial(Verdict(False, "failing", "x", still_failing=("a",)), 3)
    assert not is_partial(Verdict(False, "failing", "x", still_failing=("a", "b", "c")), 3)
    assert not is_partial(Verdict(False, "suite", "regression", still_failing=("a",),
                                  newly_failing=("z",)), 3)
    assert not is_partial(Verdict(True, "suite"), 3)


def test_two_edits_heal_in_one_step_and_partials_are_never_applied(tmp_path):
    root = write(tmp_path / "p", RANGE_COUNT)
    (root / "pyproject.toml").write_text("[tool.selfheal]\nsearch_budget_s = 900\n")
    project = Project.open(root)
    search = SearchSource(project.config)
    healer = Healer(project, Sandbox(limits=Limits(timeout_s=120)), sources=[search])
    result = healer.heal()
    assert result.healthy, [f.reason for f in result.failed]
    assert (root / "counting.py").read_text() == FIXED
    (applied,) = result.applied
    assert applied.patch.metadata["round"] == 2
    assert search.partials and all(p.id != applied.patch.id for p in search.partials)


def test_a_second_round_takes_turns_with_the_single_edits_still_to_try(tmp_path):
    """A partial candidate may be an accident (it made some tests pass by breaking what they
    check differently): its second round must not hold back the single edits ranked after it."""
    root = write(tmp_path / "p", RANGE_COUNT)
    project = Project.open(root)
    healer = Healer(project, Sandbox(limits=Limits(timeout_s=120)), sources=[])
    healer.scan()
    search = SearchSource(project.config)
    proposed = search.propose(healer.diagnose(healer.findings[0]), project)
    first = next(proposed)
    search.record_outcome(first, Verdict(False, "partial", "partial: 1 of 3",
                                         still_failing=("a", "b"), now_passing=("c",)))
    rounds = [next(proposed).metadata["round"] for _ in range(8)]
    assert rounds == [2, 1, 2, 1, 2, 1, 2, 1]
