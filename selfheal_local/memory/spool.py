"""Fixes and negatives waiting for their embedding.

Recording a fix never waits for the embedding model (importing sentence-transformers and
loading the model takes seconds on a CPU). A recorded fix is durable at once in the pairs
JSONL; its memory row waits here, one JSON line each, until something loads the model anyway —
a search, a replay that has something to search, ``selfheal memory``,
the nightly round — and ``FixMemory.flush`` embeds and stores them all in one batch. Storing is
idempotent (rows are keyed by id), so a flush cut short is simply done again.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from selfheal_local.io import FileLock, atomic_write_text

log = logging.getLogger(__name__)

KINDS = ("fix", "negative")


class Spool:
    """An append-only JSONL of rows to embed, shared by processes under the memory's lock."""

    def __init__(self, path: Path, lock: FileLock) -> None:
        self.path = Path(path)
        self.lock = lock

    def add(self, kind: str, record: dict[str, Any]) -> None:
        """Append one row (durable before this returns)."""
        if kind not in KINDS:
            raise ValueError(f"unknown spool kind {kind!r}")
        line = json.dumps({"kind": kind, "record": record}, sort_keys=True) + "\n"
        with self.lock:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())

    def __len__(self) -> int:
        try:
            if self.path.stat().st_size == 0:
                return 0
        except FileNotFoundError:
            return 0
        return len(self.items())

    def items(self) -> list[tuple[str, dict[str, Any]]]:
        """Every waiting row, in order; a torn or foreign line is skipped with a warning."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            try:
                entry = json.loads(line)
                if entry["kind"] in KINDS and isinstance(entry["record"], dict):
                    out.append((entry["kind"], entry["record"]))
                    continue
            except (ValueError, KeyError, TypeError):
                pass
            if line.strip():
                log.warning("memory spool %s line %d is unreadable; skipped", self.path, n)
        return out

    def remove(self, kind: str, ids: set[str]) -> int:
        """Drop waiting rows of ``kind`` whose id is in ``ids``; returns how many went."""
        with self.lock:
            items = self.items()
            kept = [(k, r) for k, r in items if not (k == kind and r.get("id") in ids)]
            if len(kept) != len(items):
                atomic_write_text(self.path, "".join(
                    json.dumps({"kind": k, "record": r}, sort_keys=True) + "\n" for k, r in kept))
        return len(items) - len(kept)

    def clear(self) -> None:
        """Empty the spool (after its rows are stored)."""
        with self.lock:
            if self.path.exists():
                atomic_write_text(self.path, "")


__all__ = ["KINDS", "Spool"]
