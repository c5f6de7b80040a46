"""A transformation's identity and its one-line description (see ``transform``)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def transform_key(transformation: dict[str, Any]) -> str:
    """Site-independent identity of a transformation: what learned rules count."""
    core = [["edit_line", s["old"], s["new"]] if s["kind"] == "edit_line"
            else ["insert_before", s["anchor"], [ln["tokens"] for ln in s["lines"]],
                  *(["after"] if s.get("after") else [])]
            if s["kind"] == "insert_before" else ["add_import", s["line"]]
            for s in transformation["steps"]]
    blob = json.dumps([transformation["pattern"], core], sort_keys=True)
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def describe(transformation: dict[str, Any]) -> str:
    """One line a person reads: ``$ID1 -> str ( $ID1 )``."""
    parts = []
    for step in transformation["steps"]:
        if step["kind"] == "edit_line":
            parts.append(f"{' '.join(step['old']) or '∅'} -> {' '.join(step['new']) or '∅'}")
        elif step["kind"] == "insert_before":
            first = " ".join(step["lines"][0]["tokens"]) if step["lines"] else ""
            where = "after" if step.get("after") else "before"
            parts.append(f"insert '{first}' {where} '{' '.join(step['anchor'])}'")
        else:
            parts.append(f"add '{step['line']}'")
    return "; ".join(parts)


__all__ = ["describe", "transform_key"]
