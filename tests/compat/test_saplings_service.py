"""SelfHealingService against real parts: the JSONL collector, the rules + sandbox patch
generator, TRL training on the tiny model, the adapter registry and the embedded engine."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from selfheal_local.compat.service import DISABLED, SelfHealingService

TYPE_ERROR = "TypeError: can only concatenate str (not 'int') to str"
CODE = 'def format_message(name, age):\n    return "Name: " + name + ", Age: " + age\n'
PAIRS = [
    {"input": "NameError: name 'data' is not defined\n\ndef f():\n    return data",
     "output": "def f():\n    data = []\n    return data",
     "metadata": {"error_type": "NameError"}},
    {"input": "NameError: name 'totl' is not defined\n\ndef g(xs):\n    return totl",
     "output": "def g(xs):\n    return sum(xs)",
     "metadata": {"error_type": "NameError"}},
]  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    import torch

    torch.set_num_threads(1)  # the CPU is shared with other jobs


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from models.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SELFHEAL_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def fast_training():
    from models.training import LoRaConfig

    return LoRaConfig(max_steps=2, batch_size=1, warmup_steps=0, load_in_4bit=False,
                      max_seq_length=256)  # fmt: skip


class RecordingTracer:
    """The slice of Saplings' TraceManager the service uses, recording what happens."""

    class Span:
        def __init__(self, span_id: str) -> None:
            self.span_id = span_id

    def __init__(self) -> None:
        self.started: list[tuple[str, str | None, dict]] = []
        self.ended: list[str] = []

    def start_span(self, name, trace_id=None, attributes=None):
        self.started.append((name, trace_id, dict(attributes or {})))
        return self.Span(f"span-{len(self.started)}")

    def end_span(self, span_id):
        self.ended.append(span_id)


def test_pairs_are_collected_into_the_data_dir_and_read_back(home):
    service = SelfHealingService()
    result = asyncio.run(service.collect_success_pair(
        PAIRS[0]["input"], PAIRS[0]["output"], context=["f() at line 2"],
        metadata={"error_type": "NameError"},
    ))  # fmt: skip
    assert result["success"] is True and result["context_count"] == 1
    assert result["input_length"] == len(PAIRS[0]["input"])
    stored = home / "success_pairs" / "success_pairs.jsonl"
    assert stored.is_file()
    again = asyncio.run(SelfHealingService().get_all_success_pairs())  # a fresh service
    assert [p["output"] for p in again] == [PAIRS[0]["output"]]
    assert again[0]["metadata"]["pattern"] == "undefined_variable"
    assert again[0]["context"] == ["f() at line 2"]


def test_a_generated_patch_is_applied_by_id_and_becomes_a_pair(home):
    tracer = RecordingTracer()
    service = SelfHealingService(trace_manager=tracer)
    result = asyncio.run(service.generate_patch(TYPE_ERROR, CODE, trace_id="t1"))
    assert result["success"], result
    assert 'str(age)' in result["patch"]["patched_code"]
    patch_id = result["patch_id"]
    assert asyncio.run(service.apply_patch(patch_id, trace_id="t1")) is True
    assert service.patches[patch_id].status == "applied"
    pairs = asyncio.run(service.get_all_success_pairs())
    assert len(pairs) == 1 and "str(age)" in pairs[0]["output"]
    assert pairs[0]["metadata"]["patch_id"] == patch_id
    assert asyncio.run(service.apply_patch("no-such-patch")) is False
    names = [name for name, _, _ in tracer.started]
    assert names[:2] == ["SelfHealingService.generate_patch", "SelfHealingService.apply_patch"]
    assert {trace for _, trace, _ in tracer.started[:2]} == {"t1"}
    assert len(tracer.ended) == len(tracer.started)


def test_an_invalid_patch_is_not_applied(home):
    service = SelfHealingService()
    result = asyncio.run(service.generate_patch(TYPE_ERROR, CODE))
    patch = service.patches[result["patch_id"]]
    patch.patched_code = "def format_message(name, age:\n"  # broken after generation
    assert asyncio.run(service.apply_patch(patch.id)) is False
    assert patch.status == "failed"
    assert asyncio.run(service.get_all_success_pairs()) == []


