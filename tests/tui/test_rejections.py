"""A rejection holds in the TUI: the exact sequence of issue 12 item 1 under Pilot, on the real
app, the real sandbox and real ruff: filter to the F401, heal it, reject it with a reason, clear
the filter, turn auto-apply on, heal all; the file is byte-identical and the finding is not
offered as fixable again, in this session or the next."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import NO_HEAVY, log_text, settle

from tui.app import SelfHealApp

pytestmark = pytest.mark.anyio


def _lint_row(app: SelfHealApp) -> str:
    table = app.main.findings
    [fid] = [f for f in table.visible_ids if str(table.get_row(f)[2]) == "shop/util.py:1"]
    return fid


async def test_rejected_fix_is_never_applied_by_auto_apply_and_heal_all(unused: Path) -> None:
    shop = unused
    util = shop / "shop" / "util.py"
    before = util.read_bytes()
    app = SelfHealApp(shop, dict(NO_HEAVY), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"util", "enter")
        await pilot.pause()
        assert len(app.main.findings.visible_ids) == 1
        fid = _lint_row(app)
        await pilot.press("h")
        await settle(pilot)
        assert app.state.of(fid).status == "fixable", log_text(app)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"keep it: re-exported", "enter")
        await settle(pilot)
        assert app.state.of(fid).status == "rejected"
        await pilot.press("slash", *["backspace"] * 4, "enter")
        await pilot.pause()
        assert len(app.main.findings.visible_ids) >= 2
        await pilot.press("A")
        await pilot.pause()
        assert app.auto_apply
        await pilot.press("H")
        await settle(pilot, timeout=300)
        assert util.read_bytes() == before, log_text(app)
        assert app.state.of(fid).status != "fixable", log_text(app)
        # the other finding was healed and applied: heal all did run
        assert "import sys" not in (shop / "shop" / "pricing.py").read_text(), log_text(app)

    # a later session: the rejection still holds for auto-apply + heal all
    again = SelfHealApp(shop, dict(NO_HEAVY), watch=False)
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("A", "H")
        await settle(pilot, timeout=300)
        assert util.read_bytes() == before, log_text(again)
        assert again.state.of(_lint_row(again)).status != "fixable", log_text(again)
