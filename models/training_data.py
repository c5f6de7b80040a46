"""Data plumbing of training: success pairs in, chat prompts, versioned directories, loss plots.

Kept apart from ``training.py`` so the gate and the nightly round can build the exact prompt the
trainer trained on without loading any of the training stack.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from .training_config import TrainingError, TrainingMetrics

_VERSION_RE = re.compile(r"^(?P<name>.+)-v(?P<n>\d+)$")


def chat_messages(input_text: str, system_prompt: str) -> list[dict[str, str]]:
    """The prompt of one example: what training sees before the fix and what the gate sends."""
    return [{"role": "system", "content": system_prompt}, {"role": "user", "content": input_text}]


def prompt_completion(row: dict[str, Any]) -> dict[str, Any]:
    """A ``messages`` chat as TRL's conversational prompt–completion example (the last turn)."""
    messages = row["messages"]
    return {"prompt": messages[:-1], "completion": messages[-1:]}


def read_pairs(path: str | Path) -> list[dict[str, Any]]:
    """Success pairs from a JSONL file (one object per line) or a JSON list."""
    source = Path(path).expanduser()
    if not source.is_file():
        raise TrainingError(f"{source}: no such data file; export accepted pairs first")
    text = source.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [r for r in rows if isinstance(r, dict)]


def next_version(output_dir: str | Path, name: str) -> int:
    """1 + the highest ``<name>-v<N>`` already in ``output_dir``."""
    root = Path(output_dir)
    best = 0
    if root.is_dir():
        for child in root.iterdir():
            match = _VERSION_RE.match(child.name)
            if match and match["name"] == name:
                best = max(best, int(match["n"]))
    return best + 1


def sweep_partial(output_dir: str | Path) -> list[Path]:
    """Remove temporary directories an interrupted save left behind (call under the run lock)."""
    root = Path(output_dir)
    removed = []
    if root.is_dir():
        for child in root.iterdir():
            if child.name.startswith(".tmp-") and child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child)
    return removed


def write_loss_plot(metrics: TrainingMetrics, path: str | Path, title: str = "") -> Path:
    """A PNG of the loss per step (matplotlib's Agg canvas: no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    axes.plot(metrics.steps_logged, metrics.loss_history, marker=".", linewidth=1)
    axes.set_xlabel("step")
    axes.set_ylabel("training loss")
    axes.set_title(title or Path(metrics.adapter_path).name or "loss")
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(str(path))
    return Path(path)


def chat_ids(tok: Any, messages: list[dict[str, str]], **kwargs: Any) -> list[int]:
    return list(
        tok.apply_chat_template(messages, tokenize=True, return_dict=True, **kwargs)["input_ids"]
    )


def served_prompt_ids(tok: Any, messages: list[dict[str, str]]) -> list[int]:
    """The prompt tokens an engine sends for ``messages`` minus the final assistant turn."""
    return chat_ids(tok, messages[:-1], add_generation_prompt=True)


def disable_cpu_4bit_repack(model: Any) -> int:
    """Turn off bitsandbytes' AVX512-bf16 repack of 4-bit weights (breaks LoRA grads on CPU)."""
    import bitsandbytes as bnb

    count = 0
    for module in model.modules():
        if isinstance(module, bnb.nn.Linear4bit):
            module.support_avx512bf16_for_cpu = False
            count += 1
    return count


__all__ = [
    "chat_ids",
    "chat_messages",
    "disable_cpu_4bit_repack",
    "next_version",
    "prompt_completion",
    "read_pairs",
    "served_prompt_ids",
    "sweep_partial",
    "write_loss_plot",
]
