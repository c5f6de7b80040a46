"""Screening mutants in one process (``fixers.screen``): the right fix ranked far down by the
search is proposed first, through the real sandbox, real pytest and a class whose method uses
private (name-mangled) attributes; mutants that loop forever are stopped by the alarm."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

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


def test_the_fix_ranked_far_down_is_proposed_first_after_the_screen(tmp_path):
    root = write(tmp_path / "p", SHELF)
    project = Project.open(root)
    sandbox = Sandbox(limits=Limits(timeout_s=120))
    healer = Healer(project, sandbox, sources=[])
    healer.scan()
    (finding,) = [f for f in healer.findings if f.test_ids]
    diagnosis = healer.diagnose(finding)
    assert diagnosis.localized_by == "coverage"
    ranked, _ = rank_mutations(diagnosis, project, ImportGraph(project))
    unscreened = next(i for i, s in enumerate(ranked) if s.mutation.description == FIX)
    assert unscreened >= 20, unscreened  # without the screen, far down the ranking

    search = SearchSource(project.config)
    search.attach_sandbox(sandbox)
    proposed = search.propose(diagnosis, project)
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
