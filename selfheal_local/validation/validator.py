"""Validation: a candidate is a fix only when the project's own tests say so.

Checks run in order and stop at the first failure: policy (no edits to tests, no swallowed
errors, nothing outside the project) → parse every changed file → ruff on the changed files
(no new finding) → the tests the candidate must heal (the finding's failing tests, failures at
the same fault location, modules that could not be imported because of a changed file) → the
other tests that exercise the changed files → the whole suite (no test that passed before may
fail). Each test run has a time-out derived from the baseline suite's own duration, and each
test one from the baseline's slowest test (``limits``; a candidate that makes a test loop
forever fails that test in seconds).

Zero tests run is never evidence. On a project with tests, a candidate is refused when no test
ran, when no test that exercises a changed file ran (all skipped, deselected or uncollectable),
or when a module the baseline could not import because of a changed file still cannot be
imported. Partial progress (some of those failing tests pass, others still fail) is refused
with stage ``partial``; ``Verdict.now_passing`` lists what it fixed (a base for more search).
Only a project without tests is checked by parse + ruff alone, and the verdict says so.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from selfheal_local.project import Project
from selfheal_local.protocols import Sandbox
from selfheal_local.types import Diagnosis, Patch, TestReport, Verdict
from selfheal_local.validation import flaky
from selfheal_local.validation.evidence import Exercise, TestCoverage, regressed
from selfheal_local.validation.importing import import_failure, untested_files
from selfheal_local.validation.limits import per_test_limit, validation_timeout, xdist_args
from selfheal_local.validation.static import check_static
from selfheal_local.validation.warm import WarmRuns

log = logging.getLogger(__name__)

OUTPUT_TAIL = 4000
STAGED_ABOVE_S = 1.0
"""A suite faster than this runs whole at once: staging would only add interpreter starts
(about 0.3 s each). Above it, most candidates fail their target tests, and a run of only those
costs an interpreter start plus those tests instead of the whole suite."""
TOUCHING_SHARE = 0.5
"""The touching stage runs only when its modules take at most this part of the suite's time:
it is there to fail a regression early, and when it is most of the suite, a candidate that
passes it pays for the suite nearly twice (more_itertools: 4.9 s, then the 6.9 s suite)."""
CHECKED_BY_TESTS = "tests"
CHECKED_BY_STATIC = "parse + ruff only (the project has no tests)"


@dataclass(frozen=True)
class Validation:
    """A verdict plus the suite report of the patched copy (reused as the next baseline)."""

    verdict: Verdict
    report: TestReport | None = None


def _tail(text: str, limit: int = OUTPUT_TAIL) -> str:
    return text if len(text) <= limit else "…" + text[-limit:]


def has_tests(baseline: TestReport | None) -> bool:
    """The baseline collected (or tried to collect) at least one test."""
    return baseline is not None and bool(baseline.outcomes or baseline.collection_errors)


def _modules(report: TestReport | None) -> set[str]:
    """Test modules a report ran or tried to collect."""
    if report is None:
        return set()
    return {o.test_id.split("::")[0] for o in (*report.outcomes, *report.collection_errors)}


def _share(report: TestReport, modules: tuple[str, ...]) -> float:
    """The part of ``report``'s test time spent in ``modules``."""
    total = sum(o.duration_s for o in report.outcomes)
    inside = sum(o.duration_s for o in report.outcomes if o.test_id.split("::")[0] in modules)
    return inside / total if total > 0 else 0.0


def _ran(report: TestReport) -> tuple[str, ...]:
    return tuple(sorted(o.test_id for o in report.outcomes if o.outcome != "skipped"))


