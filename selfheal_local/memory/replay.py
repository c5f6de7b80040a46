"""Replay: re-express the nearest past fixes at the new site (candidate source ``memory``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from selfheal_local.errors import SelfHealError
from selfheal_local.types import Diagnosis, Patch

from . import transform

if TYPE_CHECKING:
    from selfheal_local.project import Project

    from .store import FixMemory

log = logging.getLogger(__name__)


class MemorySource:
    """Proposes past accepted fixes of the same pattern, re-expressed where the error is now."""

    name = "memory"

    def __init__(self, memory: FixMemory, k: int = 5, min_score: float = 0.35) -> None:
        self.memory = memory
        self.k = k
        self.min_score = min_score

    def propose(self, diagnosis: Diagnosis, project: Project) -> Iterator[Patch]:
        from selfheal_local.fixers.base import make_patch

        if not diagnosis.file:
            return
        try:
            text = project.read(diagnosis.file)
            hits = self.memory.nearest(diagnosis, self.k, file_text=text)
        except (SelfHealError, OSError) as exc:
            log.warning("memory replay skipped: %s", exc)
            return
        except Exception as exc:  # a broken memory must not stop the heal
            log.warning("memory replay skipped: %s", exc)
            return
        modules = {m.split(".")[0] for m in project.modules}
        seen_keys: set[str] = set()
        seen_diffs: set[str] = set()
        for hit in hits:
            t = hit["transformation"]
            if not t or hit["score"] < self.min_score or hit["transform_key"] in seen_keys:
                continue
            seen_keys.add(hit["transform_key"])
            origin = f"{hit['project']}" if hit["project"] else "another project"
            for new_text in transform.apply(t, diagnosis, text, modules):
                patch = make_patch(
                    diagnosis, project, {diagnosis.file: new_text},
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
