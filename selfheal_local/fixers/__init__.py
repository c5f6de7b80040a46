"""Fixers: deterministic rules per pattern, ruff's own fixes, and the mutation search."""

from __future__ import annotations

import importlib

from .base import RuleSource, make_patch, rule, rules_for

BUILTIN_RULE_MODULES: tuple[str, ...] = (
    "names", "imports", "attributes", "typeerrors", "calls", "lookups", "arith", "syntax", "lint",
    "values", "modelwork", "signatures", "swaps", "nones", "conversions",
)
"""Modules under ``selfheal_local.fixers.rules`` whose import registers rules."""

_loaded = False


def load_builtin_rules() -> None:
    """Import the built-in rule modules once (registration happens at import)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in BUILTIN_RULE_MODULES:
        importlib.import_module(f"{__name__}.rules.{name}")


__all__ = ["RuleSource", "make_patch", "rule", "rules_for", "load_builtin_rules"]
