"""A replay in a fresh process never loads the embedding model, and it is a proved fix.

Project A's comparison fix is recorded by one process (spooled: nothing embedded). A fresh
process with a never-loaded embedder heals project B, the same bug under other names, from
memory: the replay is found by pattern and signature, validated by B's own tests, applied.
"""

from __future__ import annotations

from selfheal_local.factory import open_healer
from selfheal_local.fixers.base import make_patch
from selfheal_local.memory.embedder import Embedder, bundled_model_dir
from selfheal_local.memory.store import FixMemory
from selfheal_local.protocols import SourceBase

from .helpers import project_tests_pass, write_project

QUICK = {"use_model": False, "search_budget_s": 5.0, "search_max_candidates": 20}

PROJECT_A = {
    "grading/marks.py": """
        def band(points, floor, ceiling):
            if floor > ceiling:
                raise ValueError("floor above ceiling")
            if points < floor:
                return floor
            if points < ceiling:
                return ceiling
            return points
    """,
    "tests/test_marks.py": """
        from grading.marks import band

        def test_inside():
            assert band(5, 0, 10) == 5

        def test_edges():
            assert band(-3, 0, 10) == 0
            assert band(15, 0, 10) == 10
    """,
}

PROJECT_B = {
    "scoring/limits.py": """
        def fence(value, low_mark, high_mark):
            if low_mark > high_mark:
                raise ValueError("low mark above high mark")
            if value < low_mark:
                return low_mark
            if value < high_mark:
                return high_mark
            return value
    """,
    "tests/test_limits.py": """
        from scoring.limits import fence

        def test_middle():
            assert fence(7, 1, 9) == 7

        def test_outside():
            assert fence(0, 1, 9) == 1
            assert fence(12, 1, 9) == 9
    """,
}


class CountingEmbedder(Embedder):
    """The real embedder, counting the texts it was asked to embed."""

    def __init__(self) -> None:
        super().__init__(bundled_model_dir())
        self.calls = 0

    def embed(self, texts: list[str], batch_size: int = 64) -> list[list[float]]:
        self.calls += 1
        return super().embed(texts, batch_size)


class FlipSearch(SourceBase):
    """Plays the mutation search in project A: the upper bound's comparison flipped."""

    name = "search"
    remembers_failures = False

    def propose(self, diagnosis, project):
        rel = "grading/marks.py"
        new = project.read(rel).replace("if points < ceiling:", "if points > ceiling:")
        patch = make_patch(diagnosis, project, {rel: new}, "'<' -> '>' on the upper bound",
                           confidence=0.3, source="search")
        return [patch] if patch else []


def test_a_fresh_process_replays_a_renamed_fix_without_the_embedding_model(tmp_path):
    home = tmp_path / "home"
    first_embedder = CountingEmbedder()
    a = write_project(tmp_path / "a", PROJECT_A)
    healer = open_healer(a, QUICK | {"home": str(home)},
                         memory=FixMemory.at_home(home, first_embedder))
    healer.sources = [s for s in healer.sources if s.name != "search"] + [FlipSearch()]
    first = healer.heal()
    assert first.healthy and [x.patch.source for x in first.applied] == ["search"]

    fresh = CountingEmbedder()  # a new process: the model is not loaded
    b = write_project(tmp_path / "b", PROJECT_B)
    second = open_healer(b, QUICK | {"home": str(home)},
                         memory=FixMemory.at_home(home, fresh)).heal()
    assert (fresh.calls, fresh.loaded) == (0, False)
    assert second.healthy, second.to_dict()
    assert [x.patch.source for x in second.applied] == ["memory"]
    proof = second.applied[0].verdict  # proved as any fix: B's whole suite ran and passed
    assert proof.passed and proof.stage == "suite" and len(proof.tests_run) == 2
    assert "if value > high_mark:" in (b / "scoring/limits.py").read_text()
    assert "if value < low_mark:" in (b / "scoring/limits.py").read_text()
    assert project_tests_pass(b)
    assert (first_embedder.calls, first_embedder.loaded) == (0, False)
