"""``selfheal models tiny DIR``: build the tiny Llama-architecture model for tests and CPU demos."""

from __future__ import annotations

import argparse
from pathlib import Path

from selfheal_local.errors import BadInputError

NAME = "models"
HELP = "local model utilities (tiny: build the tiny Llama-architecture test model)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    tiny = sub.add_parser("tiny", help="build the tiny model + Llama-3 tokenizer into DIR")
    tiny.add_argument(
        "dir", type=Path, help="output directory (created; must be empty if it exists)"
    )
    tiny.add_argument("--seed", type=int, default=0, help="weight seed (same seed, same files)")


def run(args: argparse.Namespace) -> int:
    out: Path = args.dir
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BadInputError(f"{out} exists and is not an empty directory; pick a new path")
    from models.tiny import build_tiny_model

    path = build_tiny_model(out, seed=args.seed)
    print(path)
    return 0
