"""One scan of a project: syntax, failing tests, tracebacks from a command or a log, ruff.

Tests and commands run in a sandbox workspace (a throwaway copy), so scanning never changes
the project. Findings come out ordered: syntax first, then test and traceback findings, then
ruff's.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from selfheal_local.detect.triage import order
from selfheal_local.errors import BadInputError
from selfheal_local.project import MAX_SOURCE_BYTES, Project
from selfheal_local.protocols import Sandbox
from selfheal_local.types import Finding, FindingSource, Frame, TestOutcome, TestReport

from .paths import is_test_path
from .ruff import run_ruff
from .syntax import SYNTAX_CODES, drop_covered, merge_syntax, syntax_findings
from .tests import run_tests
from .traceback import ParsedTraceback, closest_project_frame, parse_tracebacks, render_traceback

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
MAX_LOG_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ScanResult:
    """Everything one scan found."""

    findings: tuple[Finding, ...]
    tests: TestReport | None
    elapsed_s: float
    notes: tuple[str, ...] = ()
    """Things a person should know that are not breakage (no tests, files too large to parse)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "tests": _report_dict(self.tests),
            "notes": list(self.notes),
            "elapsed_s": round(self.elapsed_s, 3),
        }


def _report_dict(report: TestReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {
        "ok": report.ok,
        "returncode": report.returncode,
        "timed_out": report.timed_out,
        "total": len(report.outcomes),
        "passed": sorted(report.passed),
        "failed": sorted(report.failed),
        "collection_errors": [o.test_id for o in report.collection_errors],
        "elapsed_s": round(report.elapsed_s, 3),
    }


def _run_suite(project: Project, workspace: Path, sandbox: Sandbox,
               cancel: threading.Event | None) -> TestReport:
    """The whole suite; again with every pytest plugin when the trimmed run missed one."""
    from .plugins import plugin_trouble

    def run() -> TestReport:
        config = project.config
        return run_tests(workspace, sandbox, config, cancel=cancel,
                         source_roots=project.source_roots, env=project.test_env,
                         test_limit_s=config.test_case_limit())

    report = run()
    if project.test_env and not report.ok and plugin_trouble(report.output):
        log.info("the tests need a pytest plugin the project does not name: every plugin loads")
        project.load_every_plugin()
        report = run()
    return report


def scan(
    project: Project,
    sandbox: Sandbox,
    *,
    tests: bool = True,
    command: Sequence[str] | None = None,
    log: Path | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ScanResult:
    """Find what is broken in ``project``; never writes to it. Setting ``cancel`` kills the
    test run in progress (a person quit or cancelled)."""
    say = progress or (lambda _msg: None)
    started = time.monotonic()
    log_text = read_log(log) if log is not None else None
    say("checking syntax")
    ast_found = syntax_findings(project)
    say("running ruff")
    ruff_found = run_ruff(project)
    syntax = merge_syntax(ast_found, ruff_found)
    ruff_only = drop_covered(ruff_found, syntax)
    report: TestReport | None = None
    dynamic: list[Finding] = []
    if tests or command:
        with sandbox.workspace(project.root) as workspace:
            if tests:
                say("running the tests")
                report = _run_suite(project, workspace, sandbox, cancel)
                dynamic += test_findings(report, project.config.test_timeout_s)
            if command:
                say(f"running {' '.join(command)}")
                dynamic += command_findings(command, workspace, sandbox, project.config.test_timeout_s,
                                            project.config.python_for(project.root))
    if log_text is not None:
        say(f"reading {log}")
        dynamic += traceback_findings(parse_tracebacks(log_text, project.root))
    syntax, dynamic = _fold_syntax(syntax, _dedupe(dynamic))
    # what blocks first: syntax, import failures, failing tests, ruff's breakage rules, lint
    findings = tuple(order((*syntax, *merge_duplicates([*dynamic, *ruff_only]))))
    return ScanResult(
        findings=findings,
        tests=report,
        elapsed_s=time.monotonic() - started,
        notes=tuple(_notes(project, report)),
    )


def read_log(path: Path) -> str:
    """The text of a log file; ``BadInputError`` when it cannot be used."""
    try:
        if not path.is_file():
            raise BadInputError(f"{path}: no such log file; pass a readable text file to --log")
        if path.stat().st_size > MAX_LOG_BYTES:
            raise BadInputError(f"{path}: log larger than {MAX_LOG_BYTES >> 20} MB; pass its tail")
        data = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read the log ({exc.strerror})") from exc
    if b"\x00" in data[:8192]:
        raise BadInputError(f"{path}: not a text file; pass a log file to --log")
    return data.decode("utf-8", errors="replace")


def test_findings(report: TestReport, timeout_s: float) -> list[Finding]:
    """One finding per distinct failure: same exception at the same place merges test ids."""
    if report.timed_out:
        return [_timeout_finding(report, timeout_s)]
    failing = [o for o in report.outcomes if o.outcome in ("failed", "error")]
    return merge_outcomes([*report.collection_errors, *failing])


def findings_from_report(report: TestReport, project: Project) -> list[Finding]:
    """The findings of a test report obtained elsewhere (e.g. a validation run)."""
    return test_findings(report, project.config.test_timeout_s)


def _timeout_finding(report: TestReport, timeout_s: float) -> Finding:
    return Finding(
        source=FindingSource.TEST.value,
        file="",
        line=0,
        code="TimeoutError",
        message=(
            f"the test suite did not finish within {timeout_s:g}s and was stopped (a test hangs "
            "or loops forever); raise test_timeout_s in [tool.selfheal] if it is only slow"
        ),
        traceback=report.output[-4000:],
    )


test_findings.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def merge_outcomes(outcomes: Sequence[TestOutcome]) -> list[Finding]:
    merged: dict[tuple[str, str, int], Finding] = {}
    stuck_at = _stuck_places(outcomes)
    for outcome in outcomes:
        finding = _outcome_finding(outcome, stuck_at.get(id(outcome)))
        key = (finding.code, finding.file, finding.line)
        if key in merged:
            previous = merged[key]
            ids = previous.test_ids + tuple(t for t in finding.test_ids if t not in previous.test_ids)
            merged[key] = replace(previous, test_ids=ids)
        else:
            merged[key] = finding
    return list(merged.values())


def _stuck_places(outcomes: Sequence[TestOutcome]) -> dict[int, Frame]:
    """Tests stopped by the per-test limit (``hangguard``) that were in one function of the
    project's code are one stuck loop: the alarm lands wherever the loop happens to be in each
    (its condition, its body, a callee). The group gets one frame (by ``id`` of the outcome):
    of each test's innermost frame in a function all of them share, the commonest."""
    from collections import Counter

    from .hangguard import stopped

    def places(o: TestOutcome) -> list[Frame]:
        return [f for f in o.frames if f.in_project and not is_test_path(f.file)]

    def where(f: Frame) -> tuple[str, str]:
        return f.file, f.function or str(f.line)

    # a test joins the first group whose shared functions it is also in; the group keeps the
    # ones all its tests share (never none: a chain of tests each sharing a function only
    # with the next is not one loop)
    groups: list[tuple[set[tuple[str, str]], list[TestOutcome]]] = []
    for outcome in (o for o in outcomes if stopped(o.exception_type) and places(o)):
        mine = {where(f) for f in places(outcome)}
        for i, (shared, members) in enumerate(groups):
            if shared & mine:
                groups[i] = (shared & mine, [*members, outcome])
                break
        else:
            groups.append((mine, [outcome]))
    out: dict[int, Frame] = {}
    for shared, group in (g for g in groups if len(g[1]) > 1):
        inner = [[f for f in places(o) if where(f) in shared][-1] for o in group]
        best = Counter((f.file, f.line) for f in inner).most_common(1)[0][0]
        frame = next(f for f in inner if (f.file, f.line) == best)
        for outcome in group:
            out[id(outcome)] = frame
    return out


def _outcome_finding(outcome: TestOutcome, stuck_at: Frame | None = None) -> Finding:
    target = stuck_at or closest_project_frame(outcome.frames)
    file = target.file if target else outcome.test_id.split("::")[0]
    return Finding(
        source=FindingSource.TEST.value,
        file=file,
        line=target.line if target else 0,
        code=outcome.exception_type or "TestFailure",
        message=outcome.message or f"{outcome.test_id} {outcome.outcome}",
        traceback=outcome.traceback,
        frames=outcome.frames,
        test_ids=(outcome.test_id,) if outcome.test_id else (),
    )


def command_findings(
    command: Sequence[str], workspace: Path, sandbox: Sandbox, timeout_s: float,
    python: str = "",
) -> list[Finding]:
    """Run ``command`` in the workspace; its tracebacks (or its failure) become findings.

    ``python``/``python3`` as the command's first word is the project's interpreter (the one its
    tests run with): the sandbox shows only what a run needs, not the user's PATH shims."""
    argv = list(command)
    if python and argv and argv[0] in ("python", "python3"):
        argv[0] = python
    result = sandbox.run(argv, cwd=workspace, timeout_s=timeout_s)
    shown = " ".join(command)
    if result.timed_out:
        return [Finding(
            source=FindingSource.TRACEBACK.value, file="", line=0, code="TimeoutError",
            message=f"'{shown}' did not finish within {timeout_s:g}s and was stopped",
            traceback=(result.stderr or result.stdout)[-4000:],
        )]
    found = traceback_findings(parse_tracebacks(result.stderr + "\n" + result.stdout, workspace))
    if not found and result.returncode != 0:
        tail = [ln for ln in (result.stderr or result.stdout).splitlines() if ln.strip()]
        found = [Finding(
            source=FindingSource.TRACEBACK.value, file="", line=0, code="CommandFailed",
            message=f"'{shown}' exited with status {result.returncode}"
            + (f": {tail[-1].strip()}" if tail else " and printed nothing"),
            traceback="\n".join(tail[-40:]),
        )]
    return found


def traceback_findings(parsed: Sequence[ParsedTraceback]) -> list[Finding]:
    """Findings from parsed tracebacks, one per distinct (exception, location)."""
    found: dict[tuple[str, str, int], Finding] = {}
    for tb in parsed:
        target = tb.target
        finding = Finding(
            source=FindingSource.TRACEBACK.value,
            file=target.file if target else "",
            line=target.line if target else 0,
            code=tb.exception_type,
            message=tb.message,
            traceback=render_traceback(tb),
            frames=tb.project_frames,
        )
        found.setdefault((finding.code, finding.file, finding.line), finding)
    return list(found.values())


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """The same error seen twice (by the command and in the log) is one finding."""
    seen: dict[tuple[str, str, str, int], Finding] = {}
    for f in findings:
        seen.setdefault((f.source, f.code, f.file, f.line), f)
    return list(seen.values())


# one problem, two reporters: ruff's F821 and the NameError of a test run
_UNDEFINED = (re.compile(r"^Undefined name [`'\"](?P<name>[^`'\"]+)[`'\"]"),
              re.compile(r"^(?:global )?name [`'\"](?P<name>[^`'\"]+)[`'\"] is not defined"))


def undefined_name(finding: Finding) -> str:
    """The name of an undefined-name finding (ruff F821 or a NameError), else ""."""
    if finding.code not in ("F821", "NameError"):
        return ""
    for pattern in _UNDEFINED:
        match = pattern.match(finding.message.strip())
        if match:
            return match.group("name")
    return ""


def merge_duplicates(findings: Sequence[Finding]) -> list[Finding]:
    """One problem is one finding: ruff's F821 for a name and the NameError a test or a run
    raised for the same name in the same file merge into the NameError (its tests, traceback
    and frames) at ruff's exact span, so one answer covers both."""
    raised = {(f.file, undefined_name(f)): i for i, f in enumerate(findings)
              if f.code == "NameError" and undefined_name(f)}
    merged, absorbed = list(findings), set()
    for key, index in raised.items():
        lint = [i for i, f in enumerate(findings) if f.code == "F821"
                and (f.file, undefined_name(f)) == key]
        if not lint:
            continue
        dynamic = findings[index]
        best = next((i for i in lint if findings[i].line == dynamic.line), lint[0])
        ruff = findings[best]
        merged[index] = replace(dynamic, line=ruff.line, column=ruff.column,
                                end_line=ruff.end_line, end_column=ruff.end_column)
        absorbed.add(best)
    return [f for i, f in enumerate(merged) if i not in absorbed]


def _fold_syntax(syntax: list[Finding], dynamic: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """A test/traceback SyntaxError in a file that has a syntax finding is that finding."""
    by_file = {f.file: i for i, f in enumerate(syntax)}
    syntax = list(syntax)
    rest: list[Finding] = []
    for finding in dynamic:
        index = by_file.get(_syntax_file(finding)) if finding.code in SYNTAX_CODES else None
        if index is None:
            rest.append(finding)
            continue
        known = syntax[index]
        ids = known.test_ids + tuple(t for t in finding.test_ids if t not in known.test_ids)
        syntax[index] = replace(known, test_ids=ids)
    return syntax, rest


def _syntax_file(finding: Finding) -> str:
    # a SyntaxError's own "frame" is the broken file itself (the innermost one)
    return finding.frames[-1].file if finding.frames else finding.file


def _notes(project: Project, report: TestReport | None) -> list[str]:
    notes = []
    if report is not None and report.returncode == 5 and not report.outcomes:
        notes.append("no tests were collected; fixes cannot be proven without tests")
    for rel in project.python_files:
        try:
            size = (project.root / rel).stat().st_size
        except OSError:
            continue
        if size > MAX_SOURCE_BYTES:
            notes.append(f"{rel}: larger than {MAX_SOURCE_BYTES >> 20} MB; checked by ruff only")
    return notes


__all__ = [
    "ScanResult", "command_findings", "findings_from_report", "merge_duplicates", "merge_outcomes", "read_log",
    "scan", "test_findings", "undefined_name",
    "traceback_findings",
]
