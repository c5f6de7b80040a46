"""``selfheal undo PATH``: restore the files of the last applied heal (or every one)."""

from __future__ import annotations

import argparse
import json

NAME = "undo"
HELP = "restore the files of the last applied heal, byte for byte (--all: every heal)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="the project's root directory")
    p.add_argument("--all", action="store_true", help="undo every applied heal, newest first")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..errors import BadInputError
    from ..journal import Journal

    root = Path(args.path)
    if not root.is_dir():
        raise BadInputError(f"{args.path}: not a directory; pass the project's root")
    from ..factory import recover_on_open

    recover_on_open(root.resolve())
    done = Journal(root.resolve()).undo(all_entries=args.all)
    if args.json:
        print(json.dumps({"undone": [{"id": e.id, "files": e.paths,
                                      "explanation": e.summary.get("explanation", "")} for e in done]}))
    else:
        for entry in done:
            print(f"undone {entry.id}: restored {', '.join(entry.paths)}"
                  f" ({entry.summary.get('explanation', '')})")
    return 0
