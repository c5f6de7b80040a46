"""The mutation search: small changes at the most suspicious statements first, bounded.

Where it looks:
  localized      when the diagnosis carries coverage suspects (``fixers.localize``), every
                 function holding a suspicious statement, across files; each mutation scores
                 the suspiciousness of its statement x the prior of its operator kind
                 (``mutations.PRIOR``), best first; a crash raised in the project's code
                 weights the statements its values came from, a test stopped in an endless
                 loop the statements that loop kept running (``fixers.slicing``);
  frame walk     otherwise (and for what coverage did not reach): the functions of the failing
                 test's traceback frames (innermost first; protected files are never mutated),
                 then the project functions they and the failing test call, two deep; nearer
                 frames and lines first.
Two steps: the heal loop reports each verdict back (``record_outcome``); a candidate that
makes some of the failing tests pass and breaks nothing becomes, inside the sandbox only, the
base of a bounded second round whose candidates carry both edits, taking turns with the single
edits still to try (a partial that is an accident must not starve them). Such a partial
candidate is itself a failed candidate and is never applied; only a final state that passes
everything is. The ranking itself is ``fixers.ranking``.
The heal loop validates the mutants in batches and keeps what passes; this source only proposes.
"""

from __future__ import annotations

import ast
import logging
import time
from collections.abc import Callable, Iterator

from selfheal_local.config import Config
from selfheal_local.detect.tests import function_id
from selfheal_local.fixers.imports_graph import ImportGraph
from selfheal_local.project import Project
from selfheal_local.protocols import Sandbox, SourceBase
from selfheal_local.types import Diagnosis, Patch, Verdict

from .base import make_patch
from .module_level import MODULE_LEVEL
from .mutations import PRIOR
from .ranking import Scored, Target, find_targets, rank_mutations

log = logging.getLogger(__name__)

SKIPPED_PATTERNS = frozenset({"syntax_error", "lint"})
"""Patterns where mutating operators cannot help (the file may not even parse); nor does a
finding no test fails (deleting a statement clears ruff's F821 and proves nothing)."""

BASE_CONFIDENCE = 0.3

SCREEN_AFTER = 8
"""Mutants validated in ranked order before the rest are screened (``fixers.screen``)."""

ROUND2_BASES, ROUND2_MAX = 2, 40
"""How many partial candidates may each seed a second round; candidates per second round."""


def is_partial(verdict: Verdict, failing: int) -> bool:
    """Some of the ``failing`` tests pass now, the rest still fail, nothing else broke."""
    if verdict.passed or verdict.newly_failing or "timed out" in verdict.reason:
        return False
    still = len(verdict.still_failing)
    if verdict.stage == "partial":  # the validator says so (``Verdict.now_passing``)
        return True
    return verdict.stage == "failing" and 0 < still < failing


