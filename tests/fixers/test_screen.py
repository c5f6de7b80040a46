"""Screening mutants in one process (``fixers.screen``): the right fix ranked far down by the
search is proposed first, through the real sandbox, real pytest and a class whose method uses
private (name-mangled) attributes; mutants that loop forever are stopped by the alarm; code run
at import (a table built by a function, a module whose import fails so that its tests cannot
even be collected, a parameter's default value) is screened by running the mutated module
afresh."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_two_step import write

from sandbox import Limits, Sandbox
from selfheal_local.fixers.imports_graph import ImportGraph
from selfheal_local.fixers.search import SCREEN_AFTER, SearchSource, rank_mutations
from selfheal_local.project import Project
from selfheal_local.service import Healer

SHELF = {
    "shelf.py": """
        class Shelf:
            def __init__(self, capacity):
                self.__items = []
                self.__capacity = capacity

            def put(self, item):
                spare = self.__capacity - len(self.__items)
                while spare <= 0 and self.__items:
                    self.__items.pop(0)
                    spare = spare + 1
                if item not in self.__items:
                    self.__items.append(item)
                    self.__items.reverse()
                return len(self.__items) <= self.__capacity

            def items(self):
                return list(self.__items)
        """,
    "tests/test_shelf.py": """
        from shelf import Shelf


        def test_the_oldest_item_leaves_first():
            shelf = Shelf(2)
            for item in (1, 2, 3):
                assert shelf.put(item)
            assert shelf.items() == [2, 3]


        def test_an_item_is_kept_once():
            shelf = Shelf(3)
            shelf.put(1)
            shelf.put(1)
            assert shelf.items() == [1]
        """,
}
FIX = "deleted 'self.__items.reverse()'"


def passes(root: Path, patch, scratch: Path) -> bool:
    shutil.copytree(root, scratch)
    for edit in patch.edits:
        (scratch / edit.path).write_text(edit.after, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                         cwd=scratch, capture_output=True, timeout=60)
    return run.returncode == 0


def searched(root: Path, fix: str):
    """(where ``fix`` ranks without the screen, a search attached to the real sandbox, its
    proposals for the project's one failing test)."""
    project = Project.open(root)
    sandbox = Sandbox(limits=Limits(timeout_s=120))
    healer = Healer(project, sandbox, sources=[])
    healer.scan()
    (finding,) = [f for f in healer.findings if f.test_ids]
    diagnosis = healer.diagnose(finding)
    assert diagnosis.localized_by == "coverage"
    ranked, _ = rank_mutations(diagnosis, project, ImportGraph(project))
    unscreened = next(i for i, s in enumerate(ranked) if s.mutation.description == fix)
    search = SearchSource(project.config)
    search.attach_sandbox(sandbox)
    return unscreened, search, search.propose(diagnosis, project)


def test_the_fix_ranked_far_down_is_proposed_first_after_the_screen(tmp_path):
    root = write(tmp_path / "p", SHELF)
    unscreened, search, proposed = searched(root, FIX)
    assert unscreened >= 20, unscreened  # without the screen, far down the ranking
    ranked_first = [next(proposed) for _ in range(SCREEN_AFTER)]  # an easy fix costs no screen
    assert search.screened == 0 and not any(p.explanation.startswith(FIX) for p in ranked_first)
    first = next(proposed)
    assert search.screened >= 20  # the endless loops among them did not stop it
    assert passes(root, first, tmp_path / "fixed"), first.explanation


def test_without_a_sandbox_or_coverage_the_ranking_is_left_alone(tmp_path):
    root = write(tmp_path / "p", SHELF)
    project = Project.open(root)
    healer = Healer(project, Sandbox(limits=Limits(timeout_s=120)), sources=[])
    healer.scan()
    (finding,) = [f for f in healer.findings if f.test_ids]
    search = SearchSource(project.config)  # not attached
    proposed = search.propose(healer.diagnose(finding), project)
    after = [next(proposed) for _ in range(SCREEN_AFTER + 1)][-1]
    assert search.screened == 0 and not after.explanation.startswith(FIX)


UNITS = {  # the table is built at import: a swapped function would never run again
    "units.py": """
        def _scale(names, step):
            table = {}
            factor = 1
            for name in names:
                table[name] = factor
                factor = factor / step
            return table


        LENGTHS = _scale(["mm", "cm", "dm", "m"], 10)


        def convert(value, source, target):
            if source == target:
                return value
            if source not in LENGTHS or target not in LENGTHS:
                raise ValueError(f"cannot convert {source!r} to {target!r}")
            ratio = LENGTHS[source] / LENGTHS[target]
            result = value * ratio
            if abs(result - round(result)) < 1e-9:
                result = round(result)
            return result


        def label(value, unit):
            if unit not in LENGTHS:
                raise ValueError(f"unknown unit {unit!r}")
            return f"{value:g} {unit}"
        """,
    "tests/test_units.py": """
        import pytest

        from units import LENGTHS, convert, label


        def test_the_same_unit_is_unchanged():
            assert convert(3, "m", "m") == 3


        def test_a_label_names_its_unit():
            assert label(2.5, "cm") == "2.5 cm"


        def test_an_unknown_unit_is_refused():
            with pytest.raises(ValueError):
                label(1, "yd")


        def test_centimetres_to_millimetres():
            assert convert(2, "cm", "mm") == 20
            assert [LENGTHS[unit] for unit in ("mm", "cm", "m")] == [1, 10, 1000]
        """,
}
COLORS = {  # the import fails: the test module that imports it cannot be collected
    "colors.py": """
        def _parse(spec):
            name, _, code = spec.partition("=")
            return name.strip(), int(16, code)


        PALETTE = dict(_parse(spec) for spec in ["red=ff0000", "green=00ff00", "blue=0000ff"])


        def hex_of(name):
            return f"#{PALETTE[name]:06x}"


        def names():
            return sorted(PALETTE)
        """,
    "tests/test_colors.py": """
        from colors import hex_of, names


        def test_red_is_full_red():
            assert hex_of("red") == "#ff0000"


        def test_names_are_sorted():
            assert names() == ["blue", "green", "red"]
        """,
    "tests/test_other.py": """
        def test_arithmetic_still_works():
            assert 1 + 1 == 2
        """,
}


@pytest.mark.parametrize(("files", "fix"), [(UNITS, "changed '/' to '*'"),
                                            (COLORS, "swapped arguments '16' and 'code'")],
                         ids=["table-built-at-import", "module-fails-at-import"])
def test_code_run_at_import_is_screened_by_a_fresh_run_of_its_module(tmp_path, files, fix):
    root = write(tmp_path / "p", files)
    unscreened, search, proposed = searched(root, fix)
    assert unscreened > SCREEN_AFTER, unscreened
    for _ in range(SCREEN_AFTER):
        next(proposed)
    first = next(proposed)
    assert search.screened > 0
    assert first.explanation.startswith(fix), first.explanation
    assert passes(root, first, tmp_path / "fixed"), first.explanation


ORDERED = {  # the default is evaluated when the ``def`` runs, at import: no swap of code reaches it
    "names.py": """
        def ordered(names, descending=True):
            \"\"\"Names in alphabetical order, case ignored (``descending``: the other way).\"\"\"
            cleaned = [name.strip() for name in names if name.strip()]
            unique = list(dict.fromkeys(cleaned))
            return sorted(unique, key=str.lower, reverse=descending)
        """,
    "tests/test_names.py": """
        from names import ordered


        def test_alphabetical_by_default():
            assert ordered(["b", "A", "c"]) == ["A", "b", "c"]


        def test_descending_when_asked():
            assert ordered(["b", "A", "c"], descending=True) == ["c", "b", "A"]
        """,
}


def test_a_wrong_default_value_is_screened_by_a_fresh_run(tmp_path):
    fix = "replaced literal True with False (a default)"
    root = write(tmp_path / "p", ORDERED)
    unscreened, search, proposed = searched(root, fix)
    assert unscreened > SCREEN_AFTER + 8, unscreened
    for _ in range(SCREEN_AFTER):
        next(proposed)
    # the first proposals after the screen are the mutants that passed the failing test there
    after = [next(proposed) for _ in range(2)]
    assert search.screened > 0
    chosen = next(p for p in after if p.explanation.startswith(fix))
    assert passes(root, chosen, tmp_path / "fixed"), chosen.explanation
