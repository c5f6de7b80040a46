"""Training export: pairs as chat messages, grouped by pattern, deduplicated, with a held-back
split chosen by a hash of the content (the same pair always lands in the same split)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from selfheal_local.io import atomic_write_text

from .patterns import pair_pattern

SYSTEM_PROMPT = (
    "You fix errors in Python code. Given the error and the code, reply with the corrected "
    "code only."
)
HELDOUT_EVERY = 10
"""About one pair in this many is held back for evaluation (at least one per pattern of 5+)."""


def _digest(pair: dict[str, Any]) -> str:
    key = f"{pair.get('input', '').strip()}\x1f{pair.get('output', '').strip()}"
    return hashlib.sha1(key.encode()).hexdigest()


def _age(pair: dict[str, Any]) -> tuple[str, str]:
    return (str(pair.get("created_at", "")), str(pair.get("id", "")))


def to_chat(pair: dict[str, Any]) -> dict[str, Any]:
    """One pair as ``{"messages": [system, user, assistant], ...}``."""
    meta = pair.get("metadata") or {}
    served = meta.get("messages")
    if isinstance(served, list) and len(served) == 3 and all(isinstance(m, dict) for m in served):
        # recorded in the exact shape a heal serves the model: train on that
        return {"messages": served, "pattern": pair_pattern(pair), "id": pair.get("id", ""),
                "source": meta.get("source", "")}
    user = str(pair.get("input", ""))
    if meta.get("function_before") and meta.get("error_type"):
        user = (f"{meta['error_type']}: {meta.get('message', '')}\n\n"
                f"```python\n{meta['function_before'].rstrip()}\n```")
    return {
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user},
            {"role": "assistant", "content": str(pair.get("output", ""))},
        ],
        "pattern": pair_pattern(pair),
        "id": pair.get("id", ""),
        "source": meta.get("source", ""),
    }


def split_pairs(pairs: list[dict[str, Any]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``{pattern: {"train": [...], "heldout": [...]}}``, deduplicated, deterministic."""
    unique: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        if not str(pair.get("output", "")).strip():
            continue
        digest = _digest(pair)
        # of duplicates keep the oldest (then lowest id): the same choice whatever the order
        if digest not in unique or _age(pair) < _age(unique[digest]):
            unique[digest] = pair
    groups: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for digest, pair in sorted(unique.items()):
        groups[pair_pattern(pair)].append((digest, pair))
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for pattern, items in sorted(groups.items()):
        held = {d for d, _ in items if int(d, 16) % HELDOUT_EVERY == 0}
        if not held and len(items) >= 5:
            held = {min(d for d, _ in items)}
        out[pattern] = {
            "train": [dict(to_chat(p), split="train") for d, p in items if d not in held],
            "heldout": [dict(to_chat(p), split="heldout") for d, p in items if d in held],
        }
    return out


def _write_lines(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def write_chat_jsonl(pairs: list[dict[str, Any]], path: Path) -> int:
    """One JSONL file, grouped by pattern, each line with its ``split``; returns the count."""
    records = [r for groups in split_pairs(pairs).values()
               for r in groups["train"] + groups["heldout"]]
    _write_lines(path, records)
    return len(records)


def write_chat_dir(pairs: list[dict[str, Any]], out_dir: Path) -> dict[str, Any]:
    """``<out>/<pattern>/train.jsonl`` and ``heldout.jsonl`` plus ``manifest.json``."""
    manifest: dict[str, Any] = {"format": "chat", "patterns": {}}
    for pattern, groups in split_pairs(pairs).items():
        for split, records in groups.items():
            _write_lines(out_dir / pattern / f"{split}.jsonl", records)
        manifest["patterns"][pattern] = {s: len(r) for s, r in groups.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
