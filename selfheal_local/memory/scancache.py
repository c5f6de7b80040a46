"""The rows a replay lookup scans, kept beside the table and trusted only at its version.

Importing LanceDB takes seconds (its generated REST client and pandas), and a replay that
waits for it spends more time waiting than validating. A lookup needs only a few columns of
the fixes of one pattern, so the rows a lookup read are cached in ``scan-cache.json`` (every
pattern's, when the table is small) under a token of the table's version: the names of the
manifests in ``fixes.lance/_versions``. Every commit to the table (a fix stored, a failure
counted, a fix forgotten, a compaction) writes a new manifest, so the token changes and the
cache is no longer used; it is only ever a copy of what LanceDB would answer at that version. A table that does not exist yet holds no rows:
that needs no cache at all. Anything odd (no ``_versions`` directory, an unreadable cache)
means: ask LanceDB.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from selfheal_local.io import atomic_write_text

log = logging.getLogger(__name__)

CACHE_FILE = "scan-cache.json"
IDS_FILE = "row-ids.json"
"""Which rows a table held at a version: the header's "N fixes, M negatives" without LanceDB."""
ABSENT = "absent"
"""The token of a table that does not exist (no rows, nothing to cache)."""


def table_token(root: Path, name: str) -> str | None:
    """A token that changes with every commit to table ``name`` under ``root``; ``ABSENT``
    when there is no such table; None when its versions cannot be listed."""
    table = Path(root) / f"{name}.lance"
    try:
        names = sorted(os.listdir(table / "_versions"))
    except FileNotFoundError:
        return ABSENT if not table.exists() else None
    except OSError:
        return None
    manifests = [n for n in names if n.endswith(".manifest")]
    if not manifests:
        return None
    return hashlib.sha256("\n".join(manifests).encode()).hexdigest()


def _current(root: Path, name: str) -> dict[str, Any] | None:
    """The cache's header when it is of the table's current version (``{}`` for a table that
    does not exist: nothing to read), else None."""
    token = table_token(root, name)
    if token == ABSENT:
        return {}
    header = _header(Path(root) / CACHE_FILE)
    if token is None or header.get("table") != name or header.get("token") != token:
        return None
    return header


def cached_rows(root: Path, name: str, pattern: str) -> list[dict[str, Any]] | None:
    """The scan rows of ``pattern`` as of the table's current version, or None (ask LanceDB)."""
    header = _current(root, name)
    if not header:
        return None if header is None else []
    rows = _read(Path(root) / CACHE_FILE).get(pattern)
    if rows is None:
        return [] if header.get("complete") else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return None
    return rows


def all_rows(root: Path, name: str = "fixes") -> list[dict[str, Any]] | None:
    """Every row of the table's current version when the cache holds them all, else None."""
    header = _current(root, name)
    if not header:
        return None if header is None else []
    if not header.get("complete"):
        return None
    return [row for rows in _read(Path(root) / CACHE_FILE).values() if isinstance(rows, list)
            for row in rows if isinstance(row, dict)]


def needs_lancedb(root: Path, name: str = "fixes") -> bool:
    """Whether a lookup will have to ask LanceDB (so it is worth connecting now): the table
    exists and the cache does not hold every row of its current version (header only)."""
    header = _current(root, name)
    return header is None or (bool(header) and not header.get("complete"))


def remember(root: Path, name: str, token: str | None, rows_by_pattern: dict[str, list],
             *, complete: bool) -> None:
    """Keep what LanceDB answered (rows by pattern; ``complete``: every pattern of the table)
    under ``token``, taken before the rows were read: a commit in between leaves a token that
    no longer matches."""
    if token is None or token == ABSENT:
        return
    path = Path(root) / CACHE_FILE
    header = _header(path)
    patterns = {}
    if header.get("table") == name and header.get("token") == token:
        patterns = _read(path)
        complete = complete or bool(header.get("complete"))
    patterns.update(rows_by_pattern)
    head = {"table": name, "token": token, "complete": complete}
    try:
        atomic_write_text(path, json.dumps(head, sort_keys=True) + "\n"
                          + json.dumps(patterns, sort_keys=True) + "\n")
    except (OSError, TypeError, ValueError) as exc:  # only a copy: the next lookup asks LanceDB
        log.info("memory scan cache not written: %s", exc)


def known_ids(root: Path, name: str) -> set[str] | None:
    """The row ids table ``name`` holds at its current version (none when it does not exist),
    or None when they are not known without LanceDB."""
    token = table_token(root, name)
    if token == ABSENT:
        return set()
    entry = _load(Path(root) / IDS_FILE).get(name)
    if token is None or not isinstance(entry, dict) or entry.get("token") != token:
        return None
    ids = entry.get("ids")
    return {str(i) for i in ids} if isinstance(ids, list) else None


def remember_ids(root: Path, name: str, token: str | None, ids: list[str]) -> None:
    """Keep table ``name``'s row ids at version ``token`` (taken before and after reading
    them, and the same both times: the ids are of that version)."""
    if token is None or token == ABSENT:
        return
    path = Path(root) / IDS_FILE
    known = _load(path)
    known[name] = {"token": token, "ids": sorted(ids)}
    try:
        atomic_write_text(path, json.dumps(known, sort_keys=True) + "\n")
    except OSError as exc:  # only a copy: the header asks LanceDB instead
        log.info("memory row ids not written: %s", exc)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _header(path: Path) -> dict[str, Any]:
    """The first line: which table version the cache is of (read without the rows)."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.loads(fh.readline())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _read(path: Path) -> dict[str, Any]:
    """The second line: rows by pattern."""
    try:
        with open(path, encoding="utf-8") as fh:
            fh.readline()
            data = json.loads(fh.readline())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


__all__ = ["ABSENT", "CACHE_FILE", "IDS_FILE", "all_rows", "cached_rows", "known_ids",
           "needs_lancedb", "remember", "remember_ids", "table_token"]
