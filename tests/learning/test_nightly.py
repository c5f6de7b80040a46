"""The nightly round end to end: real TRL/PEFT/bitsandbytes training on the tiny model, the real
embedded engine, the real sandbox running each held-back pair's tests, the real registry."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.tiny import build_tiny_model
from selfheal_local.learning.nightly import NightlyRound, RoundOptions, history, plan

# real training on a shared CPU: minutes, not seconds, when the machine is busy
pytestmark = pytest.mark.timeout(1800)

CASES = {
    "undefined_variable": {
        "error_type": "NameError",
        "message": "name 'totl' is not defined",
        "before": "def total(items):\n    return totl(items)",
        "after": "def total(items):\n    return sum(items)",
        "test": "from calc import total\n\n\ndef test_total():\n    assert total([1, 2, 3]) == 6\n",
    },
    "zero_division_error": {
        "error_type": "ZeroDivisionError",
        "message": "division by zero",
        "before": "def average(values):\n    return sum(values) / len(values)",
        "after": "def average(values):\n    if not values:\n        return 0.0\n"
        "    return sum(values) / len(values)",
        "test": "from calc import average\n\n\ndef test_average():\n"
        "    assert average([]) == 0.0\n    assert average([2, 4]) == 3\n",
    },
}
PER_PATTERN = 6
TRAINING = {
    "load_in_4bit": True,
    "max_steps": 30,
    "learning_rate": 5e-3,
    "warmup_steps": 0,
    "lr_scheduler_type": "constant",
    "lora_dropout": 0.0,
    "batch_size": 5,
}


def seed_home(home: Path, projects: Path, patterns=tuple(CASES)) -> None:
    """Accepted pairs as the memory writes them, each from a small project that still exists."""
    lines = []
    for p_index, pattern in enumerate(patterns):
        case = CASES[pattern]
        for i in range(PER_PATTERN):
            project = projects / f"{pattern}-{i}"
            (project / "tests").mkdir(parents=True)
            (project / "calc.py").write_text(case["before"] + "\n")
            (project / "tests" / "test_calc.py").write_text(case["test"])
            # the same fix seen in several projects: messages differ by where it happened
            message = f"{case['message']} (app{i}/calc.py, line 2)"
            created = f"2026-01-0{p_index + 1}T10:0{i}:00+00:00"
            meta = {
                "pattern": pattern, "error_type": case["error_type"], "message": message,
                "function_before": case["before"], "function_after": case["after"],
                "file": "calc.py", "test_ids": ["tests/test_calc.py"], "project": str(project),
                "source": "rule", "accepted_by": "user", "created_at": created,
            }  # fmt: skip
            lines.append({"id": f"{pattern}-{i}", "created_at": created, "metadata": meta,
                          "input": f"{case['error_type']}: {message}\n\n{case['before']}",
                          "output": case["after"]})  # fmt: skip
    path = home / "pairs" / "success_pairs.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="module")
def served(tiny):
    """The running embedded engine (4-bit, as QLoRA adapters are served)."""
    from models.engine_hf import HFEngine

    engine = HFEngine(tiny, load_in_4bit=True)
    engine.complete([{"role": "user", "content": "hi"}], max_tokens=2)  # it is up and serving
    return engine


def make_round(home, tiny, engine, **options):
    from selfheal_local.config import Config
    from selfheal_local.factory import make_sandbox
    from selfheal_local.learning.gate import HeldoutGate

    opts = RoundOptions(model=str(tiny), min_pairs=5, general=False,
                        training=dict(TRAINING), **options)  # fmt: skip
    steps: list[tuple[str, int, int]] = []
    return NightlyRound(
        home, opts, engine=engine, gate=HeldoutGate(engine, make_sandbox(Config())),
        progress=lambda name, step, total, loss: steps.append((name, step, total)),
    ), steps  # fmt: skip


@pytest.fixture(scope="module")
def first_round(tmp_path_factory, tiny, served):
    root = tmp_path_factory.mktemp("nightly")
    home = root / "home"
    seed_home(home, root / "projects")
    nightly, steps = make_round(home, tiny, served)
    return home, nightly.run(), nightly.manager, steps


@pytest.mark.slow
def test_two_adapters_are_trained_gated_promoted_hot_loaded_and_routed(first_round, served):
    from selfheal_local.memory.export import split_pairs
    from selfheal_local.memory.pairs import PairLog

    home, record, manager, steps = first_round
    by_pattern = {a["pattern"]: a for a in record["adapters"]}
    assert set(by_pattern) == set(CASES)
    assert {name for name, _, _ in steps} == set(CASES) and steps[-1][1] == 30
    held = split_pairs(PairLog(home / "pairs" / "success_pairs.jsonl").read())
    for pattern, entry in by_pattern.items():
        path = home / "adapters" / f"{pattern}-v1"
        assert entry["path"] == str(path) and entry["promoted"], entry["reason"]
        gate = entry["gate"]["candidate"]
        assert gate["total"] >= 1 and gate["validated"] == gate["total"]
        assert all("tests pass in the sandbox" in d["why"] for d in gate["details"])
        assert entry["gate"]["current"] is None and "first adapter" in entry["reason"]
        for name in ("adapter_config.json", "adapter_model.safetensors", "metrics.json",
                     "loss.png", "gate.json"):  # fmt: skip
            assert (path / name).is_file(), name
        # registered with the gate's rate and the training metrics, routed, resident, serving
        adapter = manager.route(pattern)
        assert adapter.adapter_id == f"{pattern}-v1"
        assert adapter.metadata.success_rate == 1.0 and adapter.metadata.error_types == [pattern]
        assert "final loss" in adapter.metadata.description
        assert adapter.served_name in served.adapters()
        record_in = held[pattern]["heldout"][0]["messages"]
        answer = served.complete(record_in[:-1], adapter=adapter.served_name, max_tokens=64)[0]
        assert answer == CASES[pattern]["after"]
    # the registry on disk says the same (a restarted engine routes the same way)
    from models.adapters import AdapterManager

    reread = AdapterManager(adapter_dir=home / "adapters")
    assert reread.route("zero_division_error").adapter_id == "zero_division_error-v1"
    assert [r["run_id"] for r in history(home)] == [record["run_id"]]
    assert (home / "training" / "runs" / f"{record['run_id']}.json").is_file()


@pytest.mark.slow
def test_a_worse_adapter_is_not_promoted_and_the_old_one_keeps_serving(first_round, tiny, served):
    home = first_round[0]
    nightly, _ = make_round(home, tiny, served, pattern="undefined_variable", all_pairs=True)
    manager = nightly.manager
    nightly.options.training["max_steps"] = 1  # deliberately undertrained
    record = nightly.run()
    (entry,) = record["adapters"]
    assert entry["name"] == "undefined_variable-v2" and not entry["promoted"]
    assert entry["gate"]["candidate"]["validated"] < entry["gate"]["current"]["validated"]
    assert "undefined_variable-v1" in entry["reason"]
    assert manager.route("undefined_variable").adapter_id == "undefined_variable-v1"
    assert "undefined_variable-v2" not in manager.list_adapters()
    assert not [n for n in served.adapters() if n.startswith("candidate-")]
    current = manager.route("undefined_variable")
    prompt = [{"role": "system", "content": _system()}, {"role": "user", "content":
              "NameError: name 'totl' is not defined (app0/calc.py, line 2)\n\n```python\n"
              f"{CASES['undefined_variable']['before']}\n```"}]  # fmt: skip
    answer = served.complete(prompt, adapter=current.served_name, max_tokens=64)[0]
    assert answer == CASES["undefined_variable"]["after"]
    assert len(history(home)) == 2


def _system():
    from selfheal_local.memory.export import SYSTEM_PROMPT

    return SYSTEM_PROMPT


@pytest.mark.slow
def test_sigterm_during_a_scheduled_round_leaves_the_previous_adapter_serving(first_round, tiny):
    home, _, _, _ = first_round
    adapters = home / "adapters"
    before = sorted(p.name for p in adapters.iterdir())
    registry = (adapters / "registry.json").read_bytes()
    child = [sys.executable, "-m", "selfheal_local", "train", "--now", "--json", "--model",
             str(tiny), "--min-pairs", "5", "--no-general", "--pattern", "zero_division_error",
             "--all", "--training", json.dumps({**TRAINING, "max_steps": 5000})]  # fmt: skip
    state = home / "training" / "schedule"
    runner = (
        "from models.schedule import NightlyScheduler\n"
        f"s = NightlyScheduler({str(state)!r})\n"
        f"s.install({child!r}, '0 3 * * *', {{'SELFHEAL_HOME': {str(home)!r}}}, run_now=True)\n"
        "s.start(background=False)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", runner], start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:  # wait until the child is inside training
            if any(p.name.startswith(".tmp-work-") for p in adapters.iterdir()):
                break
            assert proc.poll() is None
            time.sleep(0.5)
        else:
            pytest.fail("the scheduled round never started training")
        time.sleep(2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=180) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert sorted(p.name for p in adapters.iterdir()) == before  # nothing half-written left
    assert (adapters / "registry.json").read_bytes() == registry
    runs = [json.loads(x) for x in (state / "runs.jsonl").read_text().splitlines()]
    assert runs[-1]["returncode"] == 128 + signal.SIGTERM


@pytest.mark.slow
def test_cli_round_air_gapped_produces_the_same_adapter(first_round, tiny, tmp_path):
    import torch
    from safetensors.torch import load_file

    if shutil.which("unshare") is None:
        pytest.skip("unshare not available")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot create a network namespace here: {probe.stderr.decode().strip()}")
    home, _, _, _ = first_round
    fresh = tmp_path / "home"
    seed_home(fresh, tmp_path / "projects")
    env = {**os.environ, "SELFHEAL_HOME": str(fresh)}
    done = subprocess.run(
        ["unshare", "-n", sys.executable, "-m", "selfheal_local", "train", "--now", "--json",
         "--model", str(tiny), "--min-pairs", "5", "--no-general",
         "--pattern", "zero_division_error", "--training", json.dumps(TRAINING)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    record = json.loads(done.stdout)
    (entry,) = record["adapters"]
    assert entry["promoted"] and entry["name"] == "zero_division_error-v1"
    ours = load_file(str(Path(entry["path"]) / "adapter_model.safetensors"))
    theirs = load_file(
        str(home / "adapters" / "zero_division_error-v1" / "adapter_model.safetensors")
    )
    assert ours.keys() == theirs.keys()
    assert all(torch.allclose(ours[k], theirs[k], atol=1e-4) for k in ours)
    listing = subprocess.run([sys.executable, "-m", "selfheal_local", "train", "--history"],
                             capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert (
        record["run_id"] in listing.stdout and "zero_division_error-v1 promoted" in listing.stdout
    )


def test_plan_groups_by_pattern_adds_the_general_adapter_and_says_why_it_skips(tmp_path):
    home = tmp_path / "home"
    seed_home(home, tmp_path / "projects")
    from selfheal_local.memory.pairs import PairLog

    pairs = PairLog(home / "pairs" / "success_pairs.jsonl").read()
    work = plan(pairs, RoundOptions(model="m", min_pairs=5))
    assert set(work["train"]) == {"undefined_variable", "zero_division_error", "general"}
    train, held = work["train"]["general"]
    assert len(train) + len(held) == 2 * PER_PATTERN and len(held) >= 2
    assert all(r["metadata"]["project"] for r in held)  # the gate can find the project
    strict = plan(pairs, RoundOptions(model="m", min_pairs=7))
    assert set(strict["train"]) == {"general"}
    assert {s["reason"] for s in strict["skipped"]} == {"6 < 7 pairs"}
    # nothing accepted since the last round: nothing is due
    later = plan(pairs, RoundOptions(model="m", min_pairs=5), since="2026-12-31")
    assert later["train"] == {} and {s["reason"] for s in later["skipped"]} == {"no new pairs"}
    only = plan(pairs, RoundOptions(model="m", min_pairs=5, pattern="zero_division_error"))
    assert set(only["train"]) == {"zero_division_error"}


def test_rollback_routes_the_pattern_back_to_the_previous_version(first_round):
    from models.adapter_meta import AdapterMetadata
    from models.adapters import AdapterManager

    home = first_round[0]
    adapters = home / "adapters"
    newer = adapters / "undefined_variable-v9"
    shutil.copytree(adapters / "undefined_variable-v1", newer)
    manager = AdapterManager(adapter_dir=adapters)
    meta = AdapterMetadata(adapter_id=newer.name, version="9", error_types=["undefined_variable"],
                           tags=["nightly"], success_rate=1.0)  # fmt: skip
    manager.register_adapter(str(newer), meta)
    manager.pin("undefined_variable", newer.name)
    env = {**os.environ, "SELFHEAL_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "selfheal_local", "train", "--rollback", "undefined_variable"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "undefined_variable now routes to undefined_variable-v1" in done.stdout
    reread = AdapterManager(adapter_dir=adapters)
    assert reread.route("undefined_variable").adapter_id == "undefined_variable-v1"
    assert newer.name in reread.list_adapters()  # still registered: roll forward is a pin away
    again = subprocess.run(
        [sys.executable, "-m", "selfheal_local", "train", "--rollback", "undefined_variable"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert again.returncode == 2 and "no earlier nightly adapter" in again.stderr
