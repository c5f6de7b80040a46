"""Small read/write helpers the TUI uses for memory, adapters, training and the engine.

Each one imports the part it needs inside the function, so the TUI starts without them, and
answers with plain values (or raises ``NotAvailable`` with a one-line reason the screen shows)
when the part is not configured or not installed.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selfheal_local.errors import SelfHealError

log = logging.getLogger(__name__)


class NotAvailable(SelfHealError):
    """A part (memory, adapters, training) is not configured or not installed here."""


def _module(name: str, what: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise NotAvailable(f"{what} is not available in this installation ({exc})") from exc


# ---------------------------------------------------------------------------- header
def test_command(healer: Any) -> str:
    """The project's test command with the interpreter shown by its name only."""
    argv = healer.project.config.test_argv(healer.project.root)
    if argv:
        argv = [Path(argv[0]).name, *argv[1:]]
    return " ".join(argv)


def engine_state(healer: Any) -> str:
    """none / embedded model / vLLM server, with the adapters it has resident."""
    engine = getattr(healer, "engine", None)
    if engine is None:
        config = healer.project.config
        if not config.use_model or config.engine == "none":
            return "none (model off)"
        return "none (no model configured)"
    kind = "vLLM server" if "vllm" in type(engine).__name__.lower() else "embedded model"
    try:
        adapters = list(engine.adapters())
    except Exception as exc:  # a dead server must not break the header
        return f"{kind} (unreachable: {exc})"
    return f"{kind} ({', '.join(adapters) if adapters else 'no adapters'})"


def memory_size(healer: Any) -> str:
    """How many fixes the memory holds, or why there is none."""
    memory = getattr(healer, "memory", None)
    if memory is None:
        return "off" if not healer.project.config.use_memory else "not available"
    counts, stats = getattr(memory, "counts", None), getattr(memory, "stats", None)
    try:
        # counted without LanceDB when the memory can: its import would hold the interpreter
        # for seconds while the person types
        known = counts() if callable(counts) else None
        if known is not None:
            return f"{known[0]} fixes, {known[1]} negatives"
        if not callable(stats):
            return "on"
        data = stats()
    except Exception as exc:
        return f"error ({exc})"
    return f"{data.get('fixes', 0)} fixes, {data.get('negatives', 0)} negatives"


# ---------------------------------------------------------------------------- memory
def _memory(healer: Any) -> Any:
    memory = getattr(healer, "memory", None)
    if memory is None:
        why = [n for n in healer.notes if "memory" in n]
        raise NotAvailable(why[-1] if why else "memory is switched off (use_memory = false)")
    return memory


def memory_search(healer: Any, text: str, k: int = 20) -> list[dict[str, Any]]:
    """Past fixes matching a person's text query (all fixes, newest first, when empty)."""
    memory = _memory(healer)
    if not text.strip():
        return list(memory.list(limit=k))
    return list(memory.search_text(text, k))


def memory_similar(healer: Any, finding: Any, k: int = 20) -> list[dict[str, Any]]:
    """Past fixes nearest to a finding's diagnosis (same pattern)."""
    memory = _memory(healer)
    diagnosis = healer.diagnose(finding)
    text = ""
    if diagnosis.file:
        try:
            text = healer.project.read(diagnosis.file)
        except Exception:
            text = ""
    return list(memory.nearest(diagnosis, k, file_text=text))


def memory_forget(healer: Any, fix_id: str) -> int:
    """Remove one fix from the memory; returns how many rows went."""
    return int(_memory(healer).forget(fix_id))


def learned_rules(healer: Any) -> list[dict[str, Any]]:
    """Rules learned from repeated accepted fixes (empty when there are none)."""
    memory = getattr(healer, "memory", None)
    rules = getattr(memory, "rules", None)
    if rules is None:
        mod = _module("selfheal_local.memory.learned", "learned rules")
        rules = mod.LearnedRules(healer.project.config.paths.learned_rules)
    return list(rules.list())


# ---------------------------------------------------------------------------- adapters
def _adapter_manager(healer: Any) -> Any:
    """The registry the factory built for this heal (opened again only to say why it failed)."""
    if getattr(healer, "adapters", None) is not None:
        try:
            healer.adapters.load_adapters()  # a round in another process may have promoted one
        except Exception as exc:
            raise NotAvailable(f"the adapter registry cannot be read: {exc}") from exc
        return healer.adapters
    from selfheal_local.factory import make_adapters

    try:
        healer.adapters = make_adapters(healer.project.config.paths, engine=healer.engine)
    except ImportError as exc:
        raise NotAvailable(f"the adapter registry is not available in this installation ({exc})"
                           ) from exc
    except Exception as exc:
        raise NotAvailable(f"the adapter registry cannot be opened: {exc}") from exc
    return healer.adapters


