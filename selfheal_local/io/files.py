"""``FileLock`` (an ``flock`` on a side file) and ``atomic_write`` (unique temp, fsync, replace)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
import threading
import uuid
from pathlib import Path
from typing import Any

from selfheal_local.errors import SelfHealError

TEMP_MARK = ".selfheal-"


class LockHeld(SelfHealError):
    """A non-blocking acquire found the lock held by another process (or thread)."""


class FileLock:
    """An exclusive lock on ``path`` across processes, re-entrant within this object.

    ``flock`` belongs to an open file, so a nested acquire on a second descriptor would wait
    for ourselves: the object counts its own nesting instead, and threads queue on an RLock.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def acquire(self, *, blocking: bool = True) -> None:
        """Take the lock; with ``blocking=False`` raise LockHeld instead of waiting."""
        if not self._thread_lock.acquire(blocking=blocking):
            raise LockHeld(f"{self.path} is locked by another thread")
        if self._depth:
            self._depth += 1
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except BaseException:
            self._thread_lock.release()
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BaseException as exc:
            os.close(fd)
            self._thread_lock.release()
            if isinstance(exc, BlockingIOError):
                raise LockHeld(f"{self.path} is locked by another process") from None
            raise
        self._fd, self._depth = fd, 1

    def release(self) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._fd is not None:
                fd, self._fd = self._fd, None
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        finally:
            self._thread_lock.release()

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def temp_name(path: Path) -> Path:
    """A unique hidden sibling of ``path`` (same directory, so ``os.replace`` is atomic)."""
    return path.with_name(f".{path.name}{TEMP_MARK}{uuid.uuid4().hex[:12]}.tmp")


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (best effort: some filesystems refuse)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: str | os.PathLike[str], data: bytes, mode: int | None = None) -> None:
    """Write ``data`` so a reader (or a crash) sees either the old or the new content."""
    path = Path(path)
    tmp = temp_name(path)
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
    fsync_dir(path.parent)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """``atomic_write`` of UTF-8 text."""
    atomic_write(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], data: Any, **dumps: Any) -> None:
    """``atomic_write`` of indented JSON with a final newline."""
    dumps.setdefault("indent", 2)
    atomic_write_text(path, json.dumps(data, **dumps) + "\n")
