"""The nightly gate re-runs a recorded heal: the answer is parsed as a served answer over the
files as they were before the fix, and the pair's tests decide, although the project on disk
already holds the accepted fix."""

import json

from selfheal_local.config import Config
from selfheal_local.factory import make_sandbox, open_healer
from selfheal_local.learning.gate import HeldoutGate
from selfheal_local.llm.scripted import ScriptedEngine

from .projects import write_project


def test_gate_validates_recorded_heals_through_the_heal_path(tmp_path, monkeypatch):
    monkeypatch.setenv("SELFHEAL_HOME", str(tmp_path / "home"))
    root = write_project(tmp_path / "proj", "attribute_typo")
    healer = open_healer(root, {"use_model": False})
    result = healer.heal()
    assert result.healthy and healer.memory is not None
    lines = (tmp_path / "home" / "pairs" / "success_pairs.jsonl").read_text().splitlines()
    pair = next(json.loads(x) for x in lines if json.loads(x)["metadata"]["pattern"] == "attribute_error")
    meta = pair["metadata"]
    system, user, accepted = meta["messages"]
    assert "balnce" in meta["files_before"]["shop/account.py"]  # the text the model was shown
    assert "balnce" not in (root / "shop" / "account.py").read_text()  # disk holds the fix
    record = {"id": pair["id"], "messages": meta["messages"], "metadata": meta}
    gate = HeldoutGate(ScriptedEngine.always(accepted["content"]), make_sandbox(Config()))
    ok, why = gate("pattern-v1", record)
    assert ok, why
    wrong = accepted["content"].replace("self.balance += amount", "self.balance -= amount")
    assert wrong != accepted["content"]
    ok, why = HeldoutGate(ScriptedEngine.always(wrong), make_sandbox(Config()))("pattern-v1", record)
    assert not ok and "fail" in why
