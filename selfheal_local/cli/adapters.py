"""``selfheal adapters``: the LoRA adapter registry and how error patterns route to it.

selfheal adapters list [--json]
selfheal adapters register PATH --id ID --patterns P1,P2 [--priority P] [--version V] [--base M]
selfheal adapters activate ID | deactivate ID
selfheal adapters route [PATTERN] [--json]
selfheal adapters pin PATTERN ID | unpin PATTERN

When the configured model is a vLLM server URL, activate / deactivate also hot-load / unload
the adapter there; otherwise they change the registry the next heal reads.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from selfheal_local.config import load_config
from selfheal_local.errors import BadInputError, SelfHealError

NAME = "adapters"
HELP = "list, register, activate/deactivate, pin and route per-error-type LoRA adapters"


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="adapters_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="registered adapters with patterns, version, success rate")
    ls.add_argument("--json", action="store_true", help="print as JSON")
    reg = sub.add_parser("register", help="register a PEFT LoRA adapter directory")
    reg.add_argument("path", type=Path, help="the directory save_pretrained wrote")
    reg.add_argument("--id", required=True, dest="adapter_id", help="the adapter's id")
    reg.add_argument("--patterns", required=True,
                     help="comma-separated error patterns or exception names (or 'general')")
    reg.add_argument("--priority", choices=("low", "medium", "high"), default="medium")
    reg.add_argument("--version", default="1.0.0")
    reg.add_argument("--base", metavar="MODEL",
                     help="the base model it must be trained on (default: the configured model)")
    reg.add_argument("--max-rank", type=int, metavar="R",
                     help="refuse ranks above the serving engine's --max-lora-rank")
    reg.add_argument("--description", default="")
    for action in ("activate", "deactivate"):
        a = sub.add_parser(action, help=f"{action} an adapter for routing")
        a.add_argument("adapter_id", metavar="ID")
    route = sub.add_parser("route", help="which adapter serves each pattern (or the base)")
    route.add_argument("pattern", nargs="?", help="one pattern or exception name")
    route.add_argument("--json", action="store_true", help="print as JSON")
    pin = sub.add_parser("pin", help="always route PATTERN to ID while it is active")
    pin.add_argument("pattern")
    pin.add_argument("adapter_id", metavar="ID")
    unpin = sub.add_parser("unpin", help="route PATTERN by priority and success rate again")
    unpin.add_argument("pattern")


def run(args: argparse.Namespace) -> int:
    from models.errors import AdapterNotFound, AdapterRejected, ModelError, RegistryError

    try:
        return _ACTIONS[args.adapters_command](args)
    except (AdapterRejected, AdapterNotFound, RegistryError) as exc:
        raise BadInputError(str(exc)) from exc
    except ModelError as exc:
        raise SelfHealError(str(exc)) from exc


def _server_url(config: Any) -> str:
    return config.model if config.model.startswith(("http://", "https://")) else ""


def _manager(*, base: str | None = None, max_rank: int | None = None, engine: Any = None) -> Any:
    from selfheal_local.factory import make_adapters

    config = load_config()
    if base is None and config.model and not _server_url(config):
        base = config.model
    if base and Path(base).expanduser().exists():
        base = str(Path(base).expanduser().resolve())
    return make_adapters(config.paths, engine=engine, base_model=base or None, max_rank=max_rank)


def _require(manager: Any, adapter_id: str) -> Any:
    adapter = manager.get_adapter(adapter_id)
    if adapter is None:
        known = ", ".join(manager.list_adapters()) or "none"
        raise BadInputError(
            f"no adapter {adapter_id!r} is registered (registered: {known}); "
            "see `selfheal adapters list`"
        )
    return adapter


def _row(manager: Any, adapter: Any) -> dict[str, Any]:
    meta = adapter.metadata
    return {
        "id": adapter.adapter_id,
        "error_types": list(meta.error_types),
        "patterns": sorted(adapter.patterns),
        "version": meta.version,
        "priority": meta.priority.value,
        "success_rate": meta.success_rate,
        "trials": meta.trials,
        "successes": meta.successes,
        "enabled": adapter.enabled,
        "active": manager.active_adapter_id == adapter.adapter_id,
        "pinned": sorted(p for p, a in manager.pins.items() if a == adapter.adapter_id),
        "rank": adapter.rank,
        "base_model": adapter.base_model,
        "served_name": adapter.served_name,
        "path": adapter.path,
        "exists": Path(adapter.path).is_dir(),
    }


def _list(args: argparse.Namespace) -> int:
    manager = _manager()
    rows = [_row(manager, a) for a in manager.adapters()]
    if args.json:
        print(json.dumps({"adapters_dir": str(manager.adapter_dir), "adapters": rows}, indent=2))
        return 0
    if not rows:
        print(f"no adapters registered in {manager.adapter_dir}; "
              "add one with `selfheal adapters register PATH --id ID --patterns P`")  # fmt: skip
        return 0
    print(f"{'ID':<24} {'PATTERNS':<28} {'VERSION':<8} {'PRIORITY':<8} {'SUCCESS':<12} "
          f"{'STATE':<16} PATH")  # fmt: skip
    for r in rows:
        state = "active" if r["enabled"] else "inactive"
        if r["pinned"]:
            state += " pinned"
        if not r["exists"]:
            state += " MISSING"
        rate = f"{r['success_rate']:.0%} ({r['successes']}/{r['trials']})"
        print(f"{r['id']:<24} {','.join(r['patterns']):<28} {r['version']:<8} "
              f"{r['priority']:<8} {rate:<12} {state:<16} {r['path']}")  # fmt: skip
    return 0


def _register(args: argparse.Namespace) -> int:
    from models.adapter_meta import AdapterMetadata, AdapterPriority

    patterns = [p.strip() for p in args.patterns.split(",") if p.strip()]
    if not patterns:
        raise BadInputError("--patterns is empty; give at least one pattern (or 'general')")
    if args.max_rank is not None and args.max_rank < 1:
        raise BadInputError("--max-rank must be at least 1")
    manager = _manager(base=args.base, max_rank=args.max_rank)
    meta = AdapterMetadata(
        adapter_id=args.adapter_id,
        model_name=manager.base_model,
        description=args.description,
        version=args.version,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        priority=AdapterPriority(args.priority),
        error_types=patterns,
        tags=["cli"],
    )
    manager.register_adapter(args.path, meta)
    adapter = manager.get_adapter(args.adapter_id)
    print(f"registered {adapter.adapter_id} (rank {adapter.rank}) for "
          f"{', '.join(sorted(adapter.patterns))}: {adapter.path}")  # fmt: skip
    return 0


def _engine_for_activation() -> Any:
    url = _server_url(load_config())
    if not url:
        return None
    from selfheal_local.llm.engines import server_engine

    return server_engine(url)


def _activate(args: argparse.Namespace) -> int:
    engine = _engine_for_activation()
    manager = _manager(engine=engine)
    adapter = _require(manager, args.adapter_id)
    if engine is not None:
        manager.ensure_loaded(adapter)  # ModelError: one line, from run()
    if not manager.activate_adapter(args.adapter_id):
        raise SelfHealError(f"{args.adapter_id} could not be activated; see the log above")
    where = f" and resident in {engine.base_url}" if engine is not None else ""
    print(f"activated {args.adapter_id}{where}")
    return 0


def _deactivate(args: argparse.Namespace) -> int:
    engine = _engine_for_activation()
    manager = _manager(engine=engine)
    _require(manager, args.adapter_id)
    manager.deactivate_adapter(args.adapter_id)
    print(f"deactivated {args.adapter_id}: its patterns route elsewhere (see `adapters route`)")
    return 0


def route_table(manager: Any, patterns: list[str]) -> list[dict[str, Any]]:
    """Which adapter serves each pattern: pinned, specific, general or the base."""
    from models.adapter_meta import GENERAL

    rows = []
    for pattern in patterns:
        adapter = manager.route(pattern)
        if adapter is None:
            via = "base"
        elif manager.pins.get(pattern) == adapter.adapter_id:
            via = "pinned"
        elif adapter.patterns & GENERAL and pattern not in adapter.patterns:
            via = "general"
        else:
            via = "specific"
        rows.append({
            "pattern": pattern,
            "adapter": adapter.adapter_id if adapter else None,
            "served_name": adapter.served_name if adapter else None,
            "via": via,
        })  # fmt: skip
    return rows


def _route(args: argparse.Namespace) -> int:
    from models.adapter_meta import GENERAL, normalize_error_type
    from selfheal_local.types import PATTERNS

    manager = _manager()
    if args.pattern:
        patterns = [normalize_error_type(args.pattern)]
    else:
        extra = {p for a in manager.adapters() for p in a.patterns} | set(manager.pins)
        patterns = list(PATTERNS) + sorted(extra - set(PATTERNS) - GENERAL)
    rows = route_table(manager, patterns)
    if args.json:
        print(json.dumps({"routes": rows}, indent=2))
        return 0
    for r in rows:
        target = f"{r['adapter']} ({r['via']})" if r["adapter"] else "base model"
        print(f"{r['pattern']:<24} -> {target}")
    return 0


def _pin(args: argparse.Namespace) -> int:
    from models.adapter_meta import normalize_error_type

    manager = _manager()
    _require(manager, args.adapter_id)
    manager.pin(args.pattern, args.adapter_id)
    print(f"{normalize_error_type(args.pattern)} now routes to {args.adapter_id} while it is active")
    return 0


def _unpin(args: argparse.Namespace) -> int:
    from models.adapter_meta import normalize_error_type

    pattern = normalize_error_type(args.pattern)
    if not _manager().unpin(args.pattern):
        raise BadInputError(f"{pattern} is not pinned; see `selfheal adapters route`")
    print(f"{pattern} routes by priority and success rate again")
    return 0


_ACTIONS = {
    "list": _list,
    "register": _register,
    "activate": _activate,
    "deactivate": _deactivate,
    "route": _route,
    "pin": _pin,
    "unpin": _unpin,
}
