"""The Saplings LoRA fine-tuning example runs with only the import changed (and a local model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

EXAMPLE = """
from selfheal_local import LoRaTrainer, LoRaConfig

# Create a LoRA configuration
config = LoRaConfig(
    r=8,
    lora_alpha=16,
    lora_dropout=0.05,
    target_modules=["q_proj", "v_proj"],
    learning_rate=3e-4,
    batch_size=4,
    num_epochs=3,
)

# Create a LoRA trainer
trainer = LoRaTrainer(
    model_name="{model}",
    output_dir="./lora_adapters",
    config=config,
)

# Train the model
metrics = trainer.train("./success_pairs.jsonl")
print(f"Training metrics: {{metrics}}")

# Schedule nightly training
trainer.schedule_nightly_training(
    data_path="./success_pairs.jsonl",
    cron_expression="0 0 * * *",  # Midnight every day
)
"""


@pytest.mark.slow
def test_the_saplings_lora_example_runs_unchanged(tiny_model, tmp_path):
    pairs = [
        {"input": "NameError: name 'data' is not defined\n\ndef process_data():\n"
                  "    result = data.process()\n    return result",
         "output": "def process_data():\n    data = get_data()\n    result = data.process()\n"
                   "    return result",
         "metadata": {"error_type": "NameError", "fix_type": "variable_initialization"}},
        {"input": "TypeError: can only concatenate str (not \"int\") to str\n\n"
                  "def format_message(name, age):\n    return \"Name: \" + name + \", Age: \" + age",
         "output": "def format_message(name, age):\n"
                   "    return \"Name: \" + name + \", Age: \" + str(age)",
         "metadata": {"error_type": "TypeError"}},
    ]  # fmt: skip
    (tmp_path / "success_pairs.jsonl").write_text("".join(json.dumps(p) + "\n" for p in pairs))
    script = tmp_path / "example.py"
    script.write_text(textwrap.dedent(EXAMPLE.format(model=tiny_model)))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Training metrics: TrainingMetrics(" in done.stdout
    adapter = tmp_path / "lora_adapters" / "adapter-v1"
    assert json.loads((adapter / "adapter_config.json").read_text())["r"] == 8
    assert json.loads((adapter / "metrics.json").read_text())["steps"] == 3  # 2 pairs, 3 epochs
    # the nightly schedule was installed in the persistent store, with the same training
    from models.schedule import NightlyScheduler

    sched = NightlyScheduler(tmp_path / "lora_adapters" / ".schedule")
    try:
        job = sched.describe()
    finally:
        sched.stop()
    assert "hour='0'" in job["trigger"] and "minute='0'" in job["trigger"]
    assert job["argv"][1:3] == ["-m", "models.training"]
    assert str(tmp_path / "success_pairs.jsonl") in job["argv"]
