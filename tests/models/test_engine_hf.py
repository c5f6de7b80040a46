"""The embedded engine on the tiny model with real PEFT adapters fitted in the test session."""

from __future__ import annotations

import json
import shutil
import threading

import pytest
from lora_case import ANSWER_A, ANSWER_B, PROMPT

from models.engine_hf import HFEngine
from models.errors import AdapterNotFound, AdapterRejected, ModelNotFound
from models.tiny import build_tiny_model


def test_adapters_switch_per_request_and_base_is_unchanged(tiny_model, adapter_a, adapter_b):
    engine = HFEngine(tiny_model)
    base_before = engine.complete(PROMPT, max_tokens=24)
    assert len(base_before) == 1 and base_before[0] not in (ANSWER_A, ANSWER_B)

    engine.load_adapter("typo-v1", adapter_a)
    engine.load_adapter("imports-v1", adapter_b)
    assert engine.adapters() == ["typo-v1", "imports-v1"]
    model_object = engine._model

    # interleaved requests: each picks its adapter, nothing is reloaded
    assert engine.complete(PROMPT, adapter="typo-v1", max_tokens=24) == [ANSWER_A]
    assert engine.complete(PROMPT, adapter="imports-v1", max_tokens=24) == [ANSWER_B]
    assert engine.complete(PROMPT, max_tokens=24) == base_before
    assert engine.complete(PROMPT, adapter="typo-v1", max_tokens=24) == [ANSWER_A]
    assert engine._model is model_object

    engine.unload_adapter("typo-v1")
    assert engine.adapters() == ["imports-v1"]
    with pytest.raises(AdapterNotFound):
        engine.complete(PROMPT, adapter="typo-v1", max_tokens=4)
    assert engine.complete(PROMPT, adapter="imports-v1", max_tokens=24) == [ANSWER_B]
    engine.unload_adapter("imports-v1")
    assert engine.complete(PROMPT, max_tokens=24) == base_before
    assert engine.health()["adapters"] == []


def test_samples_and_greedy_copies(tiny_model):
    engine = HFEngine(tiny_model)
    greedy = engine.complete(PROMPT, n=3, max_tokens=8)
    assert len(greedy) == 3 and len(set(greedy)) == 1
    sampled = engine.complete(PROMPT, n=4, temperature=1.0, max_tokens=8)
    assert len(sampled) == 4 and len(set(sampled)) > 1


def test_threads_share_one_engine(tiny_model, adapter_a):
    engine = HFEngine(tiny_model)
    engine.load_adapter("a", adapter_a)
    base = engine.complete(PROMPT, max_tokens=16)
    results: dict[int, list[str]] = {}

    def ask(i: int) -> None:
        results[i] = engine.complete(PROMPT, adapter="a" if i % 2 else None, max_tokens=16)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[i] == ([ANSWER_A] if i % 2 else base) for i in range(6))


def test_adapter_for_another_base_is_rejected(tmp_path, adapter_a):
    other = build_tiny_model(tmp_path / "other", hidden_size=64, intermediate_size=128)
    engine = HFEngine(other)
    with pytest.raises(AdapterRejected, match="trained on"):
        engine.load_adapter("a", adapter_a)
    # same adapter with its base unrecorded: the shape check still catches it
    copy = shutil.copytree(adapter_a, tmp_path / "copy")
    config = json.loads((copy / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = None
    (copy / "adapter_config.json").write_text(json.dumps(config))
    with pytest.raises(AdapterRejected, match="does not fit"):
        engine.load_adapter("a", copy)
    assert engine.adapters() == []
    assert engine.complete(PROMPT, max_tokens=4)  # the base still serves


def test_bad_inputs_say_what_to_do(tmp_path, tiny_model, adapter_a):
    with pytest.raises(ModelNotFound, match="selfheal models tiny"):
        HFEngine(tmp_path / "nothing")
    engine = HFEngine(tiny_model)
    with pytest.raises(AdapterRejected, match="adapter_config.json"):
        engine.load_adapter("x", tmp_path)
    engine.load_adapter("a", adapter_a)
    with pytest.raises(AdapterRejected, match="new name"):
        engine.load_adapter("a", adapter_a)
    with pytest.raises(AdapterNotFound):
        engine.unload_adapter("nope")


def test_4bit_base_serves_an_adapter_on_cpu(tiny_model, adapter_a):
    pytest.importorskip("bitsandbytes")
    engine = HFEngine(tiny_model, load_in_4bit=True)
    engine.load_adapter("a", adapter_a)
    from bitsandbytes.nn import Linear4bit

    linears = [m for m in engine._model.modules() if isinstance(m, Linear4bit)]
    assert linears and not any(m.support_avx512bf16_for_cpu for m in linears)
    assert engine.complete(PROMPT, adapter="a", max_tokens=24) == [ANSWER_A]
