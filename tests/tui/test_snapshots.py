"""How the screens look (pytest-textual-snapshot), at 120×40 and 80×24.

Deterministic by construction: the project path is shown relative to the cwd (tmp_path), the
watch timer is off, the model and memory are off, and every job has finished before the
screenshot. Update the baselines with ``pytest tests/tui --snapshot-update`` and look at them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import NO_HEAVY, settle

from tui.app import SelfHealApp

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]


def make_app(shop: Path) -> SelfHealApp:
    # one validation at a time: the log lists events in the order they happen, not the order
    # two parallel sandboxes happen to finish in (which varies with the machine's load)
    return SelfHealApp(shop, {**NO_HEAVY, "parallel": 1}, watch=False)


def after(*keys: str, heal: bool = False):
    async def run_before(pilot) -> None:
        await settle(pilot)
        if heal:
            await pilot.press("h")
            await settle(pilot)
            state = pilot.app.state.of(pilot.app.main.findings.selected_id)
            assert state.status == "fixable", state.note
        for key in keys:
            await pilot.press(key)
        for _ in range(3):  # a pushed screen starts its workers once mounted
            await pilot.pause(0.2)
            await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.3)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(shop: Path, snap_compare, size) -> None:
    assert snap_compare(make_app(shop), terminal_size=size, run_before=after())


@pytest.mark.parametrize("size", SIZES)
def test_diff_view(shop: Path, snap_compare, size) -> None:
    assert snap_compare(make_app(shop), terminal_size=size, run_before=after("d", heal=True))


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(shop: Path, snap_compare, size) -> None:
    assert snap_compare(make_app(shop), terminal_size=size, run_before=after("question_mark"))


@pytest.mark.parametrize("size", SIZES)
def test_memory_screen(shop: Path, snap_compare, size) -> None:
    assert snap_compare(make_app(shop), terminal_size=size, run_before=after("2"))


@pytest.mark.parametrize("size", SIZES)
def test_adapters_screen(shop: Path, snap_compare, size) -> None:
    assert snap_compare(make_app(shop), terminal_size=size, run_before=after("3"))


@pytest.mark.parametrize("size", SIZES)
def test_training_screen(shop: Path, snap_compare, size) -> None:
    assert snap_compare(make_app(shop), terminal_size=size, run_before=after("4"))
