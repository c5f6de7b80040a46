"""The main screen's jobs: each runs in one exclusive thread worker and reports back on the UI
thread through ``call_from_thread``. One job runs at a time; a key that starts another waits
for it (never dropped), navigation and viewing keep working; ``x`` cancels, ``q`` quits at
once (the cancel kills the sandboxed processes of the job)."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from textual import work

from selfheal_local.errors import ConflictError, JournalError, SelfHealError
from tui.progress import JobProgress, event_words
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


OPENING = "opening the project (memory, model, sandbox)…"


class JobsMixin:
    """Background work of the main screen (mixed into ``MainScreen``)."""

    busy = False
    cancel_event = threading.Event()
    job_progress: JobProgress | None = None
    _progress_timer: Any = None
    _target: str | None = None

    @property
    def queued(self) -> deque[Callable[[], Any]]:
        """Keys pressed during a job that start another one: run in order after it."""
        if "_queued" not in self.__dict__:
            self.__dict__["_queued"] = deque()
        return self.__dict__["_queued"]

    # ------------------------------------------------------------------ plumbing
    def defer(self, action: str) -> bool:
        """While a job runs, a key that starts a job waits for it, on the finding selected
        when it was pressed; True when it was queued."""
        if not self.busy or self.app.healer is None:
            return False
        fid = self.findings.selected_id

        def run() -> None:
            self._target = fid
            try:
                getattr(self, f"action_{action}")()
            finally:
                self._target = None

        self.queued.append(run)
        self.notify(f"queued: {action.replace('_', ' ')} (runs after the current job; "
                    "x cancels)", timeout=3)
        return True

    def start(self, label: str, fn: Callable[[threading.Event], Any],
              done: Callable[[Any], None] | None = None) -> bool:
        if self.app.healer is None:
            self.notify("still opening the project…", severity="warning")
            return False
        if self.busy:
            self.queued.append(lambda: self.start(label, fn, done))
            self.notify(f"queued: {label} (runs after the current job; x cancels)", timeout=3)
            return False
        self.busy = True
        self.cancel_event = threading.Event()
        localizer = getattr(self.app.healer, "localizer", None)
        if localizer is not None:  # a heal's coverage run is killed by x and q too
            localizer.cancel = self.cancel_event
        self.query_one(ProjectHeader).job = label
        self.job_progress = JobProgress(label)
        self._show_progress()
        if self._progress_timer is None:
            self._progress_timer = self.set_interval(1.0, self._show_progress)
        self.app.log_handler.say(f"{label}…")
        self.run_job(label, fn, done, self.cancel_event)
        return True

    def _show_progress(self) -> None:
        header = self.query_one(ProjectHeader)
        header.progress = self.job_progress.text() if self.busy and self.job_progress else ""

    def cancel_all(self) -> None:
        """Quit: forget queued keys and cancel the running job (its sandbox runs are killed)."""
        self.queued.clear()
        self.cancel_event.set()

    @work(thread=True, exclusive=True, group="job")
    def run_job(self, label: str, fn: Callable[[threading.Event], Any],
                done: Callable[[Any], None] | None, cancel: threading.Event) -> None:
        from selfheal_local.service import Cancelled  # the heal loop loads after first paint

        app = self.app

        def call(fn: Callable[..., Any], *args: Any) -> None:
            if cancel.is_set() and fn not in (self.job_failed, self.job_finished):
                return  # a cancelled job's result is not shown
            try:
                app.call_from_thread(fn, *args)
            except RuntimeError:  # the app quit while the job unwound: nothing to show
                pass

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
        self.job_progress = None
        self.query_one(ProjectHeader).job = "idle"
        self._show_progress()
        while self.queued and not self.busy:
            self.queued.popleft()()

    def on_heal_event(self, event: Any) -> None:
        """A heal-loop event, already on the UI thread."""
        explanation = ""
        if event.patch_id and event.finding_id:
            row = self.app.state.of(event.finding_id).candidate(event.patch_id)
            explanation = row.explanation if row is not None else ""
        words = event_words(event, explanation)
        if words:
            self.app.log_handler.say(words)
        if self.job_progress is not None:
            self.job_progress.on_event(event, explanation)
            self._show_progress()
        fid = self.app.state.on_event(event)
        if fid is not None:
            self.refresh_finding(fid)
        if event.kind == "scan.done" and self.job_progress is not None \
                and self.job_progress.label.startswith(("applying", "undoing")):
            self.show_current()  # the rows and the suite as soon as the re-scan is done

    # ------------------------------------------------------------------ opening
    @work(thread=True, exclusive=True, group="job")
    def open_project(self) -> None:
        call = self.app.call_from_thread
        self.busy = True
        try:
            # ruff's findings first: the heal loop, memory and model are imported after them
            sandbox = self._first_look(call) if self.app.scan_on_start else None
            from selfheal_local import session
            from selfheal_local.factory import open_healer

            healer = open_healer(self.app.project_path, self.app.overrides,
                                 on_event=self.app.event_from_thread, sandbox=sandbox)
        except SelfHealError as exc:
            call(self.job_failed, "open", str(exc), "error")
            call(setattr, self.query_one(ProjectHeader), "job", "cannot open the project")
            self.busy = False
            return
        # the memory's size waits for LanceDB (seconds): counted after the scan has started
        info = {"tests": session.test_command(healer), "sandbox": healer.sandbox.isolation,
                "engine": session.engine_state(healer)}
        call(self.opened, healer, info)

    def _first_look(self, call: Callable[..., Any]) -> Any:
        """Ruff's and the parser's findings while the healer opens (memory and model can take
        seconds to load): shown at once, healed after. Returns the sandbox to reuse. The
        command line starts this scan before Textual loads (``tui.prefetch``)."""
        from tui.prefetch import take

        project, sandbox, static = take(self.app.project_path, self.app.overrides)
        if static is None:
            return sandbox  # said properly once the healer opens
        if not self.__dict__.get("_first_look_shown"):
            call(self.show_static, static, [], OPENING)
        diagnoses = self._diagnose_all(static, project=project)
        call(self.load_patterns, diagnoses)
        return sandbox

    def show_first_look(self, wait_s: float) -> None:
        """Ruff's findings in the very first paint when the scan started before Textual loaded
        has finished by then (it usually has: Textual's import takes longer than ruff)."""
        from tui.prefetch import ready

        look = ready(self.app.project_path, self.app.overrides, wait_s)
        if look is not None and look[2] is not None:
            self.show_static(look[2], [], OPENING)
            self.__dict__["_first_look_shown"] = True

    def load_patterns(self, diagnoses: dict[str, Any]) -> None:
        self.app.diagnoses.update(diagnoses)
        self.findings.set_patterns({fid: d.pattern for fid, d in diagnoses.items()})

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
        self.app.refresh_memory_size()

    # ------------------------------------------------------------------ scan / tests
    def _diagnose_all(self, findings: list[Any], cancel: threading.Event | None = None,
                      project: Any = None) -> dict[str, Any]:
        from selfheal_local.analyze import diagnose
        from selfheal_local.service import Cancelled

        project = project or self.app.healer.project
        out = {}
        known = self.app.diagnoses
        for finding in findings:
            if cancel is not None and cancel.is_set():
                raise Cancelled("cancelled")
            if finding.id in known:
                out[finding.id] = known[finding.id]
                continue
            try:
                # the pattern and the place, cheaply: the heal localizes (coverage runs in the
                # sandbox) for the one finding it works on
                out[finding.id] = diagnose(finding, project)
            except Exception as exc:  # one odd finding must not hide the others
                log.warning("cannot diagnose %s: %s", finding.location, exc)
        return out

    def _rebase(self, snap: Any = None) -> None:
        """What is on disk now is what the findings describe (our own writes are no edit)."""
        self.app.watcher.rebase(snap if snap is not None else snapshot(self.app.project_root))

    def job_scan(self, cancel: threading.Event) -> Any:
        """Ruff and syntax first (shown at once), then the tests (streamed in after)."""
        healer = self.app.healer
        call = self.app.call_from_thread
        before = snapshot(self.app.project_root)
        dynamic = [f for f in healer.findings if f.source not in ("ruff", "syntax")]
        healer.scan(tests=False, cancel=cancel)
        static = list(healer.findings)
        call(self.show_static, static, dynamic)
        if cancel.is_set():
            from selfheal_local.service import Cancelled

            raise Cancelled("cancelled")
        healer.scan(cancel=cancel)  # x or q kills the sandboxed test run
        self._rebase(before)
        findings = list(healer.findings)
        call(self.show_current)
        return self._diagnose_all(findings, cancel)

    def show_static(self, static: list[Any], dynamic: list[Any],
                    next_step: str = "running the tests…") -> None:
        """Ruff's findings as soon as ruff returns; the last scan's test findings stay until
        the tests have run again."""
        ids = {f.id for f in static}
        shown = [*static, *(f for f in dynamic if f.id not in ids)]
        self._load_rows(shown)
        self.app.log_handler.say(f"ruff and syntax: {len(static)} finding(s); {next_step}")
        if self.job_progress is not None:
            self.job_progress.stage = "running the tests"
            self._show_progress()

    def _load_rows(self, findings: list[Any]) -> None:
        patterns = {fid: d.pattern for fid, d in self.app.diagnoses.items()}
        self.findings.load(findings, patterns, self.app.state.status)
        self.show_finding(self.selected)

    def show_current(self) -> None:
        """The healer's findings and suite now (patterns as far as diagnosed)."""
        healer = self.app.healer
        self._load_rows(list(healer.findings))
        self.query_one(ProjectHeader).suite = _suite_summary(healer.baseline)

    def load_findings(self, diagnoses: dict[str, Any]) -> None:
        """The healer's findings with their diagnoses: patterns filled in place when the rows
        are already those findings, else the rows are loaded again."""
        healer = self.app.healer
        self.app.diagnoses.update(diagnoses)
        if [f.id for f in healer.findings] == self.findings.finding_ids:
            self.findings.set_patterns({fid: d.pattern for fid, d in diagnoses.items()})
        else:
            self.findings.load(healer.findings, {fid: d.pattern for fid, d in
                                                 self.app.diagnoses.items()},
                               self.app.state.status)
        self.query_one(ProjectHeader).suite = _suite_summary(healer.baseline)
        self.show_finding(self.selected)

    def scan_done(self, diagnoses: dict[str, Any]) -> None:
        self.load_findings(diagnoses)
        count = len(self.app.healer.findings)
        self.app.log_handler.say(f"scan: {count} finding(s), suite "
                                 f"{_suite_summary(self.app.healer.baseline)}")

    def tests_done(self, diagnoses: dict[str, Any]) -> None:
        self.load_findings(diagnoses)
        self.notify(f"tests: {self.query_one(ProjectHeader).suite}", timeout=4)
