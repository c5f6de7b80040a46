"""Fault localization: which statements go with the failing tests (spectrum-based, Ochiai).

Once per finding, the failing tests' files (the failing tests and the tests next to them) run
in the sandbox under coverage.py with one dynamic context per test (a small pytest plugin
written into the workspace switches the context at each test's setup and records each test's
outcome; a test module that cannot be imported is a failing test of its own, credited with
what its import ran). Each statement executed by a failing test scores

    ochiai(s) = failed(s) / sqrt(total_failed * (failed(s) + passed(s)))

and the ranking (most suspicious first, ties by fewer covering tests, then nearer the traceback)
is attached to the diagnosis (``Diagnosis.suspects``), where the mutation search, the model
prompt and the TUI read it. Results are cached until a project file changes. When coverage
cannot run (no pytest, coverage not installed for the project's interpreter, a time-out), the
traceback's frames stand in (``localized_by = "frames"``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from ..detect.hangguard import guard_args, guard_files, with_guard_path
from ..detect.importpath import import_env
from ..detect.tests import function_id, is_pytest
from ..project import Project
from ..protocols import Sandbox
from ..types import Diagnosis, Suspect, TestReport

log = logging.getLogger(__name__)

SKIPPED_PATTERNS = frozenset({"syntax_error", "lint"})
"""Findings that never run. An import or name error a failing test raised is localized like any
other failure: the project's own import hook or a wrong version flag is often the fault, not the
line the traceback names (a static finding has no failing test and falls back to its line)."""
MAX_SUSPECTS = 150
SLOW_NEIGHBOUR_S = 0.5
"""A passing neighbour of a failing test slower than this in the baseline is left out of the
covered run: traced, a compute-heavy test costs several times its plain time (more_itertools'
4.5 s transform test took most of a 26 s run) and tells Ochiai little (it only lowers the
lines it runs)."""
MAX_LEFT_OUT = 200
COVERAGE_SLOWDOWN = 4.0
"""A covered run may take this many times the plain time-out (coverage tracing is slower)."""
PLUGIN_DIR = ".selfheal-cov"
PLUGIN_NAME = "_selfheal_cov"
RESULT_NAME = "result.json"

PLUGIN = '''"""selfheal-local: per-test line coverage (one dynamic context per test id)."""
import json
import os

import coverage
import pytest

_COLLECT = "collect:"
_root = os.getcwd()
_cov = coverage.Coverage(data_file=None, source=[_root], branch=False,
                         omit=["*/.selfheal-cov/*", "*/site-packages/*", "*/.venv/*"])
_cov.start()
_outcomes = {}


def pytest_collectstart(collector):
    if isinstance(collector, pytest.Module):  # what importing it runs: its own until it fails
        _cov.switch_context(_COLLECT + collector.nodeid)


def pytest_collectreport(report):
    if report.failed and report.nodeid:
        _outcomes[report.nodeid] = "failed"


def pytest_collection_finish(session):
    _cov.switch_context(_COLLECT)


def pytest_runtest_setup(item):
    _cov.switch_context(item.nodeid)


def pytest_runtest_logreport(report):
    if report.failed:
        _outcomes[report.nodeid] = "failed"
    elif report.when == "call" and report.passed:
        _outcomes.setdefault(report.nodeid, "passed")


def _context(name):
    """A module that imported cleanly ran its import for every test (the shared context "");
    one whose import failed ran it as that failing module's own."""
    if not name.startswith(_COLLECT):
        return name
    module = name[len(_COLLECT):]
    return module if _outcomes.get(module) == "failed" else ""


