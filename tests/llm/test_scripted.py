"""The scripted engine: a real Engine without a model, chosen by configuration."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from selfheal_local.config import Config
from selfheal_local.errors import ConfigError
from selfheal_local.llm.engines import make_engine
from selfheal_local.llm.scripted import ScriptedEngine
from selfheal_local.protocols import Engine


def test_answers_in_order_then_the_fallback_and_keeps_every_request():
    engine = ScriptedEngine(["first", "second"], fallback="spent")
    assert isinstance(engine, Engine)
    assert engine.complete([{"role": "user", "content": "a"}], n=2) == ["first", "second"]
    assert engine.complete([{"role": "user", "content": "b"}], adapter="x-v1") == ["spent"]
    assert [(r.messages[0]["content"], r.adapter, r.n) for r in engine.requests] == [
        ("a", None, 2), ("b", "x-v1", 1)]
    engine.load_adapter("x-v1", "/nowhere")
    assert engine.adapters() == ["x-v1"]
    engine.unload_adapter("x-v1")
    assert engine.adapters() == []


def test_a_callable_script_answers_from_the_messages():
    engine = ScriptedEngine(lambda messages: messages[-1]["content"].upper())
    assert engine.complete([{"role": "user", "content": "fix it"}]) == ["FIX IT"]


def test_configured_as_engine_scripted_with_an_answers_file(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(["one", "two"]))
    engine = make_engine(Config(engine="scripted", model=str(answers)))
    assert isinstance(engine, ScriptedEngine)
    assert engine.complete([{"role": "user", "content": "?"}], n=3) == ["one", "two", "no idea"]


@pytest.mark.parametrize("content", ["{not json", json.dumps({"a": 1}), json.dumps([1, 2])])
def test_a_bad_answers_file_is_a_config_error_that_says_what_to_give(tmp_path, content):
    answers = tmp_path / "answers.json"
    answers.write_text(content)
    with pytest.raises(ConfigError, match="list of answer strings"):
        ScriptedEngine.from_file(answers)


def test_heal_with_engine_scripted_on_a_missing_file_refuses_in_one_line(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    run = subprocess.run(
        [sys.executable, "-m", "selfheal_local", "heal", str(project), "--yes", "--engine", "scripted",
         "--model", str(tmp_path / "missing.json")],
        capture_output=True, text=True, timeout=300,
        env={"SELFHEAL_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1",
             "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 2, run.stderr
    assert "missing.json" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert (project / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"