class SearchSource(SourceBase):
    """Candidate source that proposes mutants, most suspicious first, bounded in count and time.

    ``tried`` is the number of mutants the last ``propose`` yielded; ``budget_s`` counts the
    time spent generating (not the time the consumer spends validating between yields).
    The heal loop calls ``record_outcome(patch, verdict)`` after validating each candidate:
    partial progress seeds a second round (see the module docstring).
    """

    name = "search"
    needs_localization = True
    remembers_failures = False  # mutants are cheap guesses, not lessons

    def __init__(self, config: Config | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        config = config or Config()
        self.max_candidates = config.search_max_candidates
        self.budget_s = config.search_budget_s
        self.clock = clock
        self.tried = 0
        self.generation_s = 0.0
        self.exhausted = False
        """True when the last search ran out of mutants (rather than out of budget)."""
        self.partials: list[Patch] = []
        """Partial candidates of the current search, in the order they were found."""
        self._failing = 0
        self.sandbox: Sandbox | None = None
        """Where mutants are screened (``fixers.screen``); the healer attaches its own."""
        self.screened = 0
        """Mutants the last search screened in one process."""

    def attach_sandbox(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def revise(self, diagnosis: Diagnosis, project: Project,
               failures: object = ()) -> Iterator[Patch]:
        """No self-correction rounds: the second round rides on ``record_outcome``."""
        return iter(())

    def record_outcome(self, patch: Patch, verdict: Verdict) -> None:
        """Keep a search candidate that made partial progress as a second-round base."""
        if patch.source == self.name and is_partial(verdict, self._failing):
            patch.metadata["partial"] = {"still_failing": list(verdict.still_failing)}
            if patch.metadata.get("round", 1) == 1:
                self.partials.append(patch)

    def propose(self, diagnosis: Diagnosis, project: Project) -> Iterator[Patch]:
        self.tried, self.generation_s, self.exhausted = 0, 0.0, False
        self.partials = []
        self._failing = len(diagnosis.test_ids or diagnosis.finding.test_ids)
        if (diagnosis.pattern in SKIPPED_PATTERNS or self.max_candidates <= 0
                or not (diagnosis.test_ids or diagnosis.finding.test_ids)):
            return  # no failing test: nothing could prove a mutant fixes more than the symptom
        self._began = self.clock()
        graph = ImportGraph(project)
        ranked, sources = rank_mutations(diagnosis, project, graph)
        log.debug("search: %d mutations for %s (localized by %s)", len(ranked),
                  diagnosis.finding.location, diagnosis.localized_by or "nothing")
        self._seen: set[tuple[tuple[str, str], ...]] = set()
        self._seeded = 0
        texts = {r: s.text for r, s in sources.items()}
        for patch in self._interleaved(diagnosis, project, self._first_round(
                diagnosis, project, ranked, texts)):
            self.tried += 1
            yield from self._timed(patch)

    def _screen(self, diagnosis: Diagnosis, project: Project, ranked: list[Scored]
                ) -> list[Scored]:
        """``ranked`` with the mutants that made the failing tests pass in one in-process run
        first (``fixers.screen``): a hint that lets a right fix ranked far down be validated
        early; every candidate is still validated in full, the rest keep their order."""
        self.screened = 0
        if self.sandbox is None or diagnosis.localized_by != "coverage":
            return ranked
        from .screen import MAX_SCREENED, Candidate, screen

        head = ranked[:MAX_SCREENED]
        tests = list(dict.fromkeys(function_id(t) for t in (
            diagnosis.test_ids or diagnosis.finding.test_ids)))
        wanted = [Candidate(i, s.target.ref.rel, s.target.ref.qualname, s.mutation.splices)
                  for i, s in enumerate(head)]
        try:
            result = screen(project, self.sandbox, tests, wanted, deadline_s=self.budget_s / 4)
        except Exception as exc:  # a hint: never a reason to fail the search
            log.warning("mutant screen failed: %s", exc)
            return ranked
        if result is None:
            return ranked
        self.screened = len(result.passed)
        log.info("search: screened %d mutants, %d pass every failing test", self.screened,
                 sum(v == result.total for v in result.passed.values()))
        return [head[i] for i in result.order(range(len(head)))] + ranked[MAX_SCREENED:]

    def _first_round(self, diagnosis: Diagnosis, project: Project, ranked: list[Scored],
                     texts: dict[str, str]) -> Iterator[Patch]:
        """The ranked mutants; after the first ``SCREEN_AFTER`` the rest are screened (only
        when the search is asked for more: an easy fix costs no screen)."""
        rest = ranked[SCREEN_AFTER:]
        for n, item in enumerate(ranked):
            if n == SCREEN_AFTER:
                rest = self._screen(diagnosis, project, rest)
                break
            patch = self._patch(diagnosis, project, texts, item, self._seen)
            if patch is not None:
                yield patch
        else:
            rest = []
        for item in rest:
            patch = self._patch(diagnosis, project, texts, item, self._seen)
            if patch is not None:
                yield patch
        self.exhausted = True

    def _interleaved(self, diagnosis: Diagnosis, project: Project, first: Iterator[Patch]
                     ) -> Iterator[Patch]:
        """First-round mutants and second rounds from the partial candidates found so far (at
        most ROUND2_BASES), taking turns: a partial candidate that is not the way to the fix
        (it made some tests pass by accident) must not starve the single edits behind it."""
        rounds: list[Iterator[Patch]] = []
        first_live = True
        while self._room():
            while self._unseeded():
                base = self.partials[self._seeded]
                self._seeded += 1
                log.info("search: second round from partial candidate '%s'", base.explanation)
                rounds.append(self._second_round(diagnosis, project, base, self._seen))
            second = None
            while rounds and second is None:
                second = next(rounds[0], None)
                turn = rounds.pop(0)
                if second is not None:  # its turn again after the others
                    rounds.append(turn)
            if second is not None:
                yield second
                if not self._room():
                    return
            single = next(first, None) if first_live else None
            first_live = single is not None
            if single is not None:
                yield single
            elif second is None and not self._unseeded():
                return

    def _unseeded(self) -> bool:
        """A partial candidate found so far may still seed a second round."""
        return self._seeded < min(len(self.partials), ROUND2_BASES)

    def _room(self) -> bool:
        if self.tried >= self.max_candidates:
            return False
        now = self.clock()
        self.generation_s += now - self._began
        self._began = now
        if self.generation_s > self.budget_s:
            log.info("search budget of %.1fs spent after %d mutants", self.budget_s, self.tried)
            return False
        return True

    def _timed(self, patch: Patch) -> Iterator[Patch]:
        self.generation_s += self.clock() - self._began
        yield patch
        self._began = self.clock()

    def _second_round(self, diagnosis: Diagnosis, project: Project, base: Patch,
                      seen: set[tuple[tuple[str, str], ...]]) -> Iterator[Patch]:
        """Mutants of the partial candidate ``base``: each carries both edits."""
        texts = {e.path: e.after for e in base.edits}
        graph = ImportGraph(project)
        ranked, _sources = rank_mutations(diagnosis, project, graph, texts)
        made = 0
        for item in ranked:
            if made >= ROUND2_MAX:
                return
            patch = self._patch(diagnosis, project, texts, item, seen, base=base)
            if patch is not None:
                made += 1
                yield patch

    def _patch(self, diagnosis: Diagnosis, project: Project, texts: dict[str, str],
               item: Scored, seen: set[tuple[tuple[str, str], ...]],
               base: Patch | None = None) -> Patch | None:
        target, mutation = item.target, item.mutation
        rel = target.ref.rel
        text = texts.get(rel)
        if text is None:
            text = project.read(rel)
        new_text = mutation.apply(text)
        files = {e.path: e.after for e in base.edits} if base is not None else {}
        files[rel] = new_text
        state = tuple(sorted(files.items()))
        if state in seen:
            return None
        seen.add(state)
        try:
            ast.parse(new_text)
        except SyntaxError:
            return None
        name = target.ref.qualname
        where = (f"module-level line {mutation.line}" if name.startswith(MODULE_LEVEL)
                 else f"{name}() line {mutation.line}")
        if rel != diagnosis.file:
            where += f" of {rel}"
        prior = min(1.0, PRIOR.get(mutation.kind, 0.3) * mutation.weight)
        confidence = max(0.05, BASE_CONFIDENCE * (0.5 + 0.5 * item.suspiciousness * prior)
                         - 0.02 * target.level)
        explanation = f"{mutation.description} in {where}"
        if base is not None:
            explanation = f"{base.explanation}; then {explanation}"
            confidence *= 0.8
        patch = make_patch(diagnosis, project, files, explanation,
                           confidence=round(confidence, 3), source="search")
        if patch is not None:
            patch.metadata.update({"mutation": mutation.kind, "level": target.level,
                                   "function": name, "file": rel, "line": mutation.line,
                                   "suspiciousness": round(item.suspiciousness, 4),
                                   "round": 2 if base is not None else 1})
            if base is not None:
                patch.metadata["base"] = base.id
        return patch


__all__ = ["SearchSource", "Target", "find_targets", "is_partial", "rank_mutations"]
