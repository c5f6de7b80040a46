"""The main screen's jobs that change things: heal, heal all, apply, reject, undo, and the
watch mode that re-scans when a person edits a file (mixed into ``MainScreen``)."""

from __future__ import annotations

import threading
import time
from typing import Any

from textual import work

from selfheal_local.errors import SelfHealError
from tui.watch import snapshot


class HealMixin:
    """Heal, accept, reject, undo and watch (the plumbing is ``JobsMixin``'s)."""

    # ------------------------------------------------------------------ heal
    def _auto(self, outcome: Any) -> Any:
        app = self.app
        patch = outcome.patch
        # a model fix that adds process/file/network/exec powers (llm.vet) waits for a person
        if app.auto_apply and patch is not None and patch.confidence >= app.auto_threshold \
                and not patch.metadata.get("risky"):
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
        self.app.diagnoses[outcome.finding.id] = outcome.diagnosis  # localized by the heal
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
            risky = outcome.patch.metadata.get("risky")
            if risky:
                from selfheal_local.llm.vet import describe

                self.notify(f"the model's fix adds {describe(risky, limit=5)}: read those lines "
                            "before accepting; it is never applied automatically",
                            severity="warning", timeout=15)
        elif outcome.patch is None:
            self.notify(f"no fix: {outcome.reason}", severity="warning", timeout=6)

    def job_heal_all(self, cancel: threading.Event) -> Any:
        healer = self.app.healer
        state = self.app.state
        call = self.app.call_from_thread
        tried: set[str] = set()
        fixed = applied = 0
        total = 0
        for _step in range(healer.project.config.max_steps):
            pending = [f for f in healer.findings
                       if f.id not in tried and state.status(f.id) not in ("fixable", "applied")]
            if not pending:
                break
            total = max(total, len(tried) + len(pending))
            finding = pending[0]
            tried.add(finding.id)
            call(self.next_finding, len(tried), total, finding.location)
            # automatic: a finding the person rejected (or undid) is left alone for good
            outcome = healer.fix(finding, cancel=cancel, automatic=True)
            fixed += outcome.patch is not None
            done = self._auto(outcome)
            if done:
                self._rebase()
            call(self.heal_done, (outcome, done, self._diagnose_all(list(healer.findings))
                                  if done else None))
            applied += done is not None
        return fixed, applied

    def next_finding(self, index: int, total: int, location: str) -> None:
        if self.job_progress is not None:
            self.job_progress.next_finding(index, total, location)
            self._show_progress()

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

    def job_apply_all(self, outcomes: list[Any], cancel: threading.Event) -> Any:
        """Each validated fix applied as ``a`` applies it, in order. A fix made from a file an
        earlier one in this batch changed is not written (its text is old): it is marked to be
        healed again. A refusal (a rejection on record, a file edited meanwhile) skips that fix."""
        healer = self.app.healer
        call = self.app.call_from_thread
        applied: list[tuple[Any, Any]] = []
        skipped: list[tuple[Any, str]] = []
        touched: set[str] = set()
        for index, outcome in enumerate(outcomes, 1):
            if cancel.is_set():
                break
            call(self.next_finding, index, len(outcomes), outcome.finding.location)
            files = set(outcome.patch.files)
            if files & touched:
                skipped.append((outcome, "an earlier fix changed its file; heal it again"))
                continue
            try:
                done = healer.apply(outcome, accepted_by="user")
            except SelfHealError as exc:
                skipped.append((outcome, str(exc)))
                continue
            touched |= files
            applied.append((outcome, done))
        self._rebase()
        if cancel.is_set() and not applied:
            from selfheal_local.service import Cancelled

            raise Cancelled("cancelled")
        return applied, skipped, self._diagnose_all(list(healer.findings))

    def apply_all_done(self, result: Any) -> None:
        applied, skipped, diagnoses = result
        state = self.app.state
        files: set[str] = set()
        for outcome, done in applied:
            state.of(outcome.finding.id).status = "applied"
            files |= set(done.patch.files)
        for outcome, reason in skipped:
            finding_state = state.of(outcome.finding.id)
            finding_state.status, finding_state.note = "stale", reason
        for fid in state.mark_stale(files):
            self.refresh_finding(fid)
        if applied:
            self.app.memory_changed()
        self.load_findings(diagnoses)
        self.show_finding(self.selected)
        words = f"accept all: {len(applied)} fix(es) applied to {len(files)} file(s)"
        if skipped:
            words += f"; {len(skipped)} not applied (heal them again: H, then Y)"
        self.app.log_handler.say(words + ("; u undoes the last" if applied else ""))
        self.notify(words, severity="warning" if skipped else "information", timeout=8)

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
