"""Helpers for the fixer tests: broken projects in tmp_path, candidates, and a real pytest run."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from selfheal_local.fixers import RuleSource
from selfheal_local.project import Project
from selfheal_local.types import Diagnosis, Finding, Patch


def make_project(root: Path, files: dict[str, str]) -> Project:
    """Write ``files`` (dedented) under ``root`` and open it as a project."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return Project.open(root)


def diagnosis(
    pattern: str, exception_type: str, message: str, file: str, line: int, *,
    name: str = "", details: dict[str, str] | None = None, source: str = "test", code: str = "",
) -> Diagnosis:
    finding = Finding(source=source, file=file, line=line, code=code or exception_type,
                      message=message)
    return Diagnosis(finding=finding, pattern=pattern, exception_type=exception_type,
                     message=message, name=name, file=file, line=line,
                     details=details or {})


def candidates(diag: Diagnosis, project: Project) -> list[Patch]:
    """Every rule candidate for ``diag``, best first (confidence, then registration order)."""
    found = list(RuleSource().propose(diag, project))
    return sorted(found, key=lambda p: -p.confidence)


def run_tests(root: Path) -> bool:
    """True when the project's own tests pass."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-o", "addopts="],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
    )
    return done.returncode == 0


def passes(project: Project, patch: Patch, scratch: Path) -> bool:
    """Apply ``patch`` to a copy of the project and run its tests."""
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(project.root, scratch)
    for edit in patch.edits:
        (scratch / edit.path).write_text(edit.after, encoding="utf-8")
    return run_tests(scratch)


def first_passing(project: Project, patches: list[Patch], scratch: Path) -> int:
    """Index of the first candidate that makes the tests pass (-1 when none does)."""
    for index, patch in enumerate(patches):
        if passes(project, patch, scratch / f"c{index}"):
            return index
    return -1


def patched(patch: Patch, rel: str) -> str:
    """The new text of ``rel`` in ``patch``."""
    return next(e.after for e in patch.edits if e.path == rel)
