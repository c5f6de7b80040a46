"""Options and switches several commands share (heal, tui, undo, doctor): nothing heavy is
imported here, so a command that only needs these starts fast (the TUI's first paint waits on
its imports)."""

from __future__ import annotations

import argparse


def add_project_path(p: argparse.ArgumentParser) -> None:
    """The optional project root every project command takes (heal, undo, tui)."""
    p.add_argument("path", nargs="?", default=".",
                   help="the project's root directory (default: the current directory)")


def add_source_switches(p: argparse.ArgumentParser) -> None:
    """Which candidate sources a healing session uses (heal, tui); read by ``overrides_from``."""
    p.add_argument("--no-model", action="store_true", help="do not ask the model")
    p.add_argument("--no-memory", action="store_true", help="neither replay nor record fixes")
    p.add_argument("--engine", choices=("none", "hf", "vllm", "scripted", "auto"),
                   help="model engine (scripted: answers from the JSON list in --model FILE)")
    p.add_argument("--model", metavar="DIR|URL", help="local model directory or vLLM server URL")


def overrides_from(args: argparse.Namespace) -> dict:
    out: dict = {}
    if getattr(args, "no_model", False):
        out["use_model"] = False
    if getattr(args, "no_memory", False):
        out["use_memory"] = False
    if getattr(args, "max_retries", None) is not None:
        if args.max_retries < 0:
            from ..errors import BadInputError

            raise BadInputError("--max-retries must be 0 or more")
        out["max_retries"] = args.max_retries
    if getattr(args, "engine", None):
        out["engine"] = args.engine
    if getattr(args, "model", None):
        out["model"] = args.model
    if getattr(args, "lint", False):
        out["lint"] = True
    return out


__all__ = ["add_project_path", "add_source_switches", "overrides_from"]
