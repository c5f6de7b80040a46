"""Journaled, undoable writes to the project.

Every apply first writes backups and content hashes to ``.selfheal/journal/<id>/`` and marks the
entry ``pending``; then each file is replaced atomically (temp file + fsync + ``os.replace``); then
the entry is marked ``committed``. A crash in between leaves a ``pending`` entry, which the next
start rolls back (``recover``). A file whose content changed since it was read is never
overwritten, by an apply or by an undo.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from selfheal_local.io.redact import redact_values

from .errors import ApplyError, ConflictError, JournalError, ProjectWriteError, UnsafeEditError
from .io import FileLock, atomic_write
from .types import FileEdit

log = logging.getLogger(__name__)

JOURNAL_DIR = ".selfheal/journal"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class JournalEntry:
    id: str
    state: str
    """pending | committed | undone | rolled_back"""
    created_at: float
    files: tuple[dict, ...]
    """Per file: path, before_sha, after_sha, mode."""
    summary: dict
    edits: tuple[FileEdit, ...] = ()
    """What an undo took back (before = the backup, after = the healed text); undo fills it."""
    note: str = ""
    """What a person should know about the undo (a revert commit that could not be made)."""

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
            raise ProjectWriteError(
                f"cannot create {self.dir} ({exc.strerror}); nothing was applied: free some "
                "space or make the project writable, then run again"
            ) from exc
        with FileLock(self.dir / ".lock"):
            yield

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
            self._recover()
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
            try:
                return self._write_journaled(entry_id, plan, summary)
            except OSError as exc:  # a full disk, a read-only mount: one line, nothing half-written
                left = ("the next selfheal command puts the files back" if entry_id in self.pending()
                        else "nothing was applied")
                raise ProjectWriteError(
                    f"cannot write to {self.root} ({exc.strerror or exc}); {left}: "
                    "free some space or make it writable, then run again"
                ) from exc

    def _write_journaled(self, entry_id: str, plan: list, summary: dict | None) -> str:
        """Backups, a ``pending`` entry, the files, a check, ``committed``; any failure or
        interrupt (Ctrl-C, SIGTERM) on the way puts every file back before it propagates."""
        entry_dir = self.dir / entry_id
        try:
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
        except BaseException:
            shutil.rmtree(entry_dir, ignore_errors=True)  # no project file was touched yet
            raise
        try:
            for edit, path, _current, mode in plan:
                atomic_write(path, edit.after.encode("utf-8"), mode)
            changed = self._not_as_recorded(files, "after_sha")
            if changed:
                raise ConflictError(f"{', '.join(changed)} changed while the fix was written; "
                                    "nothing was applied")
            entry["state"] = "committed"
            self._write_entry(entry_dir, entry)
        except BaseException:
            self._roll_back_now(entry)
            raise
        log.info("applied %s (%s)", entry_id, ", ".join(f["path"] for f in files))
        return entry_id

    def _not_as_recorded(self, files: list[dict] | tuple[dict, ...], key: str) -> list[str]:
        """Paths whose bytes on disk are not the ``key`` (before_sha/after_sha) recorded."""
        changed = []
        for f in files:
            try:
                data = self._target(f["path"]).read_bytes()
            except OSError:
                data = None
            if data is None or sha256(data) != f[key]:
                changed.append(f["path"])
        return changed

    def _roll_back_now(self, entry: dict) -> None:
        """Undo a ``pending`` entry this process was writing; left pending if that fails too."""
        try:
            pending = self._entry_of(entry)
            if not self._not_as_recorded(pending.files, "before_sha"):
                # no file was replaced: forget the apply (this needs no free space, a write would)
                shutil.rmtree(self.dir / pending.id, ignore_errors=True)
                return
            self._roll_back(pending)
        except BaseException as exc:  # noqa: BLE001 - the next start recovers it under the lock
            log.info("could not roll back %s now (%s); the next selfheal command will",
                     entry["id"], exc)

    @staticmethod
    def _entry_of(data: dict) -> JournalEntry:
        return JournalEntry(id=data["id"], state=data["state"], created_at=data["created_at"],
                            files=tuple(data["files"]), summary=data.get("summary", {}))

    def _roll_back(self, entry: JournalEntry) -> None:
        for f in entry.files:  # temp files of an atomic write cut short
            target = self._target(f["path"])
            for tmp in target.parent.glob(f".{target.name}.selfheal-*.tmp"):
                tmp.unlink(missing_ok=True)
        self._restore(entry, strict=False)
        self._set_state(entry, "rolled_back")
        log.warning("rolled back interrupted apply %s", entry.id)

    def changed_since_apply(self, entry_ids: list[str]) -> list[str]:
        """Paths written by these entries whose bytes are no longer what the last of them wrote."""
        last: dict[str, dict] = {}
        for entry_id in entry_ids:
            entry = self._read_entry(self.dir / entry_id)
            if entry is None or entry.state != "committed":
                return sorted({f["path"] for f in last.values()} | {entry_id})
            last.update({f["path"]: f for f in entry.files})
        return self._not_as_recorded(list(last.values()), "after_sha")

    def pending(self) -> list[str]:
        """Ids of entries left ``pending`` (an apply cut short that nobody has rolled back)."""
        return [e.id for e in self.entries() if e.state == "pending"]

    # ----------------------------------------------------------------- undo / recover
    def _now(self, f: dict) -> tuple[Path, bytes | None, str | None]:
        """A recorded file's path, its bytes now (None when it is gone) and their sha256."""
        path = self._target(f["path"])
        current = path.read_bytes() if path.exists() else None
        return path, current, sha256(current) if current is not None else None

    @staticmethod
    def _edited_since(f: dict) -> ConflictError:
        return ConflictError(
            f"{f['path']} changed since the heal was applied; undo refused (nothing was written)")

    def _restore(self, entry: JournalEntry, *, strict: bool) -> list[str]:
        """Put the backups of ``entry`` back; with ``strict`` refuse if a file was edited since."""
        entry_dir = self.dir / entry.id
        todo = []
        for f in entry.files:
            path, _, current_sha = self._now(f)
            if current_sha == f["before_sha"]:
                continue  # already the original
            if current_sha != f["after_sha"]:
                if strict:
                    raise self._edited_since(f)
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

    def _edits_of(self, entry: JournalEntry) -> tuple[FileEdit, ...]:
        """The healed files as they are now and their backups; refuses a file edited since."""
        edits = []
        for f in entry.files:
            _, current, current_sha = self._now(f)
            if current_sha == f["before_sha"]:
                continue
            if current is None or current_sha != f["after_sha"]:
                raise self._edited_since(f)
            backup = self._backup_path(self.dir / entry.id, f["path"]).read_bytes()
            edits.append(FileEdit(f["path"], backup.decode("utf-8", "replace"),
                                  current.decode("utf-8", "replace")))
        return tuple(edits)

    def _is_restored(self, entry: JournalEntry) -> bool:
        for f in entry.files:
            path = self._target(f["path"])
            if not path.exists() or sha256(path.read_bytes()) != f["before_sha"]:
                return False
        return True

    def annotate(self, entry_id: str, **fields: object) -> None:
        """Add facts learnt after the apply (the commit that recorded it) to an entry's summary."""
        with self._locked():
            data = json.loads((self.dir / entry_id / "entry.json").read_text())
            data.setdefault("summary", {}).update(fields)
            self._write_entry(self.dir / entry_id, data)

    def _set_state(self, entry: JournalEntry, state: str) -> None:
        data = json.loads((self.dir / entry.id / "entry.json").read_text())
        data["state"] = state
        self._write_entry(self.dir / entry.id, data)

    def recover(self) -> list[str]:
        """Roll back applies that were interrupted (entries left ``pending``), under the journal
        lock so that an apply running in another process now is never touched. Returns ids."""
        if not self.dir.is_dir():
            return []
        with self._locked():
            return self._recover()

    def _recover(self) -> list[str]:
        rolled = []
        for d in self.dir.iterdir():
            if not d.is_dir():
                continue
            if not (d / "entry.json").exists():
                # a crash before the entry was written: only backups exist, no file was touched
                shutil.rmtree(d, ignore_errors=True)
                continue
            for tmp in d.rglob("*.selfheal-*.tmp"):  # an entry or backup write cut short
                tmp.unlink(missing_ok=True)
        for entry in self.entries():
            for f in entry.files:  # a restore by an undo or a rollback cut short
                target = self._target(f["path"])
                for tmp in target.parent.glob(f".{target.name}.selfheal-*.tmp"):
                    tmp.unlink(missing_ok=True)
            if entry.state == "pending":
                self._roll_back(entry)
                rolled.append(entry.id)
        return rolled

    def undo(self, *, all_entries: bool = False,
             revert: Callable[[JournalEntry], str | None] | None = None) -> list[JournalEntry]:
        """Restore the last applied heal (or every one, newest first). Returns what was undone.

        An entry whose heal was committed (``summary["commit"]``) is handed to ``revert`` first
        (a new revert commit: history is never rewritten); it answers None when the files are
        back, or a note, and then the backups restore them."""
        if not self.dir.is_dir():  # say so without creating .selfheal/ in a project never healed
            raise JournalError("nothing to undo: this project has no selfheal journal")
        with self._locked():
            self._recover()
            committed = [e for e in self.entries() if e.state == "committed"]
            if not committed:
                raise JournalError("nothing to undo: no applied heal in this project's journal")
            targets = list(reversed(committed)) if all_entries else [committed[-1]]
            done = []
            for entry in targets:
                edits, note = self._edits_of(entry), ""
                if revert is not None and entry.summary.get("commit"):
                    note = revert(entry) or ""
                    if not note and not self._is_restored(entry):
                        note = "the revert commit left the files changed; restored from the journal"
                if note or revert is None or not entry.summary.get("commit"):
                    self._restore(entry, strict=True)
                self._set_state(entry, "undone")
                done.append(replace(entry, state="undone", edits=edits, note=note))
            return done

    def last_applied(self) -> JournalEntry | None:
        committed = [e for e in self.entries() if e.state == "committed"]
        return committed[-1] if committed else None
