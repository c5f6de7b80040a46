"""selfheal-local: an offline self-healing agent for Python projects.

The public API is Saplings-compatible (``PatchGenerator``, ``Patch``, ``PatchStatus``,
``SuccessPairCollector``, ``LoRaTrainer``, ``LoRaConfig``, ``AdapterManager``, ``AdapterMetadata``,
``AdapterPriority``, ``SelfHealingService``) plus our own heal loop (``open_healer``, ``Healer``).
Names load lazily on first use, so ``import selfheal_local`` stays light (no torch, no lancedb).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    # domain values
    "Patch": "selfheal_local.types",
    "PatchStatus": "selfheal_local.types",
    "Finding": "selfheal_local.types",
    "Diagnosis": "selfheal_local.types",
    "Verdict": "selfheal_local.types",
    "HealResult": "selfheal_local.types",
    "FileEdit": "selfheal_local.types",
    "PATTERNS": "selfheal_local.types",
    # the heal loop
    "Healer": "selfheal_local.service",
    "open_healer": "selfheal_local.factory",
    "Config": "selfheal_local.config",
    "load_config": "selfheal_local.config",
    "Project": "selfheal_local.project",
    "SelfHealError": "selfheal_local.errors",
    "BadInputError": "selfheal_local.errors",
    # Saplings-compatible API
    "PatchGenerator": "selfheal_local.compat.patch_generator",
    "SuccessPairCollector": "selfheal_local.memory",
    "SelfHealingService": "selfheal_local.compat.service",
    "LoRaTrainer": "models.training",
    "LoRaConfig": "models.training",
    "TrainingMetrics": "models.training",
    "AdapterManager": "models.adapters",
    "AdapterMetadata": "models.adapters",
    "AdapterPriority": "models.adapters",
    "Adapter": "models.adapters",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'selfheal_local' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
