"""The main screen: header, findings, the selected finding, its candidates and diff, the log."""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, TabbedContent, TabPane

from tui.layout import NARROW_WIDTH
from tui.widgets.candidates import CandidatesTable
from tui.widgets.detail import FindingDetail
from tui.widgets.diff import DiffView
from tui.widgets.filter_box import FilterBox
from tui.widgets.findings import FindingsTable
from tui.widgets.header import ProjectHeader
from tui.widgets.log_panel import LogPanel

from .dialogs import RejectScreen
from .heals import HealMixin
from .jobs import JobsMixin

log = logging.getLogger(__name__)

# the footer shows the keys that matter (q Quit stays visible at 80 columns); every action
# is in the help screen (?) and the command palette (ctrl+p)
MAIN_BINDINGS = [
    Binding("h", "heal", "Heal"),
    Binding("a", "accept", "Accept"),
    Binding("Y", "accept_all", "Accept all"),
    Binding("r", "reject", "Reject"),
    Binding("u", "undo", "Undo"),
    Binding("slash", "filter", "Filter", key_display="/"),
    Binding("s", "scan", "Scan", show=False),
    Binding("H", "heal_all", "Heal all", show=False),
    Binding("e", "edit", "Edit", show=False),
    Binding("t", "tests", "Tests", show=False),
    Binding("A", "toggle_auto", "Auto-apply", show=False),
    Binding("x", "cancel_job", "Cancel job", show=False),
    Binding("f", "tab('tab-finding')", "Finding", show=False),
    Binding("c", "tab('tab-candidates')", "Candidates", show=False),
    Binding("d", "tab('tab-diff')", "Diff", show=False),
    Binding("escape", "leave_filter", "Leave filter", show=False),
]
"""Below this many columns the findings and the detail stack instead of sitting side by side."""


FIRST_LOOK_WAIT_S = 0.25
"""How long the first paint waits for ruff's findings already on their way (else it paints
without them and they follow)."""


