"""Training under ``accelerate launch`` with two processes on CPU (gloo): the multi-GPU path.

``accelerate launch --cpu`` alone starts a single process (several CPU processes need mpirun);
``--multi_gpu --num_processes 2`` starts two through ``torch.distributed.run`` whatever the
hardware, and on a machine without CUDA the trainer's ``use_cpu`` makes them a gloo group, the
same code path N GPUs take with NCCL.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from models.training import chat_messages

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
SYSTEM = "Fix the bug."
PAIRS = [
    {
        "input": f"NameError: name 'cout{i}' is not defined\n\ndef size{i}(xs):\n    return cout{i}(xs)",
        "output": f"def size{i}(xs):\n    return len(xs)",
    }
    for i in range(4)
]
CONFIG = {
    "load_in_4bit": False,
    "max_steps": 3,
    "batch_size": 1,
    "warmup_steps": 0,
    "learning_rate": 1e-2,
    "lr_scheduler_type": "constant",
    "lora_dropout": 0.0,
    "max_seq_length": 128,
    "system_prompt": SYSTEM,
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def launched(tiny_model, tmp_path_factory):
    root = tmp_path_factory.mktemp("accelerate")
    data = root / "pairs.jsonl"
    data.write_text("".join(json.dumps(p) + "\n" for p in PAIRS), encoding="utf-8")
    out = root / "adapters"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(root / "hf"),  # no user `accelerate config` file changes the launch
        "OMP_NUM_THREADS": "1",  # one torch thread per process: the CPU is shared
        "PYTHONPATH": str(REPO),
    }
    argv = [
        sys.executable, "-m", "accelerate.commands.launch",
        "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
        "--mixed_precision", "no", "--dynamo_backend", "no",
        "--main_process_port", str(_free_port()),
        "-m", "models.training",
        "--model", str(tiny_model), "--data", str(data), "--output", str(out),
        "--name", "fixes", "--config-json", json.dumps(CONFIG),
    ]  # fmt: skip
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=840)
    assert done.returncode == 0, done.stderr[-4000:]
    return done, out


def test_two_processes_train_and_only_the_main_one_saves(launched):
    done, out = launched
    adapter = out / "fixes-v1"
    assert sorted(p.name for p in out.iterdir()) == ["fixes-v1"]  # no v2, no .tmp- left over
    reports = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert reports == [{"adapter": str(adapter), "final_loss": reports[0]["final_loss"]}]
    metrics = json.loads((adapter / "metrics.json").read_text())
    assert metrics["num_processes"] == 2 and metrics["steps"] == 3
    assert metrics["device"] == "cpu" and metrics["adapter_path"] == str(adapter)


def test_the_adapter_loads_with_peft_and_changes_the_output(launched, tiny_model):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _, out = launched
    tok = AutoTokenizer.from_pretrained(tiny_model)
    messages = chat_messages(PAIRS[0]["input"], SYSTEM)
    ids = tok.apply_chat_template(
        messages, add_generation_prompt=True, return_dict=True, return_tensors="pt"
    )["input_ids"]
    base = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32).eval()
    with torch.no_grad():
        before = base(input_ids=ids).logits[0, -1].clone()
    tuned = PeftModel.from_pretrained(base, str(out / "fixes-v1")).eval()
    lora_b = [p for n, p in tuned.named_parameters() if "lora_B" in n]
    assert lora_b and all(p.abs().sum() > 0 for p in lora_b)  # trained: B starts at zero
    with torch.no_grad():
        after = tuned(input_ids=ids).logits[0, -1]
    assert (after - before).abs().max() > 1e-3
