"""The findings table at scale (issue 12 item 10) under Pilot on the real app: 2,000 ruff
findings; the filter shows exactly the matching rows (after the typing pauses), clearing it
brings every row back in order, and g/G jump to the first/last row. No timing thresholds here:
``bench/tui_bench.py --only many`` measures the speed."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import NO_HEAVY, make_many, settle

from tui.app import SelfHealApp

pytestmark = pytest.mark.anyio


@pytest.fixture
def many(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SELFHEAL_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return make_many(tmp_path / "many", findings=2000)


async def test_filter_at_2000_findings_shows_exactly_the_matches(many: Path) -> None:
    app = SelfHealApp(many, dict(NO_HEAVY), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, timeout=600)
        table = app.main.findings
        everything = [f.id for f in app.healer.findings]
        assert len(everything) >= 2000
        assert table.visible_ids == everything

        def matching(*words: str) -> list[str]:
            return [f.id for f in app.healer.findings
                    if all(w in f"{f.location} {f.message}".lower() for w in words)]

        await pilot.press("slash", *"mod01")
        await pilot.pause(0.5)  # the rows follow once the typing pauses
        shown = table.visible_ids
        assert shown == matching("mod01") and len(shown) == 500
        assert {table.location_of(f).split(":")[0] for f in shown} == {
            f"many/mod01{i}.py" for i in range(10)}
        await pilot.press(*" JSON")  # every word must match, any case
        await pilot.pause(0.5)
        assert table.visible_ids == matching("mod01", "json") and len(table.visible_ids) == 50
        assert table.selected_id in table.visible_ids
        await pilot.press("enter")
        await pilot.press("G")
        await pilot.pause()
        assert table.selected_id == matching("mod01", "json")[-1]
        await pilot.press("slash", *["backspace"] * len("mod01 json"))
        await pilot.pause(0.5)
        assert table.visible_ids == everything  # all of them again, in order
        await pilot.press("enter", "g")
        await pilot.pause()
        assert table.selected_id == everything[0]
        await pilot.press("G")
        await pilot.pause()
        assert table.selected_id == everything[-1]
        await pilot.press("slash", *"no such text", "enter")
        await pilot.pause()
        assert table.visible_ids == [] and table.selected_id is None
