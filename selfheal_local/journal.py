"""Journaled, undoable writes to the project.

Every apply first writes backups and content hashes to ``.selfheal/journal/<id>/`` and marks the
entry ``pending``; then each file is replaced atomically (temp file + fsync + ``os.replace``); then
the entry is marked ``committed``. A crash in between leaves a ``pending`` entry, which the next
start rolls back (``recover``). A file whose content changed since it was read is never
overwritten, by an apply or by an undo.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import stat
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import ApplyError, ConflictError, JournalError, UnsafeEditError
from .redact import redact_values
from .types import FileEdit

log = logging.getLogger(__name__)

JOURNAL_DIR = ".selfheal/journal"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` so that a reader sees either the old or the new content."""
    tmp = path.with_name(f".{path.name}.selfheal-{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, stat.S_IMODE(mode))
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _fsync_dir(path.parent)


@dataclass(frozen=True)
class JournalEntry:
    id: str
    state: str
    """pending | committed | undone | rolled_back"""
    created_at: float
    files: tuple[dict, ...]
    """Per file: path, before_sha, after_sha, mode."""
    summary: dict

    @property
    def paths(self) -> list[str]:
        return [f["path"] for f in self.files]


class Journal:
    """The undo journal of one project."""

    def __init__(self, project_root: Path):
        self.root = Path(project_root)
        self.dir = self.root / JOURNAL_DIR

    @staticmethod
    def _backup_path(entry_dir: Path, rel: str) -> Path:
        # a suffix no tool collects: the project's own ruff and pytest must not see backups
        return entry_dir / "backup" / f"{rel}.orig"

    # ----------------------------------------------------------------- locking
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            ignore = self.dir.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# selfheal-local's journal and backups\n*\n")
        except OSError as exc:
            raise ApplyError(
                f"cannot create {self.dir} ({exc.strerror}); make the project writable"
            ) from exc
        with open(self.dir / ".lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # ----------------------------------------------------------------- entries
    def _write_entry(self, entry_dir: Path, entry: dict) -> None:
        atomic_write(entry_dir / "entry.json", json.dumps(redact_values(entry), indent=2).encode())

    def _read_entry(self, entry_dir: Path) -> JournalEntry | None:
        try:
            data = json.loads((entry_dir / "entry.json").read_text())
            return JournalEntry(
                id=data["id"],
                state=data["state"],
                created_at=data["created_at"],
                files=tuple(data["files"]),
                summary=data.get("summary", {}),
            )
        except (OSError, ValueError, KeyError):
            log.warning("ignoring unreadable journal entry %s", entry_dir)
            return None

    def entries(self) -> list[JournalEntry]:
        """All readable entries, oldest first."""
        if not self.dir.is_dir():
            return []
        found = [self._read_entry(d) for d in sorted(self.dir.iterdir()) if d.is_dir()]
        return sorted((e for e in found if e), key=lambda e: (e.created_at, e.id))

    def _target(self, rel: str) -> Path:
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts:
            raise UnsafeEditError(f"refusing path outside the project: {rel!r}")
        full = self.root / pure
        try:
            full.resolve().relative_to(self.root.resolve())
        except ValueError:
            raise UnsafeEditError(f"refusing path that resolves outside the project: {rel!r}") from None
        return full

    # ----------------------------------------------------------------- apply
    def apply(self, edits: tuple[FileEdit, ...] | list[FileEdit], summary: dict | None = None) -> str:
        """Write ``edits`` (each checked against what was read), journaled. Returns the entry id."""
        if not edits:
            raise ApplyError("nothing to apply: the patch has no edits")
        with self._locked():
            self.recover()
            plan = []
            for edit in edits:
                path = self._target(edit.path)
                try:
                    current = path.read_bytes()
                    mode = path.stat().st_mode
                except FileNotFoundError:
                    raise ConflictError(f"{edit.path} was deleted since it was read; scan again") from None
                if current != edit.before.encode("utf-8"):
                    raise ConflictError(
                        f"{edit.path} changed on disk since it was read; scan again (nothing was written)"
                    )
                if not mode & stat.S_IWUSR:
                    raise ApplyError(f"{edit.path} is read-only; make it writable to apply the fix")
                plan.append((edit, path, current, mode))

            entry_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
            entry_dir = self.dir / entry_id
            (entry_dir / "backup").mkdir(parents=True)
            files = []
            for edit, _path, current, mode in plan:
                backup = self._backup_path(entry_dir, edit.path)
                backup.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(backup, current)
                files.append({
                    "path": edit.path,
                    "before_sha": sha256(current),
                    "after_sha": sha256(edit.after.encode("utf-8")),
                    "mode": mode,
                })
            entry = {"id": entry_id, "state": "pending", "created_at": time.time(),
                     "files": files, "summary": summary or {}}
            self._write_entry(entry_dir, entry)
            for edit, path, _current, mode in plan:
                atomic_write(path, edit.after.encode("utf-8"), mode)
            entry["state"] = "committed"
            self._write_entry(entry_dir, entry)
            log.info("applied %s (%s)", entry_id, ", ".join(f["path"] for f in files))
            return entry_id

    # ----------------------------------------------------------------- undo / recover
    def _restore(self, entry: JournalEntry, *, strict: bool) -> list[str]:
        """Put the backups of ``entry`` back; with ``strict`` refuse if a file was edited since."""
        entry_dir = self.dir / entry.id
        todo = []
        for f in entry.files:
            path = self._target(f["path"])
            current = path.read_bytes() if path.exists() else None
            current_sha = sha256(current) if current is not None else None
            if current_sha == f["before_sha"]:
                continue  # already the original
            if current_sha != f["after_sha"]:
                if strict:
                    raise ConflictError(
                        f"{f['path']} changed since the heal was applied; undo refused (nothing was written)"
                    )
                log.warning("%s was edited after an interrupted apply; left as it is", f["path"])
                continue
            backup = self._backup_path(entry_dir, f["path"])
            try:
                data = backup.read_bytes()
            except OSError as exc:
                raise JournalError(f"backup of {f['path']} is missing in {entry_dir}") from exc
            if sha256(data) != f["before_sha"]:
                raise JournalError(f"backup of {f['path']} in {entry_dir} is damaged; not restoring it")
            todo.append((path, data, f["mode"], f["path"]))
        for path, data, mode, _rel in todo:
            atomic_write(path, data, mode)
        return [rel for *_, rel in todo]

    def _set_state(self, entry: JournalEntry, state: str) -> None:
        data = json.loads((self.dir / entry.id / "entry.json").read_text())
        data["state"] = state
        self._write_entry(self.dir / entry.id, data)

    def recover(self) -> list[str]:
        """Roll back applies that were interrupted (entries left ``pending``). Returns ids."""
        rolled = []
        if self.dir.is_dir():
            import shutil

            for d in self.dir.iterdir():
                # a crash before the entry was written: only backups exist, no file was touched
                if d.is_dir() and not (d / "entry.json").exists():
                    shutil.rmtree(d, ignore_errors=True)
        for entry in self.entries():
            if entry.state == "pending":
                for f in entry.files:  # temp files of an atomic write cut short
                    target = self._target(f["path"])
                    for tmp in target.parent.glob(f".{target.name}.selfheal-*.tmp"):
                        tmp.unlink(missing_ok=True)
                self._restore(entry, strict=False)
                self._set_state(entry, "rolled_back")
                log.warning("rolled back interrupted apply %s", entry.id)
                rolled.append(entry.id)
        return rolled

    def undo(self, *, all_entries: bool = False) -> list[JournalEntry]:
        """Restore the last applied heal (or every one, newest first). Returns what was undone."""
        if not self.dir.is_dir():  # say so without creating .selfheal/ in a project never healed
            raise JournalError("nothing to undo: this project has no selfheal journal")
        with self._locked():
            self.recover()
            committed = [e for e in self.entries() if e.state == "committed"]
            if not committed:
                raise JournalError("nothing to undo: no applied heal in this project's journal")
            targets = list(reversed(committed)) if all_entries else [committed[-1]]
            done = []
            for entry in targets:
                self._restore(entry, strict=True)
                self._set_state(entry, "undone")
                done.append(entry)
            return done

    def last_applied(self) -> JournalEntry | None:
        committed = [e for e in self.entries() if e.state == "committed"]
        return committed[-1] if committed else None
