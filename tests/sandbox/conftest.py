"""Fixtures for the sandbox tests: a small real project and sandboxes over a private tmp root."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from sandbox import Limits, Sandbox


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
