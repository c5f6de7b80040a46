"""The adapter registry and per-error-type routing (Saplings' AdapterManager API).

The registry is ``registry.json`` in the adapters directory, rewritten atomically (temp file +
``os.replace``) after every change. Routing picks, for an error pattern, the enabled adapter
whose ``error_types`` contain it, best by (pinned, priority, success rate, version); then a
general adapter (``"general"`` or ``"*"``); then None, meaning the base model.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .adapter_meta import (
    EXCEPTION_PATTERNS,
    GENERAL,
    Adapter,
    AdapterMetadata,
    AdapterPriority,
    normalize_error_type,
)
from .errors import AdapterNotFound, AdapterRejected, ModelError, RegistryError
from .files import atomic_write_text
from .peft_dir import inspect_adapter_dir, same_base
from .training_data import sweep_partial

log = logging.getLogger(__name__)

REGISTRY_FILE = "registry.json"


class AdapterManager:
    """Registered LoRA adapters, persisted in ``adapter_dir``, hot-loaded into ``model``.

    ``model`` is an engine (HFEngine / VLLMEngine) or None; ``adapter_dir`` None keeps the
    registry in memory only. ``base_model`` (default: the engine's ``model_dir``) is what
    registered adapters must have been trained on; ``max_rank`` what the engine can serve.
    """

    def __init__(
        self,
        model: Any | None = None,
        adapter_dir: str | Path | None = None,
        *,
        base_model: str | None = None,
        max_rank: int | None = None,
    ) -> None:
        self.model = model
        self.adapter_dir = Path(adapter_dir).expanduser() if adapter_dir is not None else None
        if base_model is None and model is not None and getattr(model, "model_dir", None):
            base_model = str(model.model_dir)
        self.base_model = base_model or ""
        self.max_rank = max_rank
        self.active_adapter_id: str | None = None
        self.pins: dict[str, str] = {}
        self._adapters: dict[str, Adapter] = {}
        self._lock = threading.RLock()
        self.load_adapters()

    # -- persistence -------------------------------------------------------------------------

    @property
    def registry_path(self) -> Path | None:
        return self.adapter_dir / REGISTRY_FILE if self.adapter_dir else None

    def load_adapters(self) -> None:
        """(Re)read the registry from the adapters directory; a missing file is an empty one."""
        path = self.registry_path
        if path is None or not path.is_file():
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            adapters = {a["metadata"]["adapter_id"]: Adapter.from_dict(a) for a in data["adapters"]}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
            raise RegistryError(
                f"{path} is unreadable ({exc}); restore it or move it away to start empty"
            ) from exc
        with self._lock:
            self._adapters = adapters
            self.pins = {str(k): str(v) for k, v in (data.get("pins") or {}).items()}
            active = data.get("active")
            self.active_adapter_id = active if active in adapters else None

    def _save(self) -> None:
        path = self.registry_path
        if path is None:
            return
        data = {
            "version": 1,
            "active": self.active_adapter_id,
            "pins": self.pins,
            "adapters": [a.to_dict() for a in self._adapters.values()],
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
        except OSError as exc:
            raise RegistryError(f"cannot write {path} ({exc.strerror}); check permissions") from exc

    # -- registration ------------------------------------------------------------------------

    def check_adapter_dir(self, path: str | Path) -> tuple[int, str]:
        """(rank, base) of an adapter directory; AdapterRejected when the engine would refuse it."""
        info = inspect_adapter_dir(path)
        if self.max_rank is not None and info.rank > self.max_rank:
            raise AdapterRejected(
                f"{path}: rank {info.rank} exceeds the engine's max LoRA rank {self.max_rank}; "
                "restart the server with a larger --max-lora-rank or retrain smaller"
            )
        if self.base_model and not same_base(info.base_model, self.base_model):
            raise AdapterRejected(
                f"{path} was trained on {info.base_model!r}, not on the configured base "
                f"{self.base_model!r}; retrain it on that base"
            )
        return info.rank, info.base_model

    def register_adapter(
        self, path: str | Path, metadata: AdapterMetadata | Mapping[str, Any]
    ) -> None:
        """Register (or re-register) the adapter in ``path``; AdapterRejected when unusable."""
        if not isinstance(metadata, AdapterMetadata):
            metadata = AdapterMetadata.from_dict(dict(metadata))
        if not metadata.adapter_id or not re.fullmatch(r"[A-Za-z0-9_.\-]+", metadata.adapter_id):
            raise AdapterRejected(
                f"adapter id {metadata.adapter_id!r} must be letters, digits, '_', '-', '.'"
            )
        rank, base = self.check_adapter_dir(path)
        adapter = Adapter(str(Path(path).expanduser().resolve()), metadata, rank, base)
        with self._lock:
            old = self._adapters.get(metadata.adapter_id)
            if old is not None:
                adapter.enabled = old.enabled
            self._adapters[metadata.adapter_id] = adapter
            self._save()
        log.info("registered adapter %s (%s, rank %d)", metadata.adapter_id, adapter.path, rank)

    def sweep_partial(self) -> list[Path]:
        """Remove what an interrupted training left in the adapter dir."""
        return sweep_partial(self.adapter_dir) if self.adapter_dir is not None else []

    def unregister_adapter(self, adapter_id: str) -> bool:
        """Forget an adapter (its directory is left alone)."""
        with self._lock:
            adapter = self._adapters.pop(adapter_id, None)
            if adapter is None:
                return False
            self.pins = {p: a for p, a in self.pins.items() if a != adapter_id}
            if self.active_adapter_id == adapter_id:
                self.active_adapter_id = None
            self._save()
        self._unload(adapter)
        return True

    def get_adapter(self, adapter_id: str) -> Adapter | None:
        """The adapter registered as ``adapter_id``, or None."""
        return self._adapters.get(adapter_id)

    def list_adapters(self) -> list[str]:
        """IDs of all registered adapters, in registration order."""
        return list(self._adapters)

    def adapters(self) -> list[Adapter]:
        """All registered adapters."""
        return list(self._adapters.values())

    def update_adapter_metadata(self, adapter_id: str, metadata: dict[str, Any]) -> bool:
        """Change metadata fields of a registered adapter; False when there is no such adapter."""
        with self._lock:
            adapter = self._adapters.get(adapter_id)
            if adapter is None:
                return False
            merged = adapter.metadata.to_dict() | dict(metadata)
            merged["adapter_id"] = adapter_id  # the id is the registry key
            adapter.metadata = AdapterMetadata.from_dict(merged)
            self._save()
        return True

    # -- activation --------------------------------------------------------------------------

    def _require(self, adapter_id: str) -> Adapter:
        adapter = self._adapters.get(adapter_id)
        if adapter is None:
            known = ", ".join(self._adapters) or "none"
            raise AdapterNotFound(f"no adapter {adapter_id!r} is registered (registered: {known})")
        return adapter

    def ensure_loaded(self, adapter: Adapter, engine: Any | None = None) -> str:
        """Make ``adapter`` resident in the engine (if any); returns the name to request."""
        engine = engine if engine is not None else self.model
        name = adapter.served_name
        if engine is not None and name not in engine.adapters():
            engine.load_adapter(name, adapter.path)
        return name

    def _unload(self, adapter: Adapter) -> None:
        if self.model is None:
            return
        try:
            if adapter.served_name in self.model.adapters():
                self.model.unload_adapter(adapter.served_name)
        except ModelError as exc:
            log.warning("could not unload %s: %s", adapter.adapter_id, exc)

    def activate_adapter(self, adapter_id: str) -> bool:
        """Enable an adapter for routing and hot-load it into the engine; False on failure."""
        adapter = self._adapters.get(adapter_id)
        if adapter is None:
            log.warning("no adapter %r is registered", adapter_id)
            return False
        try:
            self.ensure_loaded(adapter)
        except ModelError as exc:
            log.warning("adapter %s not activated: %s", adapter_id, exc)
            return False
        with self._lock:
            adapter.enabled = True
            self.active_adapter_id = adapter_id
            self._save()
        return True

    def deactivate_adapter(self, adapter_id: str | None = None) -> bool:
        """Disable an adapter (default: the active one) and unload it; False when none."""
        adapter_id = adapter_id or self.active_adapter_id
        adapter = self._adapters.get(adapter_id) if adapter_id else None
        if adapter is None:
            return False
        with self._lock:
            adapter.enabled = False
            if self.active_adapter_id == adapter_id:
                self.active_adapter_id = None
            self._save()
        self._unload(adapter)
        return True

    # -- routing -----------------------------------------------------------------------------

    def _usable(self, adapter: Adapter) -> bool:
        if not adapter.enabled:
            return False
        if not Path(adapter.path).is_dir():
            log.warning("adapter %s: %s is gone; skipping it", adapter.adapter_id, adapter.path)
            return False
        return True

    def find_adapters_for_error(self, error_type: str) -> list[Adapter]:
        """Registered adapters for ``error_type`` (a pattern or an exception name), best first."""
        pattern = normalize_error_type(error_type)
        pinned = self.pins.get(pattern)
        found = [a for a in self._adapters.values() if pattern in a.patterns]
        return sorted(found, key=lambda a: a.rank_key(a.adapter_id == pinned), reverse=True)

    def route(self, pattern: str) -> Adapter | None:
        """The adapter to use for ``pattern``: specific, else general, else None (the base)."""
        with self._lock:
            specific = [a for a in self.find_adapters_for_error(pattern) if self._usable(a)]
            if specific:
                return specific[0]
            general = [a for a in self._adapters.values() if a.patterns & GENERAL]
            general = [a for a in general if self._usable(a)]
            if general:
                return max(general, key=lambda a: a.rank_key(False))
        return None

    def pin(self, pattern: str, adapter_id: str) -> None:
        """Always route ``pattern`` to ``adapter_id`` while it is enabled."""
        with self._lock:
            self._require(adapter_id)
            self.pins[normalize_error_type(pattern)] = adapter_id
            self._save()

    def unpin(self, pattern: str) -> bool:
        with self._lock:
            removed = self.pins.pop(normalize_error_type(pattern), None) is not None
            if removed:
                self._save()
        return removed

    def record_outcome(self, adapter_id: str, passed: bool) -> None:
        """Count one sandbox validation of a patch this adapter produced."""
        with self._lock:
            adapter = self._adapters.get(adapter_id)
            if adapter is None:
                return
            meta = adapter.metadata
            meta.trials += 1
            meta.successes += int(bool(passed))
            meta.success_rate = meta.successes / meta.trials
            self._save()

    def max_registered_rank(self) -> int:
        return max((a.rank for a in self._adapters.values()), default=0)


__all__ = [
    "Adapter",
    "AdapterManager",
    "AdapterMetadata",
    "AdapterPriority",
    "EXCEPTION_PATTERNS",
    "normalize_error_type",
]
