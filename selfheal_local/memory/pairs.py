"""Success pairs: append-only JSONL (one line per pair) and the Saplings-compatible collector.

Each append is one ``write`` + flush + fsync under a file lock, so concurrent writers
(the TUI and the nightly job) never interleave; a half-written line (a crash mid-write) is
skipped with a warning when reading and never costs the lines around it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfheal_local.errors import MemoryUnavailable
from selfheal_local.io import FileLock, atomic_write
from selfheal_local.io.redact import redact_values
from selfheal_local.types import Diagnosis, Patch, Verdict

from .export import write_chat_jsonl
from .patterns import pair_pattern

if TYPE_CHECKING:
    from .store import FixMemory

log = logging.getLogger(__name__)

PAIRS_FILE = "success_pairs.jsonl"



def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def pair_id(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


def traceback_summary(diagnosis: Diagnosis, frames: int = 3) -> str:
    """The last project frames and the exception line: what a person needs to recognise it."""
    lines = [f"{f.file}:{f.line} in {f.function}: {f.code.strip()}"
             for f in diagnosis.finding.frames if f.in_project][-frames:]
    lines.append(f"{diagnosis.exception_type}: {diagnosis.message}")
    return "\n".join(lines)


def build_pair(
    diagnosis: Diagnosis,
    patch: Patch,
    verdict: Verdict | None,
    *,
    accepted_by: str,
    embedding_model: str = "",
    project: str = "",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The success pair recorded for an applied patch (the JSON edge of the memory)."""
    error = f"{diagnosis.exception_type}: {diagnosis.message}"
    project = project or str(patch.metadata.get("project", ""))
    diff = patch.diff
    created = now_iso()
    test_ids = list(diagnosis.test_ids or diagnosis.finding.test_ids)
    metadata: dict[str, Any] = {
        "pattern": diagnosis.pattern,
        "error_type": diagnosis.exception_type,
        "message": diagnosis.message,
        "name": diagnosis.name,
        "traceback_summary": traceback_summary(diagnosis),
        "file": diagnosis.file,
        "line": diagnosis.line,
        "function": diagnosis.function,
        "function_before": patch.original_code,
        "function_after": patch.patched_code,
        "diff": diff,
        "files": patch.files,
        "source": patch.source,
        "adapter": patch.adapter,
        "explanation": patch.explanation,
        "project": project,
        "test_ids": test_ids,
        "tests_passed": verdict.tests_passed if verdict else 0,
        "tests_total": verdict.tests_total if verdict else 0,
        "accepted_by": accepted_by,
        "embedding_model": embedding_model,
        "created_at": created,
    }
    metadata.update(extra or {})
    return {
        "id": pair_id(project, diagnosis.file, diff, error),
        "input": f"{error}\n\n{patch.original_code}".rstrip(),
        "output": patch.patched_code,
        "context": [metadata["traceback_summary"]],
        "metadata": metadata,
        "created_at": created,
    }


def _line_id(raw: bytes) -> str:
    try:
        return str(json.loads(raw).get("id", ""))
    except (ValueError, AttributeError, UnicodeDecodeError):
        return ""


