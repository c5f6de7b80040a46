"""AdapterManager: registry on disk, routing order, refusals, the Saplings example."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from lora_case import ANSWER_A, PROMPT

from models.adapters import AdapterManager, AdapterMetadata, AdapterPriority, normalize_error_type
from models.engine_hf import HFEngine
from models.errors import AdapterRejected, RegistryError


def meta(adapter_id, types, **kw):
    return AdapterMetadata(adapter_id=adapter_id, error_types=list(types), **kw)


@pytest.fixture
def copies(adapter_a, tmp_path):
    """Independent adapter directories (same weights) so each registration has its own path."""

    def make(name):
        return shutil.copytree(adapter_a, tmp_path / "store" / name)

    return make


def test_registry_round_trip_and_atomic_file(tmp_path, copies):
    store = tmp_path / "adapters"
    manager = AdapterManager(adapter_dir=store)
    manager.register_adapter(
        str(copies("uv")), meta("uv", ["NameError"], priority=AdapterPriority.HIGH, version="1.2.0")
    )
    manager.pin("undefined_variable", "uv")
    manager.record_outcome("uv", True)
    manager.record_outcome("uv", False)
    assert manager.deactivate_adapter("uv")

    # only the registry file, no temp files left behind
    assert sorted(p.name for p in store.iterdir()) == ["registry.json"]
    data = json.loads((store / "registry.json").read_text())
    assert data["pins"] == {"undefined_variable": "uv"}

    again = AdapterManager(adapter_dir=store)
    adapter = again.get_adapter("uv")
    assert again.list_adapters() == ["uv"]
    assert adapter.metadata.priority is AdapterPriority.HIGH
    assert adapter.metadata.version == "1.2.0"
    assert (adapter.metadata.trials, adapter.metadata.success_rate) == (2, 0.5)
    assert adapter.rank == 8 and adapter.enabled is False
    assert again.route("undefined_variable") is None  # deactivated: the base

    assert again.update_adapter_metadata("uv", {"description": "typos", "adapter_id": "evil"})
    assert AdapterManager(adapter_dir=store).get_adapter("uv").metadata.description == "typos"
    assert not again.update_adapter_metadata("nope", {})


def test_corrupt_registry_says_what_to_do(tmp_path):
    (tmp_path / "registry.json").write_text("{not json")
    with pytest.raises(RegistryError, match="move it away"):
        AdapterManager(adapter_dir=tmp_path)


def test_routing_order_pins_and_general_fallback(copies):
    m = AdapterManager()
    m.register_adapter(copies("low"), meta("low", ["undefined_variable"], priority="low"))
    m.register_adapter(
        copies("hi-old"), meta("hi-old", ["NameError"], priority="high", version="1.9")
    )
    m.register_adapter(
        copies("hi-new"), meta("hi-new", ["NameError"], priority="high", version="1.10")
    )
    m.register_adapter(copies("hi-good"), meta("hi-good", ["NameError"], priority="high",
                                               version="0.1", success_rate=0.9))  # fmt: skip
    m.register_adapter(copies("gen"), meta("gen", ["general"]))

    assert [a.adapter_id for a in m.find_adapters_for_error("NameError")] == [
        "hi-good", "hi-new", "hi-old", "low",
    ]  # fmt: skip
    assert m.route("undefined_variable").adapter_id == "hi-good"
    m.pin("NameError", "low")
    assert m.route("undefined_variable").adapter_id == "low"
    m.deactivate_adapter("low")
    assert m.route("undefined_variable").adapter_id == "hi-good"
    m.unpin("undefined_variable")

    # success rates follow validation outcomes
    for _ in range(3):
        m.record_outcome("hi-good", False)
    m.record_outcome("hi-new", True)
    assert m.route("undefined_variable").adapter_id == "hi-new"

    assert m.route("key_error").adapter_id == "gen"
    m.deactivate_adapter("gen")
    assert m.route("key_error") is None
    assert m.activate_adapter("gen") and m.route("key_error").adapter_id == "gen"
    # a vanished directory is skipped, not served
    shutil.rmtree(m.get_adapter("gen").path)
    assert m.route("key_error") is None


def test_refuses_what_the_engine_would_reject(tmp_path, copies, tiny_model):
    m = AdapterManager(base_model=str(tiny_model), max_rank=4)
    with pytest.raises(AdapterRejected, match="adapter_config.json"):
        m.register_adapter(tmp_path, meta("x", ["*"]))
    with pytest.raises(AdapterRejected, match="max LoRA rank 4"):
        m.register_adapter(copies("r8"), meta("r8", ["*"]))
    other_base = copies("other")
    config = json.loads((other_base / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = str(tmp_path)
    (other_base / "adapter_config.json").write_text(json.dumps(config))
    with pytest.raises(AdapterRejected, match="configured base"):
        AdapterManager(base_model=str(tiny_model)).register_adapter(other_base, meta("o", ["*"]))
    with pytest.raises(AdapterRejected, match="adapter id"):
        AdapterManager().register_adapter(copies("ok"), meta("../evil", ["*"]))
    assert m.list_adapters() == []


def test_activate_hot_loads_into_the_engine_and_deactivate_unloads(tiny_model, copies):
    engine = HFEngine(tiny_model)
    m = AdapterManager(model=engine)
    m.register_adapter(copies("uv"), meta("uv", ["NameError"]))
    adapter = m.get_adapter("uv")
    assert engine.adapters() == []
    assert m.activate_adapter("uv")
    assert engine.adapters() == [adapter.served_name]
    assert engine.complete(PROMPT, adapter=adapter.served_name, max_tokens=24) == [ANSWER_A]
    assert m.deactivate_adapter()
    assert engine.adapters() == []
    assert not m.activate_adapter("missing")


def test_error_type_names_map_to_patterns():
    assert normalize_error_type("NameError") == "undefined_variable"
    assert normalize_error_type("ModuleNotFoundError") == "import_error"
    assert normalize_error_type("key_error") == "key_error"
    assert normalize_error_type("BrokenPipeError") == "broken_pipe_error"
    assert normalize_error_type("*") == "*"


def test_saplings_example_runs_with_only_the_import_changed(tmp_path, adapter_a):
    shutil.copytree(adapter_a, tmp_path / "lora_adapters" / "error_fix_adapter")
    example = textwrap.dedent("""
        from selfheal_local import AdapterManager, AdapterMetadata, AdapterPriority

        # Create an adapter manager
        adapter_manager = AdapterManager(adapter_dir="./lora_adapters")

        # Register an adapter
        adapter_manager.register_adapter(
            path="./lora_adapters/error_fix_adapter",
            metadata=AdapterMetadata(
                adapter_id="error_fix_adapter",
                model_name="meta-llama/Llama-3.1-8B-Instruct",
                description="Adapter for fixing common errors",
                version="1.0.0",
                created_at="2023-01-01T00:00:00Z",
                success_rate=0.85,
                priority=AdapterPriority.HIGH,
                error_types=["NameError", "TypeError", "AttributeError"],
                tags=["error_fix", "code_repair"],
            ),
        )

        # List all adapters
        adapter_ids = adapter_manager.list_adapters()
        print(f"Available adapters: {adapter_ids}")

        # Activate an adapter
        success = adapter_manager.activate_adapter("error_fix_adapter")
        if success:
            print("Adapter activated successfully!")
        else:
            print("Failed to activate adapter")

        # Find adapters for a specific error type
        adapters = adapter_manager.find_adapters_for_error("NameError")
        print(f"Found {len(adapters)} adapters for NameError")
    """)
    done = subprocess.run(
        [sys.executable, "-c", example],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Available adapters: ['error_fix_adapter']",
        "Adapter activated successfully!",
        "Found 1 adapters for NameError",
    ]
    assert (tmp_path / "lora_adapters" / "registry.json").is_file()
