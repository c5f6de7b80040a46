"""The mutation search on small real projects; every winning mutant is checked with real pytest."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from dataclasses import replace
from itertools import count
from pathlib import Path

from selfheal_local.config import Config
from selfheal_local.fixers.imports_graph import ImportGraph
from selfheal_local.fixers.search import SearchSource, find_targets
from selfheal_local.project import Project
from selfheal_local.types import Diagnosis, Finding, Frame, Patch


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def suite_passes(root: Path) -> bool:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    return proc.returncode == 0


def first_passing(project: Project, patches: list[Patch], scratch: Path) -> tuple[int, Patch]:
    """Apply each mutant to a fresh copy, in order, until the project's tests pass."""
    for index, patch in enumerate(patches):
        copy = scratch / f"try{index}"
        shutil.copytree(project.root, copy)
        for edit in patch.edits:
            (copy / edit.path).write_text(edit.after, encoding="utf-8")
        if suite_passes(copy):
            return index, patch
    raise AssertionError(f"none of {len(patches)} mutants passes the tests")


def assertion_diagnosis(test_file: str, line: int, test: str) -> Diagnosis:
    """What analysis makes of a failing assert in a test (the frame is the test's own)."""
    finding = Finding("test", test_file, line, "AssertionError", "assert",
                      frames=(Frame(test_file, line, test),),
                      test_ids=(f"{test_file}::{test}",))
    return Diagnosis(finding, "assertion_error", "AssertionError", "assert",
                     file=test_file, line=line, function=test,
                     test_ids=finding.test_ids)


CLAMP = {
    "limits.py": """
        def clamp(value, low, high):
            if value < low:
                return low
            if value < high:
                return high
            return value


        def spread(values):
            return max(values) - min(values)
        """,
    "tests/test_limits.py": """
        from limits import clamp, spread


        def test_clamp():
            assert clamp(5, 0, 10) == 5
            assert clamp(-3, 0, 10) == 0
            assert clamp(12, 0, 10) == 10


        def test_spread():
            assert spread([3, 9, 4]) == 6
        """,
}


def test_finds_flipped_comparison(tmp_path):
    project = Project.open(write(tmp_path / "p", CLAMP))
    assert not suite_passes(project.root)
    source = SearchSource(Config())
    patches = list(source.propose(assertion_diagnosis("tests/test_limits.py", 5, "test_clamp"),
                                  project))
    assert source.tried == len(patches) > 0
    assert all(p.source == "search" and p.files == ["limits.py"] for p in patches)
    index, winner = first_passing(project, patches, tmp_path)
    assert "if value > high:" in winner.edits[0].after
    assert winner.explanation == "changed '<' to '>' in clamp() line 4 of limits.py"
    assert 0 < winner.confidence <= 0.3
    assert index < 10
    assert (project.root / "limits.py").read_text().count("value < high") == 1  # untouched


def test_finds_off_by_one_range(tmp_path):
    project = Project.open(write(tmp_path / "p", {
        "series.py": """
            def sum_of_squares(n):
                total = 0
                for k in range(1, n):
                    total += k * k
                return total
            """,
        "tests/test_series.py": """
            from series import sum_of_squares


            def test_squares():
                assert sum_of_squares(3) == 14
                assert sum_of_squares(1) == 1
            """,
    }))
    patches = list(SearchSource().propose(
        assertion_diagnosis("tests/test_series.py", 5, "test_squares"), project))
    _, winner = first_passing(project, patches, tmp_path)
    assert "range(1, n + 1)" in winner.edits[0].after


def test_respects_count_and_time_bounds(tmp_path):
    project = Project.open(write(tmp_path / "p", CLAMP))
    diagnosis = assertion_diagnosis("tests/test_limits.py", 5, "test_clamp")
    unbounded = SearchSource(Config())
    everything = list(unbounded.propose(diagnosis, project))
    assert unbounded.exhausted and len(everything) > 4

    capped = SearchSource(replace(Config(), search_max_candidates=3))
    assert len(list(capped.propose(diagnosis, project))) == 3
    assert capped.tried == 3 and not capped.exhausted

    ticks = count()  # a clock that advances one second per reading
    timed = SearchSource(replace(Config(), search_budget_s=4.0), clock=lambda: float(next(ticks)))
    got = list(timed.propose(diagnosis, project))
    assert 0 < len(got) < len(everything)
    assert timed.tried == len(got) and timed.generation_s > 4.0


