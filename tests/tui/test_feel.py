"""Issue 12, items 6-11, 13, 14: how the TUI feels, under Pilot on the real app and a real project
(real ruff, real pytest in the real sandbox)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from tui_helpers import NO_HEAVY, log_text, make_many, settle

from tui.app import SelfHealApp
from tui.layout import shorten_middle
from tui.widgets.header import ProjectHeader

pytestmark = pytest.mark.anyio

SLOW_TEST = "import time\n\n\ndef test_slow():\n    time.sleep({s})\n"


def app_for(project: Path, **kw) -> SelfHealApp:
    return SelfHealApp(project, {**NO_HEAVY, **kw.pop("config", {})}, watch=False, **kw)


async def test_a_missing_editor_is_reported_and_the_app_keeps_working(
        shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR", "no-such-editor-anywhere")
    monkeypatch.delenv("VISUAL", raising=False)
    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.main.findings.selected_id
        await pilot.press("e")
        await pilot.pause(0.2)
        said = [n.message for n in app._notifications]
        assert any("'no-such-editor-anywhere' not found" in m and "$EDITOR" in m for m in said), said
        await pilot.press("down")
        await pilot.pause(0.2)
        assert app.main.findings.selected_id != first  # the keys still work


async def test_escape_leaves_the_filter_and_q_quits(shop: Path) -> None:
    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"lint", "enter", "slash", "escape", "q")
        await pilot.pause(0.3)
        assert app.main.query_one("#filter").value == "lint"
        assert app.return_code is not None  # q quit instead of being typed


def test_locations_are_shortened_in_the_middle() -> None:
    assert shorten_middle("inventory/pricing.py:16", 18) == "inv…/pricing.py:16"
    assert shorten_middle("inventory/pricing.py:16", 30) == "inventory/pricing.py:16"
    short = shorten_middle("a/very/long/path/to/the/module_with_a_long_name.py:1234", 20)
    assert len(short) == 20 and short.endswith(":1234") and "…" in short


async def test_80x24_keeps_location_quit_key_palette_and_a_help_that_fits(shop: Path) -> None:
    app = app_for(shop)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.main.findings
        cells = {str(table.get_row(fid)[2]) for fid in table.visible_ids}
        assert "shop/pricing.py:5" in cells, cells
        footer = " ".join(b.binding.key for b in app.active_bindings.values() if b.binding.show)
        assert "q" in footer.split()
        assert app.main.has_class("narrow")  # the panes stack
        await pilot.press("question_mark")
        await pilot.pause(0.3)
        box = app.screen.query_one("#help-box")
        assert box.region.y >= 0 and box.region.bottom <= 24
        assert box.max_scroll_y == 0, "the help box is cut at 80x24"
        await pilot.press("escape", "ctrl+p")
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "CommandPalette"
        titles = [c.title for c in app.get_system_commands(app.main)]
        for word in ("Scan", "Heal the selected", "Heal all", "Accept", "Reject", "Undo", "Edit",
                     "Tests", "auto-apply", "Cancel", "Filter", "Quit", "Adapters", "Training"):
            assert any(word in t for t in titles), (word, titles)


async def test_ruff_findings_show_before_the_tests_finish(tmp_path: Path) -> None:
    project = make_many(tmp_path / "many", findings=40)
    (project / "tests" / "test_slow.py").write_text(SLOW_TEST.format(s=8))
    app = app_for(project)
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "running the tests" not in \
                app.main.query_one(ProjectHeader).progress:
            await pilot.pause(0.1)
        assert "running the tests" in app.main.query_one(ProjectHeader).progress
        assert app.main.findings.row_count == 40, "the rows come only after the test run"
        await settle(pilot)
        assert app.main.findings.row_count == 41  # the failing double() test streamed in
        await pilot.press("G")
        assert app.main.findings.cursor_row == 40
        await pilot.press("g")
        assert app.main.findings.cursor_row == 0
        await pilot.press("end")
        assert app.main.findings.cursor_row == 40
        await pilot.press("home")
        assert app.main.findings.cursor_row == 0


async def test_cancel_kills_the_scans_test_run(shop: Path) -> None:
    (shop / "tests" / "test_slow.py").write_text(SLOW_TEST.format(s=60))
    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "running the tests" not in \
                app.main.query_one(ProjectHeader).progress:
            await pilot.pause(0.1)
        await pilot.pause(1.0)  # the sandboxed pytest is running now
        started = time.monotonic()
        await pilot.press("x")
        while app.main.busy and time.monotonic() - started < 30:
            await pilot.pause(0.05)
        took = time.monotonic() - started
        assert not app.main.busy and took < 5, f"the scan went on for {took:.1f}s after x"
        assert "cancelled" in log_text(app)


async def test_a_key_during_a_job_waits_for_it_and_the_header_shows_progress(shop: Path) -> None:
    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.main.findings
        target = next(f for f in table.visible_ids if table.location_of(f) == "shop/pricing.py:5")
        table.select(target)
        await pilot.press("h")
        header = app.main.query_one(ProjectHeader)
        deadline = time.monotonic() + 10  # the job's thread may start late on a loaded machine
        while not header.progress and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await pilot.pause(0.1)
        progress = header.progress
        assert progress.startswith("healing shop/pricing.py:5 · ") and "s" in progress
        await pilot.press("a")  # before the fix is validated: waits, is not dropped
        await pilot.press("down")  # navigation keeps working during the job
        await pilot.pause(0.2)
        assert table.selected_id != target
        await settle(pilot)
        await settle(pilot)
        assert "return total" in (shop / "shop" / "pricing.py").read_text(), log_text(app)
        assert app.main.query_one(ProjectHeader).suite == "3 passed, 0 failing"


async def test_heal_all_shows_n_of_m(shop: Path) -> None:
    app = app_for(shop)
    seen: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("H")
        while app.main.busy:
            seen.append(app.main.query_one(ProjectHeader).progress)
            await pilot.pause(0.05)
    assert any("finding 1 of 2" in s for s in seen), seen
    assert any("finding 2 of 2" in s for s in seen), seen


async def test_the_log_speaks_plain_words_and_third_party_noise_goes_to_the_file(
        shop: Path, tmp_path: Path) -> None:
    # what transformers does on import: its own stderr handler, no propagation (when another
    # test imported it first, the record never reached the file)
    library = logging.getLogger("transformers")
    saved = (library.propagate, list(library.handlers))
    printer = logging.StreamHandler()
    library.addHandler(printer)
    library.propagate = False
    log_file = tmp_path / "logs" / "tui.log"
    app = app_for(shop, log_file=log_file)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        logging.getLogger("bitsandbytes.cextension").warning("gemm_4bit_forward not found")
        logging.getLogger("transformers.modeling_utils").warning("Loading weights")
        await pilot.press("h")
        await settle(pilot)
        text = log_text(app)
    assert (library.propagate, library.handlers) == (False, [*saved[1], printer])  # put back
    library.removeHandler(printer)
    library.propagate = saved[0]
    assert "scan.start" not in text and "scan.done" not in text and "fix.found" not in text
    assert "gemm_4bit_forward" not in text and "Loading weights" not in text
    lines = text.splitlines()
    assert all(a != b for a, b in zip(lines, lines[1:], strict=False)), text
    assert "validated fix:" in text or "no fix:" in text
    written = log_file.read_text()
    assert "gemm_4bit_forward" in written and "Loading weights" in written
    # what the panel said is in the file the CLI points to on exit (it was empty of it)
    assert "validated fix:" in written or "no fix:" in written
    assert "scan:" in written


async def test_training_unavailable_never_animates(shop: Path) -> None:
    from textual.widgets import ProgressBar

    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await pilot.pause(0.5)
        await pilot.press("T")
        for _ in range(20):
            await pilot.pause(0.2)
            await app.workers.wait_for_complete()
        assert not app.screen.query_one("#train-progress", ProgressBar).display
        await pilot.press("x")
        await pilot.pause(0.2)
        assert not app.screen.query_one("#train-progress", ProgressBar).display


async def test_adapters_screen_says_pinned_only_for_a_pin(shop: Path) -> None:
    from textual.widgets import DataTable

    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        for _ in range(10):
            await pilot.pause(0.2)
            await app.workers.wait_for_complete()
        routing = app.screen.query_one("#routing", DataTable)
        assert routing.row_count > 10  # one row per pattern
        rows = [routing.get_row_at(i) for i in range(routing.row_count)]
        assert all(str(adapter) == "base model" and str(pinned) == "" for _p, adapter, pinned in rows), rows


async def test_escape_glued_to_the_next_key_still_leaves_the_filter(shop: Path) -> None:
    """A loaded terminal can deliver escape-then-q as alt+q (ESC q inside ESCDELAY)."""
    app = app_for(shop)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"lint", "alt+q")
        await pilot.pause(0.3)
        assert app.main.query_one("#filter").value == "lint"
        assert app.return_code is not None
