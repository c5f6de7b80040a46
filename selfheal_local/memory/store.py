"""FixMemory: past fixes and rejected candidates in an embedded LanceDB directory.

Vectors are computed here, by one long-lived model, and written through ``merge_insert``
keyed by a stable id (LanceDB's ``update()`` would not re-embed, and a plain ``add`` would
duplicate). Writers (the TUI and the nightly job are two processes) serialise on a ``FileLock``
beside the directory; readers see other processes' commits at once
(``read_consistency_interval=0``).
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from pathlib import Path
from typing import Any

from selfheal_local.config import DataPaths
from selfheal_local.errors import MemoryUnavailable
from selfheal_local.io import FileLock
from selfheal_local.io.redact import redact_values
from selfheal_local.types import Diagnosis, Patch, Verdict

from . import lookup, scancache, schema
from .connection import Connection
from .embedder import Embedder
from .learned import DEFAULT_PROMOTE_AFTER, LearnedRules, enough_projects
from .pairs import PAIRS_FILE, PairLog, build_pair, heal_context, now_iso, pair_id, served_messages
from .shapes import transform_key
from .signature import signature, text_signature
from .spool import Spool
from .transform import extract

log = logging.getLogger(__name__)

class FixMemory:
    """The fix memory (satisfies ``protocols.Memory``): record, recall, search, forget."""

    def __init__(self, root: Path, embedder: Embedder, *, pairs_dir: Path | None = None,
                 max_pairs: int = 1000, promote_after: int = DEFAULT_PROMOTE_AFTER,
                 ann_threshold: int = 5000, optimize_every: int = 32) -> None:
        self.root = Path(root)
        self.embedder = embedder
        self.pairs = PairLog(Path(pairs_dir or self.root.parent / "pairs") / PAIRS_FILE,
                             max_pairs)
        self.rules = LearnedRules(self.root / "learned_rules.json")
        self.promote_after = promote_after
        self.ann_threshold = ann_threshold
        self.optimize_every = optimize_every
        self.notes: list[str] = []
        """What a person should know about this memory (a migration, a moved-aside dir)."""
        self._writes_since_optimize = 0
        self._tables: dict[str, Any] = {}
        self._indexed: dict[str, bool] = {}
        self._lock = FileLock(self.root.parent / f".{self.root.name}.lock")
        self._open()
        self.spool = Spool(self.root / "spool.jsonl", self._lock)

    @classmethod
    def at_home(cls, home: Path, embedder: Embedder, **kwargs: Any) -> FixMemory:
        """The memory of a data dir: ``<home>/memory`` (LanceDB) and ``<home>/pairs`` (JSONL)."""
        paths = DataPaths(home)
        return cls(paths.memory, embedder, pairs_dir=paths.pairs_dir, **kwargs)

    # ---- opening ------------------------------------------------------------------------

    def _write_lock(self) -> FileLock:
        """Exclusive across processes (the TUI and the nightly job); re-entrant in this object."""
        return self._lock

    def _open(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise MemoryUnavailable(
                f"memory dir {self.root} is not writable ({exc.strerror}); set SELFHEAL_HOME "
                "to a writable directory"
            ) from exc
        with self._write_lock():
            moved = schema.check(self.root, self.embedder)
            # LanceDB imports while the scan runs (unless no lookup will need it)
            self._connection = Connection(self.root, now=scancache.needs_lancedb(self.root))
            if moved is not None:
                note = schema.migrate(moved, self)
                self.notes.append(note)
                log.warning("%s", note)

    @property
    def _db(self) -> Any:
        return self._connection.get()

    def _table(self, name: str) -> Any:
        if name not in self._tables:
            if name in self._db.list_tables().tables:
                self._tables[name] = self._db.open_table(name)
            else:
                self._tables[name] = self._db.create_table(
                    name, schema=schema.arrow_schema(name, self.embedder.dim), exist_ok=True)
        return self._tables[name]

    # ---- writing -------------------------------------------------------------------------

    def _upsert(self, name: str, rows: list[dict[str, Any]]) -> int:
        """Insert the rows whose id is new; returns how many were new."""
        import pyarrow as pa

        rows = [redact_values(row) for row in rows]  # test output may carry secrets
        data = pa.Table.from_pylist(rows, schema=schema.arrow_schema(name, self.embedder.dim))
        with self._write_lock():
            result = (self._table(name).merge_insert("id").when_not_matched_insert_all()
                      .execute(data))
            self._writes_since_optimize += len(rows)
            if name not in self._indexed:  # another session may have built them already
                self._indexed[name] = schema.has_index(self._table(name), "pattern")
            if self._writes_since_optimize >= self.optimize_every or not self._indexed.get(name):
                self.maintain()
        return int(getattr(result, "num_inserted_rows", len(rows)))

    def store_pairs(self, pairs: list[dict[str, Any]], *,
                    vectors: list[list[float]] | None = None) -> int:
        """Embed and upsert success pairs (ids keep it idempotent); returns how many given.

        ``vectors``: already computed by this memory's model (bulk imports, the benchmark).
        """
        if not pairs:
            return 0
        sigs = [str(p.get("metadata", {}).get("signature") or text_signature(p["input"]))
                for p in pairs]
        vectors = vectors if vectors is not None else self.embedder.embed(sigs)
        rows = [schema.fix_row(p, sig, vec, self.embedder.model_id)
                for p, sig, vec in zip(pairs, sigs, vectors, strict=True)]
        self._upsert("fixes", rows)
        for row in rows:
            if row["transform_key"]:
                self._maybe_promote(row["transform_key"], json.loads(row["transformation"]))
        return len(rows)

    def store_pair(self, pair: dict[str, Any]) -> None:
        self.store_pairs([pair])

    def _maybe_promote(self, key: str, transformation: dict[str, Any]) -> None:
        rows = lookup.transform_rows(self, key)
        stored = {r["id"] for r in rows}
        rows += [{"id": r["id"], "project": r.get("metadata", {}).get("project", "")}
                 for kind, r in self.spool.items() if kind == "fix" and r["id"] not in stored
                 and r.get("metadata", {}).get("transform_key") == key]
        if len(rows) >= self.promote_after and enough_projects(rows):
            self.rules.promote(key, transformation, len(rows),
                               [f"{r['project']}:{r['id']}" for r in rows])

    def record_success(self, diagnosis: Diagnosis, patch: Patch, verdict: Verdict | None, *,
                       accepted_by: str, project: str = "") -> None:
        """Remember an applied fix: a JSONL pair, a row in the fixes table, maybe a rule."""
        try:
            # the failing line from the diagnosed file before the fix (else the traceback's)
            before = next((e.before for e in patch.edits if e.path == diagnosis.file), "")
            sig = signature(diagnosis, before)
            transformation = extract(diagnosis, patch)
            extra = {"signature": sig, "transformation": transformation,
                     "transform_key": transform_key(transformation) if transformation else "",
                     "replayed_fix_id": str(patch.metadata.get("replayed_fix_id", "")),
                     "messages": served_messages(diagnosis, patch),
                     **heal_context(diagnosis, patch)}
            pair = build_pair(diagnosis, patch, verdict, accepted_by=accepted_by,
                              embedding_model=self.embedder.model_id, project=project,
                              extra=extra)
            self.pairs.append(pair)
            self.spool.add("fix", pair)  # embedded later: recording never waits for the model
            if extra["transform_key"]:
                self._maybe_promote(extra["transform_key"], transformation)
            if self.embedder.loaded:  # then embedding costs milliseconds
                self.flush()
            lookup.cache_table(self)  # the next replay need not wait for LanceDB
        except Exception as exc:  # memory must never stop a heal; say why and go on
            log.warning("memory: could not record the fix for %s: %s",
                        diagnosis.finding.location, exc)

    def record_failure(self, diagnosis: Diagnosis, patch: Patch, reason: str) -> None:
        """Remember a rejected candidate as a negative (down-ranks the past fix it replayed)."""
        try:
            sig = signature(diagnosis, next((e.before for e in patch.edits
                                             if e.path == diagnosis.file), ""))
            row = {
                "id": pair_id(diagnosis.finding.id, patch.diff, reason[:200]),
                "signature": sig, "pattern": diagnosis.pattern,
                "error_type": diagnosis.exception_type, "message": diagnosis.message,
                "source": patch.source, "project": str(patch.metadata.get("project", "")),
                "reason": reason, "diff": patch.diff, "explanation": patch.explanation,
                "replayed_fix_id": str(patch.metadata.get("replayed_fix_id", "")),
                "created_at": now_iso(),
            }
            self.spool.add("negative", row)
            if self.embedder.loaded:  # then embedding costs milliseconds
                self.flush()
        except Exception as exc:  # memory must never stop a heal; say why and go on
            log.warning("memory: could not record the rejected candidate: %s", exc)

    def _store_negative(self, row: dict[str, Any]) -> None:
        replayed = row["replayed_fix_id"]
        with self._write_lock():
            # counted on the fix row so that a search needs no second query; only a new
            # negative counts (the same rejection recorded twice is one failure)
            if self._upsert("negatives", [row]) and replayed:
                self._table("fixes").update(where=f"id = {schema.quote(replayed)}",
                                            values_sql={"failures": "failures + 1"})

    def flush(self) -> int:
        """Embed and store the spooled fixes and negatives (loads the embedding model when there
        are any); returns how many rows were stored."""
        with self._write_lock():
            items = self.spool.items()
            if not items:
                return 0
            self.store_pairs([r for kind, r in items if kind == "fix"])
            negatives = [r for kind, r in items if kind == "negative"]
            vectors = self.embedder.embed([r["signature"] for r in negatives])
            for row, vector in zip(negatives, vectors, strict=True):
                self._store_negative({**row, "vector": vector})
            self.spool.clear()
            # the next start counts and replays without LanceDB (a failure counted on a fix
            # changed the fixes table)
            lookup.cache_table(self)
            lookup.count_rows(self, "negatives")
        return len(items)

    def record_undo(self, diagnosis: Diagnosis, patch: Patch, reason: str) -> None:
        """An undone fix is no longer accepted: its pair leaves the fixes (table and JSONL)
        and the change is kept as a negative."""
        project = str(patch.metadata.get("project", ""))
        error = f"{diagnosis.exception_type}: {diagnosis.message}"
        try:
            self.forget(pair_id(project, diagnosis.file, patch.diff, error))
        except Exception as exc:  # memory must never stop an undo
            log.warning("memory: could not drop the undone fix: %s", exc)
        self.record_failure(diagnosis, patch, reason)

    def maintain(self) -> None:
        """After a batch: compact, and build the indexes the table is now big enough for."""
        with self._write_lock():
            for name in ("fixes", "negatives"):
                table = self._table(name)
                schema.maintain(table, name, self.ann_threshold)
                self._indexed[name] = table.count_rows() > 0
        self._writes_since_optimize = 0

    def replay_source(self, k: int = 5) -> Any:
        """The candidate source ``memory`` over this memory (the factory wires it in)."""
        from .replay import MemorySource

        return MemorySource(self, k=k)

    # ---- reading -------------------------------------------------------------------------

    def search_vector(self, vector: list[float], k: int = 5,
                      pattern: str | None = None) -> list[dict[str, Any]]:
        """The k nearest fixes (same pattern when given), failures down-ranked."""
        table = self._table("fixes")
        query = (table.search(vector, vector_column_name="vector").distance_type("cosine")
                 .limit(k).select([*schema.HIT_COLUMNS, "_distance"]))
        if pattern:
            query = query.where(f"pattern = {schema.quote(pattern)}", prefilter=True)
        return self._hits(query.to_list(), lambda r: 1.0 - float(r["_distance"]))

    def _hits(self, rows: list[dict[str, Any]], score: Any) -> list[dict[str, Any]]:
        hits = [schema.hit(row, float(score(row))) for row in rows]
        return sorted(hits, key=lambda h: -h["rank_score"])

    def nearest(self, diagnosis: Diagnosis, k: int = 5, *,
                file_text: str = "") -> list[dict[str, Any]]:
        """Past fixes nearest to ``diagnosis``'s signature, same pattern. A memory of modest
        size is scanned by signature likeness (``lookup``: never loads the embedding model);
        vectors answer when it is too big to scan, or when the scan finds nothing and the
        model is loaded anyway."""
        sig = signature(diagnosis, file_text)
        hits = lookup.scan(self, sig, diagnosis.pattern, k)
        if hits or (hits is not None and not self.embedder.loaded):
            return hits
        self.flush()
        if self._table("fixes").count_rows() == 0:
            return []
        return self.search_vector(self.embedder.embed([sig])[0], k, diagnosis.pattern)

    def recall(self, diagnosis: Diagnosis, k: int = 5, *, project: Any = None
               ) -> list[dict[str, Any]]:
        """Past fixes as few-shot examples: error, before, after, pattern, source, score."""
        text = ""
        if project is not None and diagnosis.file:
            try:
                text = project.read(diagnosis.file)
            except Exception:  # an unreadable file only weakens the query
                text = ""
        try:
            hits = self.nearest(diagnosis, k, file_text=text)
        except Exception as exc:  # memory must never stop a heal
            log.warning("memory: recall failed: %s", exc)
            return []
        return [schema.example(h) for h in hits]

    def search_text(self, text: str, k: int = 5,
                    pattern: str | None = None) -> list[dict[str, Any]]:
        """A person's query: hybrid vector + full text fused by reciprocal rank (RRF); equal
        ranks (signatures that differ only in names) go to the better text match."""
        self.flush()
        vector = self.embedder.embed([f"{text_signature(text)} | {text}"])[0]
        table = self._table("fixes")
        if not schema.has_fts(table):
            return self.search_vector(vector, k, pattern)
        from lancedb.rerankers import RRFReranker

        query = (table.search(query_type="hybrid", vector_column_name="vector")
                 .vector(vector).text(text).distance_type("cosine")
                 .rerank(RRFReranker(return_score="all")).limit(k))
        if pattern:
            query = query.where(f"pattern = {schema.quote(pattern)}", prefilter=True)
        rows = sorted(query.to_list(), key=lambda r: (-float(r.get("_relevance_score") or 0.0),
                                                      -float(r.get("_score") or 0.0)))
        return self._hits(rows, lambda r: float(r.get("_relevance_score") or 0.0))

    def list(self, limit: int = 20, pattern: str | None = None) -> list[dict[str, Any]]:
        """The most recent fixes first."""
        self.flush()
        query = self._table("fixes").search().select(schema.HIT_COLUMNS).limit(100_000)
        if pattern:
            query = query.where(f"pattern = {schema.quote(pattern)}")
        rows = sorted(query.to_list(), key=lambda r: r["created_at"], reverse=True)[:limit]
        return [schema.hit(r, 1.0) for r in rows]

    def all_pairs(self) -> list[dict[str, Any]]:
        """Every pair the table holds (the JSONL may have rotated older ones out)."""
        self.flush()
        rows = self._table("fixes").search().select(["pair_json"]).limit(10_000_000).to_list()
        return [json.loads(r["pair_json"]) for r in rows]

    def forget(self, fix_id: str) -> int:
        """Remove a fix (table, spool and JSONL; no embedding needed); returns how many went."""
        with self._write_lock():
            spooled = self.spool.remove("fix", {fix_id})
            table = self._table("fixes")
            before = table.count_rows()
            table.delete(f"id = {schema.quote(fix_id)}")
            gone = before - table.count_rows() + spooled
            lookup.cache_table(self)
        gone += self.pairs.remove({fix_id})
        return gone

    def counts(self) -> tuple[int, int] | None:
        """(fixes, negatives) without LanceDB or the embedding model, when known that way."""
        return lookup.counts(self)

    def stats(self) -> dict[str, Any]:
        """Pairs per pattern and source, accept rate, table size, index state."""
        self.flush()
        fixes, negatives = self._table("fixes"), self._table("negatives")
        rows = fixes.search().select(["pattern", "source", "accepted_by"]).limit(
            10_000_000).to_list()
        n_fix, n_neg = len(rows), lookup.count_rows(self, "negatives")
        size = sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
        return {
            "fixes": n_fix,
            "negatives": n_neg,
            "risky_model_fixes": negatives.count_rows("reason LIKE '%risky model fix%'"),  # llm.vet
            "by_pattern": dict(Counter(r["pattern"] for r in rows).most_common()),
            "by_source": dict(Counter(r["source"] for r in rows).most_common()),
            "by_accepted_by": dict(Counter(r["accepted_by"] for r in rows).most_common()),
            "accept_rate": round(n_fix / (n_fix + n_neg), 3) if n_fix + n_neg else None,
            "jsonl_pairs": len(self.pairs.read()),
            "learned_rules": len(self.rules.list()),
            "disk_bytes": size,
            "indexes": schema.index_state(fixes) + schema.index_state(negatives),
            "embedding_model": self.embedder.model_id,
            "schema_version": schema.SCHEMA_VERSION,
            "root": str(self.root),
        }

