"""Patterns no deterministic rule can fix: the heal says why and hands them on."""

from __future__ import annotations

import logging

from selfheal_local.fixers.base import Site, rule
from selfheal_local.project import Project
from selfheal_local.types import Patch

log = logging.getLogger(__name__)

NOT_RULE_REASONS: dict[str, str] = {
    "recursion_error": "a missing or wrong base case is reasoning work: left to the model",
    "assertion_error": "wrong behaviour with no error to match: left to the mutation search "
                       "and the model",
    "not_implemented_error": "an unwritten function needs its behaviour written: model work",
    "timeout_error": "a slow or hanging call needs a design change: model work",
    "memory_error": "memory use needs a design change: model work",
    "permission_error": "a file permission is the environment's, not the code's, to fix",
    "runtime_error": "too general to match a rule: left to the search and the model",
    "exception": "too general to match a rule: left to the search and the model",
}
"""Why each pattern gets no rule candidates (for reports and ``heal --json``)."""

NOT_RULE_CLASS: frozenset[str] = frozenset(NOT_RULE_REASONS)
"""Patterns that are not rule-class: the rules propose nothing for them, on purpose."""


@rule("recursion_error", needs="site")
def recursion_is_model_work(site: Site, project: Project) -> list[Patch]:
    """No candidates: a missing base case needs reasoning; the log says so."""
    log.info("%s: %s", site.diagnosis.finding.location
, NOT_RULE_REASONS["recursion_error"])
    return []
