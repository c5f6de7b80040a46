"""The memory's on-disk schema: table layouts, version checks, migration, index upkeep.

``schema.json`` in the memory dir records the schema version, the embedding model and its
vector size. A dir written by another version or another model is moved aside (never
deleted) and its fixes are re-embedded into a fresh dir.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .embedder import Embedder
    from .store import FixMemory

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
"""2: ``failures`` counted on the fix row (1 counted them with a query per search)."""
SCHEMA_FILE = "schema.json"

_FIX_TEXT = ("id", "signature", "text", "pattern", "error_type", "message", "source", "adapter",
             "project", "accepted_by", "transform_key", "transformation", "replayed_fix_id",
             "embedding_model", "created_at", "pair_json")
_NEG_TEXT = ("id", "signature", "pattern", "error_type", "message", "source", "project",
             "reason", "diff", "explanation", "replayed_fix_id", "created_at")

_SAFE = re.compile(r"^[A-Za-z0-9_.:@-]*$")


def quote(value: str) -> str:
    """``value`` as a string literal of a LanceDB filter (only ids, patterns, keys: checked)."""
    if not _SAFE.match(value):
        raise ValueError(f"unsafe filter value {value!r}")
    return f"'{value}'"


HIT_COLUMNS = ["id", "pattern", "error_type", "message", "source", "adapter", "project",
               "accepted_by", "transform_key", "transformation", "created_at", "pair_json",
               "failures"]


def arrow_schema(name: str, dim: int) -> Any:
    import pyarrow as pa

    text = _FIX_TEXT if name == "fixes" else _NEG_TEXT
    fields = [pa.field(col, pa.string()) for col in text]
    fields.insert(1, pa.field("vector", pa.list_(pa.float32(), dim)))
    if name == "fixes":
        fields.append(pa.field("failures", pa.int32()))
    return pa.schema(fields)


def fix_row(pair: dict[str, Any], sig: str, vector: list[float], model_id: str) -> dict[str, Any]:
    """The fixes-table row of a success pair (the whole pair rides along as JSON)."""
    from .pairs import pair_pattern

    meta = pair.get("metadata") or {}
    transformation = meta.get("transformation")
    text = "\n".join(str(x) for x in (pair.get("input", ""), meta.get("explanation", ""),
                                      meta.get("diff", "")) if x)
    return {
        "id": str(pair["id"]), "vector": vector, "signature": sig, "text": text,
        "pattern": pair_pattern(pair), "error_type": str(meta.get("error_type", "")),
        "message": str(meta.get("message", "")), "source": str(meta.get("source", "")),
        "adapter": str(meta.get("adapter") or ""), "project": str(meta.get("project", "")),
        "accepted_by": str(meta.get("accepted_by", "")),
        "transform_key": str(meta.get("transform_key", "")),
        "transformation": json.dumps(transformation) if transformation else "",
        "replayed_fix_id": str(meta.get("replayed_fix_id", "")),
        "embedding_model": model_id,
        "created_at": str(pair.get("created_at") or meta.get("created_at", "")),
        "pair_json": json.dumps(pair, ensure_ascii=False, sort_keys=True),
        "failures": 0,
    }


def hit(row: dict[str, Any], score: float) -> dict[str, Any]:
    """A search result: the row's fields, its score and the failure-adjusted rank score."""
    out = {k: row.get(k, "") for k in HIT_COLUMNS if k != "pair_json"}
    failures = int(row.get("failures") or 0)
    out["transformation"] = json.loads(row["transformation"]) if row.get("transformation") else None
    out["pair"] = json.loads(row["pair_json"]) if row.get("pair_json") else {}
    out["score"] = round(score, 4)
    out["failures"] = failures
    # a past fix that keeps failing validation sinks below fresher ones
    out["rank_score"] = round(score * 0.7**failures, 4)
    return out


def example(h: dict[str, Any]) -> dict[str, Any]:
    """A hit as a few-shot example for the model prompt."""
    meta = h["pair"].get("metadata", {})
    after = meta.get("function_after", h["pair"].get("output", ""))
    return {
        "id": h["id"],
        "error": f"{h['error_type']}: {h['message']}" if h["error_type"] else
        h["pair"].get("input", "").split("\n", 1)[0],
        "before": meta.get("function_before", h["pair"].get("input", "")),
        "after": after,
        "fix": after or meta.get("diff", ""),
        "output": after,
        "diff": meta.get("diff", ""),
        "pattern": h["pattern"],
        "source": h["source"],
        "explanation": meta.get("explanation", ""),
        "project": h["project"],
        "score": h["score"],
        "failures": h["failures"],
    }


