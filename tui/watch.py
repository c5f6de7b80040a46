"""Watch mode without a dependency: poll the project's .py files' mtimes, debounced.

``Watcher.poll`` is fed a fresh ``snapshot`` on each tick and answers the files that changed
once the tree has been quiet for ``debounce_s`` (an editor's save-rename-save settles first).
``rebase`` takes the current state as known, which is how our own applies are not mistaken
for a person's edit.
"""

from __future__ import annotations

import os
from pathlib import Path

SKIP_DIRS = {"__pycache__", "node_modules", "build", "dist", "venv", "site-packages"}


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every .py file under ``root`` (hidden and build dirs skipped)."""
    out: dict[str, tuple[int, int]] = {}
    stack = [str(root)]
    root_len = len(str(root)) + 1
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not name.startswith(".") and name not in SKIP_DIRS:
                        stack.append(entry.path)
                elif name.endswith(".py") and not name.startswith("."):
                    st = entry.stat(follow_symlinks=False)
                    out[entry.path[root_len:]] = (st.st_mtime_ns, st.st_size)
            except OSError:
                continue
    return out


class Watcher:
    """Debounced change detection over successive snapshots."""

    def __init__(self, debounce_s: float = 0.7) -> None:
        self.debounce_s = debounce_s
        self.known: dict[str, tuple[int, int]] | None = None
        self._last: dict[str, tuple[int, int]] | None = None
        self._since = 0.0

    def rebase(self, snap: dict[str, tuple[int, int]]) -> None:
        """Take ``snap`` as the state the findings describe."""
        self.known = snap
        self._last = None

    def poll(self, snap: dict[str, tuple[int, int]], now: float) -> list[str]:
        """Files changed since ``known``, once ``snap`` stopped changing for ``debounce_s``."""
        if self.known is None:
            self.rebase(snap)
            return []
        if snap == self.known:
            self._last = None
            return []
        if snap != self._last:
            self._last = snap
            self._since = now
            return []
        if now - self._since < self.debounce_s:
            return []
        changed = sorted(k for k in set(snap) | set(self.known) if snap.get(k) != self.known.get(k))
        return changed
