"""The model sees what a person would look at, and the prompt fits the served context."""

from __future__ import annotations

from dataclasses import replace

import pytest

from selfheal_local.factory import open_healer
from selfheal_local.llm.context import CUT_ORDER, Section, fit_sections, retarget
from selfheal_local.llm.scripted import ScriptedEngine
from selfheal_local.llm.source import ModelSource, build_messages

ORDERS = '''"""Order totals."""


def line_total(qty, price):
    return qty * price


def discount(total):
    if total > 100:
        return total * 0.1
    return 0


def order_total(lines):
    gross = sum(line_total(q, p) for q, p in lines)
    return gross + discount(gross)
'''
TESTS = '''from orders import order_total


def test_small_order_has_no_discount():
    assert order_total([(1, 10.0)]) == 10.0


def test_big_order_gets_ten_percent_off():
    assert order_total([(2, 100.0)]) == 180.0
'''


@pytest.fixture
def failing_diagnosis(tmp_path, monkeypatch):
    monkeypatch.setenv("SELFHEAL_HOME", str(tmp_path / "home"))
    root = tmp_path / "shop"
    (root / "tests").mkdir(parents=True)
    (root / "orders.py").write_text(ORDERS)
    (root / "tests" / "test_orders.py").write_text(TESTS)
    healer = open_healer(root, {"use_memory": False, "use_model": False})
    healer.scan()
    finding = next(f for f in healer.findings if f.source == "test")
    return healer.project, healer.diagnose(finding)


def user_text(messages):
    return next(m["content"] for m in messages if m["role"] == "user")


def test_prompt_for_a_failing_assertion_has_the_test_and_the_functions_on_the_path(
        failing_diagnosis):
    project, diagnosis = failing_diagnosis
    assert diagnosis.file.startswith("tests/")  # the assertion fails in the test
    engine = ScriptedEngine(fallback="I do not know.")
    assert ModelSource(engine, samples=1).propose(diagnosis, project) == []
    text = user_text(engine.requests[0].messages)
    # the failing test's own source: its assertion says what is expected
    assert "def test_big_order_gets_ten_percent_off():" in text
    assert "== 180.0" in text
    # the model is asked to fix the code under test (the most suspicious function), never the test
    target = retarget(diagnosis, project)
    assert target.file == "orders.py" and target.function in ("discount", "order_total")
    assert f"Answer with the whole corrected function `{target.function}`" in text
    # and sees the other functions on the failing path
    assert "def order_total(lines):" in text and "def discount(total):" in text


def unlocalized(diagnosis):
    """The diagnosis as it is when coverage could not run (no ranking on it)."""
    return replace(diagnosis, suspects=(), localized_by="")


def test_suspicious_functions_come_from_the_ranking_when_there_is_one(failing_diagnosis):
    project, diagnosis = failing_diagnosis
    diagnosis = unlocalized(diagnosis)
    ranking = [("orders.py", 10, 0.9), ("orders.py", 5, 0.1)]
    text = user_text(build_messages(retarget(diagnosis, project), project, ranking=ranking))
    assert "Also on the failing path, `discount` in orders.py" in text
    assert text.index("`discount`") < text.index("`line_total` in orders.py")


MARKERS = {
    "past_fix": "A past fix of a similar error",
    "signature": "Signatures of what it calls",
    "suspicious": "Also on the failing path",
    "imports": "Imports of ",
    "test_output": "Failing test output",
    "test_source": "The failing test `",
}


def words(messages):
    return sum(len(m["content"].split()) for m in messages)


def test_sections_are_cut_in_the_documented_order(failing_diagnosis):
    project, diagnosis = failing_diagnosis
    past = [{"input": "AssertionError: wrong total " * 30, "output": "return total * 0.9\n" * 20}]
    diagnosis = retarget(unlocalized(diagnosis), project)
    full = build_messages(diagnosis, project, past, ranking=[("orders.py", 10, 0.9)])
    there_at_first = {k for k, marker in MARKERS.items() if marker in user_text(full)}
    kinds_cut = []
    for budget in range(words(full), 0, -15):
        text = user_text(build_messages(diagnosis, project, past, ranking=[("orders.py", 10, 0.9)],
                                        budget=budget, count_tokens=words))
        for kind in there_at_first:
            if MARKERS[kind] not in text and kind not in kinds_cut:
                kinds_cut.append(kind)
        # what is never cut
        assert "def order_total(lines):" in text and "Answer with" in text
    expected = [k for k in CUT_ORDER if k in kinds_cut]
    assert kinds_cut == expected and len(kinds_cut) >= 4


def test_fit_keeps_the_tail_of_the_test_output():
    output = Section("test_output", "Failing test output:\n```\n" + "x" * 5000 + "\nTHE END\n```")
    kept = fit_sections([Section("task", "fix it"), output], 60, lambda s: sum(
        len(x.text) for x in s) // 20)
    assert kept[-1].kind == "test_output" and "THE END" in kept[-1].text


@pytest.mark.slow
def test_the_model_source_fits_the_prompt_to_the_tiny_models_context(failing_diagnosis, tmp_path):
    from models.engine_hf import HFEngine
    from models.tiny import build_tiny_model

    project, diagnosis = failing_diagnosis
    model_dir = build_tiny_model(tmp_path / "tiny", max_position_embeddings=640)
    engine = HFEngine(model_dir)
    diagnosis = unlocalized(diagnosis)
    full = build_messages(retarget(diagnosis, project), project)
    assert engine.count_tokens(full) > 640 - 64  # the uncut prompt would not fit
    source = ModelSource(engine, max_tokens=64, samples=1)
    fitted = source._messages(retarget(diagnosis, project), project)
    assert engine.count_tokens(fitted) <= 640 - 64
    assert "def order_total(lines):" in user_text(fitted)
