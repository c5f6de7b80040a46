"""The main screen: header, findings, the selected finding, its candidates and diff, the log."""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, TabbedContent, TabPane

from tui.widgets.candidates import CandidatesTable
from tui.widgets.detail import FindingDetail
from tui.widgets.diff import DiffView
from tui.widgets.findings import FindingsTable
from tui.widgets.header import ProjectHeader
from tui.widgets.log_panel import LogPanel

from .dialogs import RejectScreen
from .jobs import JobsMixin

log = logging.getLogger(__name__)

MAIN_BINDINGS = [
    Binding("s", "scan", "Scan"),
    Binding("h", "heal", "Heal"),
    Binding("H", "heal_all", "Heal all"),
    Binding("a", "accept", "Accept"),
    Binding("r", "reject", "Reject"),
    Binding("u", "undo", "Undo"),
    Binding("e", "edit", "Edit"),
    Binding("t", "tests", "Tests"),
    Binding("A", "toggle_auto", "Auto-apply"),
    Binding("x", "cancel_job", "Cancel job"),
    Binding("slash", "filter", "Filter", show=False),
    Binding("f", "tab('tab-finding')", "Finding", show=False),
    Binding("c", "tab('tab-candidates')", "Candidates", show=False),
    Binding("d", "tab('tab-diff')", "Diff", show=False),
]


class MainScreen(JobsMixin, Screen):
    """Everything needed to review and heal a project with the keyboard alone."""

    BINDINGS = MAIN_BINDINGS

    def compose(self) -> ComposeResult:
        yield ProjectHeader(id="header")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield Input(placeholder="/ filter: pattern, source, file, text", id="filter")
                yield FindingsTable(id="findings")
            with TabbedContent(id="right", initial="tab-finding"):
                with TabPane("Finding", id="tab-finding"):
                    yield FindingDetail(id="detail")
                with TabPane("Candidates", id="tab-candidates"):
                    yield CandidatesTable(id="candidates")
                with TabPane("Diff", id="tab-diff"):
                    yield DiffView(id="diff")
        yield LogPanel(self.app.log_handler, id="log")
        yield Footer()

    _detail_timer = None

    def on_mount(self) -> None:
        header = self.query_one(ProjectHeader)
        header.project = self.app.display_path
        self.query_one(FindingsTable).focus()
        self.call_after_refresh(self.open_project)  # first paint before any import work
        if self.app.watch_interval_s > 0:
            self.set_interval(self.app.watch_interval_s, self.poll_watch)

    # ------------------------------------------------------------------ selection / display
    @property
    def findings(self) -> FindingsTable:
        return self.query_one(FindingsTable)

    @property
    def selected(self) -> Any:
        return self.findings.selected

    def on_findings_table_selected(self, message: FindingsTable.Selected) -> None:
        # holding an arrow key over 5,000 rows: draw the detail once the cursor rests
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(0.05, lambda: self.show_finding(message.finding))

    def on_candidates_table_chosen(self, message: CandidatesTable.Chosen) -> None:
        self.show_diff(message.patch_id)

    def show_finding(self, finding: Any) -> None:
        healer = self.app.healer
        detail = self.query_one(FindingDetail)
        if finding is None or healer is None:
            detail.show(None, None, None)
            self.query_one(CandidatesTable).show([])
            self.show_diff(None)
            return
        state = self.app.state.of(finding.id)
        detail.show(healer.project.root, finding, self.app.diagnoses.get(finding.id), state.note)
        self.query_one(CandidatesTable).show(state.candidates)
        self.show_diff(None)

    def show_diff(self, patch_id: str | None) -> None:
        """The chosen candidate's diff (default: the selected fix of the finding's outcome)."""
        view = self.query_one(DiffView)
        finding = self.selected
        outcome = self.app.state.of(finding.id).outcome if finding is not None else None
        if outcome is None:
            view.caption, view.diff = "", ""
            return
        chosen = None
        for patch, verdict in outcome.candidates:
            if patch.id == patch_id:
                chosen = (patch, verdict)
        if chosen is None and outcome.patch is not None:
            chosen = (outcome.patch, outcome.validation.verdict)
        if chosen is None:
            view.caption, view.diff = f"no fix: {outcome.reason}", ""
            return
        patch, verdict = chosen
        mark = "selected fix" if patch is outcome.patch else "candidate"
        state = "passed" if verdict.passed else f"failed at {verdict.stage}: {verdict.reason}"
        view.caption = (f"{mark} · {patch.source} · confidence {patch.confidence:.2f} · {state}\n"
                        f"{patch.explanation}")
        view.diff = patch.diff

    def refresh_finding(self, fid: str) -> None:
        self.findings.refresh_status(fid)
        if self.findings.selected_id == fid:
            state = self.app.state.of(fid)
            self.query_one(CandidatesTable).show(state.candidates)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.findings.set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.findings.focus()

    # ------------------------------------------------------------------ actions
    def action_scan(self) -> None:
        self.start("scanning", self.job_scan, self.scan_done)

    def action_tests(self) -> None:
        self.start("running tests", self.job_scan, self.tests_done)

    def action_heal(self) -> None:
        finding = self.selected
        if finding is None:
            self.notify("no finding selected", severity="warning")
            return
        self.start(f"healing {finding.location}", lambda cancel: self.job_heal(finding, cancel),
                   self.heal_done)

    def action_heal_all(self) -> None:
        self.start("healing all", self.job_heal_all, self.heal_all_done)

    def _outcome(self) -> Any:
        finding = self.selected
        if finding is None:
            self.notify("no finding selected", severity="warning")
            return None
        state = self.app.state.of(finding.id)
        if state.outcome is None or state.outcome.patch is None or state.status != "fixable":
            why = state.note or "no validated fix yet: press h to heal this finding"
            self.notify(why, severity="warning")
            return None
        return state.outcome

    def action_accept(self) -> None:
        outcome = self._outcome()
        if outcome is not None:
            self.start("applying", lambda cancel: self.job_apply(outcome, "user"), self.apply_done)

    def action_reject(self) -> None:
        outcome = self._outcome()
        if outcome is None:
            return

        def rejected(reason: str | None) -> None:
            if reason is not None:
                self.start("rejecting", lambda cancel: self.job_reject(outcome, reason),
                           self.reject_done)

        self.app.push_screen(RejectScreen(outcome.patch.explanation), rejected)

    def action_undo(self) -> None:
        self.start("undoing", self.job_undo, self.undo_done)

    def action_toggle_auto(self) -> None:
        self.app.auto_apply = not self.app.auto_apply

    def action_cancel_job(self) -> None:
        if not self.busy:
            self.notify("no job is running")
            return
        self.cancel_event.set()
        self.app.log_handler.say("cancelling: the job stops after the sandbox run in progress",
                                 logging.WARNING)

    def action_edit(self) -> None:
        finding = self.selected
        healer = self.app.healer
        if finding is None or healer is None or not finding.file:
            self.notify("no file to open", severity="warning")
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        path = healer.project.root / finding.file
        argv = [*shlex.split(editor), f"+{max(1, finding.line)}", str(path)]
        try:
            with self.app.suspend():
                subprocess.run(argv, check=False)
        except Exception as exc:  # no terminal to hand over (headless), or no such editor
            self.notify(f"cannot open the editor ({exc})", severity="error")
            return
        self.app.refresh()
        self.show_finding(self.selected)