def test_disabled_service_does_nothing(home):
    service = SelfHealingService(enabled=False)
    assert asyncio.run(service.collect_success_pair("a", "b")) == {
        "success": False, "reason": DISABLED}
    assert asyncio.run(service.generate_patch(TYPE_ERROR, CODE))["error"] == DISABLED
    assert asyncio.run(service.train_adapter(PAIRS, "x"))["error"] == DISABLED
    assert asyncio.run(service.get_all_success_pairs()) == []
    assert asyncio.run(service.apply_patch("x")) is False
    assert asyncio.run(service.load_adapter("x")) is False
    assert asyncio.run(service.unload_adapter()) is False
    assert not home.exists()


def test_training_without_a_local_model_says_how_to_configure_one(home):
    result = asyncio.run(SelfHealingService().train_adapter(PAIRS, "fix_names"))
    assert result["success"] is False
    assert result["error"].startswith("no local model configured")
    assert not (home / "adapters").exists()
    url = SelfHealingService(model_name="http://127.0.0.1:9/v1")
    assert asyncio.run(url.train_adapter(PAIRS, "a"))["error"].startswith("no local model")


def test_training_rejects_bad_names_and_empty_pairs(home, tiny_model):
    service = SelfHealingService(model_name=str(tiny_model))
    bad = asyncio.run(service.train_adapter(PAIRS, "../escape"))
    assert bad["success"] is False and "letters, digits" in bad["error"]
    empty = asyncio.run(service.train_adapter([{"input": "x"}], "ok"))
    assert empty["success"] is False and "no usable pairs" in empty["error"]


@pytest.mark.slow
def test_train_register_load_and_unload_an_adapter(home, tiny_model):
    from models.engine_hf import HFEngine

    home.mkdir(parents=True)  # the model comes from the user's config, as configured
    (home / "config.toml").write_text(f'[selfheal]\nmodel = "{tiny_model}"\n')
    engine = HFEngine(tiny_model)
    service = SelfHealingService(engine=engine, lora_config=fast_training())

    result = asyncio.run(service.train_adapter(PAIRS, "fix_names"))
    assert result["success"], result
    path = Path(result["adapter_path"])
    assert path.parent == home / "adapters" and path.name == "fix_names-v1"
    config = json.loads((path / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str(Path(tiny_model).resolve())
    assert result["error_types"] == ["undefined_variable"] and result["metrics"]["steps"] == 2

    registry = json.loads((home / "adapters" / "registry.json").read_text())
    [entry] = registry["adapters"]
    assert entry["metadata"]["adapter_id"] == "fix_names" and entry["path"] == str(path)
    assert asyncio.run(service.list_adapters()) == ["fix_names"]

    assert asyncio.run(service.load_adapter("fix_names")) is True
    served = service.adapter_manager.get_adapter("fix_names").served_name
    assert engine.adapters() == [served]
    assert json.loads((home / "adapters" / "registry.json").read_text())["active"] == "fix_names"
    assert asyncio.run(service.load_adapter("unknown")) is False

    assert asyncio.run(service.unload_adapter()) is True
    assert engine.adapters() == []
    assert json.loads((home / "adapters" / "registry.json").read_text())["active"] is None
    assert asyncio.run(service.unload_adapter()) is False  # nothing active any more

    # a new version: a new directory under the same id (vLLM never reloads in place)
    second = asyncio.run(service.train_adapter(PAIRS[:1], "fix_names"))
    assert second["success"] and second["version"] == "2"
    assert service.adapter_manager.get_adapter("fix_names").path == second["adapter_path"]
    assert service.adapter_manager.get_adapter("fix_names").served_name != served


@pytest.mark.slow
def test_an_adapter_for_another_base_is_not_registered(home, tiny_model, tmp_path):
    from models.tiny import build_tiny_model

    other = build_tiny_model(tmp_path / "other", seed=1)
    trained = SelfHealingService(model_name=str(other), lora_config=fast_training())
    assert asyncio.run(trained.train_adapter(PAIRS, "other_base"))["success"]
    # the registry of a service configured for tiny_model refuses that directory
    from models.adapter_meta import AdapterMetadata
    from models.errors import AdapterRejected

    service = SelfHealingService(model_name=str(tiny_model))
    with pytest.raises(AdapterRejected, match="not on the configured base"):
        service.adapter_manager.register_adapter(
            home / "adapters" / "other_base-v1", AdapterMetadata(adapter_id="x"))