def pytest_sessionfinish(session):
    _cov.stop()
    data = _cov.get_data()
    lines = {}
    for path in data.measured_files():
        rel = os.path.relpath(path, _root)
        by_line = data.contexts_by_lineno(path)
        lines[rel] = {str(n): sorted({_context(c) for c in ctx}) for n, ctx in by_line.items()}
    out = os.path.join(_root, "''' + PLUGIN_DIR + '''", "''' + RESULT_NAME + '''")
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"outcomes": _outcomes, "lines": lines}, handle)
'''


IMPORT_TIME = ""
"""The context of lines run before any test: module-level code at import (constants, tables,
registrations). Every test that ran depends on them, so they count as run by every test."""
SHARED_WEIGHT = 0.5
"""Import-time lines are weaker evidence than lines a failing test ran itself: their score is
scaled by this, and they rank after every such line (the search reads the score)."""


@dataclass(frozen=True)
class Spectrum:
    """Per-test outcomes and, per (file, line), the tests that executed it (``IMPORT_TIME``
    among them: every test)."""

    outcomes: Mapping[str, str]
    lines: Mapping[str, Mapping[int, frozenset[str]]]

    def tests_covering(self, rel: str, lines: Collection[int]) -> frozenset[str] | None:
        """Ids of the tests (of the files that ran) that executed any of ``lines`` of ``rel``;
        None when ``rel`` was not measured (``evidence.TestCoverage``)."""
        by_line = self.lines.get(rel)
        if by_line is None:
            return None
        found: set[str] = set()
        for line in lines:
            found |= by_line.get(line, frozenset())
        if IMPORT_TIME in found:
            found |= set(self.outcomes)
        return frozenset(found - {IMPORT_TIME})


def ochiai(failed_s: int, passed_s: int, total_failed: int) -> float:
    """Ochiai's suspiciousness of one statement (0 when no failing test ran it)."""
    if failed_s <= 0 or total_failed <= 0:
        return 0.0
    return failed_s / math.sqrt(total_failed * (failed_s + passed_s))


def _matches(test_id: str, wanted: Iterable[str]) -> bool:
    """``test_id`` is one of ``wanted`` (a module id stands for every test in it)."""
    for w in wanted:
        if test_id == w or test_id.startswith(w + "::") or function_id(test_id) == w:
            return True
    return False


def rank(spectrum: Spectrum, failing: Iterable[str], project: Project | None = None,
         near: Iterable[tuple[str, int]] = ()) -> list[Suspect]:
    """Statements ranked by Ochiai over ``spectrum``; only the failing tests of this finding
    count as failing (other failing tests are left out, passing tests all count)."""
    wanted = tuple(failing)
    failed = {t for t, o in spectrum.outcomes.items() if o == "failed"
              and (not wanted or _matches(t, wanted))}
    passed = {t for t, o in spectrum.outcomes.items() if o == "passed"}
    if not failed:
        return []
    near_files = {f: line for f, line in near}
    scored: list[tuple[tuple, Suspect]] = []
    for rel, by_line in spectrum.lines.items():
        if project is not None and (rel not in project.python_files or project.is_protected(rel)):
            continue
        for line, tests in by_line.items():
            # run at import: as run by every test, a tier after every line some test ran
            # itself; unless the tests that ran it again (a lambda's body) score it higher
            ef, ep = len(tests & failed), len(tests & passed)
            score = ochiai(ef, ep, len(failed))
            shared = IMPORT_TIME in tests and score < SHARED_WEIGHT * ochiai(
                len(failed), len(passed), len(failed))
            if shared:
                ef, ep = len(failed), len(passed)
                score = SHARED_WEIGHT * ochiai(ef, ep, len(failed))
            if score <= 0:
                continue
            hint = abs(near_files[rel] - line) if rel in near_files else 10_000
            scored.append(((shared, -round(score, 6), ef + ep, hint, rel, line),
                           Suspect(rel, line, round(score, 4), at_import=shared)))
    scored.sort(key=lambda item: item[0])
    return [s for _key, s in scored]


def _fingerprint(project: Project, test_ids: Iterable[str]) -> str:
    digest = hashlib.sha1("\n".join(sorted(test_ids)).encode())
    for rel in sorted(project.python_files):
        try:
            st = (project.root / rel).stat()
        except OSError:
            continue
        digest.update(f"{rel}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def test_files(test_ids: Iterable[str]) -> list[str]:
    """The files of the failing tests: they run whole, so their passing neighbours count."""
    return list(dict.fromkeys(t.split("::")[0] for t in test_ids if t))


test_files.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def slow_neighbours(baseline: TestReport | None, failing: Iterable[str]) -> list[str]:
    """Passing tests in the failing tests' files slower than ``SLOW_NEIGHBOUR_S`` (slowest
    first, at most ``MAX_LEFT_OUT``): what the covered run leaves out."""
    if baseline is None:
        return []
    files = set(test_files(failing))
    slow = [o for o in baseline.outcomes if o.outcome == "passed" and "::" in o.test_id
            and o.test_id.split("::")[0] in files and o.duration_s > SLOW_NEIGHBOUR_S]
    return [o.test_id for o in sorted(slow, key=lambda o: -o.duration_s)][:MAX_LEFT_OUT]


def collect(project: Project, sandbox: Sandbox, test_ids: Iterable[str],
            cancel: threading.Event | None = None,
            test_limit_s: float | None = None, leave_out: Iterable[str] = ()) -> Spectrum | None:
    """Run the failing tests' files under per-test coverage in a sandbox workspace;
    setting ``cancel`` kills the run (None: no spectrum). ``test_limit_s``: a candidate's
    per-test limit (from the baseline run): a covered test gets ``COVERAGE_SLOWDOWN`` times it,
    so a test that hangs costs seconds here too, not ``test_case_timeout_s``. ``leave_out``:
    passing tests not to run (``slow_neighbours``)."""
    config = project.config
    base = config.test_argv(project.root)
    files = test_files(test_ids)
    if not is_pytest(base) or not files:
        return None
    # a test that hangs stops at its own limit (and reads as failed) instead of the run's
    overrides = {f"{PLUGIN_DIR}/{PLUGIN_NAME}.py": PLUGIN, **guard_files()}
    limit = config.test_case_limit()
    if limit and test_limit_s:
        limit = min(limit, test_limit_s * COVERAGE_SLOWDOWN)
    argv = [*base, "-p", PLUGIN_NAME, *(guard_args(limit) if limit else ()),
            "-p", "no:cacheprovider", "-q", "--rootdir=.", "--tb=no",
            "-o", "console_output_style=classic",
            *(f"--deselect={t}" for t in leave_out), *files]
    with sandbox.workspace(project.root, overrides) as ws:
        extra = {"cancel": cancel} if cancel is not None else {}  # injected sandboxes need not take it
        env = with_guard_path(ws, {**project.test_env, "PYTHONPATH": str(ws / PLUGIN_DIR)})
        result = sandbox.run(argv, cwd=ws, timeout_s=config.test_timeout_s * COVERAGE_SLOWDOWN,
                             env=import_env(ws, project.source_roots, env), **extra)
        out = ws / PLUGIN_DIR / RESULT_NAME
        if result.timed_out or not out.is_file():
            log.info("coverage could not run (rc %s): %s", result.returncode,
                     (result.stderr or result.stdout)[-300:])
            return None
        try:
            raw = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.info("unreadable coverage result: %s", exc)
            return None
    lines = {rel.replace("\\", "/"): {int(n): frozenset(c) for n, c in by.items()}
             for rel, by in raw.get("lines", {}).items()}
    return Spectrum(dict(raw.get("outcomes", {})), lines)


def _with_functions(suspects: list[Suspect], project: Project) -> list[Suspect]:
    from .imports_graph import ImportGraph

    graph = ImportGraph(project)
    out = []
    for s in suspects:
        ref = graph.function_at(s.file, s.line)
        out.append(replace(s, function=ref.qualname) if ref else s)
    return out


def from_frames(diagnosis: Diagnosis, project: Project) -> list[Suspect]:
    """Today's fallback: the traceback's project frames, innermost first, decreasing scores."""
    sites: list[tuple[str, int]] = []
    if diagnosis.file and diagnosis.line:
        sites.append((diagnosis.file, diagnosis.line))
    sites += [(f.file, f.line) for f in reversed(diagnosis.finding.frames)
              if f.in_project and f.file and f.line]
    out: list[Suspect] = []
    for rel, line in dict.fromkeys(sites):
        if rel in project.python_files and not project.is_protected(rel):
            out.append(Suspect(rel, line, round(1.0 / (1 + len(out)), 4)))
    return out


class Localizer:
    """Localizes findings once each, cached until the project's files change."""

    def __init__(self, sandbox: Sandbox | None, *, cache_size: int = 32) -> None:
        self.sandbox = sandbox
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[list[Suspect], str, Spectrum | None]] = OrderedDict()
        self.runs = 0
        """Coverage runs actually made (a cache hit makes none)."""
        self.coverage: Spectrum | None = None
        """The spectrum of the last localization that ran coverage (per-test line coverage)."""
        self.cancel: threading.Event | None = None
        """Set by the job that localizes (the TUI's x and q): kills a coverage run at once."""
        self.test_limit_s: float | None = None
        """A candidate's per-test limit, set by the healer from its baseline (``collect``)."""
        self.baseline: TestReport | None = None
        """The suite's last run: its slow passing tests are left out of covered runs."""

    def use_baseline(self, baseline: TestReport | None, test_limit_s: float | None) -> None:
        self.baseline, self.test_limit_s = baseline, test_limit_s

    def suspects(self, diagnosis: Diagnosis, project: Project) -> tuple[list[Suspect], str]:
        """``(suspects, method)`` for the diagnosis; method is coverage | frames | ""."""
        if diagnosis.pattern in SKIPPED_PATTERNS:
            return [], ""
        failing = diagnosis.test_ids or diagnosis.finding.test_ids
        key = _fingerprint(project, failing) if failing else ""
        if key and key in self._cache:
            self._cache.move_to_end(key)
            suspects, method, self.coverage = self._cache[key]
            return suspects, method
        found: tuple[list[Suspect], str] = ([], "")
        spectrum: Spectrum | None = None
        if failing and self.sandbox is not None:
            try:
                self.runs += 1
                spectrum = collect(project, self.sandbox, failing, cancel=self.cancel,
                                   test_limit_s=self.test_limit_s,
                                   leave_out=slow_neighbours(self.baseline, failing))
            except Exception as exc:  # localization is a help, never a reason to fail a heal
                log.warning("coverage localization failed: %s", exc)
                spectrum = None
            if spectrum is not None:
                near = [(f.file, f.line) for f in diagnosis.finding.frames if f.in_project]
                ranked = rank(spectrum, failing, project, near)[:MAX_SUSPECTS]
                if ranked:
                    found = (_with_functions(ranked, project), "coverage")
        if not found[0]:
            frames = from_frames(diagnosis, project)
            found = (_with_functions(frames, project), "frames") if frames else ([], "")
        self.coverage = spectrum
        if key and not (self.cancel is not None and self.cancel.is_set()):  # never keep a cut run
            self._cache[key] = (*found, spectrum)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return found

    def localize(self, diagnosis: Diagnosis, project: Project) -> Diagnosis:
        """The diagnosis with ``suspects`` and ``localized_by`` filled in (a copy)."""
        if diagnosis.suspects:
            return diagnosis
        suspects, method = self.suspects(diagnosis, project)
        if not suspects:
            return diagnosis
        return replace(diagnosis, suspects=tuple(suspects), localized_by=method)


def suspects_of(diagnosis: Diagnosis, limit: int = 10) -> list[Suspect]:
    """The accessor for readers (model prompt, TUI, JSON): the top ``limit`` suspects."""
    return list(diagnosis.suspects[:limit])


def suspicious_functions(diagnosis: Diagnosis, limit: int = 3) -> list[tuple[str, str]]:
    """``(file, qualname)`` of the most suspicious functions, best first (for the prompt)."""
    out: list[tuple[str, str]] = []
    for s in diagnosis.suspects:
        key = (s.file, s.function)
        if s.function and key not in out:
            out.append(key)
            if len(out) >= limit:
                break
    return out


__all__ = ["Localizer", "Spectrum", "collect", "from_frames", "ochiai", "rank",
           "suspects_of", "suspicious_functions"]
