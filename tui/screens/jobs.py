"""The main screen's jobs: each runs in one exclusive thread worker and reports back on the UI
thread through ``call_from_thread``. Only one job runs at a time; ``x`` cancels it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from textual import work

from selfheal_local.errors import ConflictError, JournalError, SelfHealError
from selfheal_local.service import Cancelled
from tui.watch import snapshot
from tui.widgets.header import ProjectHeader

log = logging.getLogger(__name__)


def _suite_summary(report: Any) -> str:
    if report is None:
        return "not run"
    if report.timed_out:
        return "timed out"
    failed = len(report.failed) + len(report.collection_errors)
    return f"{len(report.passed)} passed, {failed} failing"


class JobsMixin:
    """Background work of the main screen (mixed into ``MainScreen``)."""

    busy = False
    cancel_event = threading.Event()

    # ------------------------------------------------------------------ plumbing
    def start(self, label: str, fn: Callable[[threading.Event], Any],
              done: Callable[[Any], None] | None = None) -> bool:
        if self.app.healer is None:
            self.notify("still opening the project…", severity="warning")
            return False
        if self.busy:
            self.notify("a job is running (x cancels it)", severity="warning")
            return False
        self.busy = True
        self.cancel_event = threading.Event()
        self.query_one(ProjectHeader).job = label
        self.app.log_handler.say(f"{label}…")
        self.run_job(label, fn, done, self.cancel_event)
        return True

    @work(thread=True, exclusive=True, group="job")
    def run_job(self, label: str, fn: Callable[[threading.Event], Any],
                done: Callable[[Any], None] | None, cancel: threading.Event) -> None:
        call = self.app.call_from_thread
        try:
            result = fn(cancel)
        except Cancelled:
            call(self.job_failed, label, "cancelled", "warning")
        except ConflictError as exc:
            call(self.job_failed, label, f"refused: {exc}", "error")
        except JournalError as exc:
            call(self.job_failed, label, str(exc), "warning")
        except SelfHealError as exc:
            call(self.job_failed, label, str(exc), "error")
        except Exception as exc:  # show it; the app stays usable
            log.exception("%s failed", label)
            call(self.job_failed, label, f"{type(exc).__name__}: {exc}", "error")
        else:
            if done is not None:
                call(done, result)
        finally:
            call(self.job_finished)

    def job_failed(self, label: str, message: str, severity: str) -> None:
        self.app.log_handler.say(f"{label}: {message}",
                                 logging.ERROR if severity == "error" else logging.WARNING)
        self.notify(message, title=label, severity=severity, timeout=8)
        for fid, state in self.app.state.findings.items():
            if state.status == "healing":
                self.app.state.cancelled(fid)
                self.refresh_finding(fid)
        if "refused" in message and self.selected is not None:
            state = self.app.state.of(self.selected.id)
            state.status, state.note = "stale", message
            self.refresh_finding(self.selected.id)
            self.show_finding(self.selected)

    def job_finished(self) -> None:
        self.busy = False
        self.query_one(ProjectHeader).job = "idle"

    def on_heal_event(self, event: Any) -> None:
        """A heal-loop event, already on the UI thread."""
        if event.kind not in ("validate.start",):
            self.app.log_handler.say(f"{event.kind}: {event.message}")
        fid = self.app.state.on_event(event)
        if fid is not None:
            self.refresh_finding(fid)

    # ------------------------------------------------------------------ opening
    @work(thread=True, exclusive=True, group="job")
    def open_project(self) -> None:
        from selfheal_local import session
        from selfheal_local.factory import open_healer

        call = self.app.call_from_thread
        self.busy = True
        try:
            healer = open_healer(self.app.project_path, self.app.overrides,
                                 on_event=self.app.event_from_thread)
        except SelfHealError as exc:
            call(self.job_failed, "open", str(exc), "error")
            call(setattr, self.query_one(ProjectHeader), "job", "cannot open the project")
            self.busy = False
            return
        info = {"tests": session.test_command(healer), "sandbox": healer.sandbox.isolation,
                "engine": session.engine_state(healer), "memory": session.memory_size(healer)}
        call(self.opened, healer, info)

    def opened(self, healer: Any, info: dict[str, str]) -> None:
        self.app.healer = healer
        header = self.query_one(ProjectHeader)
        for key, value in info.items():
            setattr(header, key, value)
        for note in healer.notes:
            self.app.log_handler.say(f"note: {note}", logging.WARNING)
        self.app.update_auto_label()
        self.busy = False
        if self.app.scan_on_start:
            self.action_scan()

    # ------------------------------------------------------------------ scan / tests
    def _diagnose_all(self, findings: list[Any]) -> dict[str, Any]:
        healer = self.app.healer
        out = {}
        for finding in findings:
            try:
                out[finding.id] = healer.diagnose(finding)
            except Exception as exc:  # one odd finding must not hide the others
                log.warning("cannot diagnose %s: %s", finding.location, exc)
        return out

    def _rebase(self, snap: Any = None) -> None:
        """What is on disk now is what the findings describe (our own writes are no edit)."""
        self.app.watcher.rebase(snap if snap is not None else snapshot(self.app.project_root))

    def job_scan(self, cancel: threading.Event) -> Any:
        healer = self.app.healer
        before = snapshot(self.app.project_root)
        healer.scan()
        self._rebase(before)
        return self._diagnose_all(list(healer.findings))

    def load_findings(self, diagnoses: dict[str, Any]) -> None:
        healer = self.app.healer
        self.app.diagnoses.update(diagnoses)
        patterns = {fid: d.pattern for fid, d in self.app.diagnoses.items()}
        self.findings.load(healer.findings, patterns, self.app.state.status)
        self.query_one(ProjectHeader).suite = _suite_summary(healer.baseline)
        self.show_finding(self.selected)

    def scan_done(self, diagnoses: dict[str, Any]) -> None:
        self.load_findings(diagnoses)
        count = len(self.app.healer.findings)
        self.app.log_handler.say(f"scan: {count} finding(s)")

    def tests_done(self, diagnoses: dict[str, Any]) -> None:
        self.load_findings(diagnoses)
        self.notify(f"tests: {self.query_one(ProjectHeader).suite}", timeout=4)

    # ------------------------------------------------------------------ heal
    def _auto(self, outcome: Any) -> Any:
        app = self.app
        patch = outcome.patch
        if app.auto_apply and patch is not None and patch.confidence >= app.auto_threshold:
            return app.healer.apply(outcome, accepted_by="auto")
        return None

    def job_heal(self, finding: Any, cancel: threading.Event) -> Any:
        outcome = self.app.healer.fix(finding, cancel=cancel)
        applied = self._auto(outcome)
        if applied:
            self._rebase()
        diagnoses = self._diagnose_all(list(self.app.healer.findings)) if applied else None
        return outcome, applied, diagnoses

    def heal_done(self, result: Any) -> None:
        outcome, applied, diagnoses = result
        self.app.state.set_outcome(outcome)
        if applied is not None:
            self.app.state.of(outcome.finding.id).status = "applied"
            self.load_findings(diagnoses)
        self.refresh_finding(outcome.finding.id)
        self.show_finding(self.selected)
        if outcome.patch is not None and applied is None:
            self.action_tab("tab-diff")
            self.notify(f"validated fix: {outcome.patch.explanation} (a accepts, r rejects)",
                        timeout=6)
        elif outcome.patch is None:
            self.notify(f"no fix: {outcome.reason}", severity="warning", timeout=6)

    def job_heal_all(self, cancel: threading.Event) -> Any:
        healer = self.app.healer
        state = self.app.state
        call = self.app.call_from_thread
        tried: set[str] = set()
        fixed = applied = 0
        for _step in range(healer.project.config.max_steps):
            pending = [f for f in healer.findings
                       if f.id not in tried and state.status(f.id) not in ("fixable", "applied")]
            if not pending:
                break
            finding = pending[0]
            tried.add(finding.id)
            outcome = healer.fix(finding, cancel=cancel)
            fixed += outcome.patch is not None
            done = self._auto(outcome)
            if done:
                self._rebase()
            call(self.heal_done, (outcome, done, self._diagnose_all(list(healer.findings))
                                  if done else None))
            applied += done is not None
        return fixed, applied

    def heal_all_done(self, result: tuple[int, int]) -> None:
        fixed, applied = result
        self.notify(f"heal all: {fixed} validated fix(es), {applied} applied automatically",
                    timeout=6)

    # ------------------------------------------------------------------ apply / reject / undo
    def job_apply(self, outcome: Any, accepted_by: str) -> Any:
        applied = self.app.healer.apply(outcome, accepted_by=accepted_by)
        self._rebase()
        return outcome, applied, self._diagnose_all(list(self.app.healer.findings))

    def apply_done(self, result: Any) -> None:
        outcome, applied, diagnoses = result
        state = self.app.state
        state.of(outcome.finding.id).status = "applied"
        for fid in state.mark_stale(set(applied.patch.files), keep=outcome.finding.id):
            self.refresh_finding(fid)
        self.app.memory_changed()
        self.load_findings(diagnoses)
        self.action_tab("tab-finding")
        self.notify(f"applied to {', '.join(applied.patch.files)} (u undoes)", timeout=5)

    def job_reject(self, outcome: Any, reason: str) -> Any:
        self.app.healer.reject(outcome, reason)
        return outcome

    def reject_done(self, outcome: Any) -> None:
        self.refresh_finding(outcome.finding.id)
        self.show_finding(self.selected)
        self.app.memory_changed()
        stored = "stored as a negative" if self.app.healer.memory is not None else "memory off"
        self.notify(f"rejected ({stored}); the file was not touched", timeout=5)

    def job_undo(self, cancel: threading.Event) -> Any:
        healer = self.app.healer
        entries = healer.undo()
        self._rebase()
        healer.scan()
        return entries, self._diagnose_all(list(healer.findings))

    def undo_done(self, result: Any) -> None:
        entries, diagnoses = result
        paths = sorted({p for e in entries for p in e.paths})
        for _fid, state in self.app.state.findings.items():
            if state.status in ("applied", "fixable", "stale"):
                state.status, state.outcome, state.note = "new", None, ""
                state.candidates.clear()
        self.load_findings(diagnoses)
        self.notify(f"undone: restored {', '.join(paths)}", timeout=5)

    # ------------------------------------------------------------------ watch mode
    def poll_watch(self) -> None:
        if self.app.healer is None or self.busy:
            return
        self.watch_tick()

    @work(thread=True, exclusive=True, group="watch")
    def watch_tick(self) -> None:
        changed = self.app.watcher.poll(snapshot(self.app.project_root), time.monotonic())
        if changed:
            self.app.call_from_thread(self.files_changed, changed)

    def files_changed(self, changed: list[str]) -> None:
        if self.busy:
            return
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        self.app.log_handler.say(f"watch: {shown} changed; re-scanning")
        self.start("re-scanning (watch)", self.job_scan, self.scan_done)
