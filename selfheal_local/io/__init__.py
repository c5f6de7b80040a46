"""Disk writes other processes may race with: one file lock and one atomic write.

The TUI, a CLI heal and the nightly round are separate processes sharing the data dir and
the project's journal; every file they share is locked and replaced through these two helpers.
Kept apart from ``memory/`` and ``learning/`` because the journal (top level) needs them too.
"""

from .files import (
    FileLock,
    LockHeld,
    atomic_write,
    atomic_write_json,
    atomic_write_text,
    fsync_dir,
    temp_name,
)

__all__ = [
    "FileLock",
    "LockHeld",
    "atomic_write",
    "atomic_write_json",
    "atomic_write_text",
    "fsync_dir",
    "temp_name",
]
