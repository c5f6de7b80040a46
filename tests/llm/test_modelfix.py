"""Model patches: answer parsing, self-correction, and an end-to-end heal through the sandbox
with a tiny-model adapter fitted in the test."""

from __future__ import annotations

import pytest

from selfheal_local.llm.parse import answer_to_edits
from selfheal_local.llm.scripted import ScriptedEngine
from selfheal_local.project import Project
from selfheal_local.types import Diagnosis, Finding

SOURCE = '''"""Prices."""


def parse_price(text):
    return float(text)


def total(prices):
    return sum(parse_price(p) for p in prices)
'''
TESTS = """from prices import parse_price, total


def test_parse_price():
    assert parse_price("$3.50") == 3.5


def test_total():
    assert total(["1", "2"]) == 3.0
"""
FIXED = 'def parse_price(text):\n    return float(text.strip().lstrip("$"))'
RIGHT = f"```python\n{FIXED}\n```"
WRONG = "```python\ndef parse_price(text):\n    return float(text.replace(',', ''))\n```"


def make_project(root):
    (root / "tests").mkdir(parents=True)
    (root / "prices.py").write_text(SOURCE)
    (root / "tests" / "test_prices.py").write_text(TESTS)
    return root


def diagnosis_for(project: Project) -> Diagnosis:
    finding = Finding("test", "prices.py", 5, "ValueError", "could not convert", traceback="tb")
    return Diagnosis(finding, "value_error", "ValueError", "could not convert", file="prices.py",
                     line=5, function="parse_price", function_span=(4, 5))  # fmt: skip


@pytest.fixture
def project(tmp_path):
    return Project.open(make_project(tmp_path / "proj"))


FIXED_FILE = SOURCE.replace("return float(text)", 'return float(text.strip().lstrip("$"))')


@pytest.mark.parametrize(
    "answer",
    [
        RIGHT,
        f"Sure! Here is the fix:\n\n{RIGHT}\n\nThis strips the dollar sign.",
        f"Here you go:\n{FIXED}\nThat should work.",  # no fence, prose after
        "```python\n        " + FIXED.replace("\n", "\n        ") + "\n```",  # wrong indentation
        f"```python\n{FIXED_FILE}```",  # the whole file
        '<<<<<<< SEARCH\n    return float(text)\n=======\n    return float(text.strip().lstrip("$"))'
        "\n>>>>>>> REPLACE",
    ],
)
def test_answers_become_the_same_edit(project, answer):
    assert answer_to_edits(answer, diagnosis_for(project), project) == {"prices.py": FIXED_FILE}


def test_imports_the_answer_adds_go_to_the_top(project):
    answer = "```python\nimport re\n\ndef parse_price(text):\n    return float(re.sub('[$]', '', text))\n```"
    edits = answer_to_edits(answer, diagnosis_for(project), project)
    assert edits["prices.py"].startswith('"""Prices."""\nimport re\n')


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "I cannot help with that.",
        "```python\ndef parse_price(text:\n    return\n```",  # does not parse
        "```python\ndef other():\n    pass\n```",  # not the function
        "../../etc/passwd\n<<<<<<< SEARCH\nroot\n=======\nx\n>>>>>>> REPLACE",
        "/etc/hosts\n<<<<<<< SEARCH\nlocalhost\n=======\nx\n>>>>>>> REPLACE",
    ],
)
def test_unusable_answers_give_no_edit(project, answer):
    assert answer_to_edits(answer, diagnosis_for(project), project) == {}


def heal(root, engine, home, **overrides):
    from selfheal_local.factory import open_healer

    options = {"use_memory": False, "samples": 1, "max_retries": 1, "home": str(home)}
    healer = open_healer(root, options | overrides, engine=engine)
    return healer, healer.heal(confirm=lambda outcome: True)


def test_wrong_answer_triggers_a_self_correction_round(tmp_path):
    root = make_project(tmp_path / "proj")
    engine = ScriptedEngine([WRONG, RIGHT])
    _, result = heal(root, engine, tmp_path / "home")

    assert result.healthy
    (applied,) = result.applied
    assert applied.patch.source == "model" and applied.patch.adapter is None
    assert (root / "prices.py").read_text() == FIXED_FILE
    assert len(engine.requests) == 2
    first, second = engine.requests
    user = first.messages[1]["content"]
    assert "ValueError: could not convert string to float: '$3.50'" in user
    assert "def parse_price(text):" in user and "Failing test output" in user
    # round two carries the conversation and why the first answer failed
    assert second.messages[2] == {"role": "assistant", "content": WRONG}
    feedback = second.messages[3]["content"]
    assert "did not fix" in feedback and "could not convert string to float" in feedback


def test_nothing_is_applied_when_every_round_fails(tmp_path):
    root = make_project(tmp_path / "proj")
    engine = ScriptedEngine([WRONG, WRONG, WRONG])
    _, result = heal(root, engine, tmp_path / "home", max_retries=2)
    assert not result.healthy and not result.applied
    assert (root / "prices.py").read_text() == SOURCE
    assert len(engine.requests) == 3  # propose + 2 revisions


@pytest.mark.slow
def test_tiny_model_adapter_heals_and_without_it_nothing_is_applied(tmp_path):
    import torch
    from quick_lora import fit_lora

    from models.adapters import AdapterManager, AdapterMetadata
    from models.engine_hf import HFEngine
    from models.tiny import build_tiny_model
    from selfheal_local.factory import open_healer
    from selfheal_local.llm.source import build_messages

    torch.set_num_threads(1)  # the CPU is shared: one thread is faster than oversubscribed two
    home = tmp_path / "home"
    model_dir = build_tiny_model(tmp_path / "tiny")
    # the exact prompt the heal will send, from the real detectors and analysis
    probe = open_healer(make_project(tmp_path / "probe"), {"use_memory": False, "use_model": False})
    probe.scan()
    (finding,) = probe.findings
    messages = build_messages(probe.diagnose(finding), probe.project)
    adapter_dir = fit_lora(
        model_dir, [[*messages, {"role": "assistant", "content": RIGHT}]], home / "store" / "prices-v1",
        steps=40,
    )  # fmt: skip
    registry = AdapterManager(adapter_dir=home / "adapters", base_model=str(model_dir))
    registry.register_adapter(
        str(adapter_dir), AdapterMetadata(adapter_id="value-v1", error_types=["ValueError"])
    )
    engine = HFEngine(model_dir)

    healed = make_project(tmp_path / "healed")
    _, result = heal(healed, engine, home)
    assert result.healthy, result.to_dict()["failed"]
    (applied,) = result.applied
    assert applied.patch.source == "model" and applied.patch.adapter == "value-v1"
    assert (healed / "prices.py").read_text() == FIXED_FILE

    AdapterManager(adapter_dir=home / "adapters").deactivate_adapter("value-v1")
    untouched = make_project(tmp_path / "untouched")
    _, result = heal(untouched, engine, home)
    assert not result.healthy and not result.applied
    assert (untouched / "prices.py").read_text() == SOURCE
    assert all(a.adapter is None for f in result.failed for a in f.attempts)
