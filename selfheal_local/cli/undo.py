"""``selfheal undo [PATH]``: restore the files of the last applied heal (or every one).

An undone fix is a no for good: the change is never proposed or applied again in this project
(``.selfheal/decisions.json``) and the fix memory keeps it as a negative, not as accepted. A
committed heal is undone by a new revert commit (history is never rewritten).
"""

from __future__ import annotations

import argparse
import json

from .options import add_project_path

NAME = "undo"
HELP = "restore the files of the last applied heal, byte for byte (--all: every heal)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_project_path(p)
    p.add_argument("--all", action="store_true", help="undo every applied heal, newest first")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..config import load_config
    from ..errors import BadInputError
    from ..factory import make_memory, make_sandbox
    from ..gitops import undo_entries
    from ..memory.decisions import DecisionStore, remember_undo
    from ..project import Project

    root = Path(args.path)
    if not root.is_dir():
        raise BadInputError(f"{args.path}: not a directory; pass the project's root")
    from ..factory import recover_on_open

    recover_on_open(root.resolve())
    project = Project.open(root)
    project.config = load_config(project.root)
    done = undo_entries(project, make_sandbox(project.config), all_entries=args.all)
    decisions = DecisionStore(project.root)
    memory = make_memory(project.config)[0] if any(e.edits for e in done) else None
    for entry in done:
        remember_undo(project, entry, decisions, memory)
    if args.json:
        print(json.dumps({"undone": [{"id": e.id, "files": e.paths, "note": e.note,
                                      "commit": e.summary.get("commit", ""),
                                      "explanation": e.summary.get("explanation", "")}
                                     for e in done]}))
    else:
        for entry in done:
            how = "reverted by a new commit" if entry.summary.get("commit") and not entry.note \
                else "restored"
            print(f"undone {entry.id}: {how} {', '.join(entry.paths)}"
                  f" ({entry.summary.get('explanation', '')}); this change will not be offered again")
            if entry.note:
                print(f"note: {entry.note}")
    return 0
