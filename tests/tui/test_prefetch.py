"""The first look started before Textual loads (``tui.prefetch``): real ruff on a real project;
the app takes what was started, or scans itself when nothing was."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import NO_HEAVY

from selfheal_local.errors import SelfHealError
from tui import prefetch
from tui.app import SelfHealApp
from tui.screens.main import MainScreen


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


class FirstFrame(MainScreen):
    """The main screen, noting what its first paint will show (rows when mounting ends)."""

    rows_at_mount: int | None = None

    def on_mount(self) -> None:
        super().on_mount()
        type(self).rows_at_mount = self.findings.row_count


class FirstFrameApp(SelfHealApp):
    def get_default_screen(self) -> MainScreen:
        return FirstFrame()


@pytest.mark.anyio
async def test_a_finished_first_look_is_in_the_first_paint(shop: Path) -> None:
    prefetch.start(shop, NO_HEAVY)
    assert prefetch.ready(shop, NO_HEAVY, wait_s=60) is not None
    app = FirstFrameApp(shop, dict(NO_HEAVY), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert FirstFrame.rows_at_mount == 2  # before any worker ran: no second round trip
        while app.healer is None or app.main.busy:
            await pilot.pause(0.05)
        assert app.main.findings.row_count >= 2


@pytest.mark.anyio
async def test_without_a_first_look_the_app_paints_at_once_and_scans_itself(shop: Path) -> None:
    app = FirstFrameApp(shop, dict(NO_HEAVY), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert FirstFrame.rows_at_mount == 0
        while app.healer is None or app.main.busy:
            await pilot.pause(0.05)
        assert app.main.findings.row_count >= 2
