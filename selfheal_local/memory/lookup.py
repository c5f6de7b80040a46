"""Past fixes looked up without the embedding model: a pattern filter and signature likeness.

Signatures are already normalised (identifiers and literals abstracted, ``signature.py``), so
the same bug shape met again under other names gives the same signature or a near one. For a
memory of modest size the fixes of one pattern are few enough to compare directly: one scalar
query on the table (its ``pattern`` bitmap index) plus the spooled rows not embedded yet, each
scored by how alike its signature is to the new one. Loading sentence-transformers costs
seconds on a CPU; this costs milliseconds, and it sees fixes recorded a moment ago that wait in
the spool. Vector search stays for memories too big to scan (``MAX_SCAN``). The rows read
are kept for the table's version (``scancache``), so a replay does not wait for LanceDB's
import either.
"""

from __future__ import annotations

import difflib
from collections import Counter
from typing import TYPE_CHECKING, Any

from . import scancache, schema
from .patterns import pair_pattern

if TYPE_CHECKING:
    from .store import FixMemory

MAX_SCAN = 2000
"""Fixes of one pattern compared directly; above this the vector index answers."""
MAX_CACHED = 500
"""A fixes table up to this size is cached whole (every pattern) per version."""
MAX_IDS = 10_000
"""Ids kept per table version for counting without LanceDB (a bigger table is counted by it)."""


def _parts(sig: str) -> dict[str, list[str]]:
    """A signature's parts by name (``error``, ``line``, ``in``), each a list of tokens."""
    out: dict[str, list[str]] = {}
    for n, part in enumerate(sig.split(" | ")):
        name, sep, rest = part.partition(": ")
        key = "error" if n == 0 else name if sep and name.isalpha() else f"part{n}"
        out[key] = (rest if key != "error" else part).split()
    out.pop("pattern", None)  # the same for every fix a lookup compares (it filters on it)
    return out


def likeness(a: str, b: str) -> float:
    """How alike two normalised signatures are, 0..1: the parts both have (error, failing
    line, enclosing ``def``) compared token by token, weighted by their length, the error
    (what went wrong) twice. A part only one side has (the query had no file at hand)
    neither helps nor hurts."""
    if a == b:
        return 1.0
    pa, pb = _parts(a), _parts(b)
    weights = {k: (len(pa[k]) + len(pb[k])) * (2 if k == "error" else 1) for k in pa if k in pb}
    if not sum(weights.values()):
        return 0.0
    return sum(difflib.SequenceMatcher(None, pa[k], pb[k], autojunk=False).ratio() * w
               for k, w in weights.items()) / sum(weights.values())


def _spooled(memory: FixMemory, pattern: str, stored: set[str]) -> tuple[list[dict], Counter]:
    """Spooled fix rows of ``pattern`` not in the table yet, and spooled failures per fix id."""
    rows: list[dict[str, Any]] = []
    failures: Counter = Counter()
    for kind, record in memory.spool.items():
        if kind == "negative":
            if record.get("replayed_fix_id"):
                failures[str(record["replayed_fix_id"])] += 1
        elif pair_pattern(record) == pattern and str(record.get("id")) not in stored:
            sig = str((record.get("metadata") or {}).get("signature") or "")
            rows.append(schema.fix_row(record, sig, [], memory.embedder.model_id))
    return rows, failures


def cache_table(memory: FixMemory) -> None:
    """Make the scan cache current (the whole fixes table's rows, when it is small enough);
    needs LanceDB only when the cache is not current already."""
    if scancache.needs_lancedb(memory.root):
        _read_table(memory, "")


def counts(memory: FixMemory) -> tuple[int, int] | None:
    """(fixes, negatives), stored and spooled, without LanceDB or the embedding model: the
    ids the scan cache and ``row-ids.json`` hold for the tables' current versions, and the
    spool's (a row spooled again is one row); None when they are not known that way."""
    cached = scancache.all_rows(memory.root)
    negatives = scancache.known_ids(memory.root, "negatives")
    if cached is None or negatives is None:
        return None
    fixes = {str(r.get("id")) for r in cached}
    for kind, record in memory.spool.items():
        (fixes if kind == "fix" else negatives).add(str(record.get("id")))
    return len(fixes), len(negatives)


def count_rows(memory: FixMemory, name: str) -> int:
    """Table ``name``'s row count; its ids are kept for its version (when there are not too
    many) so that ``counts`` needs no LanceDB."""
    token = scancache.table_token(memory.root, name)
    table = memory._table(name)
    rows = table.count_rows()
    if rows <= MAX_IDS:
        ids = [str(r["id"]) for r in table.search().select(["id"]).limit(MAX_IDS).to_list()]
        if scancache.table_token(memory.root, name) == token:  # no commit while reading
            scancache.remember_ids(memory.root, name, token, ids)
    return rows


def transform_rows(memory: FixMemory, key: str) -> list[dict[str, Any]]:
    """Stored fixes made by transformation ``key`` (their ``id`` and ``project``)."""
    cached = scancache.all_rows(memory.root)  # no LanceDB import when the cache is current
    if cached is not None:
        return [r for r in cached if r.get("transform_key") == key]
    return (memory._table("fixes").search().where(f"transform_key = {schema.quote(key)}")
            .select(["id", "project"]).limit(1000).to_list())


def _read_table(memory: FixMemory, pattern: str) -> list[dict[str, Any]] | None:
    """LanceDB's rows of ``pattern`` (None: too many to scan), kept for the table's version:
    every pattern's rows when the whole table is small enough to cache."""
    token = scancache.table_token(memory.root, "fixes")
    table = memory._table("fixes")
    if token == scancache.ABSENT:  # created just now
        token = scancache.table_token(memory.root, "fixes")
    columns = [*schema.HIT_COLUMNS, "signature"]
    if table.count_rows() <= MAX_CACHED:
        by_pattern: dict[str, list[dict[str, Any]]] = {}
        for row in table.search().select(columns).limit(MAX_CACHED).to_list():
            by_pattern.setdefault(str(row["pattern"]), []).append(row)
        scancache.remember(memory.root, "fixes", token, by_pattern, complete=True)
        return by_pattern.get(pattern, [])
    where = f"pattern = {schema.quote(pattern)}" if pattern else ""
    if not where or table.count_rows(where) > MAX_SCAN:
        return None
    rows = table.search().where(where).select(columns).limit(MAX_SCAN).to_list()
    scancache.remember(memory.root, "fixes", token, {pattern: rows}, complete=False)
    return rows


def scan(memory: FixMemory, sig: str, pattern: str, k: int) -> list[dict[str, Any]] | None:
    """The k fixes of ``pattern`` whose signatures are most like ``sig`` (stored and spooled,
    failures down-ranked); None when the pattern holds more fixes than a scan should read."""
    rows = scancache.cached_rows(memory.root, "fixes", pattern)
    if rows is None:
        rows = _read_table(memory, pattern)
        if rows is None:
            return None
    spooled, failures = _spooled(memory, pattern, {str(r["id"]) for r in rows})
    hits = []
    for row in rows + spooled:
        row["failures"] = int(row.get("failures") or 0) + failures[str(row["id"])]
        hits.append(schema.hit(row, likeness(sig, str(row.get("signature") or ""))))
    hits.sort(key=lambda h: (-h["rank_score"], -h["score"], h["created_at"]))
    return hits[:k]


__all__ = ["MAX_CACHED", "MAX_IDS", "MAX_SCAN", "cache_table", "count_rows", "counts", "likeness", "scan",
           "transform_rows"]
