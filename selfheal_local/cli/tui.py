"""``selfheal tui [PATH]``: the main job, the Textual TUI against a project."""

from __future__ import annotations

import argparse

from .heal import overrides_from

NAME = "tui"
HELP = "the TUI: scan, heal, review every diff, accept / reject / undo, watch for changes"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", default=".", help="the project's root (default: .)")
    p.add_argument("--engine", choices=("none", "hf", "vllm", "auto"), help="model engine")
    p.add_argument("--model", metavar="DIR|URL", help="local model directory or vLLM server URL")
    p.add_argument("--no-model", action="store_true", help="do not ask the model")
    p.add_argument("--no-memory", action="store_true", help="neither replay nor record fixes")
    p.add_argument("--no-watch", action="store_true", help="do not re-scan when files change")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from selfheal_local.errors import BadInputError

    root = Path(args.path).expanduser()
    if not root.is_dir():
        raise BadInputError(f"{args.path} is not a directory; give the project's root")
    overrides = overrides_from(args)
    from tui.app import SelfHealApp

    SelfHealApp(root, overrides, watch=not args.no_watch).run()
    return 0
