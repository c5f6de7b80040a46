"""A test that expected an exception and did not get it: the conditions that decide that raise
are searched first (``slicing.raise_guards``), and the fix found there heals with real pytest."""

from __future__ import annotations

import ast
import textwrap
from dataclasses import replace

from test_search import write
from test_search_ranking import heals, ranked_at, tied_diagnosis

from selfheal_local.fixers.imports_graph import ImportGraph
from selfheal_local.fixers.search import rank_mutations
from selfheal_local.fixers.slicing import expected_raise, raise_guards
from selfheal_local.project import Project

AGES = {
    "ages.py": """
        def parse_age(text):
            value = int(text.strip())
            if value < 0 and value > 150:
                raise ValueError("age out of range")
            label = "adult" if value >= 18 else "minor"
            return value, label
        """,
    "tests/test_ages.py": """
        import pytest

        from ages import parse_age


        def test_a_negative_age_is_refused():
            with pytest.raises(ValueError):
                parse_age("-1")


        def test_labels():
            assert parse_age("20") == (20, "adult")
            assert parse_age(" 3") == (3, "minor")
        """,
}


def test_the_guard_of_a_raise_the_test_expected_is_searched_first(tmp_path):
    """Every line ties at 1.0. Told only that the test failed, the likelier comparison flips
    on the label line come first; told that ``ValueError`` was not raised, the guard of that
    raise comes first, and its ``and`` -> ``or`` heals."""
    project = Project.open(write(tmp_path / "p", AGES))
    tied = tied_diagnosis("tests/test_ages.py", "test_a_negative_age_is_refused", "ages.py",
                          range(1, 7))
    missed = replace(tied, finding=replace(
        tied.finding, message="Failed: DID NOT RAISE <class 'ValueError'>"))
    fix = "changed 'and' to 'or'"
    (index, item), (plain, _) = ranked_at(project, missed, fix), ranked_at(project, tied, fix)
    graph = ImportGraph(project)
    ahead = [s.mutation.line for s in rank_mutations(missed, project, graph)[0][:index]]
    assert set(ahead) == {3} and index < plain, (ahead, index, plain)  # only the guard's line
    told = [s.mutation.line for s in rank_mutations(tied, project, graph)[0][:plain]]
    assert set(told) - {3}, told  # told nothing, other lines come first
    assert heals(project, item, "ages.py", tmp_path / "fixed")


def test_the_expected_exception_is_read_from_unittest_and_pytest_messages():
    def finding(message):
        return replace(tied_diagnosis("t.py", "t", "m.py", range(1, 2)).finding, message=message)

    assert expected_raise(finding("IDNAError not raised by check")) == "IDNAError"
    assert expected_raise(finding("Failed: DID NOT RAISE <class 'pkg.errors.BadInput'>")) == \
        "BadInput"
    assert expected_raise(finding("assert 3 == 4")) == ""


def test_an_elif_raise_is_guarded_by_the_conditions_before_it_too():
    fn = ast.parse(textwrap.dedent("""
        def check(x):
            if x > 10:
                x = 10
            elif (x < 0
                  and x != -1):
                raise errors.Negative(x)
            while x:
                raise Negative
            if x == 3:
                raise TypeError
            return x
        """)).body[0]
    assert raise_guards(fn, "Negative") == {3, 5, 6, 7, 8, 9}
