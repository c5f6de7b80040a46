"""Where the search looks beyond the statement a failure names (issue 11): the condition that
decided what a failing test ran (control dependence), and, for a failure raised by code that
runs at import, the module-level statement and the flag its enclosing ``if`` reads."""

from __future__ import annotations

import ast
import textwrap
from dataclasses import replace

from test_search import assertion_diagnosis, write
from test_search_ranking import first_fix_rank

from selfheal_local.factory import open_healer
from selfheal_local.fixers.control import CONTROL_WEIGHT, condition_scores
from selfheal_local.project import Project
from selfheal_local.types import Suspect

FINDER = """
    class Finder:
        def __init__(self, known):
            self.known = set(known)

        def find(self, name):
            key = name.strip().lower()
            if key not in self.known:
                return ("spec", key)
            return None
"""


def test_a_condition_scores_the_best_of_the_statements_it_decides():
    tree = ast.parse(textwrap.dedent(FINDER).lstrip("\n"))
    fn = tree.body[0].body[1]
    # coverage: only the failing tests reach the fall-through ``return None`` (line 9)
    got = condition_scores(fn, {6: 0.3, 7: 0.3, 8: 0.3, 9: 1.0})
    assert got == {7: CONTROL_WEIGHT * 1.0}
    # a body that does not always leave: the statements after the if are not its to decide
    loop = ast.parse("def f(xs):\n    n = 0\n    for x in xs:\n        if x:\n"
                     "            n += 1\n    return n\n").body[0]
    assert condition_scores(loop, {4: 0.2, 5: 0.5, 6: 1.0}) == {4: CONTROL_WEIGHT * 0.5}


def test_the_condition_before_the_only_statement_failing_tests_reach_is_searched_first(tmp_path):
    project = Project.open(write(tmp_path / "p", {
        "finder.py": FINDER,
        "tests/test_finder.py": """
            from finder import Finder

            def test_known_names_have_a_spec():
                assert Finder(["a"]).find("a") == ("spec", "a")

            def test_unknown_names_have_none():
                assert Finder(["a"]).find("b") is None
        """}))
    plain = assertion_diagnosis("tests/test_finder.py", 4, "test_known_names_have_a_spec")
    # a spectrum like a real one: every test runs the ``if``, only failing ones the fall-through
    suspects = (Suspect("finder.py", 9, 1.0), Suspect("finder.py", 6, 0.35),
                Suspect("finder.py", 7, 0.35), Suspect("finder.py", 8, 0.35),
                Suspect("finder.py", 3, 0.2))
    diagnosis = replace(plain, suspects=suspects, localized_by="coverage")
    index, explanation = first_fix_rank(project, diagnosis, tmp_path)
    # right after the fall-through's own three literal changes (None -> 0, "", [])
    assert index <= 3 and "'not in' to 'in'" in explanation, (index, explanation)


COMPAT = """
    import sys

    MODERN = sys.version_info[0] != 3

    if MODERN:
        text_type = str

        def as_text(value):
            return text_type(value)
    else:
        text_type = unicode  # noqa: F821 - the other interpreter's name

        def as_text(value):
            return text_type(value).encode("utf-8")
"""


def test_a_name_error_at_import_is_healed_at_the_flag_that_chose_the_branch(tmp_path):
    root = write(tmp_path / "p", {
        "compat.py": COMPAT,
        "tests/test_compat.py": """
            from compat import as_text

            def test_numbers_become_text():
                assert as_text(3) == "3"

            def test_text_stays_text():
                assert as_text("a") == "a"
        """})
    before = (root / "compat.py").read_text()
    healer = open_healer(root, {"use_model": False, "use_memory": False})
    result = healer.heal(confirm=lambda outcome: True)
    after = (root / "compat.py").read_text()
    assert result.healthy, (result.notes, [a.patch.explanation for a in result.applied])
    assert after == before.replace("] != 3", "] == 3"), after


def test_a_finding_no_test_fails_is_not_searched_so_a_dead_branch_is_never_deleted(tmp_path):
    # ruff's F821 in a branch this interpreter never runs: deleting the statement clears the
    # finding and breaks no test, which proves nothing (six's Python 2 branches lost lines so)
    root = write(tmp_path / "p", {
        "legacy.py": """
            import sys

            if sys.version_info[0] >= 3:
                text_type = str
                binary_type = bytes
            else:
                text_type = qzxv_unicode_type
                binary_type = str


            def encode(text):
                return text_type(text).encode("utf-8")
        """,
        "tests/test_legacy.py": """
            from legacy import encode

            def test_encode():
                assert encode("a") == b"a"
        """})
    before = (root / "legacy.py").read_bytes()
    healer = open_healer(root, {"use_model": False, "use_memory": False})
    result = healer.heal(confirm=lambda outcome: True)
    assert (root / "legacy.py").read_bytes() == before
    assert not result.applied and any(f.code == "F821" for f in result.findings)


def test_a_function_defined_in_both_branches_of_a_version_check_is_searched_in_the_branch_that_ran(
        tmp_path):
    # ``iter_keys`` is defined twice, under ``if`` and ``else``; the spectrum names the line in
    # the branch this interpreter ran, and the search must mutate that definition (it used to
    # see only the last one, mutate nothing there, and heal nothing)
    root = write(tmp_path / "p", {
        "dicts.py": """
            import sys

            if sys.version_info[0] >= 3:
                def iter_keys(d):
                    return iter(d.items())
            else:
                def iter_keys(d):
                    return d.iterkeys()
            """,
        "tests/test_dicts.py": """
            from dicts import iter_keys

            def test_keys_in_order():
                assert list(iter_keys({"a": 1, "b": 2})) == ["a", "b"]
            """})
    before = (root / "dicts.py").read_text()
    healer = open_healer(root, {"use_model": False, "use_memory": False})
    result = healer.heal(confirm=lambda outcome: True)
    assert result.healthy, (result.notes, result.failed)
    assert (root / "dicts.py").read_text() == before.replace("d.items()", "d.keys()")
