"""Ranking of the mutation search when coverage ties every statement (all of a small function's
lines run only in failing tests): no junk mutants ahead of the fix, likelier instances of a kind
first. Each winner is checked with real pytest on a copy of the project."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
from dataclasses import replace

from test_search import assertion_diagnosis, suite_passes, write

from selfheal_local.fixers.base import make_patch
from selfheal_local.fixers.imports_graph import ImportGraph
from selfheal_local.fixers.mutations import mutations_of
from selfheal_local.fixers.search import rank_mutations
from selfheal_local.fixers.slicing import backward_slice, crash_chain, crash_site, stuck_path
from selfheal_local.project import Project
from selfheal_local.types import Finding, Frame, Suspect


def tied_diagnosis(test_file: str, test: str, module: str, lines: range):
    """A diagnosis localized by coverage where every statement of ``module`` scores 1.0."""
    plain = assertion_diagnosis(test_file, 5, test)
    suspects = tuple(Suspect(module, line, 1.0) for line in lines)
    return replace(plain, suspects=suspects, localized_by="coverage")


def first_fix_rank(project: Project, diagnosis, tmp_path) -> tuple[int, str]:
    """Index of the first ranked mutant whose project passes its tests, and its description."""
    ranked, _ = rank_mutations(diagnosis, project, ImportGraph(project))
    patches = [make_patch(diagnosis, project, {item.target.ref.rel: item.mutation.apply(
        project.read(item.target.ref.rel))}, item.mutation.description, confidence=0.3, source="search")
        for item in ranked[:40]]
    for index, patch in enumerate(p for p in patches if p is not None):
        copy = tmp_path / f"try{index}"
        shutil.copytree(project.root, copy)
        for edit in patch.edits:
            (copy / edit.path).write_text(edit.after, encoding="utf-8")
        try:  # a mutant may loop forever: that one simply fails
            if subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                              cwd=copy, capture_output=True, timeout=20).returncode == 0:
                return index, patch.explanation
        except subprocess.TimeoutExpired:
            continue
    raise AssertionError("no mutant in the first 40 passes")


def ranked_at(project: Project, diagnosis, description: str):
    """(index, item) of the first ranked mutant whose description starts with ``description``."""
    ranked, _ = rank_mutations(diagnosis, project, ImportGraph(project))
    return next((i, item) for i, item in enumerate(ranked)
                if item.mutation.description.startswith(description))


def heals(project: Project, item, rel: str, scratch) -> bool:
    """The project's tests pass with ``item``'s mutation applied to ``rel`` in a copy."""
    shutil.copytree(project.root, scratch)
    (scratch / rel).write_text(item.mutation.apply(project.read(rel)))
    return suite_passes(scratch)


def test_spurious_reset_is_deleted_early(tmp_path):
    project = Project.open(write(tmp_path / "p", {
        "acc.py": """
            def cumulative(xs):
                result = []
                acc = 0
                for x in xs:
                    acc += x
                    result.append(acc)
                    acc = 0
                return result
            """,
        "tests/test_acc.py": """
            from acc import cumulative


            def test_cumulative():
                assert cumulative([2, 3, 4]) == [2, 5, 9]
            """,
    }))
    assert not suite_passes(project.root)
    diagnosis = tied_diagnosis("tests/test_acc.py", "test_cumulative", "acc.py", range(2, 9))
    ranked, _ = rank_mutations(diagnosis, project, ImportGraph(project))
    order = [item.mutation.description for item in ranked]
    reset = order.index("deleted 'acc = 0'")
    others = [i for i, d in enumerate(order) if d.startswith("deleted '") and i != reset]
    assert others and reset < min(others), order  # the reset goes before every other deletion
    assert reset < 40, order  # within the window the tests here try (first_fix_rank)
    index, explanation = first_fix_rank(project, diagnosis, tmp_path)
    assert explanation in ("deleted 'acc = 0'", "changed '=' to '+='")  # both neutralise it


def test_swapped_plain_arguments_come_before_literal_changes(tmp_path):
    project = Project.open(write(tmp_path / "p", {
        "loan.py": """
            def grow(amount, rate):
                return amount * (1 + rate)


            def after(principal, years, rate):
                return round(grow(rate, principal) * years, 2)
            """,
        "tests/test_loan.py": """
            from loan import after


            def test_after():
                assert after(100, 1, 0.5) == 150
            """,
    }))
    diagnosis = tied_diagnosis("tests/test_loan.py", "test_after", "loan.py", range(2, 7))
    index, explanation = first_fix_rank(project, diagnosis, tmp_path)
    assert explanation.startswith("swapped arguments 'rate' and 'principal'")
    assert index < 3, index


def test_no_mutant_reads_a_name_before_it_is_bound_or_moves_a_dict_key():
    text = (
        "def mean_without(values, skip):\n"
        "    kept: dict[str, list[int]] = {}\n"
        "    for name in values:\n"
        "        kept[name] = [v for v in values if v != skip]\n"
        "    total = sum(len(v) for v in kept.values())\n"
        "    return total\n"
    )
    from selfheal_local.fixers.mutants import SourceText

    tree = ast.parse(text)
    found = mutations_of(SourceText(text), tree.body[0], tree)
    described = [m.description for m in found]
    assert not [d for d in described if "'int + 1'" in d or "'name + 1'" in d], described
    # ``v`` is a comprehension's own variable; ``total`` is bound on line 5 itself
    assert not [d for d in described if "with 'v'" in d or "replaced 'v'" in d]
    assert not [m for m in found if m.line == 5 and "with 'total'" in m.description]
    # the mutants that remain still include real variable and bound changes
    assert any(m.kind == "var" for m in found) and any(m.kind == "compare" for m in found)


FIELDS = {
    "fields.py": """
        def parse(line, limits):
            checked = [n for n in limits if n > 0 and n < 100]
            total = len(checked) if checked else 0
            fields = {}
            for item in line.strip().partition(","):
                key, value = item.split("=")
                fields[key] = value
            fields["n"] = total
            return fields
        """,
    "tests/test_fields.py": """
        from fields import parse


        def test_parse():
            assert parse("a=1,b=2", [5, 500]) == {"a": "1", "b": "2", "n": 1}
        """,
}


def test_a_crash_in_the_code_searches_what_fed_the_crashing_statement_first(tmp_path):
    """Every line ties at 1.0; the crash (``key, value = ...`` unpacking ``','``) comes from the
    loop header's ``.partition``. The statements the crash depends on are tried before the
    equally suspicious, likelier-kind comparisons of a line it does not depend on."""
    project = Project.open(write(tmp_path / "p", FIELDS))
    tied = tied_diagnosis("tests/test_fields.py", "test_parse", "fields.py", range(2, 10))
    crashed = replace(tied, finding=replace(tied.finding, code="ValueError", frames=(
        *tied.finding.frames, Frame("fields.py", 6, "parse"))))
    fix = "called '.split()' instead of '.partition()'"
    (index, item), (unsliced, _) = ranked_at(project, crashed, fix), ranked_at(project, tied, fix)
    assert index < 35 and index < unsliced - 20, (index, unsliced)
    assert heals(project, item, "fields.py", tmp_path / "fixed")


def test_the_backward_slice_holds_the_crash_its_loop_and_the_assignments_it_reads(tmp_path):
    source = textwrap.dedent('''
        def f(rows, width):
            pad = width - 2
            unused = len(rows)
            for row in rows:
                label = row.strip()
                if label:
                    cell = label.ljust(pad)
                    if not cell:
                        continue
                    print(cell[width])
                if unused:
                    return None
            return unused
        ''')
    fn = ast.parse(source).body[0]
    # the ``if`` that could have left before the crash counts; the one after it does not
    assert backward_slice(fn, 11) == {3, 5, 6, 7, 8, 9, 11}
    project = Project.open(write(tmp_path / "p", FIELDS))
    test, code = Frame("tests/test_fields.py", 5, "test_parse"), Frame("fields.py", 6, "parse")
    lib = Frame("/usr/lib/python3/json/decoder.py", 9, "decode", in_project=False)
    assert crash_site(Finding("test", "fields.py", 6, "ValueError", "", frames=(test, code, lib)),
                      project) == ("fields.py", 6)
    # raised by the test's own assertion (after the code returned): no crash in the code
    assert crash_site(Finding("test", "fields.py", 6, "AssertionError", "", frames=(
        code, test)), project) is None


def test_a_fault_inside_a_condition_split_over_lines_keeps_its_line_suspiciousness(tmp_path):
    """coverage (Python 3.11) reports a condition written over several lines at the lines its
    bytecode comes from, not at the ``if (`` line that starts the statement: a mutation there
    used to be scored by that statement line, 0, and ranked after every other mutant."""
    project = Project.open(write(tmp_path / "p", {
        "codes.py": """
            def keep(status, replacement, strict):
                out = []
                if (
                    status == "V"
                    or (status == "3" and not strict and replacement is not None)
                ):
                    out.append(status)
                return out
            """,
        "tests/test_codes.py": """
            from codes import keep


            def test_keep():
                assert keep("3", None, False) == ["3"]
                assert keep("3", "x", False) == []
                assert keep("V", None, True) == ["V"]
            """,
    }))
    assert not suite_passes(project.root)
    # every line but the statement's first: what coverage records for this function
    diagnosis = tied_diagnosis("tests/test_codes.py", "test_keep", "codes.py", (2, 4, 5, 7, 8))
    assert project.read("codes.py").splitlines()[2].strip() == "if ("  # line 3: not reported
    ranked, _ = rank_mutations(diagnosis, project, ImportGraph(project))
    order = [item.mutation.description for item in ranked]
    flip = order.index("changed 'is not' to 'is'")
    assert ranked[flip].suspiciousness == 1.0  # its own line's score, not 0
    assert flip < 40, order
    index, explanation = first_fix_rank(project, diagnosis, tmp_path)
    assert explanation in ("changed 'is not' to 'is'", "changed 'is not' to '=='"), explanation


BOUNDED = {
    "bounded.py": """
        class Bounded:
            def __init__(self, limit):
                self.limit = limit
                self.data = {}

            def put(self, key, value):
                if key not in self.data and self.limit > 0:
                    while len(self.data) >= self.limit:
                        self.evict()
                self.data[key] = value

            def oldest(self):
                return next(iter(self.data))

            def evict(self):
                key = self.oldest()
                return key, self.data.get(key)
        """,
    "tests/test_bounded.py": """
        from bounded import Bounded


        def test_the_oldest_goes_first():
            cache = Bounded(2)
            for key in "abc":
                cache.put(key, key.upper())
            assert cache.data == {"b": "B", "c": "C"}
        """,
}


def test_a_test_stopped_in_an_endless_loop_searches_what_the_loop_kept_running_first(tmp_path):
    """Every line ties at 1.0; the test was stopped by the per-test limit with the alarm in
    ``oldest``, called from ``evict``, called from the ``while`` in ``put``. The loop and the
    functions below it (all of ``evict``, not only the line the alarm sampled) come first: the
    right ``.get`` -> ``.pop`` moves ahead of the likelier kinds elsewhere, and it heals."""
    project = Project.open(write(tmp_path / "p", BOUNDED))
    tied = tied_diagnosis("tests/test_bounded.py", "test_the_oldest_goes_first", "bounded.py",
                          range(2, 18))
    test = Frame("tests/test_bounded.py", 7, "test_the_oldest_goes_first")
    stuck = replace(tied, finding=replace(
        tied.finding, file="bounded.py", line=9, code="_selfheal_hang.TestTimeout",
        frames=(test, Frame("bounded.py", 9, "put"), Frame("bounded.py", 16, "evict"),
                Frame("bounded.py", 13, "oldest"))))
    assert stuck_path(stuck.finding, project) == {
        ("bounded.py", n) for n in (8, 9, 12, 13, 15, 16, 17)}
    assert stuck_path(tied.finding, project) == frozenset()  # not stopped: nothing is stuck
    fix = "called '.pop()' instead of '.get()'"
    (index, item), (plain, _) = ranked_at(project, stuck, fix), ranked_at(project, tied, fix)
    assert index < 12 and index < plain - 8, (index, plain)
    assert heals(project, item, "bounded.py", tmp_path / "fixed")


LEDGER = {
    "ledger.py": """
        class Checked:
            def add(self, book, amount):
                assert amount > 0, "a positive amount"
                book.append(amount)


        class Ledger:
            def __init__(self):
                self.book = []
                self.check = Checked()

            def post(self, amount, fee):
                net = amount - fee
                if amount > 1000 and fee < 0:
                    net = amount
                self.check.add(self.book, fee)
                return net
        """,
    "tests/test_ledger.py": """
        from ledger import Ledger


        def test_post():
            ledger = Ledger()
            assert ledger.post(100, 0) == 100
            assert ledger.book == [100]
        """,
}


def test_a_crash_on_a_parameter_searches_the_call_that_passed_it(tmp_path):
    """The assertion fails in ``Checked.add`` on its parameter ``amount``: the value came from
    the call in ``Ledger.post``, where ``fee`` is passed for ``amount``. The calling statement's
    slice comes first too, ahead of the likelier comparison changes of the lines it does not
    depend on."""
    project = Project.open(write(tmp_path / "p", LEDGER))
    tied = tied_diagnosis("tests/test_ledger.py", "test_post", "ledger.py", range(2, 18))
    test = Frame("tests/test_ledger.py", 6, "test_post")
    crash = Frame("ledger.py", 3, "add")
    chained = replace(tied, finding=replace(tied.finding, code="AssertionError", frames=(
        test, Frame("ledger.py", 16, "post"), crash)))
    alone = replace(tied, finding=replace(tied.finding, code="AssertionError", frames=(test, crash)))
    assert crash_chain(chained.finding, project) == [("ledger.py", 3), ("ledger.py", 16)]
    fix = "replaced 'fee' with 'amount'"
    (index, item), (plain, _) = ranked_at(project, chained, fix), ranked_at(project, alone, fix)
    assert index < plain - 5, (index, plain)
    assert heals(project, item, "ledger.py", tmp_path / "fixed")
