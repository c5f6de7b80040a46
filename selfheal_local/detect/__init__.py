"""Detection: what is broken in a project (ruff, syntax, failing tests, tracebacks)."""

from __future__ import annotations

from .errors import DetectionError
from .ruff import parse_ruff_json, ruff_check_text, ruff_fix_text, run_ruff
from .ruff_runner import RuffOutput, RuffRunner, SubprocessRuff
from .scan import ScanResult, findings_from_report, scan
from .syntax import check_source, syntax_findings
from .tests import run_tests, still_failing
from .traceback import ParsedTraceback, closest_project_frame, parse_tracebacks

__all__ = [
    "DetectionError",
    "ParsedTraceback",
    "RuffOutput",
    "RuffRunner",
    "ScanResult",
    "SubprocessRuff",
    "check_source",
    "findings_from_report",
    "closest_project_frame",
    "parse_ruff_json",
    "parse_tracebacks",
    "ruff_check_text",
    "ruff_fix_text",
    "run_ruff",
    "run_tests",
    "scan",
    "still_failing",
    "syntax_findings",
]