class PairLog:
    """An append-only JSONL file of pairs, bounded to ``max_pairs`` lines (oldest rotate out)."""

    def __init__(self, path: Path, max_pairs: int = 1000) -> None:
        self.path = path
        self.max_pairs = max_pairs

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(self.path.with_name(self.path.name + ".lock"))
            lock.acquire()
        except OSError as exc:
            raise MemoryUnavailable(
                f"cannot write success pairs in {self.path.parent}: {exc.strerror}; "
                "check that the data dir (SELFHEAL_HOME) is writable"
            ) from exc
        try:
            yield
        finally:
            lock.release()

    def append(self, pair: dict[str, Any]) -> None:
        """Append one pair as one line (single write + fsync), then rotate if over the bound."""
        data = (json.dumps(redact_values(pair), ensure_ascii=False, sort_keys=True) + "\n").encode()
        with self._locked():
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    size = os.fstat(fd).st_size
                    # a crash mid-line left no newline: start ours on a fresh line
                    if size and os.pread(fd, 1, size - 1) != b"\n":
                        data = b"\n" + data
                    os.write(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                self._rotate()
            except OSError as exc:
                raise MemoryUnavailable(f"cannot append to {self.path}: {exc.strerror}") from exc

    def _rotate(self) -> None:
        lines = self.path.read_bytes().splitlines(keepends=True)
        if len(lines) <= self.max_pairs:
            return
        keep = lines[-self.max_pairs:] if self.max_pairs > 0 else []
        atomic_write(self.path, b"".join(keep))
        log.info("rotated %d oldest pairs out of %s", len(lines) - len(keep), self.path)

    def remove(self, ids: set[str]) -> int:
        """Drop the pairs with these ids (a person's ``forget``); returns how many went."""
        if not self.path.is_file():
            return 0
        with self._locked():
            lines = self.path.read_bytes().splitlines(keepends=True)
            keep = [ln for ln in lines if _line_id(ln) not in ids]
            if len(keep) == len(lines):
                return 0
            atomic_write(self.path, b"".join(keep))
            return len(lines) - len(keep)

    def read(self) -> list[dict[str, Any]]:
        """Every readable pair, oldest first; corrupt lines are skipped with a warning."""
        if not self.path.is_file():
            return []
        pairs: list[dict[str, Any]] = []
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    pair = json.loads(raw)
                    if not isinstance(pair, dict):
                        raise ValueError("not an object")
                except (ValueError, UnicodeDecodeError) as exc:
                    log.warning("%s line %d is corrupt (%s); skipped", self.path, number, exc)
                    continue
                pairs.append(pair)
        return pairs


def served_messages(diagnosis: Diagnosis, patch: Patch) -> list[dict[str, str]] | None:
    """The fix as the model would be served it (prompt + answer), for training; None if not."""
    try:
        from selfheal_local.llm.prompt import training_messages
        from selfheal_local.project import Project

        root = str(patch.metadata.get("project_root", ""))
        project = Project.open(root) if root and Path(root).is_dir() else None
        return training_messages(diagnosis, patch, project)
    except Exception as exc:  # a training example is a bonus; the pair is kept without it
        log.debug("memory: no served-prompt example for %s: %s", diagnosis.finding.location, exc)
        return None


MAX_BEFORE_CHARS = 512 * 1024


def heal_context(diagnosis: Diagnosis, patch: Patch) -> dict[str, Any]:
    """What the nightly gate needs to re-run this heal: the edited files as they were before
    the fix, the diagnosis, and where the project is."""
    before = {e.path: e.before for e in patch.edits}
    if sum(len(t) for t in before.values()) > MAX_BEFORE_CHARS:
        return {}
    root = str(patch.metadata.get("project_root", ""))
    return {"files_before": before, "diagnosis": diagnosis.to_dict(),
            **({"project_root": root} if root else {})}


class SuccessPairCollector:
    """Collects successful error -> fix pairs (the Saplings API), optionally into a FixMemory."""

    def __init__(self, output_dir: str = "success_pairs", max_pairs: int = 1000,
                 memory: FixMemory | None = None) -> None:
        self.output_dir = output_dir
        self.max_pairs = max_pairs
        self.memory = memory
        self.log = PairLog(Path(output_dir) / PAIRS_FILE, max_pairs)

    async def collect(self, input_text: str, output_text: str,
                      context: list[str] | None = None,
                      metadata: dict[str, Any] | None = None) -> None:
        """Collect a successful pair."""
        created = now_iso()
        meta = dict(metadata or {})
        meta.setdefault("created_at", created)
        pair = {"id": pair_id(input_text, output_text), "input": input_text,
                "output": output_text, "context": list(context or []), "metadata": meta,
                "created_at": created}
        meta.setdefault("pattern", pair_pattern(pair))
        self.log.append(pair)
        if self.memory is not None:
            self.memory.store_pair(pair)

    async def collect_patch(self, patch: Patch, metadata: dict[str, Any] | None = None) -> None:
        """Collect a patch as a success pair (legacy format)."""
        meta = {"pattern": patch.pattern or str(patch.error_info.get("pattern", "")),
                "error_type": str(patch.error_info.get("type", patch.error.split(":", 1)[0])),
                "source": patch.source, "adapter": patch.adapter, "diff": patch.diff,
                "files": patch.files, "explanation": patch.explanation,
                "status": str(patch.status), "patch_id": patch.id}
        meta.update(metadata or {})
        if not meta["pattern"]:
            meta.pop("pattern")
        await self.collect(f"{patch.error}\n\n{patch.original_code}".rstrip(),
                           patch.patched_code, metadata=meta)

    def get_all_pairs(self) -> list[dict[str, Any]]:
        """Get all collected pairs (those still in the JSONL; the memory table keeps all)."""
        return self.log.read()

    def export_to_jsonl(self, output_path: str) -> None:
        """Export all pairs to a JSONL file as chat messages, deduplicated, with a split."""
        write_chat_jsonl(self.get_all_pairs(), Path(output_path))
