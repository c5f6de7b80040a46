"""A fix made away from the failing line (in the code a failing test calls) replays in a project
that names its files, functions and variables differently."""

from __future__ import annotations

from selfheal_local.factory import open_healer
from selfheal_local.fixers.base import make_patch
from selfheal_local.memory.replay import likely_sites
from selfheal_local.memory.store import FixMemory
from selfheal_local.protocols import SourceBase

from .helpers import project_tests_pass, write_project

QUICK = {"use_model": False, "search_budget_s": 5.0, "search_max_candidates": 20}

PROJECT_A = {
    "stats/series.py": """
        def sum_upto(n):
            total = 0
            for k in range(1, n):
                total += k
            return total
    """,
    "tests/test_series.py": """
        from stats.series import sum_upto

        def test_small():
            assert sum_upto(3) == 6
            assert sum_upto(4) == 10

        def test_zero():
            assert sum_upto(0) == 0
    """,
}

PROJECT_B = {
    "calc/accumulate.py": """
        def add_through(limit):
            acc = 0
            for value in range(1, limit):
                acc += value
            return acc
    """,
    "tests/test_accumulate.py": """
        from calc.accumulate import add_through

        def test_four():
            assert add_through(4) == 10

        def test_none():
            assert add_through(0) == 0
    """,
}


class BoundSearch(SourceBase):
    """Plays the mutation search in project A (the real one may run out of its short budget)."""

    name = "search"
    remembers_failures = False

    def propose(self, diagnosis, project):
        rel = "stats/series.py"
        text = project.read(rel)
        new = text.replace("range(1, n)", "range(1, n + 1)")
        patch = make_patch(diagnosis, project, {rel: new}, "range bound n -> n + 1",
                           confidence=0.3, source="search")
        return [patch] if patch else []


def test_the_code_under_test_is_found_by_what_the_failing_test_imports(tmp_path):
    b = write_project(tmp_path / "b", PROJECT_B)
    healer = open_healer(b, QUICK | {"use_memory": False, "home": str(tmp_path / "h")})
    finding = next(f for f in healer.scan().findings if f.source == "test")
    assert likely_sites(healer.diagnose(finding), healer.project) == ["calc/accumulate.py"]


def test_a_bound_fix_replays_in_a_renamed_project(tmp_path, embedder):
    home = tmp_path / "home"
    memory = FixMemory.at_home(home, embedder)
    a = write_project(tmp_path / "a", PROJECT_A)
    healer = open_healer(a, QUICK | {"home": str(home)}, memory=memory)
    healer.sources.append(BoundSearch())
    first = healer.heal()
    assert first.healthy and [x.patch.source for x in first.applied] == ["search"]

    b = write_project(tmp_path / "b", PROJECT_B)
    second = open_healer(b, QUICK | {"home": str(home)}, memory=memory).heal()
    assert second.healthy, second.to_dict()
    assert [x.patch.source for x in second.applied] == ["memory"]
    assert "range(1, limit + 1)" in (b / "calc/accumulate.py").read_text()
    assert project_tests_pass(b)


def test_without_localization_the_modules_a_tested_module_imports_are_sites_too(tmp_path):
    # the failing test imports the front module; the fault is in the one it calls (two calls
    # away): the memory replay, which runs before coverage, must still look there
    b = write_project(tmp_path / "b", {
        "shop/__init__.py": "",
        "shop/rates.py": """
            def parcel(weight):
                return 4.0 + weight * 0.5
        """,
        "shop/orders.py": """
            from shop.rates import parcel

            def total(goods, weight):
                return goods + parcel(weight)
        """,
        "tests/test_orders.py": """
            from shop.orders import total

            def test_total():
                assert total(10, 2) == 14.0
        """,
    })
    healer = open_healer(b, QUICK | {"use_memory": False, "home": str(tmp_path / "h")})
    finding = next(f for f in healer.scan().findings if f.source == "test")
    assert likely_sites(healer.diagnose(finding, localize=False), healer.project) == [
        "shop/orders.py", "shop/rates.py"]
