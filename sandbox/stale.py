"""Leftovers of runs whose process died (kill -9, power loss): their workspaces, run dirs and
pids cgroups. Each carries the creating process' pid in its name (``selfheal-ws-<pid>-…``,
``selfheal-run-<pid>-…``); one whose pid no longer exists is removed on the next start.
A live process' leftovers (another heal running now) are never touched.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

from .cgroups import PidsCgroup, find_pids_parent

logger = logging.getLogger(__name__)

_OWNED = re.compile(r"^selfheal-(?:ws|run|probe)-(?P<pid>\d+)-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def _dead_owner(name: str) -> bool:
    match = _OWNED.match(name)
    return bool(match) and int(match["pid"]) != os.getpid() and not _alive(int(match["pid"]))


def cleanup_stale(tmp_root: Path | None = None) -> list[str]:
    """Remove workspaces, run dirs and pids cgroups left by dead processes; returns their paths."""
    removed: list[str] = []
    parent = Path(tmp_root) if tmp_root is not None else Path(tempfile.gettempdir())
    try:
        entries = list(parent.iterdir())
    except OSError:
        entries = []
    for path in entries:
        if path.is_dir() and not path.is_symlink() and _dead_owner(path.name):
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                removed.append(str(path))
    pids_parent = find_pids_parent()
    if pids_parent is not None:
        try:
            groups = [p for p in pids_parent.iterdir() if p.is_dir() and _dead_owner(p.name)]
        except OSError:
            groups = []
        for group in groups:
            PidsCgroup(group).remove()
            if not group.exists():
                removed.append(str(group))
    if removed:
        logger.info("removed %d sandbox leftover(s) of dead runs", len(removed))
    return removed


__all__ = ["cleanup_stale"]
