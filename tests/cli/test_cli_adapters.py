"""``selfheal adapters`` as a person runs it: the real CLI in a subprocess, real PEFT adapter
directories on the tiny model, the registry in ``SELFHEAL_HOME``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    """The tiny model, a second tiny model (another base), and LoRA adapters saved by PEFT."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from models.tiny import build_tiny_model

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("models")
    base = build_tiny_model(root / "tiny")
    other = build_tiny_model(root / "other", seed=1)
    for model_dir, name, rank in ((base, "a", 8), (base, "b", 8), (base, "r16", 16),
                                  (other, "foreign", 8)):  # fmt: skip
        model = AutoModelForCausalLM.from_pretrained(model_dir)
        lora = LoraConfig(r=rank, lora_alpha=16, target_modules=["q_proj", "v_proj"],
                          task_type="CAUSAL_LM")  # fmt: skip
        get_peft_model(model, lora).save_pretrained(root / name)
    return root


def selfheal(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SELFHEAL_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "selfheal_local", *args], capture_output=True,
                          text=True, timeout=300, env=env)  # fmt: skip


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture
def home(tmp_path, models_dir) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(f'[selfheal]\nmodel = "{models_dir / "tiny"}"\n')
    return home


def routes(home: Path) -> dict[str, tuple[str | None, str]]:
    data = json.loads(ok(selfheal(home, "adapters", "route", "--json")))
    return {r["pattern"]: (r["adapter"], r["via"]) for r in data["routes"]}


def test_register_and_list(home, models_dir):
    assert "no adapters registered" in ok(selfheal(home, "adapters", "list"))
    out = ok(selfheal(home, "adapters", "register", str(models_dir / "a"), "--id", "names",
                      "--patterns", "NameError,type_error", "--priority", "high",
                      "--version", "2"))  # fmt: skip
    assert out.startswith("registered names (rank 8) for type_error, undefined_variable")
    ok(selfheal(home, "adapters", "register", str(models_dir / "b"), "--id", "all",
                "--patterns", "general"))  # fmt: skip
    data = json.loads(ok(selfheal(home, "adapters", "list", "--json")))
    assert data["adapters_dir"] == str(home / "adapters")
    names, general = data["adapters"]
    assert names["id"] == "names" and names["patterns"] == ["type_error", "undefined_variable"]
    assert (names["version"], names["priority"], names["rank"]) == ("2", "high", 8)
    assert names["enabled"] is True and names["pinned"] == [] and names["success_rate"] == 0.0
    assert names["path"] == str((models_dir / "a").resolve())
    assert names["base_model"] == str(models_dir / "tiny")
    assert general["id"] == "all" and general["priority"] == "medium"
    text = ok(selfheal(home, "adapters", "list")).splitlines()
    assert text[0].split()[:5] == ["ID", "PATTERNS", "VERSION", "PRIORITY", "SUCCESS"]
    assert text[1].split()[:4] == ["names", "type_error,undefined_variable", "2", "high"]
    assert (home / "adapters" / "registry.json").is_file()


def test_register_refuses_what_the_engine_would_reject(home, models_dir, tmp_path):
    empty = tmp_path / "not-an-adapter"
    empty.mkdir()
    line = one_line_error(selfheal(home, "adapters", "register", str(empty), "--id", "x",
                                   "--patterns", "NameError"))  # fmt: skip
    assert "no adapter_config.json" in line
    line = one_line_error(selfheal(home, "adapters", "register", str(models_dir / "foreign"),
                                   "--id", "x", "--patterns", "NameError"))  # fmt: skip
    assert "not on the configured base" in line and "retrain" in line
    line = one_line_error(selfheal(home, "adapters", "register", str(models_dir / "r16"), "--id",
                                   "x", "--patterns", "NameError", "--max-rank", "8"))  # fmt: skip
    assert "rank 16 exceeds" in line and "--max-lora-rank" in line
    line = one_line_error(selfheal(home, "adapters", "register", str(models_dir / "a"), "--id",
                                   "../x", "--patterns", "NameError"))  # fmt: skip
    assert "letters, digits" in line
    line = one_line_error(selfheal(home, "adapters", "register", str(models_dir / "a"), "--id",
                                   "x", "--patterns", " , "))  # fmt: skip
    assert "--patterns is empty" in line
    assert not (home / "adapters" / "registry.json").exists()  # nothing was registered
    # the same foreign adapter is fine when its own base is named
    ok(selfheal(home, "adapters", "register", str(models_dir / "foreign"), "--id", "x",
                "--patterns", "NameError", "--base", str(models_dir / "other")))  # fmt: skip


def test_routing_pin_activate_deactivate(home, models_dir):
    assert set(routes(home).values()) == {(None, "base")}  # nothing registered: the base
    reg = ("adapters", "register")
    ok(selfheal(home, *reg, str(models_dir / "a"), "--id", "names", "--patterns", "NameError",
                "--priority", "high"))  # fmt: skip
    ok(selfheal(home, *reg, str(models_dir / "b"), "--id", "names_low", "--patterns",
                "undefined_variable", "--priority", "low"))  # fmt: skip
    ok(selfheal(home, *reg, str(models_dir / "r16"), "--id", "general", "--patterns", "general"))
    table = routes(home)
    assert table["undefined_variable"] == ("names", "specific")
    assert table["key_error"] == ("general", "general")
    assert "lint" in table and "general" not in table
    assert ok(selfheal(home, "adapters", "route", "NameError")).split() == [
        "undefined_variable", "->", "names", "(specific)"]

    assert "now routes to names_low" in ok(selfheal(home, "adapters", "pin", "NameError",
                                                    "names_low"))  # fmt: skip
    assert routes(home)["undefined_variable"] == ("names_low", "pinned")
    listed = json.loads(ok(selfheal(home, "adapters", "list", "--json")))["adapters"]
    assert listed[1]["pinned"] == ["undefined_variable"]
    ok(selfheal(home, "adapters", "unpin", "undefined_variable"))
    assert routes(home)["undefined_variable"] == ("names", "specific")
    assert "is not pinned" in one_line_error(selfheal(home, "adapters", "unpin", "key_error"))

    ok(selfheal(home, "adapters", "deactivate", "names"))
    ok(selfheal(home, "adapters", "deactivate", "names_low"))
    assert routes(home)["undefined_variable"] == ("general", "general")
    assert json.loads(ok(selfheal(home, "adapters", "list", "--json")))["adapters"][0][
        "enabled"] is False
    assert ok(selfheal(home, "adapters", "activate", "names")) == "activated names\n"
    assert routes(home)["undefined_variable"] == ("names", "specific")
    registry = json.loads((home / "adapters" / "registry.json").read_text())
    assert registry["active"] == "names"

    for args in (("activate", "nope"), ("deactivate", "nope"), ("pin", "key_error", "nope")):
        line = one_line_error(selfheal(home, "adapters", *args))
        assert "no adapter 'nope' is registered" in line and "adapters list" in line


def test_an_unreadable_registry_is_one_line(home):
    (home / "adapters").mkdir()
    (home / "adapters" / "registry.json").write_text("{not json")
    line = one_line_error(selfheal(home, "adapters", "list"))
    assert "registry.json is unreadable" in line and "move it away" in line
