"""Fixtures for the TUI tests: a real broken project in tmp_path; Pilot tests on asyncio."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import make_shop


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project at ``tmp_path/shop`` (cwd is tmp_path, so the header shows ``shop``)."""
    monkeypatch.setenv("SELFHEAL_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return make_shop(tmp_path / "shop")



@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio (anyio's pytest plugin drives them; no extra dependency)."""
    return "asyncio"
