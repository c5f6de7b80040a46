"""The taxonomy pattern of a stored pair, shared by the pair log and the training export."""

from __future__ import annotations

from typing import Any

from selfheal_local.analyze import EXCEPTION_PATTERNS


def pair_pattern(pair: dict[str, Any]) -> str:
    """The pair's pattern: its own, else the one its exception type maps to (``exception``)."""
    meta = pair.get("metadata") or {}
    if meta.get("pattern"):
        return str(meta["pattern"])
    error_type = str(meta.get("error_type") or str(pair.get("input", "")).split(":", 1)[0])
    return EXCEPTION_PATTERNS.get(error_type.strip(), "exception")