class Validator:
    """Validates candidates of one project against its baseline test report."""

    def __init__(self, project: Project, sandbox: Sandbox, baseline: TestReport | None,
                 *, coverage: TestCoverage | None = None):
        self.project = project
        self.sandbox = sandbox
        self.baseline = baseline
        self.exercise = Exercise(project, coverage)
        self.timeout_s = validation_timeout(project, baseline)
        self.test_limit_s = per_test_limit(project, baseline)
        self.suite_args = xdist_args(project, baseline)
        self.spare = False
        """A core is free beside this validation: a candidate's second run starts with its first."""
        self.warm: WarmRuns | None = None
        """Runs started ahead, taken by a validation made alone on a quick suite."""
        self.cores = 1
        """Cores for this batch's validations: when fewer are running, the second run of a
        candidate that reached its whole-suite run starts beside it."""
        self._running = 0
        self._count = threading.Lock()

    def _fail(self, stage: str, reason: str, started: float, **extra) -> Validation:
        report = extra.pop("report", None)  # the Validation carries it, not the Verdict
        verdict = Verdict(passed=False, stage=stage, reason=reason,
                          elapsed_s=time.monotonic() - started, **extra)
        return Validation(verdict, report)

    def check_static(self, patch: Patch, diagnosis: Diagnosis | None = None) -> tuple[str, str] | None:
        """Policy, parse and ruff: (stage, reason) of the first failure, or None."""
        return check_static(patch, self.project, diagnosis)

    def targets(self, patch: Patch, diagnosis: Diagnosis) -> tuple[str, ...]:
        """Tests the candidate must make pass: the finding's own failing tests plus every
        baseline failure at the same fault location (so partial progress is never enough)."""
        baseline = self.baseline
        own = [t for t in diagnosis.test_ids if not baseline or t not in baseline.passed]
        related = self.exercise.related_failures(patch, baseline)
        alike = self.exercise.module_failures(patch, own, baseline)
        return tuple(dict.fromkeys([*own, *related, *alike]))

    def validate(self, patch: Patch, diagnosis: Diagnosis,
                 cancel: threading.Event | None = None) -> Validation:
        """Run every check on ``patch``; never raises for a bad candidate.

        ``cancel`` stops the test run in progress (its process group is killed) when set."""
        with self._count:
            self._running += 1
        try:
            return self._validate(patch, diagnosis, cancel)
        finally:
            with self._count:
                self._running -= 1

    def _spare_now(self) -> bool:
        with self._count:
            return self._running < self.cores

    def _validate(self, patch: Patch, diagnosis: Diagnosis,
                  cancel: threading.Event | None) -> Validation:
        from selfheal_local.detect.tests import run_tests

        started = time.monotonic()
        try:
            static = self.check_static(patch, diagnosis)
            targets = self.targets(patch, diagnosis)
            modules = self.exercise.test_modules(patch)
        except Exception as exc:  # a candidate must never crash the heal
            log.exception("static checks crashed")
            return self._fail("policy", f"could not check the candidate: {exc}", started)
        if static:
            return self._fail(*static, started)

        overrides = {e.path: e.after for e in patch.edits}
        config = self.project.config
        baseline = self.baseline
        limit = self.timeout_s

        def run(ids: tuple[str, ...] = (), seed: str | None = None, where: Path | None = None,
                stop: threading.Event | None = cancel, warm: object = None) -> TestReport:
            env = {**self.project.test_env, **({"PYTHONHASHSEED": seed} if seed else {})}
            return run_tests(where or ws, self.sandbox, config, test_ids=ids, timeout_s=limit,
                             cancel=stop, extra_args=() if ids else self.suite_args,
                             source_roots=self.project.source_roots, env=env,
                             test_limit_s=self.test_limit_s, warm=warm)

        # a stage runs only when it is a strict part of a slow suite
        staged = baseline is not None and baseline.elapsed_s >= STAGED_ABOVE_S
        ahead = self.warm if self.spare and not staged and not self.suite_args else None
        first_slot, second_slot = (ahead.take(False), ahead.take(True)) if ahead else (None, None)
        with (first_slot.use(overrides) if first_slot else
              self.sandbox.workspace(self.project.root, overrides)) as ws:
            suite = _modules(baseline)
            if staged and targets and {t.split("::")[0] for t in targets} < suite:
                first = run(targets)
                verdict = self._stage_failing(first, targets, started)
                if verdict is not None:
                    return verdict
            touching = tuple(m for m in modules if m not in targets)
            if staged and touching and set(touching) < suite and baseline is not None \
                    and _share(baseline, touching) <= TOUCHING_SHARE:
                second = run(touching)
                newly = tuple(sorted((baseline.passed - second.passed) & {
                    o.test_id for o in second.outcomes}))
                before_errors = {c.test_id for c in baseline.collection_errors}
                lost = tuple(c.test_id for c in second.collection_errors
                             if c.test_id not in before_errors)
                newly = newly + lost
                if second.timed_out or newly:
                    why = ("the tests of the changed files timed out" if second.timed_out
                           else f"regression: {len(newly)} test(s) that passed now fail "
                           f"({', '.join(newly[:3])})")
                    return self._fail("touching", why, started, output=_tail(second.output),
                                      newly_failing=newly, tests_run=_ran(second))
            seed = second_slot.seed if second_slot else str(random.randrange(1, 2**32))
            # beside the first run now when a core is spare, else as soon as the batch frees one
            beside = (flaky.Beside(self.sandbox, self.project.root, overrides, run, flaky.again(
                targets, modules, staged, baseline), seed, second_slot,
                when=None if self.spare else self._spare_now) if self.cores > 1 or self.spare
                else None)
            try:
                report = run(warm=first_slot.prestarted if first_slot else None)
                unimportable = import_failure(self.project, self.sandbox, patch, diagnosis,
                                              modules, ws, limit)
                validation = None if unimportable else self._judge(report, targets, modules,
                                                                   started)
                proved = validation is not None and validation.verdict.passed
                unsteady = flaky.recheck(
                    report, run, targets, modules, staged, seed,
                    second=beside.report() if beside and proved else None,
                    original=lambda s: flaky.in_copy(self.sandbox, self.project.root, {}, run,
                                                     (), s, cancel)) if proved else ()
            finally:
                if beside is not None:
                    beside.stop()
                if second_slot is not None:  # unused when the run beside never started
                    second_slot.close()
        if unimportable:
            return self._fail("evidence", unimportable, started, report=report,
                              tests_run=_ran(report), output=_tail(report.output))
        if unsteady:
            return self._fail("flaky", f"the candidate's tests pass only sometimes: "
                              f"{', '.join(unsteady[:3])} passed, then failed when run again "
                              f"(PYTHONHASHSEED={seed})", started, report=report,
                              tests_run=_ran(report), output=_tail(report.output))
        untested = untested_files(patch, modules)
        if validation.verdict.passed and untested:
            what = ("parse + ruff + import only: no test exercises " + ", ".join(untested)
                    + (" (the project has no tests)" if not has_tests(self.baseline) else
                       " (the rest of the suite shows no regression)"))
            validation = Validation(replace(validation.verdict, checked_by=what), report)
        return validation

    def _stage_failing(self, report: TestReport, targets: tuple[str, ...],
                       started: float) -> Validation | None:
        from selfheal_local.detect.tests import still_failing

        still = self._still(report, targets)
        if report.timed_out:
            return self._fail("failing", "the failing tests timed out with the candidate",
                              started, output=_tail(report.output), still_failing=still_failing(
                                  report, targets), tests_run=_ran(report))
        if still or report.collection_errors:
            return self._refuse_still(report, targets, still or targets, started)
        return None

    def _still(self, report: TestReport, targets: tuple[str, ...]) -> tuple[str, ...]:
        """Targets not healed: failing, or a module id under which no test ran at all, unless
        another target's test passed with the candidate (a module that imports now but whose
        tests are all skipped or deselected is healed; with nothing else passing it proves
        nothing)."""
        from selfheal_local.detect.tests import still_failing

        still = set(still_failing(report, targets))
        ran = _ran(report)
        empty = [tid for tid in targets if "::" not in tid and tid and not
                 tid.endswith("conftest.py") and not any(t.startswith(tid + "::") for t in ran)]
        healed = [t for t in targets if t not in still and t not in empty]
        if not any(t in report.passed or any(p.startswith(t + "::") for p in report.passed)
                   for t in healed):
            still.update(empty)
        return tuple(sorted(still))

    def _refuse_still(self, report: TestReport, targets: tuple[str, ...],
                      still: tuple[str, ...], started: float, *, keep_report: bool = False,
                      **extra) -> Validation:
        now = tuple(t for t in targets if t not in still)
        common = dict(output=_tail(report.output), still_failing=still,
                      now_passing=now, tests_run=_ran(report), **extra)
        if keep_report:
            common["report"] = report
        if now:
            return self._fail("partial", f"partial: {len(now)} of {len(targets)} failing test(s) "
                              f"pass, {len(still)} at the same fault location still fail "
                              f"({', '.join(still[:3])})", started, **common)
        return self._fail("failing", f"{len(still)} previously failing test(s) still fail "
                          f"({', '.join(still[:3])})", started, **common)

    def _judge(self, report: TestReport, targets: tuple[str, ...], modules: tuple[str, ...],
               started: float) -> Validation:
        from selfheal_local.detect.tests import is_pytest

        baseline = self.baseline
        before_passed = baseline.passed if baseline else frozenset()
        newly = regressed(before_passed, report)
        before_failed = (baseline.failed | {c.test_id for c in baseline.collection_errors}
                         if baseline else frozenset())
        ran = _ran(report)
        now_passing = tuple(sorted(t for t in before_failed if t in report.passed
                                   or (t in targets and t not in self._still(report, (t,)))))
        common = dict(output=_tail(report.output), tests_passed=len(report.passed),
                      tests_total=len(report.outcomes), newly_failing=newly,
                      tests_run=ran, now_passing=now_passing, checked_by=CHECKED_BY_TESTS)
        if report.timed_out:
            return self._fail("suite", f"the test suite timed out ({self.timeout_s:.0f}s) with "
                              "the candidate", started, report=report, **common)
        still = self._still(report, targets)
        if newly:  # before "partial": partial progress means progress without breakage
            return self._fail("suite", f"regression: {len(newly)} test(s) that passed now fail "
                              f"({', '.join(newly[:3])})", started, report=report,
                              still_failing=still, **common)
        if still:
            return self._refuse_still(report, targets, still, started, keep_report=True,
                                      tests_passed=common["tests_passed"],
                                      tests_total=common["tests_total"], newly_failing=newly)
        before_errors = {c.test_id for c in baseline.collection_errors} if baseline else set()
        new_errors = [c.test_id for c in report.collection_errors if c.test_id not in before_errors]
        if new_errors:
            return self._fail("suite", f"new collection error in {new_errors[0]}", started,
                              report=report, **common)
        judged_by_status = not is_pytest(self.project.config.test_argv(self.project.root))
        # (without a baseline, the candidate's own run says whether there are tests)
        if (has_tests(baseline) or has_tests(report)) and not ran and not judged_by_status:
            return self._fail("evidence", "no evidence: 0 tests ran with the candidate on a "
                              "project that has tests", started, report=report, **common)
        # evidence is a test of the change that ran and passed: one that errors before and
        # after proves nothing
        if modules and not judged_by_status and not any(
            t.split("::")[0] in modules for t in report.passed
        ):
            return self._fail("evidence", f"no evidence: none of the {len(modules)} test "
                              f"module(s) that exercise the change passed a test ({modules[0]}…: "
                              "failing, skipped, deselected or not importable)", started,
                              report=report, **common)
        if baseline is not None and len(report.outcomes) < len(baseline.outcomes) and not (
            baseline.collection_errors and not report.collection_errors
        ):
            return self._fail("suite", "fewer tests ran than before (tests were lost)", started,
                              report=report, **common)
        if not has_tests(baseline) and not has_tests(report) and not ran:
            common["checked_by"] = CHECKED_BY_STATIC
        verdict = Verdict(passed=True, stage="suite", elapsed_s=time.monotonic() - started,
                          **common)
        return Validation(verdict, report)