def adapters_overview(healer: Any) -> dict[str, Any]:
    """Registered adapters, the routing table (pattern -> adapter) and the resident ones."""
    from selfheal_local.types import PATTERNS

    manager = _adapter_manager(healer)
    rows = []
    for adapter in manager.adapters():
        meta = adapter.metadata
        rows.append({
            "id": adapter.adapter_id, "base_model": adapter.base_model or meta.model_name,
            "error_types": ", ".join(meta.error_types), "version": meta.version,
            "success_rate": meta.success_rate, "trials": meta.trials,
            "priority": str(meta.priority), "enabled": adapter.enabled, "rank": adapter.rank,
        })
    routing = {}
    for pattern in PATTERNS:
        chosen = manager.route(pattern)
        pinned = chosen is not None and manager.pins.get(pattern) == chosen.adapter_id
        routing[pattern] = (chosen.adapter_id if chosen else "base model", pinned)
    resident: list[str] = []
    if healer.engine is not None:
        try:
            resident = list(healer.engine.adapters())
        except Exception as exc:
            log.warning("engine adapters unavailable: %s", exc)
    return {"adapters": rows, "routing": routing, "resident": resident,
            "registry": str(manager.registry_path or "")}


def adapter_action(healer: Any, action: str, adapter_id: str, pattern: str = "") -> str:
    """activate / deactivate an adapter, or pin it to a pattern; returns what happened."""
    manager = _adapter_manager(healer)
    if action == "pin":
        manager.pin(pattern, adapter_id)
        return f"{pattern} pinned to {adapter_id}"
    if action == "activate":
        ok = manager.activate_adapter(adapter_id)
        return f"{adapter_id} activated" if ok else f"{adapter_id} could not be activated (see log)"
    if action == "deactivate":
        ok = manager.deactivate_adapter(adapter_id)
        return f"{adapter_id} deactivated" if ok else f"{adapter_id} was not active"
    raise ValueError(f"unknown adapter action {action!r}")


# ---------------------------------------------------------------------------- training
def training_overview(healer: Any) -> dict[str, Any]:
    """Pairs per pattern since the last round, the schedule, the last round's outcome."""
    from collections import Counter

    nightly = _module("selfheal_local.learning.nightly", "training (selfheal_local.learning.nightly)")
    from selfheal_local.memory.pairs import pair_pattern

    home = healer.project.config.home_dir()
    runs = nightly.history(home)
    last = runs[0] if runs else {}
    since = str(last.get("started", ""))

    def created(pair: dict[str, Any]) -> str:
        meta = pair.get("metadata") or {}
        return str(pair.get("created_at") or meta.get("created_at") or "")

    pairs = nightly.read_pairs(home)
    due = Counter(pair_pattern(p) for p in pairs if created(p) > since)
    schedule_dir = healer.project.config.paths.schedule
    installed = (schedule_dir / "jobs.sqlite").is_file()
    model = healer.project.config.model
    return {
        "pairs_total": len(pairs),
        "pairs_since_last_run": dict(sorted(due.items())),
        "schedule": "installed (`selfheal train --schedule` shows the next run)" if installed
        else "not installed (`selfheal train --schedule CRON`)",
        "last_run": since or "never",
        "last_adapters": [(a.get("name"), a.get("promoted"), a.get("reason"))
                          for a in last.get("adapters", [])],
        "model": model if model and not model.startswith(("http://", "https://")) else "",
    }


def train_now(
    healer: Any, progress: Callable[[dict[str, Any]], None], cancel: threading.Event
) -> dict[str, Any]:
    """Run one training round now; ``progress`` gets name/step/total/loss as it goes.

    A round cannot be stopped half-way (a half-trained adapter is never promoted anyway);
    ``cancel`` set before the round starts skips it.
    """
    nightly = _module("selfheal_local.learning.nightly", "training (selfheal_local.learning.nightly)")
    gate_mod = _module("selfheal_local.learning.gate", "the training gate")
    config = healer.project.config
    model = config.model
    if not model or model.startswith(("http://", "https://")):
        raise NotAvailable("training needs a local base model directory: set model = DIR")
    if cancel.is_set():
        raise NotAvailable("cancelled before the round started")
    engine = healer.engine if getattr(healer.engine, "model_dir", None) else None
    if engine is None:
        from selfheal_local.llm.engines import local_engine

        engine = local_engine(model, load_in_4bit=config.load_in_4bit)
    from selfheal_local.factory import make_sandbox

    options = nightly.RoundOptions(model=str(Path(model).expanduser().resolve()))
    gate = gate_mod.HeldoutGate(engine, make_sandbox(config))

    def on_step(name: str, step: int, total: int, loss: float | None) -> None:
        update: dict[str, Any] = {"stage": "training", "pattern": name, "step": step,
                                  "total": total}
        if loss is not None:
            update["loss"] = loss
        progress(update)

    record = nightly.NightlyRound(config.home_dir(), options, engine=engine, gate=gate,
                                  progress=on_step).run()
    promoted = [a["name"] for a in record.get("adapters", []) if a.get("promoted")]
    return {"gate": "; ".join(f"{a['name']}: {a['reason']}" for a in record.get("adapters", []))
            or "nothing trained", "promoted": ", ".join(promoted) or "none",
            "hot_loaded": ", ".join(promoted) or "none", "record": record}


__all__ = [
    "NotAvailable",
    "test_command",
    "engine_state",
    "memory_size",
    "memory_search",
    "memory_similar",
    "memory_forget",
    "learned_rules",
    "adapters_overview",
    "adapter_action",
    "training_overview",
    "train_now",
]