def test_orders_nearest_first(tmp_path):
    project = Project.open(write(tmp_path / "p", {
        "stats.py": """
            def window(values, size):
                out = []
                for i in range(len(values) - size + 1):
                    chunk = values[i:i + size]
                    out.append(sum(chunk) / size)
                return out


            def smooth(values):
                if len(values) < 3:
                    return list(values)
                return window(values, 3)
            """,
        "tests/test_stats.py": """
            from stats import smooth


            def test_smooth():
                assert smooth([3, 3, 3, 6]) == [3.0, 4.0]
            """,
    }))
    frames = (Frame("tests/test_stats.py", 5, "test_smooth"),
              Frame("stats.py", 12, "smooth"), Frame("stats.py", 5, "window"))
    finding = Finding("test", "stats.py", 5, "ZeroDivisionError", "division by zero",
                      frames=frames, test_ids=("tests/test_stats.py::test_smooth",))
    diagnosis = Diagnosis(finding, "zero_division_error", "ZeroDivisionError",
                          "division by zero", file="stats.py", line=5, function="window")
    patches = list(SearchSource().propose(diagnosis, project))
    levels = [p.metadata["level"] for p in patches]
    assert levels == sorted(levels)
    first = [p for p in patches if p.metadata["level"] == 0]
    distances = [abs(p.metadata["line"] - 5) for p in first]
    assert distances == sorted(distances) and distances[0] == 0
    assert {p.metadata["function"] for p in first} == {"window"}
    assert patches[-1].confidence < patches[0].confidence


MULTI = {
    "tasks/__init__.py": "",
    "tasks/dates.py": """
        def is_past(day, today):
            return day > today
        """,
    "tasks/report.py": """
        from . import dates


        def overdue(tasks, today):
            return [name for name, due in tasks if dates.is_past(due, today=today)]
        """,
    "tests/test_report.py": """
        from tasks.report import overdue


        def test_overdue():
            assert overdue([("tax", 3), ("car", 9), ("rent", 4)], 5) == ["tax", "rent"]
        """,
}


def test_multi_file_fix_in_imported_module(tmp_path):
    project = Project.open(write(tmp_path / "p", MULTI))
    graph = ImportGraph(project)
    assert graph.imported_modules("tasks/report.py") == ["tasks/dates.py"]
    diagnosis = assertion_diagnosis("tests/test_report.py", 5, "test_overdue")
    targets = [(t.ref.rel, t.ref.qualname, t.level)
               for t in find_targets(diagnosis, project, graph)]
    assert targets == [("tasks/report.py", "overdue", 0), ("tasks/dates.py", "is_past", 1)]
    patches = list(SearchSource().propose(diagnosis, project))
    _, winner = first_passing(project, patches, tmp_path)
    assert winner.files == ["tasks/dates.py"]
    assert "return day < today" in winner.edits[0].after
    assert "of tasks/dates.py" in winner.explanation


def test_adds_missing_return_of_a_local(tmp_path):
    project = Project.open(write(tmp_path / "p", {
        "hist.py": """
            def histogram(values):
                counts = {}
                for v in values:
                    counts[v] = counts.get(v, 0) + 1
            """,
        "tests/test_hist.py": """
            from hist import histogram


            def test_histogram():
                assert histogram("aab") == {"a": 2, "b": 1}
            """,
    }))
    patches = list(SearchSource().propose(
        assertion_diagnosis("tests/test_hist.py", 5, "test_histogram"), project))
    _, winner = first_passing(project, patches, tmp_path)
    assert winner.edits[0].after.rstrip().endswith("return counts")


def test_never_mutates_tests_and_skips_static_patterns(tmp_path):
    project = Project.open(write(tmp_path / "p", CLAMP))
    diagnosis = assertion_diagnosis("tests/test_limits.py", 5, "test_clamp")
    assert all(not project.is_protected(f) for p in SearchSource().propose(diagnosis, project)
               for f in p.files)
    lint = replace(diagnosis, pattern="lint")
    assert list(SearchSource().propose(lint, project)) == []
