"""Training figures: time and peak memory per 100 accepted pairs on the tiny model (CPU).

Prints figures, no thresholds. Each configuration runs in its own process so its peak RSS is
its own:

    .venv/bin/python bench/train_bench.py [--pairs 100] [--epochs 1] [--modes qlora lora]

And, on paper, what the default config needs for Llama-3.1-8B-Instruct in 4-bit on one GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

FUNCS = ("total", "average", "first", "parse_int", "greet", "get_user", "load_config", "count")


def make_pairs(n: int) -> list[dict]:
    """``n`` distinct, realistic-sized pairs (an error, a small function, its fix)."""
    pairs = []
    for i in range(n):
        name = f"{FUNCS[i % len(FUNCS)]}_{i}"
        before = f"def {name}(items):\n    result = 0\n    for item in items:\n        result += itm\n    return result"
        after = before.replace("+= itm", "+= item")
        pairs.append({
            "input": f"NameError: name 'itm' is not defined. Did you mean: 'item'?\n\n{before}",
            "output": after,
            "metadata": {"pattern": "undefined_variable", "accepted_by": "user"},
        })  # fmt: skip
    return pairs


def run_one(mode: str, pairs: int, epochs: int, work: Path) -> dict:
    from models.tiny import build_tiny_model
    from models.training import LoRaConfig, LoRaTrainer

    model = work / "tiny"
    if not (model / "config.json").is_file():
        build_tiny_model(model)
    data = work / "pairs.jsonl"
    data.write_text("".join(json.dumps(p) + "\n" for p in make_pairs(pairs)))
    config = LoRaConfig(load_in_4bit=(mode == "qlora"), num_epochs=epochs, warmup_steps=0)
    import resource

    import peft  # noqa: F401  (imported before the baseline is taken, like torch)
    import trl  # noqa: F401

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    metrics = LoRaTrainer(str(model), str(work / f"out-{mode}"), config).train(str(data))
    return {
        "mode": mode,
        "pairs": pairs,
        "steps": metrics.steps,
        "train_time_s": metrics.train_time_s,
        "s_per_100_pairs_per_epoch": round(metrics.train_time_s * 100 / pairs / epochs, 2),
        "peak_rss_mb": metrics.peak_memory_mb,
        "rss_before_training_mb": round(baseline, 1),
        "final_loss": round(metrics.final_loss, 4),
    }


PAPER_8B = """\
Llama-3.1-8B-Instruct, QLoRA with the default LoRaConfig (r=8, q_proj+v_proj, batch 4,
max_seq_length 2048, fp16 compute, activation checkpointing on with CUDA), one GPU, on paper:
  base: 6.98B linear params in NF4 (0.5 B) + double-quant constants   ~3.6 GB
        embed_tokens + lm_head (2 x 128256 x 4096) kept in 16-bit      ~2.1 GB
  LoRA: 3.4M params (32 layers x (q 65,536 + v 40,960)), fp32 weights + grads + Adam states  ~0.06 GB
  activations, checkpointed: 32 layer inputs of 4x2048x4096 fp16       ~2.1 GB
        one layer recomputed (attention via SDPA, MLP 14336)           ~1.4 GB
  logits 4x2048x128256 (fp16, fp32 upcast for the loss)                ~4-6 GB at full length
  CUDA context, allocator slack                                        ~1 GB
  total: ~15-17 GB at 4 x 2048 tokens; ~9-10 GB for typical fix pairs (< 512 tokens).
  Fits a 24 GB card; batch 1 + gradient_accumulation_steps 4 brings the full-length case near 10 GB.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--modes", nargs="+", default=["qlora", "lora"])
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.pairs, args.epochs, Path(args.work))))
        return 0
    with tempfile.TemporaryDirectory(prefix="train-bench-") as tmp:
        print(f"tiny model, {args.pairs} pairs, {args.epochs} epoch(s), CPU threads: "
              f"{os.cpu_count()}")  # fmt: skip
        for mode in args.modes:
            done = subprocess.run(
                [sys.executable, __file__, "--one", mode, "--pairs", str(args.pairs),
                 "--epochs", str(args.epochs), "--work", tmp],
                capture_output=True, text=True,
            )  # fmt: skip
            if done.returncode != 0:
                print(f"{mode}: failed\n{done.stderr[-2000:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{mode:6s} steps {r['steps']:4d}  time {r['train_time_s']:7.1f} s  "
                  f"({r['s_per_100_pairs_per_epoch']} s per 100 pairs per epoch)  "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB (libraries loaded: "
                  f"{r['rss_before_training_mb']:.0f} MB)  final loss {r['final_loss']}")  # fmt: skip
    print()
    print(PAPER_8B)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
