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
import time
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


def _remove(path: Path, tries: int = 5, pause_s: float = 0.1) -> bool:
    """Remove a leftover tree; a few tries, since a command that outlived its owner by a
    moment may still be writing a file into it while it goes."""
    for attempt in range(tries):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return True
        if attempt < tries - 1:
            time.sleep(pause_s)
    logger.warning("could not remove the sandbox leftover %s; remove it by hand", path)
    return False


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
            if _remove(path):
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
