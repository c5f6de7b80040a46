"""Fixers: deterministic rules per pattern, ruff's own fixes, and the mutation search."""

from __future__ import annotations

from .base import (
    BUILTIN_RULE_MODULES,
    RuleSource,
    Site,
    load_builtin_rules,
    make_patch,
    rule,
    rules_for,
)

__all__ = ["BUILTIN_RULE_MODULES", "RuleSource", "Site", "load_builtin_rules", "make_patch", "rule",
           "rules_for"]
