"""A changed module that no test exercises is held to importing (its module-level code runs
in the sandbox): the only dynamic check such a change gets."""

from __future__ import annotations

from pathlib import Path

from selfheal_local.project import Project
from selfheal_local.protocols import Sandbox
from selfheal_local.types import Diagnosis, Patch


def untested_files(patch: Patch, modules: tuple[str, ...]) -> list[str]:
    """Changed source files that no test exercises (their only dynamic check is import)."""
    if modules:
        return []
    from selfheal_local.detect.paths import is_test_path

    return [e.path for e in patch.edits if e.path.endswith(".py") and not is_test_path(e.path)]


def import_failure(project: Project, sandbox: Sandbox, patch: Patch, diagnosis: Diagnosis,
                   modules: tuple[str, ...], ws: Path, limit: float) -> str | None:
    """A changed module no test exercises must at least import (its module-level code runs):
    why not, or None. A module that did not import before either is only held to it when
    the finding is about that file."""
    for rel in untested_files(patch, modules):
        name = project.module_name(rel)
        if not name or name.endswith("__main__"):
            continue
        after = imports(project, sandbox, ws, name, limit)
        if after is None:
            continue
        if rel != diagnosis.finding.file and rel != diagnosis.file:
            with sandbox.workspace(project.root) as original:
                if imports(project, sandbox, original, name, limit) is not None:
                    continue  # it did not import before either: not this candidate's doing
        return f"no test exercises {rel}, and importing it fails with the candidate: {after}"
    return None


def imports(project: Project, sandbox: Sandbox, root: Path, name: str,
            limit: float) -> str | None:
    """None when ``import name`` works in ``root`` (in the sandbox), else the error line."""
    from selfheal_local.detect.importpath import import_env

    python = project.config.python_for(project.root)
    code = f"import importlib; importlib.import_module({name!r})"  # cwd is first on the path
    roots = tuple(dict.fromkeys([*project.source_roots, "src"]))
    result = sandbox.run([python, "-c", code], cwd=root, timeout_s=limit,
                         env=import_env(root, roots))
    if result.returncode == 0 and not result.timed_out:
        return None
    if result.timed_out:
        return "the import did not finish"
    lines = [ln for ln in (result.stderr or result.stdout).splitlines() if ln.strip()]
    return lines[-1].strip() if lines else f"exit status {result.returncode}"
