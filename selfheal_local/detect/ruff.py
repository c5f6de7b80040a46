"""ruff as a detector and as a fixer of text: its JSON output becomes ``Finding`` values.

Always an explicit rule selection plus ``--isolated`` unless the project configures ruff
itself (then its own configuration decides). ruff is a trusted, read-only static tool, so it
runs directly (with a timeout) rather than in the sandbox.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from selfheal_local.config import project_has_ruff_config
from selfheal_local.errors import BadInputError
from selfheal_local.project import SKIP_DIRS, Project
from selfheal_local.types import Finding, FindingSource

from .errors import DetectionError

log = logging.getLogger(__name__)

RUFF_TIMEOUT_S = 300.0
SYNTAX_RULES = frozenset({"invalid-syntax", "E999", "syntax-error"})


def ruff_bin() -> str:
    """Path of the ruff executable shipped with the ``ruff`` package (or on PATH)."""
    try:
        from ruff.__main__ import find_ruff_bin

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("ruff")
        if found:
            return found
    raise DetectionError("ruff is not installed; install it with 'pip install ruff'")


def _selection(project: Project, select: Sequence[str] | None) -> list[str]:
    if select is not None:
        return ["--select", ",".join(select)] + ([] if _configured(project) else ["--isolated"])
    if _configured(project):
        return []
    return ["--isolated", "--select", ",".join(project.config.ruff_select)]


def _configured(project: Project) -> bool:
    return project_has_ruff_config(project.root)


def ruff_check_argv(project: Project, select: Sequence[str] | None = None) -> list[str]:
    """argv of ``ruff check`` over the whole project with JSON output."""
    return [
        ruff_bin(), "check", "--output-format", "json", "--no-cache", "--exit-zero",
        *_selection(project, select),
        "--extend-exclude", ",".join(sorted(SKIP_DIRS)),
        ".",
    ]


def _run(argv: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[bytes]:
    """The one place ruff is started."""
    try:
        proc = subprocess.run(
            argv, cwd=cwd, input=stdin.encode("utf-8", "surrogateescape") if stdin is not None else None,
            capture_output=True, timeout=RUFF_TIMEOUT_S, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DetectionError(f"ruff did not finish within {RUFF_TIMEOUT_S:.0f}s") from exc
    except OSError as exc:
        raise DetectionError(f"cannot run ruff ({exc.strerror})") from exc
    if proc.returncode not in (0, 1):
        causes = _causes(proc.stderr.decode("utf-8", "replace"))
        if any(word in " ".join(causes).lower() for word in ("config", "toml", "selector")):
            raise BadInputError(
                f"ruff cannot use the project's ruff configuration: {causes[-1]}; fix it or "
                "remove it (without one, selfheal uses its own rule selection)"
            )
        raise DetectionError(f"ruff failed (exit {proc.returncode}): {causes[-1]}")
    return proc


def _causes(stderr: str) -> list[str]:
    """ruff's error lines (``Cause: ...``), most specific last; never empty."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    causes = [ln.removeprefix("Cause:").strip() for ln in lines if ln.startswith("Cause:")]
    return causes or lines[:1] or ["no output"]


def run_ruff(project: Project, select: Sequence[str] | None = None) -> list[Finding]:
    """ruff's findings for the whole project (files outside it, e.g. via symlinks, dropped)."""
    proc = _run(ruff_check_argv(project, select), project.root)
    known = set(project.python_files)
    findings = parse_ruff_json(proc.stdout.decode("utf-8", "replace"), project.root)
    return [f for f in findings if f.file in known]


def parse_ruff_json(text: str, root: Path) -> list[Finding]:
    """ruff's ``--output-format json`` -> findings with project-relative paths."""
    try:
        items = json.loads(text or "[]")
    except json.JSONDecodeError as exc:
        raise DetectionError(f"ruff printed something that is not JSON: {text[:120]!r}") from exc
    findings = [_finding(item, root) for item in items if isinstance(item, dict)]
    return sorted(findings, key=lambda f: (f.file, f.line, f.column, f.code))


def _finding(item: dict[str, Any], root: Path) -> Finding:
    code = item.get("code") or "invalid-syntax"
    is_syntax = code in SYNTAX_RULES
    location = item.get("location") or {}
    end = item.get("end_location") or {}
    fix = item.get("fix") or {}
    return Finding(
        source=(FindingSource.SYNTAX if is_syntax else FindingSource.RUFF).value,
        file=_relative(item.get("filename") or "", root),
        line=int(location.get("row") or 0),
        code="SyntaxError" if is_syntax else code,
        message=str(item.get("message") or ""),
        column=int(location.get("column") or 0),
        end_line=int(end.get("row") or 0),
        end_column=int(end.get("column") or 0),
        fix_applicability=str(fix.get("applicability") or "") if fix else "",
    )


def _relative(filename: str, root: Path) -> str:
    path = Path(filename)
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        pass
    try:  # resolved only when needed: resolve() per finding cost ~100 µs (20k findings: 2 s)
        return path.relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        pass
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


def ruff_check_text(
    text: str, rel_path: str, project: Project, select: Sequence[str] | None = None
) -> list[Finding]:
    """ruff's findings for ``text`` as if it were the project file ``rel_path``."""
    argv = [
        ruff_bin(), "check", "--output-format", "json", "--no-cache", "--exit-zero",
        *_selection(project, select), "--stdin-filename", rel_path, "-",
    ]
    proc = _run(argv, project.root, stdin=text)
    findings = parse_ruff_json(proc.stdout.decode("utf-8", "replace"), project.root)
    return [_with_file(f, rel_path) for f in findings]


def _with_file(finding: Finding, rel_path: str) -> Finding:
    if finding.file == rel_path:
        return finding
    return Finding(**{**finding.__dict__, "file": rel_path})


def ruff_fix_text(
    text: str,
    rel_path: str,
    project: Project,
    *,
    unsafe: bool = False,
    select: Sequence[str] | None = None,
) -> str:
    """``text`` with ruff's fixes applied (safe ones; unsafe too when asked); ``select`` narrows."""
    argv = [
        ruff_bin(), "check", "--fix-only", "--exit-zero", "--no-cache", "--quiet",
        *_selection(project, select),
        *(["--unsafe-fixes"] if unsafe else ["--no-unsafe-fixes"]),
        "--stdin-filename", rel_path, "-",
    ]
    proc = _run(argv, project.root, stdin=text)
    return proc.stdout.decode("utf-8", "surrogateescape")


__all__ = [
    "parse_ruff_json",
    "ruff_bin",
    "ruff_check_argv",
    "ruff_check_text",
    "ruff_fix_text",
    "run_ruff",
]
