"""The heal loop: detect → analyze → propose → validate → select → apply → re-scan.

Each step is a small method a subclass (or the TUI) can call or override on its own:
``scan``, ``diagnose``, ``fix`` (propose + validate + select for one finding), ``apply``,
``reject``, ``undo`` and ``heal`` (the whole loop, bounded by ``config.max_steps``).
Progress is reported through ``on_event``; nothing here prints.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import islice
from typing import Any

from selfheal_local.analyze import diagnose
from selfheal_local.detect import triage
from selfheal_local.detect.scan import ScanResult, findings_from_report, merge_duplicates, scan
from selfheal_local.detect.triage import checked_by, heal_notes, healable, left_alone, tests_run
from selfheal_local.errors import ApplyError, UnsafeEditError
from selfheal_local.journal import Journal
from selfheal_local.memory.decisions import DecisionStore
from selfheal_local.project import Project
from selfheal_local.protocols import AdapterRegistry, CandidateSource, Engine, Memory, Sandbox
from selfheal_local.types import (
    Applied,
    Attempt,
    Diagnosis,
    Failure,
    Finding,
    HealResult,
    Patch,
    PatchStatus,
    TestReport,
    Verdict,
)
from selfheal_local.validation.batch import first_proved
from selfheal_local.validation.evidence import TestCoverage
from selfheal_local.validation.limits import per_test_limit
from selfheal_local.validation.validator import Validation, Validator
from selfheal_local.validation.warm import WarmRuns

from .applying import ApplySteps
from .outcome import Cancelled, Event, FixOutcome, fingerprint, why_not

log = logging.getLogger(__name__)


class Healer(ApplySteps):
    """One project's heal session. Thread-safe for one job at a time (the TUI runs it in workers)."""

    def __init__(
        self,
        project: Project,
        sandbox: Sandbox,
        *,
        sources: Sequence[CandidateSource] = (),
        memory: Memory | None = None,
        engine: Engine | None = None,
        adapters: AdapterRegistry | None = None,
        on_event: Callable[[Event], None] | None = None,
        notes: Sequence[str] = (),
    ):
        self.project = project
        self.sandbox = sandbox
        self.sources = list(sources)
        self.memory = memory
        self.engine = engine
        self.adapters = adapters
        self.on_event = on_event
        self.notes = list(notes)
        self.journal = Journal(project.root)
        self.decisions = DecisionStore(project.root)
        self.writing = threading.RLock()
        self.findings: list[Finding] = []
        self.baseline: TestReport | None = None
        self.coverage: TestCoverage | None = None
        """Per-test line coverage, when localization has it: says which tests prove a change."""
        self._fingerprint: dict[str, tuple[int, int]] = {}
        self._diagnoses: dict[str, Diagnosis] = {}
        self._plain: dict[str, Diagnosis] = {}
        from selfheal_local.fixers.localize import Localizer

        self.localizer = Localizer(sandbox)
        self.warm = WarmRuns(project, sandbox)  # open while heal() runs
        for source in self.sources:  # the search screens its mutants in the same sandbox
            attach = getattr(source, "attach_sandbox", None)
            if callable(attach):
                attach(sandbox)
        recovered = self.journal.recover() if self.journal.dir.is_dir() else []
        if recovered:
            self.notes.append(f"rolled back {len(recovered)} interrupted apply(s): {', '.join(recovered)}")

    # ------------------------------------------------------------------ events
    def emit(self, kind: str, message: str, **kw: Any) -> None:
        log.debug("%s: %s", kind, message)
        if self.on_event is not None:
            try:
                self.on_event(Event(kind, message, **kw))
            except Exception:  # a display bug must not break a heal
                log.exception("event handler failed")

    @staticmethod
    def _check(cancel: threading.Event | None) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled("cancelled")

    # ------------------------------------------------------------------ detect / analyze
    def scan(self, *, tests: bool = True, cancel: threading.Event | None = None) -> ScanResult:
        """Find everything broken; the test report becomes the baseline for validation.
        Setting ``cancel`` kills the test run and raises ``Cancelled`` (nothing is kept)."""
        self.emit("scan.start", f"scanning {self.project.root}")
        self.project.forget()
        result = scan(self.project, self.sandbox, tests=tests, cancel=cancel)
        self._check(cancel)
        self.findings = list(result.findings)
        # what a person should know that is not breakage (no tests, files too large to parse)
        self.notes.extend(n for n in result.notes if n not in self.notes)
        if result.tests is not None:
            self.baseline = result.tests
        self._fingerprint = fingerprint(self.project)
        self.emit("scan.done", f"{len(self.findings)} finding(s)",
                  data={"findings": len(self.findings), "elapsed_s": result.elapsed_s})
        return result

    def _rescan_after(self, applied_files: Iterable[str], report: TestReport | None,
                      basis: dict[str, tuple[int, int]] | None = None) -> None:
        """Re-scan cheaply: static checks again; the validated suite run stands for the tests
        when nothing but the applied files changed since the files it was validated against
        (``basis``; else since the scan) — after accept-all applied another fix first, it
        does not, and everything runs again."""
        self.project.forget()
        expected = set(applied_files)
        now = fingerprint(self.project)
        then = self._fingerprint if basis is None else basis
        changed = {r for r in set(now) | set(then) if now.get(r) != then.get(r)}
        if report is None or not changed <= expected:
            self.scan()
            return
        self.emit("scan.start", "re-scanning changed files")
        static = scan(self.project, self.sandbox, tests=False)
        self.baseline = report
        self.findings = merge_duplicates([*static.findings,
                                          *findings_from_report(report, self.project)])
        self._fingerprint = now
        self.emit("scan.done", f"{len(self.findings)} finding(s)", data={"findings": len(self.findings)})

    def diagnose(self, finding: Finding, *, localize: bool = True) -> Diagnosis:
        """The finding's diagnosis; ``localize``: with fault localization's ranking (per-test
        coverage in the sandbox, once per finding, cached until files change)."""
        if finding.id not in self._diagnoses:
            if not localize:
                return self._plain.setdefault(finding.id, diagnose(finding, self.project))
            plain = self._plain.get(finding.id) or diagnose(finding, self.project)
            self.localizer.use_baseline(self.baseline, per_test_limit(self.project, self.baseline))
            self._diagnoses[finding.id] = self.localizer.localize(plain, self.project)
            self.coverage = self.localizer.coverage or self.coverage
        return self._diagnoses[finding.id]

    # ------------------------------------------------------------------ propose / validate
    def validator(self) -> Validator:
        return Validator(self.project, self.sandbox, self.baseline, coverage=self.coverage)

    def _limit_for(self, source: CandidateSource) -> int:
        limit = source.max_candidates
        return self.project.config.max_candidates if limit is None else limit

    def _validate_batch(
        self, outcome: FixOutcome, patches: list[Patch], cancel: threading.Event | None
    ) -> list[tuple[Patch, Validation]]:
        validator = self.validator()
        # a candidate validated alone (a replay, a rule) runs its second run on the free core
        validator.spare = len(patches) < self.project.config.workers()
        validator.warm = self.warm if validator.spare else None
        validator.cores = self.project.config.workers()
        for patch in patches:
            self.emit("validate.start", patch.explanation, finding_id=outcome.finding.id,
                      patch_id=patch.id, data={"source": patch.source})

        def run(patch: Patch, stop: threading.Event) -> Validation:
            return validator.validate(patch, outcome.diagnosis, cancel=stop)

        # the first proved candidate is taken at once; the rest of the batch is stopped
        workers = min(len(patches), self.project.config.workers())
        results = first_proved(run, patches, workers, cancel)
        self._check(cancel)
        for patch, validation in results:
            verdict = validation.verdict
            patch.status = PatchStatus.VALIDATED if verdict.passed else PatchStatus.FAILED
            outcome.attempts.append(Attempt(patch.source, patch.explanation, verdict, patch.adapter))
            outcome.candidates.append((patch, verdict))
            self.emit("validate.done", verdict.reason or "passed", finding_id=outcome.finding.id,
                      patch_id=patch.id, data={"passed": verdict.passed, "stage": verdict.stage})
            self._record_outcome(outcome, patch, verdict)
        return results

    def _record_outcome(self, outcome: FixOutcome, patch: Patch, verdict: Verdict) -> None:
        """Tell the sources that produced ``patch`` how it fared (adapter success rates, search
        partials) and remember a failure as a negative where the source wants that."""
        producers = [s for s in self.sources if s.name == patch.source]
        remembered = all(s.remembers_failures for s in producers)
        if not verdict.passed and self.memory is not None and remembered:
            self._safely(self.memory.record_failure, outcome.diagnosis, patch, verdict.reason)
        for source in producers:
            self._safely(source.record_outcome, patch, verdict)

    def _safely(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> None:
        try:
            fn(*args, **kw)
        except Exception as exc:  # memory trouble never stops healing
            log.warning("memory unavailable: %s", exc)

    def _best(self, results: list[tuple[Patch, Validation]]) -> tuple[Patch, Validation] | None:
        passed = [(p, v) for p, v in results if v.verdict.passed]
        if not passed:
            return None
        searched = [p for p, _v in passed if p.source == "search"]
        if len(searched) > 1:  # plausible is not correct: rank, and compare on generated inputs
            from selfheal_local.fixers.disagree import choose

            pick = choose(searched, self.project, self.sandbox)
            return next(pv for pv in passed if pv[0] is pick)
        # of proved fixes, the one that also turns more failing tests green first
        return min(passed, key=lambda pv: (-len(pv[1].verdict.now_passing), pv[0].size,
                                           -pv[0].confidence))

    def _try(
        self,
        outcome: FixOutcome,
        patches: Iterable[Patch],
        limit: int,
        cancel: threading.Event | None,
        budget_s: float | None = None,
        batch: int | None = None,
    ) -> bool:
        batch_size = max(1, batch or self.project.config.workers())
        stream: Iterator[Patch] = islice(iter(patches), limit)
        deadline = time.monotonic() + budget_s if budget_s else None
        while True:
            self._check(cancel)
            if deadline is not None and time.monotonic() > deadline:
                self.notes.append(f"{outcome.finding.location}: search stopped at its "
                                  f"{budget_s:.0f}s budget")
                return False
            batch = [p for p in islice(stream, batch_size) if p is not None]
            if not batch:
                return False
            for patch in batch:
                self.emit("candidate", patch.explanation, finding_id=outcome.finding.id,
                          patch_id=patch.id, data={"source": patch.source, "confidence": patch.confidence})
            best = self._best(self._validate_batch(outcome, batch, cancel))
            if best:
                outcome.patch, outcome.validation = best
                return True

    def _unrejected(self, outcome: FixOutcome, patches: Iterable[Patch]) -> Iterator[Patch]:
        """Candidates minus every change the person rejected or undid (never validated)."""
        for patch in patches:
            held = self.decisions.blocking(patch.edits) if patch is not None else None
            if held is None:
                yield patch
            else:
                outcome.held_back.append(held)

    def fix(self, finding: Finding, *, cancel: threading.Event | None = None,
            automatic: bool = False) -> FixOutcome:
        """Propose candidates source by source (cheapest first), validate, select; no apply.

        ``automatic`` (heal all, ``--yes``): a finding the person said no to is left alone."""
        started = time.monotonic()
        diagnosis = self.diagnose(finding, localize=False)  # localized before the first source
        outcome = FixOutcome(finding, diagnosis,              # that reads the ranking
                             basis=fingerprint(self.project))
        self.emit("finding", f"{diagnosis.pattern}: {finding.message}", finding_id=finding.id)
        said_no = self.decisions.for_finding(finding) if automatic else []
        if said_no:
            outcome.held_back += said_no
            outcome.reason = (f"{said_no[-1].describe()}; heal it interactively (selfheal heal, "
                              "or h in the TUI) to see other candidates")
            self.emit("fix.none", outcome.reason, finding_id=finding.id)
            return outcome
        for source in self.sources:
            self._check(cancel)
            outcome.sources_tried.append(source.name)
            if source.needs_localization and diagnosis is not self.diagnose(finding):
                diagnosis = outcome.diagnosis = self.diagnose(finding)
            try:
                proposed = self._unrejected(outcome, source.propose(diagnosis, self.project))
                found = self._try(outcome, proposed, self._limit_for(source), cancel,
                                  source.budget_s, source.batch_size)
                outcome.search_tried += source.tried
                if found:
                    break
                for _round in range(self.project.config.max_retries):
                    failures = [(p, v) for p, v in outcome.candidates if p.source == source.name]
                    if self._try(outcome, self._unrejected(outcome, source.revise(
                                     diagnosis, self.project, failures)),
                                 self._limit_for(source), cancel):
                        break
                if outcome.patch is not None:
                    break
            except Cancelled:
                raise
            except Exception as exc:  # one broken source must not stop the others
                log.warning("source %s failed: %s", source.name, exc)
                self.notes.append(f"{source.name} failed on {finding.location}: {exc}")
        if outcome.patch is None:
            outcome.reason = why_not(outcome)
            self.emit("fix.none", outcome.reason, finding_id=finding.id)
        else:
            self.emit("fix.found", outcome.patch.explanation, finding_id=finding.id,
                      patch_id=outcome.patch.id, data={"source": outcome.patch.source})
        outcome.elapsed_s = time.monotonic() - started
        return outcome

    # ------------------------------------------------------------------ the loop
    def heal(
        self,
        *,
        confirm: Callable[[FixOutcome], bool | str] | None = None,
        cancel: threading.Event | None = None,
    ) -> HealResult:
        """Fix findings one at a time until healthy or nothing more can be done.

        ``confirm`` answers True/"yes" (apply), False/"no" (reject: held for good), "skip"
        (neither) or "quit" (stop); without it every validated fix is applied, except on
        findings the person said no to before."""
        started = time.monotonic()
        self.warm.reopen()  # test runs started ahead while the scan runs, for quick suites
        self.warm.prime(None, per_test_limit(self.project, None))
        try:
            return self._heal(started, confirm, cancel)
        finally:
            self.warm.close()

    def _heal(self, started: float, confirm: Callable[[FixOutcome], bool | str] | None,
              cancel: threading.Event | None) -> HealResult:
        self.scan()
        initial = tuple(self.findings)
        applied: list[Applied] = []
        failed: dict[str, Failure] = {}
        for _step in range(self.project.config.max_steps):
            self._check(cancel)
            # what blocks first; lint only when asked for and nothing else is broken
            pending = [f for f in healable(self.findings, self.project) if f.id not in failed]
            if not pending:
                break
            self.warm.prime(self.baseline, per_test_limit(self.project, self.baseline))
            self.emit("step", pending[0].location, finding_id=pending[0].id,
                      data={"index": len(failed) + len(applied) + 1,
                            "total": len(failed) + len(applied) + len(pending)})
            outcome = self.fix(pending[0], cancel=cancel, automatic=confirm is None)
            if outcome.patch is None:
                failed[pending[0].id] = outcome.failure()
                continue
            if not self.project.config.lint and triage.unasked(
                outcome.finding, outcome.validation, [f.finding for f in failed.values()]
            ):
                failed[pending[0].id] = replace(outcome.failure(), reason=triage.UNASKED)
                continue
            answer = confirm(outcome) if confirm is not None else "yes"
            if answer == "quit":
                break
            if answer not in (True, "yes"):
                if answer != "skip":
                    self.reject(outcome)
                failed[pending[0].id] = Failure(
                    outcome.finding, outcome.diagnosis.pattern, tuple(outcome.sources_tried),
                    tuple(outcome.attempts),
                    "skipped" if answer == "skip" else "rejected by the user")
                continue
            try:
                done = self.apply(outcome, accepted_by="user" if confirm else "auto")
                applied.append(replace(done, at_s=time.monotonic() - started))
            except (ApplyError, UnsafeEditError) as exc:  # read-only, changed, outside: nothing written
                failed[pending[0].id] = Failure(
                    outcome.finding, outcome.diagnosis.pattern, tuple(outcome.sources_tried),
                    tuple(outcome.attempts), f"validated fix not applied: {exc}")
        self._confirm_applied(applied)
        untouched = left_alone(self.findings, self.project)
        held = sum(f.reason == triage.UNASKED for f in failed.values())
        if held:
            self.notes.append(f"{held} proved ruff fix(es) not applied: {triage.UNASKED}")
        healthy = (len(untouched) == len(self.findings)
                   and (self.baseline is None or self.baseline.ok))
        self.notes.extend(heal_notes(untouched, self.baseline, self.project))
        result = HealResult(
            healthy=healthy,
            findings=initial,
            applied=tuple(applied),
            failed=tuple(f for fid, f in failed.items() if any(x.id == fid for x in self.findings)),
            elapsed_s=time.monotonic() - started,
            remaining=tuple(self.findings),
            notes=tuple(self.notes),
            tests_run=tests_run(self.baseline),
            checked_by=checked_by(self.baseline),
        )
        self.emit("heal.done", "healthy" if healthy else f"{len(self.findings)} finding(s) remain",
                  data={"healthy": healthy})
        return result