# ---- version check and migration ---------------------------------------------------------


def _read_meta(root: Path) -> dict[str, Any] | None:
    try:
        return json.loads((root / SCHEMA_FILE).read_text())
    except (OSError, ValueError):
        return None


def check(root: Path, embedder: Embedder) -> Path | None:
    """Make ``root`` current; a dir of another schema/model is moved aside and returned."""
    expected = {"schema_version": SCHEMA_VERSION, "embedding_model": embedder.model_id,
                "dim": embedder.dim}
    meta = _read_meta(root)
    has_tables = any(p.suffix == ".lance" for p in root.iterdir())
    if has_tables and meta != expected:
        found = (meta or {}).get("schema_version", "unknown")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        aside = root.with_name(f"{root.name}.schema-{found}.{stamp}")
        os.replace(root, aside)
        root.mkdir()
        for keep in ("learned_rules.json",):
            if (aside / keep).is_file():
                shutil.copy2(aside / keep, root / keep)
        (root / SCHEMA_FILE).write_text(json.dumps(expected, indent=2) + "\n")
        return aside
    if meta != expected:
        (root / SCHEMA_FILE).write_text(json.dumps(expected, indent=2) + "\n")
    return None


def _row_pair(row: dict[str, Any]) -> dict[str, Any] | None:
    if row.get("pair_json"):
        try:
            return json.loads(row["pair_json"])
        except ValueError:
            pass
    text = row.get("input") or row.get("text") or row.get("signature") or ""
    if not text:
        return None
    from .pairs import pair_id

    meta = {k: row[k] for k in ("pattern", "error_type", "message", "source", "project",
                                "accepted_by", "created_at") if isinstance(row.get(k), str)}
    return {"id": str(row.get("id") or pair_id(text)), "input": str(text),
            "output": str(row.get("output", "")), "context": [], "metadata": meta,
            "created_at": meta.get("created_at", "")}


def migrate(aside: Path, memory: FixMemory) -> str:
    """Re-embed the fixes of a moved-aside dir into ``memory``; a line saying what happened."""
    import lancedb

    head = f"memory at {memory.root} had another schema or embedding model; moved to {aside}"
    try:
        old = lancedb.connect(aside)
        if "fixes" not in old.list_tables().tables:
            return f"{head}; it held no fixes table (kept there untouched)"
        rows = old.open_table("fixes").to_arrow().to_pylist()
        pairs = [p for p in (_row_pair(r) for r in rows) if p is not None]
        memory.store_pairs(pairs)
    except Exception as exc:  # whatever the old dir holds, it stays where it is
        return f"{head}; migration failed ({exc}); the old data is kept there"
    return f"{head}; migrated {len(pairs)} of {len(rows)} fixes (the old dir is kept)"


# ---- indexes -----------------------------------------------------------------------------


def _indices(table: Any) -> list[Any]:
    try:
        return list(table.list_indices())
    except Exception:  # an unreadable index list means "no index", never a failed heal
        return []


def has_index(table: Any, column: str) -> bool:
    return any(list(getattr(i, "columns", ())) == [column] for i in _indices(table))


def has_fts(table: Any) -> bool:
    return any("FTS" in str(getattr(i, "index_type", "")).upper() for i in _indices(table))


def maintain(table: Any, name: str, ann_threshold: int) -> None:
    """Compact, then build the pattern scalar index, the FTS index and (when big) the ANN one."""
    rows = table.count_rows()
    if rows == 0:
        return
    from lancedb.index import FTS, Bitmap, IvfHnswSq

    table.optimize()  # compacts, and folds new rows into the existing indexes
    columns = {tuple(getattr(i, "columns", ())) for i in _indices(table)}
    if ("pattern",) not in columns:
        table.create_index("pattern", config=Bitmap())
    if name == "fixes" and ("text",) not in columns:
        table.create_index("text", config=FTS())
    if rows >= ann_threshold and ("vector",) not in columns:
        table.create_index("vector", config=IvfHnswSq(distance_type="cosine"))
        log.info("built the IVF_HNSW_SQ (cosine) index of %s at %d rows", name, rows)


def index_state(table: Any) -> list[dict[str, Any]]:
    out = []
    for idx in _indices(table):
        entry = {"table": table.name, "name": idx.name, "type": str(idx.index_type),
                 "columns": list(idx.columns)}
        try:
            stats = table.index_stats(idx.name)
            entry["unindexed_rows"] = getattr(stats, "num_unindexed_rows", None)
        except Exception:  # stats are informative only
            entry["unindexed_rows"] = None
        out.append(entry)
    return out
