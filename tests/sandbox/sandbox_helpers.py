"""Helpers for the sandbox tests (a unique module name, so it never clashes with another conftest)."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from sandbox.cgroups import find_pids_parent
from sandbox.isolation import bwrap_path, probe

BWRAP_WORKS = bwrap_path() is not None and probe("bwrap") is None
UNSHARE_WORKS = probe("unshare") is None

requires_bwrap = pytest.mark.skipif(
    not BWRAP_WORKS, reason="bubblewrap is not installed or cannot create namespaces here"
)
requires_unshare = pytest.mark.skipif(
    not UNSHARE_WORKS, reason="'unshare --net' does not work here (needs root or user namespaces)"
)

HAS_PIDS_CGROUP = find_pids_parent() is not None
requires_pids_cgroup = pytest.mark.skipif(
    not HAS_PIDS_CGROUP,
    reason="no writable pids cgroup: the process limit and the clean-up of "
    "escaped daemons at level 'none' rely on it",
)

LEVELS = [
    pytest.param("bwrap", marks=requires_bwrap),
    pytest.param("unshare", marks=requires_unshare),
    pytest.param("none"),
]


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file (and symlink target) under root, by relative path."""
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = "link:" + os.readlink(path)
            else:
                found[rel] = (
                    hashlib.sha256(path.read_bytes()).hexdigest() + f":{path.stat().st_mode:o}"
                )
    return found


def processes_with(token: str, grace_s: float = 2.0) -> list[int]:
    """Host pids whose command line contains token, after ``grace_s`` for SIGKILLed ones to go.

    A process killed a moment ago can still show its command line while the kernel tears it
    down; one that is still there after the grace period survived.
    """
    deadline = time.monotonic() + grace_s
    while (found := _scan_proc(token)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def _scan_proc(token: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path("/proc", entry, "cmdline").read_bytes()
        except OSError:
            continue
        if token.encode() in cmdline and int(entry) != os.getpid():
            pids.append(int(entry))
    return pids
