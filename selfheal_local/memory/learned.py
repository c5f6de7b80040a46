"""Rules learned from history: a transformation accepted N times, in at least two projects,
becomes a rule.

Rules live beside the memory in one readable JSON file (``<home>/memory/learned_rules.json``)
and are applied by ``LearnedRuleSource`` with no LanceDB and no embedding model, so they keep
working with memory switched off. A removed rule is remembered as removed and never promoted
again from the same history.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfheal_local.errors import SelfHealError
from selfheal_local.io import FileLock, atomic_write_json
from selfheal_local.protocols import SourceBase
from selfheal_local.types import Diagnosis, Patch

from .pairs import now_iso
from .shapes import describe

if TYPE_CHECKING:
    from selfheal_local.config import Config
    from selfheal_local.project import Project

log = logging.getLogger(__name__)

RULES_FILE = "learned_rules.json"
DEFAULT_PROMOTE_AFTER = 3
MIN_PROJECTS = 2
"""A shape becomes a rule only once it was accepted in this many different projects: repeated
in one project it may be that project's own habit (six's Python 2 branches "fixed" the same
wrong way in every copy), not a rule for every project."""


def enough_projects(rows: list[dict[str, Any]]) -> bool:
    return len({str(r.get("project") or "") for r in rows} - {""}) >= MIN_PROJECTS


class RuleNotFound(SelfHealError):
    """No learned rule has this id."""


class LearnedRules:
    """The learned-rules file: read, promote, remove (writes are locked and atomic)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, Any]:
        empty: dict[str, Any] = {"version": 1, "rules": [], "removed": []}
        if not self.path.is_file():
            return empty
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            log.warning("%s is unreadable (%s); learned rules ignored until it is fixed",
                        self.path, exc)
            return empty
        return data if isinstance(data, dict) and isinstance(data.get("rules"), list) else empty

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(self.path.with_name(self.path.name + ".lock")):
            data = self._read()
            yield data
            atomic_write_json(self.path, data, ensure_ascii=False)

    def list(self) -> list[dict[str, Any]]:
        return list(self._read()["rules"])

    def get(self, rule_id: str) -> dict[str, Any]:
        for rule in self.list():
            if rule["id"] == rule_id:
                return rule
        raise RuleNotFound(f"no learned rule '{rule_id}'; `selfheal memory rules` lists them")

    def promote(self, key: str, transformation: dict[str, Any], accepted: int,
                examples: list[str]) -> dict[str, Any] | None:
        """Make (or refresh) the rule for ``key``; None when it was removed by a person."""
        with self._locked() as data:
            if key in data.get("removed", []):
                return None
            for rule in data["rules"]:
                if rule["key"] == key:
                    rule["accepted"] = max(rule["accepted"], accepted)
                    return dict(rule)
            rule = {
                "id": f"L-{key[:8]}",
                "key": key,
                "pattern": transformation["pattern"],
                "description": describe(transformation),
                "transformation": transformation,
                "accepted": accepted,
                "examples": examples[:10],
                "created_at": now_iso(),
            }
            data["rules"].append(rule)
            log.info("learned rule %s promoted: %s", rule["id"], rule["description"])
            return dict(rule)

    def remove(self, rule_id: str) -> dict[str, Any]:
        """Delete a rule; its transformation is not promoted again."""
        with self._locked() as data:
            for rule in data["rules"]:
                if rule["id"] == rule_id:
                    data["rules"].remove(rule)
                    data.setdefault("removed", []).append(rule["key"])
                    return rule
        raise RuleNotFound(f"no learned rule '{rule_id}'; `selfheal memory rules` lists them")


class LearnedRuleSource(SourceBase):
    """Candidate source ``rule`` over the learned rules (works with memory switched off)."""

    name = "rule"

    def __init__(self, config: Config | None = None, *, path: Path | None = None) -> None:
        if path is None:
            from selfheal_local.config import Config

            path = (config or Config()).paths.learned_rules
        self.rules = LearnedRules(path)

    def propose(self, diagnosis: Diagnosis, project: Project) -> Iterator[Patch]:
        from selfheal_local.fixers.base import make_patch

        from .replay import re_express

        rules = [r for r in self.rules.list() if r.get("pattern") == diagnosis.pattern]
        seen: set[str] = set()
        for rule in sorted(rules, key=lambda r: -int(r.get("accepted", 0))):
            for path, new_text in re_express(rule["transformation"], diagnosis, project):
                patch = make_patch(
                    diagnosis, project, {path: new_text},
                    f"learned rule {rule['id']} ({rule['description']}; accepted "
                    f"{rule['accepted']} times)",
                    confidence=min(0.9, 0.5 + 0.05 * int(rule.get("accepted", 0))),
                    source="rule",
                )
                if patch is not None and patch.diff not in seen:
                    seen.add(patch.diff)
                    patch.metadata["learned_rule"] = rule["id"]
                    yield patch
