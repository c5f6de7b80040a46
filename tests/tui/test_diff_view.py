"""The diff pane lays a candidate out side by side when wide and as a unified diff when narrow."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Static

from tui.widgets.diff import DiffView

pytestmark = pytest.mark.anyio

DIFF = """--- a/shop/pricing.py
+++ b/shop/pricing.py
@@ -3,3 +3,3 @@
     for price in prices:
         total += price
-    return totl
+    return total
"""


class Holder(App):
    def compose(self) -> ComposeResult:
        yield DiffView()

    def on_mount(self) -> None:
        self.query_one(DiffView).diff = DIFF  # arrives before the pane has been laid out


def shown(app: App) -> str:
    body = app.query_one("#diff-body", Static)
    strips = body.render_lines(Region(0, 0, body.size.width, body.size.height))
    return "\n".join(strip.text for strip in strips)


async def test_the_layout_follows_the_width_the_pane_is_drawn_at() -> None:
    app = Holder()
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        wide = shown(app)
        assert "return totl" in wide and "return total" in wide and "+    return" not in wide
        await pilot.resize_terminal(80, 20)
        await pilot.pause()
        assert "+    return total" in shown(app) and "-    return totl" in shown(app)
        await pilot.resize_terminal(120, 20)
        await pilot.pause()
        assert "+    return" not in shown(app)
