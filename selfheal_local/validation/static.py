"""The checks before any test runs: policy, parse, and ruff on the changed files (no new
finding, and a ruff finding being fixed is no longer reported)."""

from __future__ import annotations

import ast
import threading
from collections import Counter, OrderedDict

from selfheal_local.detect.triage import is_error_rule
from selfheal_local.project import Project, parsed
from selfheal_local.types import Diagnosis, Patch
from selfheal_local.validation.evidence import changes
from selfheal_local.validation.policy import check_patch


def _ruff_keys(findings) -> Counter:
    # compare by rule and message, not line: an edit shifts lines without adding findings
    return Counter((f.code, f.message) for f in findings)


_BEFORE: OrderedDict[tuple, list] = OrderedDict()
_BEFORE_LOCK = threading.Lock()
RUFF_CONFIGS = ("pyproject.toml", "ruff.toml", ".ruff.toml")


def _findings_before(edit, project: Project) -> list:  # noqa: ANN001 - FileEdit
    """ruff's findings for the text an edit replaces, kept for the next candidate on the same
    file (ruff on a large module costs a few tenths of a second; its configuration's files are
    part of the key)."""
    from selfheal_local.detect.ruff import ruff_check_text

    stamps = []
    for name in RUFF_CONFIGS:
        try:
            stamps.append((project.root / name).stat().st_mtime_ns)
        except OSError:
            stamps.append(None)
    key = (str(project.root), edit.path, hash(edit.before), len(edit.before), tuple(stamps))
    with _BEFORE_LOCK:
        if key in _BEFORE:
            _BEFORE.move_to_end(key)
            return _BEFORE[key]
    found = ruff_check_text(edit.before, edit.path, project)
    with _BEFORE_LOCK:
        _BEFORE[key] = found
        while len(_BEFORE) > 16:
            _BEFORE.popitem(last=False)
    return found


def _edited_lines(before: str, after: str, margin: int = 2) -> set[int]:
    """Line numbers of ``after`` that an edit wrote, with ``margin`` lines around them."""

    near: set[int] = set()
    for _i1, _i2, j1, j2 in changes(before.splitlines(), after.splitlines()):
        near.update(range(j1 + 1 - margin, max(j2, j1 + 1) + 1 + margin))
    return near



def check_static(patch: Patch, project: Project,
                 diagnosis: Diagnosis | None = None) -> tuple[str, str] | None:
    """Policy, parse and ruff: (stage, reason) of the first failure, or None."""
    reason = check_patch(patch, project)
    if reason:
        return ("policy", reason)
    for edit in patch.edits:
        if not edit.path.endswith(".py"):
            continue
        if parsed(edit.after) is not None:
            continue
        try:
            ast.parse(edit.after, filename=edit.path)
        except (SyntaxError, ValueError) as exc:
            where = f"{edit.path}:{exc.lineno}" if isinstance(exc, SyntaxError) else edit.path
            return ("parse", f"{where}: {exc.msg if isinstance(exc, SyntaxError) else exc}")
    from selfheal_local.detect.ruff import ruff_check_text

    for edit in patch.edits:
        if not edit.path.endswith(".py"):
            continue
        before_findings = _findings_before(edit, project)
        after_findings = ruff_check_text(edit.after, edit.path, project)
        if parsed(edit.before) is None:
            # ruff saw only the syntax error before: findings it can see now are not new
            # unless they are errors in their own right, where the candidate wrote (the rest
            # of the file was there all along, hidden behind the syntax error)
            near = _edited_lines(edit.before, edit.after)
            after_findings = [f for f in after_findings
                              if is_error_rule(f.code) and f.line in near]
        before, after = _ruff_keys(before_findings), _ruff_keys(after_findings)
        new = after - before
        if new:
            code, message = next(iter(new))
            return ("ruff", f"{edit.path}: new ruff finding {code} {message}")
        finding = diagnosis.finding if diagnosis else None
        if finding and finding.source == "ruff" and finding.file == edit.path:
            key = (finding.code, finding.message)
            if after[key] >= before[key]:
                return ("ruff", f"{edit.path}: {finding.code} is still reported")
    return None

