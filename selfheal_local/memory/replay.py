"""Replay: re-express the nearest past fixes at the new site (candidate source ``memory``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from selfheal_local.errors import SelfHealError
from selfheal_local.protocols import SourceBase
from selfheal_local.types import Diagnosis, Patch

from . import transform

if TYPE_CHECKING:
    from selfheal_local.project import Project

    from .store import FixMemory

log = logging.getLogger(__name__)


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
        targets = [(path, False)] if path in project.python_files else []
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
                    f"({transform.describe(t)}; similarity {hit['score']:.2f}"
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
