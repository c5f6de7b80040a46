"""Fault localization on real projects: per-test coverage in the real sandbox, Ochiai ranking."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from sandbox import Limits, Sandbox
from selfheal_local.fixers.localize import (
    Localizer,
    Spectrum,
    collect,
    ochiai,
    rank,
    suspicious_functions,
)
from selfheal_local.fixers.search import SearchSource
from selfheal_local.project import Project
from selfheal_local.service import Healer
from selfheal_local.types import Diagnosis, Finding, Frame

# invoice_total -> shipping -> parcel_rate: the test asserts on the total, the bug is in the
# heavy-parcel branch two calls below it
SHOP = {
    "shop/__init__.py": "",
    "shop/rates.py": """
        HEAVY_KG = 20


        def parcel_rate(weight):
            if weight <= 5:
                return 4.0
            if weight <= HEAVY_KG:
                return 4.0 + (weight - 5) * 0.5
            return 4.0 + (HEAVY_KG - 5) * 0.5 + (weight + HEAVY_KG) * 0.8
        """,
    "shop/orders.py": """
        from shop.rates import parcel_rate


        def shipping(items):
            weight = sum(item["kg"] * item["qty"] for item in items)
            return parcel_rate(weight)


        def invoice_total(items):
            goods = sum(item["price"] * item["qty"] for item in items)
            return round(goods + shipping(items), 2)
        """,
    "tests/test_orders.py": """
        from shop.orders import invoice_total, shipping


        def test_light_parcel():
            assert invoice_total([{"price": 10.0, "qty": 2, "kg": 1}]) == 24.0


        def test_medium_parcel():
            assert invoice_total([{"price": 5.0, "qty": 1, "kg": 9}]) == 11.0


        def test_heavy_parcel():
            assert invoice_total([{"price": 100.0, "qty": 1, "kg": 25}]) == 115.5


        def test_empty_order_ships_free_weight():
            assert shipping([]) == 4.0
        """,
}
FAULTY = ("shop/rates.py", 9)
FAILING = "tests/test_orders.py::test_heavy_parcel"


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def search_heal(root: Path, sandbox: Sandbox) -> tuple[Healer, object]:
    """Heal ``root`` with the mutation search alone, under a generous budget (a loaded CI
    machine must not decide a test)."""
    (root / "pyproject.toml").write_text("[tool.selfheal]\nsearch_budget_s = 900\n")
    project = Project.open(root)
    healer = Healer(project, sandbox, sources=[SearchSource(project.config)])
    return healer, healer.heal()


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox(limits=Limits(timeout_s=120))


def assertion_in_test() -> Diagnosis:
    frame = Frame("tests/test_orders.py", 13, "test_heavy_parcel")
    finding = Finding("test", "tests/test_orders.py", 13, "AssertionError", "assert 147.5 == 115.5",
                      frames=(frame,), test_ids=(FAILING,))
    return Diagnosis(finding, "assertion_error", "AssertionError", "assert 147.5 == 115.5",
                     file="tests/test_orders.py", line=13, function="test_heavy_parcel",
                     test_ids=(FAILING,))


def test_ochiai_formula():
    assert ochiai(0, 3, 2) == 0.0
    assert ochiai(2, 0, 2) == 1.0
    assert ochiai(1, 1, 1) == pytest.approx(1 / 2 ** 0.5)


def test_rank_prefers_lines_only_failing_tests_run():
    spectrum = Spectrum(
        {"t::a": "passed", "t::b": "passed", "t::c": "failed"},
        {"m.py": {1: frozenset({"t::a", "t::b", "t::c"}), 2: frozenset({"t::c"}),
                  3: frozenset({"t::a"}), 4: frozenset({"t::b", "t::c"})}},
    )
    ranked = rank(spectrum, ["t::c"])
    assert [(s.file, s.line) for s in ranked] == [("m.py", 2), ("m.py", 4), ("m.py", 1)]
    assert ranked[0].score == 1.0
    assert spectrum.tests_covering("m.py", [3, 4]) == {"t::a", "t::b", "t::c"}
    assert spectrum.tests_covering("other.py", [1]) is None


def test_lines_run_at_import_count_for_every_test_after_the_lines_tests_ran():
    spectrum = Spectrum(
        {"t::a": "passed", "t::b": "failed", "t::c": "failed"},
        {"m.py": {1: frozenset({""}), 2: frozenset({"t::b"}), 3: frozenset({"", "t::a"})}},
    )
    ranked = rank(spectrum, ["t::b", "t::c"])
    # line 2: one of two failing tests, score 0.71; lines 1 and 3 (import time) score 0.82 as
    # run by every test, halved, and come after it
    assert [(s.file, s.line) for s in ranked] == [("m.py", 2), ("m.py", 1), ("m.py", 3)]
    assert ranked[1].score == pytest.approx(0.5 * ochiai(2, 1, 2), abs=1e-3)
    assert spectrum.tests_covering("m.py", [1]) == {"t::a", "t::b", "t::c"}
    # a line run at import and again by the failing tests alone (a lambda's body in a table
    # built at import) is theirs: first, at full score, not a tier down with import-time code
    lambdas = Spectrum(spectrum.outcomes, {"m.py": {**spectrum.lines["m.py"],
                                                     4: frozenset({"", "t::b", "t::c"})}})
    first = rank(lambdas, ["t::b", "t::c"])[0]
    assert (first.line, first.score, first.at_import) == (4, 1.0, False)


ALIASES = {
    "units/__init__.py": "",
    "units/names.py": """
        ALIASES = {}


        def alias(name, *others):
            for other in others:
                ALIASES[other] = other
            ALIASES[name] = name


        alias("metre", "meter", "m")
        alias("litre", "liter", "l")


        def canonical(word):
            return ALIASES.get(word.lower(), word)
        """,
    "tests/test_names.py": """
        from units.names import canonical


        def test_spellings_map_to_one_name():
            assert canonical("Meter") == "metre"


        def test_symbols_map_to_one_name():
            assert canonical("l") == "litre"


        def test_canonical_names_stay():
            assert canonical("metre") == "metre"


        def test_unknown_words_stay():
            assert canonical("gram") == "gram"
        """,
}


def test_a_bug_in_code_run_at_import_is_found_and_healed(tmp_path, sandbox):
    # the table is built when the module is imported, before any test: no test "runs" alias()
    root = write(tmp_path / "units", ALIASES)
    healer, result = search_heal(root, sandbox)
    assert result.healthy, result.failed
    assert "ALIASES[other] = name" in (root / "units/names.py").read_text()
    diagnosis = next(iter(healer._diagnoses.values()))
    assert ("units/names.py", 6) in [(s.file, s.line) for s in diagnosis.suspects]


MONEY = {
    "calc/__init__.py": "",
    "calc/config.py": """
        PRECISION = 2
        HALF_UP = PRECISION != 2
        SEPARATOR = ","
        """,
    "tests/test_config.py": """
        from calc import config


        def test_money_rounds_half_up():
            assert config.HALF_UP is True


        def test_money_has_cents():
            assert config.PRECISION == 2 and config.SEPARATOR == ","
        """,
}


def test_a_wrong_module_level_constant_is_searched_and_healed(tmp_path, sandbox):
    # the bug is a module-level statement, in no function: the search mutates it as a statement
    root = write(tmp_path / "calc", MONEY)
    healer, result = search_heal(root, sandbox)
    assert result.healthy, result.failed
    (applied,) = result.applied
    assert "module-level line" in applied.patch.explanation, applied.patch.explanation
    assert "HALF_UP = PRECISION == 2" in (root / "calc/config.py").read_text()


def test_faulty_line_two_calls_away_ranks_in_top_three(tmp_path, sandbox):
    project = Project.open(write(tmp_path / "shop", SHOP))
    localizer = Localizer(sandbox)
    diagnosis = localizer.localize(assertion_in_test(), project)
    assert diagnosis.localized_by == "coverage"
    top = [(s.file, s.line) for s in diagnosis.suspects[:3]]
    assert FAULTY in top, diagnosis.suspects[:5]
    assert all(not s.file.startswith("tests/") for s in diagnosis.suspects)
    assert suspicious_functions(diagnosis)[0] == ("shop/rates.py", "parcel_rate")
    # cached until a file changes: a second call runs nothing
    assert localizer.localize(assertion_in_test(), project).suspects == diagnosis.suspects
    assert localizer.runs == 1
    # the search starts at the most suspicious statement: the faulty line comes first
    first = next(iter(SearchSource().propose(diagnosis, project)))
    assert (first.metadata["file"], first.metadata["line"]) == FAULTY


def test_heal_finds_the_bug_through_localization(tmp_path, sandbox):
    root = write(tmp_path / "shop", SHOP)
    healer, result = search_heal(root, sandbox)
    assert result.healthy, result.failed
    (applied,) = result.applied
    assert applied.patch.metadata["file"] == "shop/rates.py"
    assert "(weight - HEAVY_KG) * 0.8" in (root / "shop/rates.py").read_text()
    diagnosis = next(iter(healer._diagnoses.values()))
    assert diagnosis.localized_by == "coverage"
    assert FAULTY in [(s.file, s.line) for s in diagnosis.suspects[:3]]


def test_falls_back_to_frames_when_coverage_cannot_run(tmp_path, sandbox):
    root = write(tmp_path / "shop", SHOP)
    (root / "pyproject.toml").write_text('[tool.selfheal]\ntest_command = ["false"]\n')
    project = Project.open(root)
    finding = Finding("test", "shop/rates.py", 9, "ValueError", "bad",
                      frames=(Frame("tests/test_orders.py", 13, "test_heavy_parcel"),
                              Frame("shop/orders.py", 7, "shipping"),
                              Frame("shop/rates.py", 9, "parcel_rate")),
                      test_ids=(FAILING,))
    diagnosis = Diagnosis(finding, "value_error", "ValueError", "bad", file="shop/rates.py",
                          line=9, test_ids=(FAILING,))
    localized = Localizer(sandbox).localize(diagnosis, project)
    assert localized.localized_by == "frames"
    assert [(s.file, s.line) for s in localized.suspects] == [FAULTY, ("shop/orders.py", 7)]


SETTINGS = {
    "cfg/__init__.py": "",
    "cfg/fields.py": """
        class Field:
            def __init__(self, name, default=None, convert=str):
                self.name = name
                self.default = default
                self.convert = convert

            def parse(self, raw):
                return self.default if raw is None else self.convert(raw)


        def field(name, default=None, convert=str):
            return Field(name=name, default=default)
        """,
    "cfg/settings.py": """
        from cfg.fields import field

        PORT = field("port", default=8080, convert=int)
        NAME = field("name", default="app")
        NEXT_PORT = PORT.parse("8080") + 1
        """,
    "tests/test_settings.py": """
        from cfg.settings import NAME, NEXT_PORT, PORT


        def test_ports_are_numbers():
            assert PORT.parse("81") == 81 and NEXT_PORT == 8081


        def test_names_are_text():
            assert NAME.parse("web") == "web" and NAME.parse(None) == "app"
        """,
}


def test_a_test_module_that_cannot_be_imported_is_localized_by_what_its_import_ran(
        tmp_path, sandbox):
    # the TypeError is raised in parse() while the test module is collected; the slip (a
    # forgotten ``convert=convert``) is in field(), which no traceback frame names
    root = write(tmp_path / "cfg", SETTINGS)
    healer, result = search_heal(root, sandbox)
    assert result.healthy, result.failed
    assert "Field(name=name, default=default, convert=convert)" in (
        root / "cfg/fields.py").read_text()
    diagnosis = next(iter(healer._diagnoses.values()))
    assert diagnosis.localized_by == "coverage"
    assert ("cfg/fields.py", 12) in [(s.file, s.line) for s in diagnosis.suspects]


def test_a_test_that_hangs_under_coverage_costs_the_candidates_limit_not_the_configured_one(
        tmp_path, sandbox):
    """The healer hands the localizer a candidate's per-test limit (from the baseline run): a
    stuck test under coverage stops after a few seconds, not after ``test_case_timeout_s``
    (90 s here), and still counts as a failing test that ran the loop."""
    root = write(tmp_path / "p", {
        "spin.py": """
            def drain(items):
                while items:
                    items[0]
                return "done"
            """,
        "tests/test_spin.py": """
            from spin import drain


            def test_drains():
                assert drain([1, 2]) == "done"


            def test_empty():
                assert drain([]) == "done"
            """,
    })
    (root / "pyproject.toml").write_text("[tool.selfheal]\ntest_case_timeout_s = 90\n")
    project = Project.open(root)
    started = time.monotonic()
    spectrum = collect(project, sandbox, ["tests/test_spin.py::test_drains"], test_limit_s=0.5)
    assert time.monotonic() - started < 45
    assert spectrum is not None
    assert spectrum.outcomes == {"tests/test_spin.py::test_drains": "failed",
                                 "tests/test_spin.py::test_empty": "passed"}
    assert spectrum.tests_covering("spin.py", [3]) == {"tests/test_spin.py::test_drains"}


def test_a_slow_passing_neighbour_is_left_out_of_the_covered_run(tmp_path, sandbox):
    # traced, a compute-heavy neighbour costs several times its plain time and says little
    slow = ("\n\ndef test_heavy_rates_table():\n    import time\n    time.sleep(0.8)\n"
            "    assert invoice_total([{'price': 1.0, 'qty': 1, 'kg': 2}]) == 5.0\n")
    root = write(tmp_path / "shop", SHOP)
    with (root / "tests/test_orders.py").open("a", encoding="utf-8") as tests:
        tests.write(slow)
    project = Project.open(root)
    healer = Healer(project, sandbox)
    healer.scan()
    heavy = "tests/test_orders.py::test_heavy_rates_table"
    assert heavy in healer.baseline.passed
    localizer = Localizer(sandbox)
    localizer.use_baseline(healer.baseline, None)
    diagnosis = localizer.localize(assertion_in_test(), project)
    assert heavy not in localizer.coverage.outcomes
    assert "tests/test_orders.py::test_light_parcel" in localizer.coverage.outcomes
    assert FAULTY in [(s.file, s.line) for s in diagnosis.suspects[:3]]
