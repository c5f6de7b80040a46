"""How much disk a run has added to its writable trees, and the watch that stops it past a limit.

RLIMIT_FSIZE caps one file; this caps the total. The trees are walked while the command runs
(``process.execute`` calls the watch a few times a second), so a run can overshoot by what it
writes between two looks, never by more.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path


def tree_bytes(paths: Sequence[Path]) -> int:
    """Bytes allocated on disk by every file below ``paths`` (each inode counted once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    stack = [str(p) for p in paths]
    while stack:
        top = stack.pop()
        try:
            entries = os.scandir(top)
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                key = (info.st_dev, info.st_ino)
                if key in seen:
                    continue
                seen.add(key)
                total += info.st_blocks * 512
    return total


class DiskWatch:
    """Says why to stop once ``paths`` hold more than ``limit_bytes`` above where they began."""

    def __init__(self, paths: Sequence[Path], limit_bytes: int) -> None:
        self.paths = list(paths)
        self.limit_bytes = limit_bytes
        self.start_bytes = tree_bytes(self.paths)
        self.peak_bytes = 0
        self._next = 0.0

    def __call__(self) -> str | None:
        now = time.monotonic()
        if now < self._next:
            return None
        found = self.check_now()
        # a big tree is walked less often: the watch costs at most ~10% of one core
        self._next = time.monotonic() + 9 * (time.monotonic() - now)
        return found

    def check_now(self) -> str | None:
        """Walk the trees now, whenever the last look was."""
        grown = tree_bytes(self.paths) - self.start_bytes
        self.peak_bytes = max(self.peak_bytes, grown)
        if grown > self.limit_bytes:
            return (f"disk limit: the run wrote {grown // 1024**2} MiB to its workspace, more "
                    f"than the {self.limit_bytes // 1024**2} MiB allowed")
        return None
