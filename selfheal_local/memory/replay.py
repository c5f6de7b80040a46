"""Replay: re-express the nearest past fixes at the new site (candidate source ``memory``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from selfheal_local.errors import SelfHealError
from selfheal_local.protocols import SourceBase
from selfheal_local.types import Diagnosis, Patch

from . import transform
from .shapes import describe

if TYPE_CHECKING:
    from selfheal_local.project import Project

    from .store import FixMemory

log = logging.getLogger(__name__)


MAX_SITE_FILES = 4


def _is_test(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" or \
        rel.startswith("tests/") or "/tests/" in rel


def likely_sites(diagnosis: Diagnosis, project: Project) -> list[str]:
    """Where a fix made away from the failing line goes in a project that names its files
    differently: the files fault localization ranks, the project files of the traceback, then
    the project modules the failing test imports and the ones they import (tests excluded), at
    most ``MAX_SITE_FILES``."""
    files = [s.file for s in diagnosis.suspects if not s.at_import]
    files += [f.file for f in reversed(diagnosis.finding.frames) if f.in_project]
    test_file = diagnosis.file or diagnosis.finding.file
    if test_file and _is_test(test_file):
        direct = _imported_project_files(project, test_file)
        files += direct  # then what those import: the fault may be a call or two away
        files += [f for rel in direct for f in _imported_project_files(project, rel)]
    out: list[str] = []
    for rel in files:
        if rel and rel in project.python_files and not _is_test(rel) and rel not in out:
            out.append(rel)
    return out[:MAX_SITE_FILES]


def _imported_project_files(project: Project, rel: str) -> list[str]:
    import ast

    try:
        tree = ast.parse(project.read(rel))
    except (SelfHealError, OSError, SyntaxError, ValueError):
        return []
    modules = project.modules
    out = []
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        for name in names:
            parts = name.split(".")
            for i in range(len(parts), 0, -1):  # the deepest project module the import names
                hit = modules.get(".".join(parts[:i]))
                if hit:
                    out.append(hit)
                    break
    return out


def re_express(transformation: dict[str, Any], diagnosis: Diagnosis,
               project: Project) -> Iterator[tuple[str, str]]:
    """``(path, new text)`` for each way the transformation fits the project now.

    A fix made where the error showed goes to the diagnosed file; a fix made elsewhere (a
    failing test fixed in the code under test) goes to the same path when the project has it.
    """
    modules = {m.split(".")[0] for m in project.modules}
    if transformation.get("site", "diagnosed") == "diagnosed":
        targets = [(diagnosis.file, True)] if diagnosis.file else []
    else:
        path = str(transformation.get("path", ""))
        targets = [(path, False)] if path in project.python_files else \
            [(p, False) for p in likely_sites(diagnosis, project)]
    for path, here in targets:
        if project.is_protected(path):
            continue
        try:
            text = project.read(path)
        except (SelfHealError, OSError) as exc:
            log.debug("cannot read %s: %s", path, exc)
            continue
        for new_text in transform.apply(transformation, diagnosis, text, modules, here=here):
            yield path, new_text


class MemorySource(SourceBase):
    """Proposes past accepted fixes of the same pattern, re-expressed where the error is now."""

    name = "memory"
    batch_size = 1
    """Replays are proved one at a time: the nearest is usually right, and alone it has the
    machine to itself (a second, likely wrong one validated beside it only slows it down)."""

    def __init__(self, memory: FixMemory, k: int = 5, min_score: float = 0.35) -> None:
        self.memory = memory
        self.k = k
        self.min_score = min_score

    def propose(self, diagnosis: Diagnosis, project: Project) -> Iterator[Patch]:
        from selfheal_local.fixers.base import make_patch

        try:
            text = project.read(diagnosis.file) if diagnosis.file else ""
            hits = self.memory.nearest(diagnosis, self.k, file_text=text)
        except (SelfHealError, OSError) as exc:
            log.warning("memory replay skipped: %s", exc)
            return
        except Exception as exc:  # a broken memory must not stop the heal
            log.warning("memory replay skipped: %s", exc)
            return
        seen_keys: set[str] = set()
        seen_diffs: set[str] = set()
        for hit in hits:
            t = hit["transformation"]
            if not t or hit["score"] < self.min_score or hit["transform_key"] in seen_keys:
                continue
            seen_keys.add(hit["transform_key"])
            origin = f"{hit['project']}" if hit["project"] else "another project"
            for path, new_text in re_express(t, diagnosis, project):
                patch = make_patch(
                    diagnosis, project, {path: new_text},
                    f"replays past fix {hit['id']} from {origin} "
                    f"({describe(t)}; similarity {hit['score']:.2f}"
                    + (f", failed {hit['failures']}x before" if hit["failures"] else "") + ")",
                    confidence=max(0.05, min(0.85, hit["rank_score"])),
                    source="memory",
                )
                if patch is None or patch.diff in seen_diffs:
                    continue
                seen_diffs.add(patch.diff)
                patch.metadata["replayed_fix_id"] = hit["id"]
                patch.metadata["replay_score"] = hit["score"]
                yield patch
