"""The command line of one training run: ``python -m models.training`` (or under
``accelerate launch -m models.training`` for several processes)."""

from __future__ import annotations

import json
import os

from .training import LoRaTrainer
from .training_config import LoRaConfig


def main(argv: list[str] | None = None) -> int:
    """``python -m models.training`` (or ``accelerate launch -m models.training``): one run."""
    import argparse

    from .schedule import exit_on_sigterm

    parser = argparse.ArgumentParser(prog="python -m models.training", description=main.__doc__)
    parser.add_argument("--model", required=True, help="local base model directory")
    parser.add_argument("--data", required=True, help="JSONL of success pairs")
    parser.add_argument("--output", required=True, help="directory for <name>-v<N>/")
    parser.add_argument("--name", default="adapter")
    parser.add_argument("--config-json", default="{}", help="LoRaConfig fields as JSON")
    parser.add_argument("--gasa", action="store_true", help="target all attention projections")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    exit_on_sigterm()
    trainer = LoRaTrainer(
        args.model,
        args.output,
        LoRaConfig.from_dict(json.loads(args.config_json)),
        gasa_tune=args.gasa,
        adapter_name=args.name,
    )
    metrics = trainer.train(args.data)
    if metrics.adapter_path:  # under `accelerate launch` only the process that saved reports
        print(json.dumps({"adapter": metrics.adapter_path, "final_loss": metrics.final_loss}))
    return 0


__all__ = ["main"]
