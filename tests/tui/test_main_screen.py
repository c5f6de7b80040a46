"""The main screen under Pilot, on a real broken project with the real sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import NO_HEAVY, PRICING, log_text, settle

from tui.app import SelfHealApp
from tui.widgets.candidates import CandidatesTable
from tui.widgets.diff import DiffView
from tui.widgets.header import ProjectHeader

pytestmark = pytest.mark.anyio

FIXED_LINE = "    return total\n"


def app_for(shop: Path, **kw) -> SelfHealApp:
    return SelfHealApp(shop, dict(NO_HEAVY), watch=kw.pop("watch", False), **kw)


def rows(app: SelfHealApp) -> list[tuple[str, str, str]]:
    table = app.main.findings
    out = []
    for fid in table.visible_ids:
        status, pattern, location, _msg = table.get_row(fid)
        out.append((str(status), str(pattern), str(location)))
    return out


async def select(pilot, app: SelfHealApp, location: str) -> None:
    table = app.main.findings
    for fid in table.visible_ids:
        if str(table.get_row(fid)[2]) == location:
            table.select(fid)
            table.focus()
            await pilot.pause()
            return
    raise AssertionError(f"{location} not in {rows(app)}")


async def heal_pricing(pilot, app: SelfHealApp) -> None:
    await settle(pilot)
    await select(pilot, app, "shop/pricing.py:5")
    await pilot.press("h")
    await settle(pilot)
    state = app.state.of(app.main.findings.selected_id)
    assert state.status == "fixable", log_text(app)


async def test_scan_shows_the_findings(shop: Path) -> None:
    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        found = rows(app)
        assert ("new", "undefined_variable", "shop/pricing.py:5") in found
        assert ("new", "lint", "shop/util.py:1") in found
        header = app.main.query_one(ProjectHeader)
        assert header.project == "shop"
        assert header.suite == "2 passed, 1 failing"
        assert header.engine == "none (model off)"
        assert header.memory == "off"


async def test_header_says_the_sandbox_isolation_in_words(shop: Path) -> None:
    app = app_for(shop)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        header = app.main.query_one(ProjectHeader)
        level = app.healer.sandbox.isolation
        second = str(header.render()).splitlines()[1]
        words = {"bwrap": "sandbox isolated", "unshare": "sandbox partly isolated",
                 "none": "sandbox NOT isolated"}[level]
        assert words in second, second
        assert f"sandbox {level} " not in second + " "
        for level, full in (("none", "sandbox NOT isolated: install bubblewrap"),
                            ("bwrap", "sandbox isolated (bubblewrap)")):
            header.sandbox = level
            await pilot.resize_terminal(120, 40)
            await pilot.pause()
            assert full in str(header.render()).splitlines()[1]
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            assert full not in (line := str(header.render()).splitlines()[1])
            assert full.split(" (")[0].split(":")[0] in line  # the short words, whole


async def test_heal_produces_a_validated_candidate(shop: Path) -> None:
    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await heal_pricing(pilot, app)
        fid = app.main.findings.selected_id
        state = app.state.of(fid)
        assert state.status == "fixable", (state.note, [(c.explanation, c.reason) for c in state.candidates])
        assert any(c.state == "passed" for c in state.candidates)
        assert state.outcome.validation.verdict.passed
        candidates = app.main.query_one(CandidatesTable)
        assert candidates.row_count == len(state.candidates)
        diff = app.main.query_one(DiffView)
        assert "+    return total" in diff.diff
        assert "passed" in diff.caption
        assert (shop / "shop" / "pricing.py").read_text() == PRICING  # nothing written yet


async def test_accept_changes_the_file_and_heals_the_suite(shop: Path) -> None:
    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await heal_pricing(pilot, app)
        await pilot.press("a")
        await settle(pilot)
        text = (shop / "shop" / "pricing.py").read_text()
        assert FIXED_LINE in text and "totl" not in text
        assert app.healer.baseline.ok  # the project's own tests pass now
        assert all("pricing.py:5" not in loc for _s, _p, loc in rows(app))
        assert app.main.query_one(ProjectHeader).suite == "3 passed, 0 failing"


async def test_reject_leaves_the_file_byte_identical(shop: Path) -> None:
    before = (shop / "shop" / "pricing.py").read_bytes()
    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await heal_pricing(pilot, app)
        fid = app.main.findings.selected_id
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"looks wrong", "enter")
        await settle(pilot)
        assert app.state.of(fid).status == "rejected"
        assert app.state.of(fid).note == "looks wrong"
        await pilot.press("a")  # nothing left to accept
        await settle(pilot)
    assert (shop / "shop" / "pricing.py").read_bytes() == before


async def test_undo_restores_the_file(shop: Path) -> None:
    before = (shop / "shop" / "pricing.py").read_bytes()
    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await heal_pricing(pilot, app)
        await pilot.press("a")
        await settle(pilot)
        assert (shop / "shop" / "pricing.py").read_bytes() != before
        await pilot.press("u")
        await settle(pilot)
        assert (shop / "shop" / "pricing.py").read_bytes() == before
        assert ("new", "undefined_variable", "shop/pricing.py:5") in rows(app)
        await pilot.press("u")  # nothing left: said, not raised
        await settle(pilot)
        assert (shop / "shop" / "pricing.py").read_bytes() == before


async def test_a_conflicting_edit_is_refused_never_overwritten(shop: Path) -> None:
    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await heal_pricing(pilot, app)
        fid = app.main.findings.selected_id
        mine = PRICING + "\n# my own edit, made while the fix was being reviewed\n"
        (shop / "shop" / "pricing.py").write_text(mine)
        await pilot.press("a")
        await settle(pilot)
        assert (shop / "shop" / "pricing.py").read_text() == mine
        state = app.state.of(fid)
        assert state.status == "stale"
        assert "changed on disk" in state.note
        assert app.healer.journal.last_applied() is None


async def test_auto_apply_above_the_threshold(shop: Path) -> None:
    # threshold from config.auto_apply_confidence; the winning rename has confidence 0.85
    app = SelfHealApp(shop, {**NO_HEAVY, "auto_apply_confidence": 0.8}, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not app.auto_apply  # off by default
        await pilot.press("A")
        assert app.main.query_one(ProjectHeader).auto_apply == "on (≥0.80)"
        await select(pilot, app, "shop/pricing.py:5")
        await pilot.press("h")
        await settle(pilot)
        entry = app.healer.journal.last_applied()
        assert entry is not None, log_text(app)
        assert entry.paths == ["shop/pricing.py"]
        assert FIXED_LINE in (shop / "shop" / "pricing.py").read_text()


async def test_auto_apply_waits_below_the_threshold(shop: Path) -> None:
    app = app_for(shop)  # default bar 0.9 > the rename's 0.85
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await heal_pricing(pilot, app)
        assert app.healer.journal.last_applied() is None
        assert (shop / "shop" / "pricing.py").read_text() == PRICING


async def test_filter_and_sort(shop: Path) -> None:
    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"lint", "enter")
        await pilot.pause()
        assert [p for _s, p, _l in rows(app)] == ["lint"]
        await pilot.press("slash", *["backspace"] * 4, "enter")
        await pilot.pause()
        assert len(rows(app)) == 2  # the whole list again (F821 and its NameError are one finding)
        table = app.main.findings
        table.focus()
        await pilot.press("o")  # by status
        await pilot.press("o")  # by pattern
        patterns = [p for _s, p, _l in rows(app)]
        assert patterns == sorted(patterns)


async def test_watch_mode_rescans_when_a_file_changes(shop: Path) -> None:
    app = SelfHealApp(shop, dict(NO_HEAVY), watch=True, watch_interval_s=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not any("broken.py" in loc for _s, _p, loc in rows(app))
        (shop / "shop" / "broken.py").write_text("def f(:\n    pass\n")
        for _ in range(300):
            await pilot.pause(0.1)
            if any("broken.py" in loc for _s, _p, loc in rows(app)) and not app.main.busy:
                break
        assert any("shop/broken.py" in loc for _s, _p, loc in rows(app)), log_text(app)
        assert "watch: shop/broken.py changed; re-scanning" in log_text(app)
