"""The first look started before Textual loads (``tui.prefetch``): real ruff on a real project;
the app takes what was started, or scans itself when nothing was."""

from __future__ import annotations

from pathlib import Path

import pytest

from selfheal_local.errors import SelfHealError
from tui import prefetch


def test_started_first_look_is_taken_once(shop: Path) -> None:
    prefetch.start(shop, {"use_model": False})
    project, sandbox, static = prefetch.take(str(shop), {"use_model": False})
    assert project.root == shop.resolve() and sandbox is not None
    assert [f.location for f in static] == ["shop/pricing.py:5", "shop/util.py:1"]
    # nothing started any more: the take scans now, with the same answer
    again = prefetch.take(shop, {"use_model": False})[2]
    assert [f.location for f in again] == ["shop/pricing.py:5", "shop/util.py:1"]


def test_a_project_that_cannot_open_is_raised_to_the_taker(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    prefetch.start(missing, None)
    with pytest.raises(SelfHealError):
        prefetch.take(missing, None)
