"""Fixtures for the TUI tests: a real broken project in tmp_path; Pilot tests on asyncio."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import UNUSED, make_shop


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project at ``tmp_path/shop`` (cwd is tmp_path, so the header shows ``shop``)."""
    monkeypatch.setenv("SELFHEAL_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return make_shop(tmp_path / "shop")


@pytest.fixture
def unused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two unused imports (two F401 findings in two files) and a passing suite."""
    monkeypatch.setenv("SELFHEAL_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "shop"
    for rel, text in UNUSED.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio (anyio's pytest plugin drives them; no extra dependency)."""
    return "asyncio"
