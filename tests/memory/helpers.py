"""Small real projects and diagnoses for the memory tests."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from selfheal_local.types import Diagnosis, FileEdit, Finding, Frame, Patch


def write_project(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    for pkg in {Path(rel).parts[0] for rel in files if "/" in rel and not rel.startswith("tests")}:
        (root / pkg / "__init__.py").touch()
    (root / "tests" / "__init__.py").touch()
    return root


def project_tests_pass(root: Path) -> bool:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=root, capture_output=True, text=True, timeout=300)
    return proc.returncode == 0


def line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def diagnosis(file: str, text: str, needle: str, *, pattern: str, exc: str, message: str,
              name: str = "") -> Diagnosis:
    """What analysis says about an error raised on the line of ``text`` containing ``needle``."""
    line = line_of(text, needle)
    lines = text.splitlines()
    start = max(i for i in range(1, line + 1) if lines[i - 1].lstrip().startswith("def "))
    end = start
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith((" ", "\t"))):
        end += 1
    code = lines[line - 1].strip()
    finding = Finding("test", file, line, exc, message,
                      frames=(Frame(file, line, lines[start - 1].split("def ")[1].split("(")[0],
                                    code),),
                      test_ids=("tests/test_x.py::test_x",))
    return Diagnosis(finding, pattern, exc, message, name=name, file=file, line=line,
                     function=finding.frames[0].function, function_span=(start, end),
                     test_ids=finding.test_ids)


def patch_of(diag: Diagnosis, before: str, after: str, *, source: str = "search") -> Patch:
    from selfheal_local.fixers.base import enclosing_region

    start, end = enclosing_region(before, diag.line)
    delta = len(after.splitlines()) - len(before.splitlines())
    return Patch(
        original_code="\n".join(before.splitlines()[start - 1:end]),
        patched_code="\n".join(after.splitlines()[start - 1:end + delta]),
        error=f"{diag.exception_type}: {diag.message}",
        edits=(FileEdit(diag.file, before, after),), source=source,
        explanation="test fix", pattern=diag.pattern)
