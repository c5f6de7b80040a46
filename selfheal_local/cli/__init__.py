"""``selfheal``: the command line. Each subcommand lives in its own module here.

A subcommand module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``. Exit codes: 0 ok / healthy, 1 findings / not healthy, 2 bad input.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from ..errors import BadInputError, SelfHealError

COMMANDS: tuple[str, ...] = (
    "scan",
    "heal",
    "undo",
    "doctor",
    "tui",
    "memory",
    "adapters",
    "train",
    "serve",
    "models",
)
"""Subcommand modules, in the order ``selfheal --help`` lists them."""

EXIT_OK, EXIT_FOUND, EXIT_BAD_INPUT = 0, 1, 2


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("selfheal-local")
    except PackageNotFoundError:  # a source checkout that was never installed
        return "unknown (not installed: pip install -e .)"


class _Version(argparse.Action):
    """``--version``, looked up only when asked (package metadata is slow to import)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        print(f"selfheal {_version()}")
        parser.exit()


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or (``only``) just the one subcommand a command line names: a
    command then imports its own module alone and starts sooner."""
    parser = argparse.ArgumentParser(
        prog="selfheal",
        description="Offline self-healing for Python projects: find, fix, prove, apply, learn.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (only,) if only in COMMANDS else COMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # a subcommand not built yet
            raise
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    # no hub access, ever: the model paths are local directories
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    argv = sys.argv[1:] if argv is None else list(argv)
    # the first word that is not an option names the command (no top-level option takes a value)
    named = next((word for word in argv if not word.startswith("-")), None)
    parser = build_parser(only=named)
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        # SIGTERM unwinds like Ctrl-C: workspaces are removed, nothing is left half-written
        signal.signal(signal.SIGTERM, _interrupt)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "_run", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return int(args._run(args))
    except BadInputError as exc:
        print(f"selfheal: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SelfHealError as exc:
        print(f"selfheal: {exc}", file=sys.stderr)
        return EXIT_FOUND
    except KeyboardInterrupt:
        print(f"selfheal: interrupted; {_what_was_left(args)}", file=sys.stderr)
        return 130


def _what_was_left(args: argparse.Namespace) -> str:
    """The truth about the project after an interrupt: an apply cut short mid-write is rolled
    back by the journal before the interrupt propagates, unless a second signal stopped that."""
    from pathlib import Path

    from ..journal import Journal

    path = getattr(args, "path", None)
    try:
        pending = Journal(Path(path).resolve()).pending() if path is not None else []
    except Exception:  # noqa: BLE001 - an unreadable journal: do not claim anything
        pending = ["?"]
    if pending:
        return ("an apply was cut short and is still on disk; the next selfheal command on "
                "this project rolls it back")
    return "nothing half-written was left behind"


__all__ = ["COMMANDS", "EXIT_BAD_INPUT", "EXIT_FOUND", "EXIT_OK", "build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