class MainScreen(HealMixin, JobsMixin, Screen):
    """Everything needed to review and heal a project with the keyboard alone."""

    BINDINGS = MAIN_BINDINGS

    def compose(self) -> ComposeResult:
        # the layout classes for the terminal's size before the first styling: set after
        # mounting, they would restyle every widget once more before the first paint
        self._layout_classes(self.app.size)
        yield ProjectHeader(id="header")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield FilterBox(placeholder="/ filter: pattern, source, file, text",
                                id="filter", compact=True)
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

    def _layout_classes(self, size: Any) -> None:
        self.set_class(size.width < NARROW_WIDTH, "narrow")
        self.set_class(size.height < 30, "short")

    def on_resize(self) -> None:
        self._layout_classes(self.size)
        # single spaces between the footer's keys at 80 columns: the quit and help keys fit
        self.query_one(Footer).compact = self.size.width < 100

    def on_mount(self) -> None:
        self.on_resize()
        header = self.query_one(ProjectHeader)
        header.project = self.app.display_path
        self.query_one(FindingsTable).focus()
        if self.app.scan_on_start:
            self.show_first_look(wait_s=FIRST_LOOK_WAIT_S)
        self.call_after_refresh(self.open_project)  # first paint before any import work
        if self.app.watch_interval_s > 0:
            self.set_interval(self.app.watch_interval_s, self.poll_watch)

    # ------------------------------------------------------------------ selection / display
    @property
    def findings(self) -> FindingsTable:
        return self.query_one(FindingsTable)

    @property
    def selected(self) -> Any:
        """The highlighted finding (a queued key acts on the one selected when pressed)."""
        if self._target is not None:
            return self.findings.finding(self._target)
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

    def action_leave_filter(self) -> None:
        """Escape in the filter box: back to the findings (the filter stays)."""
        if self.focused is not None and self.focused.id == "filter":
            self.findings.focus()

    def action_sort_findings(self) -> None:
        self.findings.action_sort_next()

    def action_first_finding(self) -> None:
        self.findings.action_first()

    def action_last_finding(self) -> None:
        self.findings.action_last()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.findings.filter_soon(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.findings.set_filter(event.value)
            self.findings.focus()

    # ------------------------------------------------------------------ actions
    def action_scan(self) -> None:
        if self.defer("scan"):
            return
        self.start("scanning", self.job_scan, self.scan_done)

    def action_tests(self) -> None:
        if self.defer("tests"):
            return
        self.start("running tests", self.job_scan, self.tests_done)

    def action_heal(self) -> None:
        if self.defer("heal"):
            return
        finding = self.selected
        if finding is None:
            self.notify("no finding selected", severity="warning")
            return
        self.start(f"healing {finding.location}", lambda cancel: self.job_heal(finding, cancel),
                   self.heal_done)

    def action_heal_all(self) -> None:
        if self.defer("heal_all"):
            return
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
        if self.defer("accept"):
            return
        outcome = self._outcome()
        if outcome is not None:
            self.start("applying", lambda cancel: self.job_apply(outcome, "user"), self.apply_done)

    def action_accept_all(self) -> None:
        """Apply every validated fix the person has not rejected, one by one, each as ``a``
        would (a model fix that adds risky powers is left for a person to accept alone)."""
        if self.defer("accept_all"):
            return
        ready, risky = self.app.state.accept_all_outcomes()
        if risky:
            self.notify(f"{len(risky)} model fix(es) add risky powers (process, file, network "
                        "or exec): read each and accept it alone with a", severity="warning",
                        timeout=10)
        if not ready:
            if not risky:
                self.notify("no validated fix to apply: press H to heal all findings",
                            severity="warning")
            return
        self.start(f"applying {len(ready)} fix(es)",
                   lambda cancel: self.job_apply_all(ready, cancel), self.apply_all_done)

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
        if self.defer("undo"):
            return
        self.start("undoing", self.job_undo, self.undo_done)

    def action_toggle_auto(self) -> None:
        self.app.auto_apply = not self.app.auto_apply

    def action_cancel_job(self) -> None:
        dropped = len(self.queued)
        self.queued.clear()
        if not self.busy:
            self.notify("no job is running" + (f"; {dropped} queued key(s) dropped"
                                               if dropped else ""))
            return
        self.cancel_event.set()
        self.app.log_handler.say("cancelling: the sandboxed run in progress is stopped",
                                 logging.WARNING)

    def action_edit(self) -> None:
        """Open the finding in ``$VISUAL``/``$EDITOR``; a missing or failing editor is said,
        and the screen always comes back."""
        finding = self.selected
        healer = self.app.healer
        if finding is None or healer is None or not finding.file:
            self.notify("no file to open", severity="warning")
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        try:
            command = shlex.split(editor)
        except ValueError as exc:
            command = []
            self.notify(f"$EDITOR cannot be read ({exc}); set EDITOR to an editor command",
                        severity="error", timeout=8)
        if command and shutil.which(command[0]) is None:
            self.notify(f"editor {command[0]!r} not found: set $EDITOR (or $VISUAL) to an "
                        "installed editor", severity="error", timeout=8)
            return
        if not command:
            return
        path = healer.project.root / finding.file
        argv = [*command, f"+{max(1, finding.line)}", str(path)]
        try:
            returncode = self._run_editor(argv)
        except Exception as exc:  # no terminal to hand over (headless), or it cannot start
            self.notify(f"cannot open the editor {command[0]!r}: {exc}", severity="error",
                        timeout=8)
            return
        finally:
            self.app.refresh(layout=True)
        if returncode:
            self.notify(f"the editor {command[0]!r} exited with status {returncode}",
                        severity="warning", timeout=8)
        self.show_finding(self.selected)

    def _run_editor(self, argv: list[str]) -> int:
        """The terminal is handed to the editor; the app resumes even if starting it fails
        (Textual's ``suspend`` does not resume when its block raises)."""
        failure: Exception | None = None
        returncode = 0
        with self.app.suspend():
            try:
                returncode = subprocess.run(argv, check=False).returncode
            except OSError as exc:
                failure = exc
        if failure is not None:
            raise failure
        return returncode
