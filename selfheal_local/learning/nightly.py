"""The nightly learning round: accepted fixes -> per-pattern QLoRA adapters -> gate -> promotion.

One round (``run_round``), under a lock so two never overlap:

1. read the accepted success pairs (``<home>/pairs/success_pairs.jsonl``); patterns with pairs
   accepted since the last round are due (all of them on the first round);
2. split each pattern's pairs into train / held-back (the memory's export: deduplicated,
   chosen by content hash); a pattern with at least ``min_pairs`` gets its own adapter, and
   the general adapter trains on every pattern's training pairs;
3. train each into ``<home>/adapters/<name>-v<N>/`` (written atomically by ``LoRaTrainer``);
4. gate: candidate and current adapter answer the held-back pairs through the engine, and the
   answers are proven in the sandbox; promote only if the candidate validates at least as
   many (a first adapter: at least ``floor``);
5. promote: register with metadata, hot-load into the engine, route the pattern to it (pin);
   the previous version stays registered, so ``selfheal train --rollback P`` undoes it.

Every round writes ``<home>/training/runs/<run_id>.json`` and, beside each adapter,
``metrics.json``, ``loss.png`` and ``gate.json``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from selfheal_local.config import DataPaths
from selfheal_local.errors import BadInputError, SelfHealError
from selfheal_local.factory import make_adapters, make_trainer, model_error
from selfheal_local.io import FileLock, LockHeld, atomic_write_json
from selfheal_local.learning.gate import Gate, GateResult, decide, evaluate
from selfheal_local.protocols import AdapterRegistry, Engine, TrainingRun

log = logging.getLogger(__name__)

GENERAL = "general"
ProgressFn = Callable[[str, int, int, "float | None"], None]
"""``progress(adapter_name, step, max_steps, loss)``."""


class TrainingBusy(SelfHealError):
    """Another training round holds the lock."""


@dataclass
class RoundOptions:
    """What one round trains and how strictly it promotes."""

    model: str
    """Local base model directory (the serving model: adapters are trained on it)."""
    min_pairs: int = 20
    """Pairs a pattern needs for its own adapter."""
    pattern: str | None = None
    """Only this pattern (and no general adapter, unless it is ``general``)."""
    floor: float = 0.5
    """Validated fix rate a first adapter (no current one) must reach."""
    training: dict[str, Any] = field(default_factory=dict)
    """LoRaConfig overrides (e.g. ``max_steps``, ``learning_rate``)."""
    all_pairs: bool = False
    """Train every pattern, not only those with pairs accepted since the last round."""
    general: bool = True
    """Also train the general adapter over all patterns."""


@contextmanager
def round_lock(home: Path):
    """One round at a time per data dir (a scheduled one and ``--now`` included)."""
    lock = FileLock(DataPaths(home).round_lock)
    try:
        lock.acquire(blocking=False)
    except LockHeld:
        raise TrainingBusy(
            f"a training round is already running for {home}; wait for it to finish"
        ) from None
    try:
        yield
    finally:
        lock.release()


def read_pairs(home: Path) -> list[dict[str, Any]]:
    """All accepted success pairs of the data dir, oldest first."""
    from selfheal_local.memory.pairs import PairLog

    return PairLog(DataPaths(home).pairs).read()


def _created(pair: dict[str, Any]) -> str:
    return str(pair.get("created_at") or (pair.get("metadata") or {}).get("created_at") or "")


def _state(home: Path) -> dict[str, Any]:
    path = DataPaths(home).training_state
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, data, default=str)


def plan(pairs: list[dict[str, Any]], options: RoundOptions, since: str = "") -> dict[str, Any]:
    """Which adapters to train on which records: ``{"train": {name: (train, heldout)}, "skipped"}``."""
    from selfheal_local.memory.export import split_pairs
    from selfheal_local.memory.pairs import pair_pattern

    by_id = {str(p.get("id", "")): p for p in pairs if p.get("id")}
    due = {pair_pattern(p) for p in pairs if options.all_pairs or _created(p) > since}
    groups = split_pairs(pairs)
    for split in groups.values():
        for records in split.values():
            for record in records:  # the gate needs where the pair came from
                record["metadata"] = (by_id.get(str(record.get("id", ""))) or {}).get(
                    "metadata", {}
                )
    todo: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    skipped: list[dict[str, Any]] = []
    for pattern, split in groups.items():
        count = len(split["train"]) + len(split["heldout"])
        if options.pattern and pattern != options.pattern:
            continue
        if pattern not in due:
            skipped.append({"pattern": pattern, "pairs": count, "reason": "no new pairs"})
        elif count < options.min_pairs:
            skipped.append(
                {
                    "pattern": pattern,
                    "pairs": count,
                    "reason": f"{count} < {options.min_pairs} pairs",
                }
            )
        else:
            todo[pattern] = (split["train"], split["heldout"])
    wants_general = options.general and options.pattern in (None, GENERAL)
    if wants_general and due and groups:
        train = [r for s in groups.values() for r in s["train"]]
        held = [r for s in groups.values() for r in s["heldout"]]
        if len(train) + len(held) >= options.min_pairs:
            todo[GENERAL] = (train, held)
        else:
            skipped.append({"pattern": GENERAL, "pairs": len(train) + len(held),
                            "reason": f"{len(train) + len(held)} < {options.min_pairs} pairs"})  # fmt: skip
    return {"train": todo, "skipped": skipped}


class NightlyRound:
    """One round against a data dir, an engine (for the gate and hot-loading) and a registry."""

    def __init__(
        self,
        home: Path,
        options: RoundOptions,
        *,
        engine: Engine,
        gate: Gate,
        manager: AdapterRegistry | None = None,
        progress: ProgressFn | None = None,
    ) -> None:
        self.home = Path(home)
        self.paths = DataPaths(self.home)
        self.options = options
        self.engine = engine
        self.gate = gate
        self.progress = progress
        if manager is None:
            manager = make_adapters(self.paths, engine=engine, base_model=options.model)
        self.manager = manager

    def run(self) -> dict[str, Any]:
        """Train, gate and promote; returns the run record (also written to the runs dir)."""
        if not (Path(self.options.model) / "config.json").is_file():
            raise BadInputError(
                f"{self.options.model!r} is not a local model directory; pass --model DIR"
            )
        started = datetime.now(UTC)
        run_id = started.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
        with round_lock(self.home):
            self.manager.sweep_partial()
            state = _state(self.home)
            pairs = read_pairs(self.home)
            work = plan(pairs, self.options, since=str(state.get("last_pair_at", "")))
            record: dict[str, Any] = {
                "run_id": run_id,
                "started": started.isoformat(timespec="seconds"),
                "model": str(self.options.model),
                "pairs": len(pairs),
                "min_pairs": self.options.min_pairs,
                "skipped": work["skipped"],
                "adapters": [],
            }
            for name, (train, held) in work["train"].items():
                record["adapters"].append(self._attempt(name, train, held, run_id))
            record["ended"] = datetime.now(UTC).isoformat(timespec="seconds")
            _write_json(self.paths.training_runs / f"{run_id}.json", record)
            if pairs and not self.options.pattern:
                last = max(_created(p) for p in pairs)
                _write_json(self.paths.training_state,
                            {"last_pair_at": last, "last_run": run_id})  # fmt: skip
        return record

    def _attempt(self, name: str, train: list, held: list, run_id: str) -> dict[str, Any]:
        """``train_and_gate``; one adapter failing is recorded and the round goes on."""
        try:
            return self.train_and_gate(name, train, held, run_id)
        except (model_error(), SelfHealError, OSError) as exc:
            log.error("%s: training failed: %s", name, exc)
            return {"name": None, "pattern": name, "path": None, "promoted": False,
                    "train_pairs": len(train), "heldout_pairs": len(held),
                    "reason": f"training failed: {exc}"}  # fmt: skip

    def train_and_gate(
        self, name: str, train: list[dict[str, Any]], held: list[dict[str, Any]], run_id: str
    ) -> dict[str, Any]:
        """Train one adapter, gate it against the current one, promote it if it earns it."""
        data = self.paths.training_data / run_id / f"{name}.jsonl"
        data.parent.mkdir(parents=True, exist_ok=True)
        data.write_text("".join(json.dumps({"messages": r["messages"]}) + "\n" for r in train))
        on_step = None
        if self.progress:
            progress = self.progress

            def on_step(step: int, total: int, loss: float | None) -> None:
                progress(name, step, total, loss)

        trainer = make_trainer(self.options.model, self.paths.adapters, adapter_name=name,
                               overrides={"num_epochs": 3, **self.options.training},
                               on_step=on_step)
        metrics = trainer.train(str(data))
        path = Path(metrics.adapter_path)
        entry: dict[str, Any] = {
            "name": path.name,
            "pattern": name,
            "path": str(path),
            "train_pairs": len(train),
            "heldout_pairs": len(held),
            "metrics": metrics.to_dict(),
        }
        try:
            candidate, current, current_result = self._gate(path, name, held)
            promote, why = decide(candidate, current_result, self.options.floor)
        except model_error() as exc:  # e.g. the engine refuses the adapter: it cannot serve
            candidate, current, current_result = GateResult(path.name), None, None
            promote, why = False, f"gate could not run: {exc}"
        entry.update(
            gate={
                "candidate": candidate.to_dict(),
                "current": current_result.to_dict() if current_result else None,
                "floor": self.options.floor,
            },
            current=current.adapter_id if current else None,
            promoted=promote,
            reason=why,
        )
        if promote:
            self.promote(path, name, candidate, metrics)
        _write_json(path / "gate.json", entry)
        log.info("%s: %s (%s)", path.name, "promoted" if promote else "not promoted", why)
        return entry

    def _gate(self, path: Path, name: str, held: list[dict[str, Any]]):
        """Score the candidate (loaded under a temporary name) and the adapter serving now."""
        current = self.manager.route(name) if name != GENERAL else self._current_general()
        if current is not None and name != GENERAL and GENERAL in current.patterns:
            current_is_fallback = True
        else:
            current_is_fallback = False
        temp = f"candidate-{path.name}"
        self.engine.load_adapter(temp, str(path))
        try:
            candidate = evaluate(self.gate, temp, held)
        finally:
            self.engine.unload_adapter(temp)
        candidate.adapter = path.name
        current_result: GateResult | None = None
        if current is not None:
            served = self.manager.ensure_loaded(current, self.engine)
            current_result = evaluate(self.gate, served, held)
            current_result.adapter = current.adapter_id
            if current_is_fallback:
                current_result.adapter = f"{current.adapter_id} (general fallback)"
        return candidate, current, current_result

    def _current_general(self) -> Any:
        general = [a for a in self.manager.adapters() if GENERAL in a.patterns and a.enabled]
        pinned = self.manager.pins.get(GENERAL)
        for adapter in general:
            if adapter.adapter_id == pinned:
                return adapter
        return max(general, key=lambda a: a.rank_key(False)) if general else None

    def promote(self, path: Path, name: str, gate: GateResult, metrics: TrainingRun) -> None:
        """Register with metadata, hot-load into the engine, route ``name`` to it."""
        version = path.name.rsplit("-v", 1)[-1]
        meta = dict(
            adapter_id=path.name,
            model_name=str(Path(self.options.model).expanduser().resolve()),
            description=(
                f"nightly QLoRA on {metrics.num_examples} pairs: {metrics.steps} steps, "
                f"final loss {metrics.final_loss:.4f}, token accuracy {metrics.token_accuracy:.3f}, "
                f"{metrics.train_time_s:.0f}s, peak {metrics.peak_memory_mb:.0f} MB "
                f"(metrics.json, gate.json in {path})"
            ),
            version=version,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            success_rate=gate.rate,
            priority="medium",
            error_types=[name],
            tags=["nightly", "qlora" if metrics.quantized else "lora"],
            trials=gate.total,
            successes=gate.validated,
        )
        self.manager.register_adapter(str(path), meta)
        if not self.manager.activate_adapter(path.name):
            raise SelfHealError(f"{path.name} was registered but the engine refused to load it")
        self.manager.pin(name, path.name)


def rollback(home: Path, pattern: str, manager: AdapterRegistry | None = None) -> str:
    """Route ``pattern`` back to the previous registered version; returns its id."""
    manager = manager or make_adapters(DataPaths(home))
    mine = [a for a in manager.adapters() if pattern in a.patterns and "nightly" in a.metadata.tags]
    current = manager.pins.get(pattern)
    older = sorted(mine, key=lambda a: int(a.metadata.version or 0))
    ids = [a.adapter_id for a in older]
    if current not in ids or ids.index(current) == 0:
        raise BadInputError(f"no earlier nightly adapter for {pattern!r} to roll back to")
    previous = ids[ids.index(current) - 1]
    manager.deactivate_adapter(current)
    manager.activate_adapter(previous)
    manager.pin(pattern, previous)
    return previous


def history(home: Path) -> list[dict[str, Any]]:
    """The recorded rounds, newest first."""
    runs = DataPaths(home).training_runs
    if not runs.is_dir():
        return []
    records = [json.loads(p.read_text(encoding="utf-8")) for p in runs.glob("*.json")]
    return sorted(records, key=lambda r: r.get("started", ""), reverse=True)


__all__ = [
    "NightlyRound",
    "RoundOptions",
    "TrainingBusy",
    "history",
    "plan",
    "read_pairs",
    "rollback",
    "round_lock",
]
