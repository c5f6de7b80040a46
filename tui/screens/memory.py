"""The memory screen: search past fixes (text, similar to the selected finding), see a fix's
diff and provenance, forget one, list learned rules."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Input, Static

from selfheal_local import session

from .overview import OverviewScreen


def provenance(hit: dict[str, Any]) -> Text:
    meta = hit.get("pair", {}).get("metadata", {})
    text = Text()
    rows = [("pattern", hit.get("pattern", "")), ("error", hit.get("error_type", "")),
            ("message", hit.get("message", "")), ("source", hit.get("source", "")),
            ("adapter", hit.get("adapter") or ""), ("project", hit.get("project", "")),
            ("files", ", ".join(meta.get("files", []))), ("accepted", hit.get("accepted_by", "")),
            ("created", hit.get("created_at", "")), ("tests", f"{meta.get('tests_passed', 0)}"
                                                      f"/{meta.get('tests_total', 0)} passed"),
            ("failures", str(hit.get("failures", 0)))]
    for key, value in rows:
        if value:
            text.append(f"{key:>9} ", style="dim")
            text.append(f"{value}\n")
    return text


class MemoryScreen(OverviewScreen):
    """Past fixes in the memory and the rules learned from them."""

    BINDINGS = [
        Binding("slash", "focus_query", "Search"),
        Binding("S", "similar", "Similar to selected"),
        Binding("delete,F", "forget", "Forget fix"),
        Binding("R", "reload", "Reload"),
    ]
    NOTE_ID = "memory-note"

    def compose(self) -> ComposeResult:
        yield from self.compose_header("Memory — past fixes and learned rules")
        with Horizontal(classes="pane"):
            with Vertical(classes="side"):
                yield Input(placeholder="/ search past fixes (enter); empty lists the newest",
                            id="query")
                yield DataTable(id="fixes", cursor_type="row", zebra_stripes=True)
                yield Static("learned rules", classes="title")
                yield DataTable(id="rules", cursor_type="row")
            with VerticalScroll(classes="side"):
                yield Static(id="fix-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.hits: list[dict[str, Any]] = []
        self.query_one("#fixes", DataTable).add_columns("pattern", "source", "message", "score")
        self.query_one("#rules", DataTable).add_columns("id", "pattern", "accepted", "rule")
        self.query_one("#memory-note", Static).display = False
        self.query_one("#fixes", DataTable).focus()
        self.action_reload()

    # ------------------------------------------------------------------ loading
    def action_reload(self) -> None:
        self.search(self.query_one("#query", Input).value)
        self.load_rules()

    def action_focus_query(self) -> None:
        self.query_one("#query", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.search(event.value)
        self.query_one("#fixes", DataTable).focus()

    def action_similar(self) -> None:
        finding = self.app.main.findings.selected if self.app.healer else None
        if finding is None:
            self.notify("select a finding on the main screen first", severity="warning")
            return
        self.similar(finding)

    @work(thread=True, exclusive=True, group="memory")
    def search(self, text: str) -> None:
        self._fetch(lambda healer: session.memory_search(healer, text), f"search {text!r}")

    @work(thread=True, exclusive=True, group="memory")
    def similar(self, finding: Any) -> None:
        self._fetch(lambda healer: session.memory_similar(healer, finding),
                    f"similar to {finding.location}")

    def _fetch(self, fn: Any, label: str) -> None:
        hits = self.read_healer(fn, "memory", f"{label} failed")
        if hits is not None:
            self.app.call_from_thread(self.show_hits, hits)

    def show_hits(self, hits: list[dict[str, Any]]) -> None:
        self.say("" if hits else "no past fixes match (the memory fills as fixes are accepted)")
        self.hits = hits
        table = self.query_one("#fixes", DataTable)
        table.clear()
        for i, hit in enumerate(hits):
            table.add_row(hit.get("pattern", ""), hit.get("source", ""),
                          str(hit.get("message", ""))[:80], f"{hit.get('score', 0):.2f}", key=str(i))
        self.show_detail(hits[0] if hits else None)

    @work(thread=True, exclusive=True, group="rules")
    def load_rules(self) -> None:
        healer = self.app.healer
        if healer is None:
            return
        try:
            rules = session.learned_rules(healer)
        except Exception as exc:
            rules = [{"id": "-", "pattern": "", "accepted": "", "description": f"unavailable: {exc}"}]
        self.app.call_from_thread(self.show_rules, rules)

    def show_rules(self, rules: list[dict[str, Any]]) -> None:
        table = self.query_one("#rules", DataTable)
        table.clear()
        if not rules:
            table.add_row("-", "", "", "no learned rules yet")
        for rule in rules:
            table.add_row(str(rule.get("id", "")), str(rule.get("pattern", "")),
                          str(rule.get("accepted", "")),
                          str(rule.get("description") or rule.get("key", "")))

    # ------------------------------------------------------------------ detail / forget
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "fixes" and event.row_key is not None:
            index = int(str(event.row_key.value))
            self.show_detail(self.hits[index] if index < len(self.hits) else None)

    def show_detail(self, hit: dict[str, Any] | None) -> None:
        detail = self.query_one("#fix-detail", Static)
        if hit is None:
            detail.update(Text("no fix selected", style="dim"))
            return
        meta = hit.get("pair", {}).get("metadata", {})
        diff = meta.get("diff", "")
        parts: list[Any] = [Text(meta.get("explanation", "") or hit.get("id", ""), style="bold"),
                            provenance(hit)]
        parts.append(Syntax(diff, "diff", theme="ansi_dark", word_wrap=True) if diff
                     else Text("(no diff stored)", style="dim"))
        detail.update(Group(*parts))

    def action_forget(self) -> None:
        table = self.query_one("#fixes", DataTable)
        if not self.hits or not table.row_count:
            self.notify("no fix selected", severity="warning")
            return
        hit = self.hits[table.cursor_row]
        self.forget(hit["id"])

    @work(thread=True, exclusive=True, group="memory")
    def forget(self, fix_id: str) -> None:
        try:
            gone = session.memory_forget(self.app.healer, fix_id)
        except Exception as exc:
            self.app.call_from_thread(self.notify, f"forget failed: {exc}", severity="error")
            return
        self.app.call_from_thread(self.notify, f"forgot {fix_id} ({gone} row(s))")
        self.app.call_from_thread(self.action_reload)
        self.app.call_from_thread(self.app.memory_changed)
