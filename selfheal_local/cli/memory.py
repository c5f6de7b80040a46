"""``selfheal memory``: search, list, stats, export, rules and forget over the fix memory.

Every subcommand reads ``$SELFHEAL_HOME`` (through ``load_config``); only ``search`` loads the
embedding model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from selfheal_local.errors import BadInputError

NAME = "memory"
HELP = "the fix memory: search | list | stats | export | rules | forget | forget-rule"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="memory_command", metavar="ACTION")
    p = sub.add_parser("search", help="past fixes like a described error (vector + full text)")
    p.add_argument("query", help='the error as you would describe it ("name x is not defined")')
    p.add_argument("--pattern", help="only fixes of this pattern (undefined_variable, ...)")
    p.add_argument("-k", type=int, default=5, help="how many results (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = sub.add_parser("list", help="the most recent fixes")
    p.add_argument("--pattern", help="only fixes of this pattern")
    p.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = sub.add_parser("stats", help="pairs per pattern and source, accept rate, size, indexes")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = sub.add_parser("export", help="write the pairs for training (chat messages, split)")
    p.add_argument("--format", choices=("chat",), default="chat", help="output format")
    p.add_argument("--out", type=Path, help="output dir (default <home>/exports/chat)")
    p.add_argument("--json", action="store_true", help="print the manifest as JSON")
    p = sub.add_parser("rules", help="the rules learned from history")
    p.add_argument("--remove", metavar="ID", help="remove this learned rule")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = sub.add_parser("forget", help="remove one past fix (table and JSONL)")
    p.add_argument("id", help="the fix id (from `selfheal memory list`)")
    p = sub.add_parser("forget-rule", help="remove one learned rule")
    p.add_argument("id", help="the rule id (from `selfheal memory rules`)")


def _open() -> Any:
    from selfheal_local.config import load_config
    from selfheal_local.memory import embedder_for
    from selfheal_local.memory.store import FixMemory

    config = load_config(None)
    memory = FixMemory.at_home(config.home_dir(), embedder_for(config))
    for note in memory.notes:
        print(f"selfheal: {note}", file=sys.stderr)
    return memory


def _rules() -> Any:
    from selfheal_local.config import load_config
    from selfheal_local.memory.learned import LearnedRules

    return LearnedRules(load_config(None).paths.learned_rules)


def _print_hits(hits: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print(json.dumps([{k: v for k, v in h.items() if k != "pair"} | {
            "diff": h["pair"].get("metadata", {}).get("diff", "")} for h in hits], indent=2))
        return
    if not hits:
        print("no past fixes")
    for h in hits:
        print(f"{h['id']}  {h['score']:.3f}  {h['pattern']:<20} {h['source']:<7} "
              f"{h['project'] or '-':<16} {h['error_type']}: {h['message']}")


def _print_rules(rules: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print(json.dumps(rules, indent=2))
        return
    if not rules:
        print("no learned rules yet (a fix shape accepted 3 times becomes one)")
    for r in rules:
        print(f"{r['id']}  {r['pattern']:<20} accepted {r['accepted']}x  {r['description']}")


def run(args: argparse.Namespace) -> int:
    # lance's own deprecation chatter is not for the person at the terminal (-v shows it)
    os.environ.setdefault("LANCEDB_LOG", "error" if not getattr(args, "verbose", 0) else "warn")
    action = getattr(args, "memory_command", None)
    if action is None:
        raise BadInputError("say what to do: selfheal memory search|list|stats|export|rules|forget")
    if action == "rules" or action == "forget-rule":
        rules = _rules()
        target = args.id if action == "forget-rule" else args.remove
        if target:
            removed = rules.remove(target)
            print(f"removed learned rule {removed['id']} ({removed['description']})")
            return 0
        _print_rules(rules.list(), args.json)
        return 0
    memory = _open()
    if action == "search":
        if not args.query.strip():
            raise BadInputError("search: the query is empty")
        _print_hits(memory.search_text(args.query, args.k, args.pattern), args.json)
    elif action == "list":
        _print_hits(memory.list(args.limit, args.pattern), args.json)
    elif action == "stats":
        stats = memory.stats()
        if args.json:
            print(json.dumps(stats, indent=2))
        else:
            for key, value in stats.items():
                print(f"{key:>16}: {value}")
    elif action == "export":
        from selfheal_local.memory.export import write_chat_dir

        out = args.out or memory.root.parent / "exports" / "chat"
        manifest = write_chat_dir(memory.all_pairs(), out)
        if args.json:
            print(json.dumps(manifest | {"out": str(out)}, indent=2))
        else:
            for pattern, counts in manifest["patterns"].items():
                print(f"{pattern:<22} train {counts['train']:>5}  heldout {counts['heldout']:>4}")
            print(f"written to {out}")
    elif action == "forget":
        gone = memory.forget(args.id)
        if not gone:
            raise BadInputError(f"no past fix '{args.id}' (see `selfheal memory list`)")
        print(f"forgot {args.id}")
    return 0
