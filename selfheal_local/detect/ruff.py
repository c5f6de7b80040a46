"""ruff as a detector and as a fixer of text: its JSON output becomes ``Finding`` values.

Always an explicit rule selection plus ``--isolated`` unless the project configures ruff
itself (then its own configuration decides). ruff is a trusted, read-only static tool, so it
runs directly (with a timeout) rather than in the sandbox.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from selfheal_local.config import project_has_ruff_config
from selfheal_local.errors import BadInputError
from selfheal_local.project import SKIP_DIRS, Project
from selfheal_local.types import Finding, FindingSource

from .errors import DetectionError
from .ruff_runner import RuffOutput, RuffRunner, default_runner, ruff_bin

log = logging.getLogger(__name__)

SYNTAX_RULES = frozenset({"invalid-syntax", "E999", "syntax-error"})


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
    return [ruff_bin(), *_check_args(project, select)]


def _check_args(project: Project, select: Sequence[str] | None) -> list[str]:
    return [
        "check", "--output-format", "json", "--no-cache", "--exit-zero",
        *_selection(project, select),
        "--extend-exclude", ",".join(sorted(SKIP_DIRS)),
        ".",
    ]


def _run(args: list[str], project: Project, stdin: str | None = None,
         runner: RuffRunner | None = None) -> RuffOutput:
    """Run ruff through ``runner`` (the real one by default); its errors become ours."""
    proc = (runner or default_runner()).run(args, cwd=project.root, stdin=stdin)
    if proc.returncode not in (0, 1):
        causes = _causes(proc.stderr)
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


def run_ruff(
    project: Project, select: Sequence[str] | None = None, *, runner: RuffRunner | None = None
) -> list[Finding]:
    """ruff's findings for the whole project (files outside it, e.g. via symlinks, dropped)."""
    proc = _run(_check_args(project, select), project, runner=runner)
    known = set(project.python_files)
    findings = parse_ruff_json(proc.stdout, project.root)
    return [f for f in findings if f.file in known and not _bound_by_submodule_import(f, project)]


def _bound_by_submodule_import(finding: Finding, project: Project) -> bool:
    """ruff's F821 on a name a package's ``__init__.py`` binds by importing its own submodule:
    ``from .exceptions import merge`` sets ``exceptions`` on the package, whose namespace *is*
    the module's globals (Python's import system does this; ruff does not model it)."""
    if finding.code != "F821" or not finding.file.endswith("__init__.py"):
        return False
    name = finding.message.split("`")[1] if finding.message.count("`") >= 2 else ""
    package = Path(finding.file).parent
    if not name or not ((project.root / package / f"{name}.py").is_file()
                        or (project.root / package / name / "__init__.py").is_file()):
        return False
    import ast

    try:
        tree = project.tree(finding.file)
    except (OSError, UnicodeDecodeError):
        return False
    own = project.module_name(finding.file) + "."
    for node in ast.walk(tree) if tree else ():
        if getattr(node, "lineno", finding.line) >= finding.line:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            full = node.module if node.level == 0 else (
                own + node.module if node.level == 1 else "")
            if full.startswith(own) and full[len(own):].split(".")[0] == name:
                return True
        if isinstance(node, ast.Import) and any(
            a.asname is None and a.name.startswith(own) and a.name[len(own):].split(".")[0] == name
            for a in node.names
        ):
            return True
    return False


def ruff_items(text: str) -> list[dict[str, Any]]:
    """The entries of ruff's ``--output-format json``."""
    try:
        items = json.loads(text or "[]")
    except json.JSONDecodeError as exc:
        raise DetectionError(f"ruff printed something that is not JSON: {text[:120]!r}") from exc
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def parse_ruff_json(text: str, root: Path) -> list[Finding]:
    """ruff's ``--output-format json`` -> findings with project-relative paths."""
    findings = [_finding(item, root) for item in ruff_items(text)]
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


def ruff_check_items(
    text: str, rel_path: str, project: Project, select: Sequence[str] | None = None,
    *, runner: RuffRunner | None = None,
) -> list[dict[str, Any]]:
    """ruff's JSON entries (with their ``fix``) for ``text`` as the project file ``rel_path``."""
    args = [*_check_args(project, select)[:-3], "--stdin-filename", rel_path, "-"]
    return ruff_items(_run(args, project, stdin=text, runner=runner).stdout)


def ruff_check_text(
    text: str, rel_path: str, project: Project, select: Sequence[str] | None = None,
    *, runner: RuffRunner | None = None,
) -> list[Finding]:
    """ruff's findings for ``text`` as if it were the project file ``rel_path``."""
    items = ruff_check_items(text, rel_path, project, select, runner=runner)
    return sorted((_with_file(_finding(item, project.root), rel_path) for item in items),
                  key=lambda f: (f.file, f.line, f.column, f.code))


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
    runner: RuffRunner | None = None,
) -> str:
    """``text`` with every ruff fix applied (safe ones; unsafe too when asked); ``select`` narrows."""
    args = [
        "check", "--fix-only", "--exit-zero", "--no-cache", "--quiet",
        *_selection(project, select),
        *(["--unsafe-fixes"] if unsafe else ["--no-unsafe-fixes"]),
        "--stdin-filename", rel_path, "-",
    ]
    return _run(args, project, stdin=text, runner=runner).stdout


def ruff_format_lines(
    text: str, rel_path: str, project: Project, first: int, last: int,
    *, runner: RuffRunner | None = None,
) -> str:
    """``text`` with lines ``first``..``last`` (1-based, inclusive) formatted by ``ruff format``."""
    end = len(text.splitlines()[last - 1]) + 1 if 0 < last <= len(text.splitlines()) else 1
    args = ["format", "--no-cache", "--quiet", *([] if _configured(project) else ["--isolated"]),
            "--range", f"{first}:1-{last}:{end}", "--stdin-filename", rel_path, "-"]
    return _run(args, project, stdin=text, runner=runner).stdout


def ruff_rule_info(code: str, *, runner: RuffRunner | None = None, cwd: Path = Path(".")
                   ) -> dict[str, Any]:
    """``ruff rule CODE`` as JSON ({} when ruff does not know the code)."""
    try:
        proc = (runner or default_runner()).run(["rule", code, "--output-format", "json"], cwd=cwd)
    except DetectionError as exc:
        log.debug("ruff rule %s: %s", code, exc)
        return {}
    try:
        info = json.loads(proc.stdout) if proc.returncode == 0 else {}
    except json.JSONDecodeError:
        return {}
    return info if isinstance(info, dict) else {}


__all__ = [
    "parse_ruff_json",
    "ruff_bin",
    "ruff_check_argv",
    "ruff_check_items",
    "ruff_check_text",
    "ruff_fix_text",
    "ruff_format_lines",
    "ruff_items",
    "ruff_rule_info",
    "run_ruff",
]
