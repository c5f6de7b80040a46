"""Fixtures for the sandbox tests: a small real project and sandboxes over a private tmp root."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from pathlib import Path

import pytest

from sandbox import Limits, Sandbox
from sandbox.isolation import bwrap_path, probe

BWRAP_WORKS = bwrap_path() is not None and probe("bwrap") is None
UNSHARE_WORKS = probe("unshare") is None

requires_bwrap = pytest.mark.skipif(
    not BWRAP_WORKS, reason="bubblewrap is not installed or cannot create namespaces here"
)
requires_unshare = pytest.mark.skipif(
    not UNSHARE_WORKS, reason="'unshare --net' does not work here (needs root or user namespaces)"
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


@pytest.fixture
def token() -> str:
    return f"selfheal-test-{uuid.uuid4().hex}"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project: a package, tests, caches and tool dirs that must not be copied."""
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "mod.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_mod.py").write_text(
        "from pkg.mod import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    )
    (root / "data.txt").write_bytes(bytes(range(256)) * 4)
    (root / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "run.sh").chmod(0o755)
    for skipped in (".git", ".venv", "pkg/__pycache__", "proj.egg-info", "node_modules"):
        (root / skipped).mkdir(parents=True)
        (root / skipped / "junk").write_text("not copied")
    return root


@pytest.fixture
def tmp_root(tmp_path: Path) -> Path:
    return tmp_path / "sandbox-tmp"


@pytest.fixture
def make_sandbox(tmp_root: Path):
    def _make(isolation: str | None = None, **limits) -> Sandbox:
        return Sandbox(Limits(**limits), isolation=isolation, tmp_root=tmp_root)

    return _make
