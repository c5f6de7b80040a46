"""The heal loop's steps that write or unwrite: apply (journaled), reject, undo.

A mixin of ``Healer`` (it uses the healer's project, journal, decisions, memory and events) so
that each step stays a small method a subclass or the TUI can call or override.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from selfheal_local.errors import ApplyError, UnsafeEditError
from selfheal_local.gitops import undo_entries
from selfheal_local.journal import JournalEntry
from selfheal_local.memory.decisions import apply_summary, change_of
from selfheal_local.types import (
    Applied,
    PatchStatus,
)

from .outcome import FixOutcome

log = logging.getLogger(__name__)

Step = TypeVar("Step", bound=Callable[..., Any])


def writes(step: Step) -> Step:
    """The step writes the project, its decisions or memory: it holds ``writing`` meanwhile."""

    @functools.wraps(step)
    def held(self: ApplySteps, *args: Any, **kwargs: Any) -> Any:
        with self.writing:
            return step(self, *args, **kwargs)

    return held  # type: ignore[return-value]


class ApplySteps:
    """apply / reject / undo, and the checks around them.

    ``writing`` is held while one of them runs: whoever stops the process early (the TUI's
    quit) waits for it and for nothing else, so a write is never cut in half."""

    writing: threading.RLock

    @writes
    def apply(self, outcome: FixOutcome, *, accepted_by: str = "user") -> Applied:
        """Write the selected patch, journaled; record it in memory; re-scan."""
        patch = outcome.patch
        if patch is None or outcome.validation is None or not outcome.validation.verdict.passed:
            raise ValueError("only a validated patch can be applied")
        patch.metadata.setdefault("project", self.project.root.name)
        patch.metadata.setdefault("project_root", str(self.project.root))
        self._refuse_risky_unseen(outcome, accepted_by)
        held = self.decisions.blocking(patch.edits)
        if held is not None:
            raise ApplyError(f"not applied: {held.describe()}")
        entry_id = self.journal.apply(patch.edits, apply_summary(outcome.finding, outcome.diagnosis, patch))
        patch.status = PatchStatus.APPLIED
        applied = Applied(patch, outcome.validation.verdict, entry_id,
                          candidates_tried=len(outcome.attempts), search_tried=outcome.search_tried,
                          fix_s=outcome.elapsed_s)
        self.emit("apply", patch.explanation, finding_id=outcome.finding.id, patch_id=patch.id,
                  data={"files": patch.files, "journal_id": entry_id})
        if self.project.config.commit:
            from selfheal_local.gitops import commit_heal

            done = commit_heal(self.project, self.sandbox, patch, finding=outcome.finding,
                               verdict=outcome.validation.verdict, journal_id=entry_id)
            if done.sha:
                self.journal.annotate(entry_id, commit=done.sha)
            self.notes.append(done.note or f"committed {done.sha[:8]} (undo reverts it)")
        # findings first (a person waits on them), then memory (an embedding model may load)
        self._rescan_after(patch.files, outcome.validation.report, outcome.basis)
        if self.memory is not None:
            self._safely(self.memory.record_success, outcome.diagnosis, patch,
                         outcome.validation.verdict, accepted_by=accepted_by)
        return applied

    @writes
    def reject(self, outcome: FixOutcome, reason: str = "") -> None:
        """A person said no: nothing is written; the candidate is remembered as a negative."""
        if outcome.patch is None:
            return
        outcome.patch.status = PatchStatus.REJECTED
        self.decisions.record("rejected", outcome.finding, change_of(outcome.patch.edits),
                              explanation=outcome.patch.explanation, reason=reason)
        self.emit("reject", reason or "rejected", finding_id=outcome.finding.id,
                  patch_id=outcome.patch.id)
        if self.memory is not None:
            self._safely(self.memory.record_failure, outcome.diagnosis, outcome.patch,
                         f"rejected by the user: {reason}" if reason else "rejected by the user")

    @writes
    def undo(self, *, all_entries: bool = False) -> list[JournalEntry]:
        """Restore (or revert, when committed) the last heal; it becomes a no for good."""
        from selfheal_local.memory.decisions import remember_undo

        done = undo_entries(self.project, self.sandbox, all_entries=all_entries)
        for entry in done:
            remember_undo(self.project, entry, self.decisions, self.memory)
            if entry.note:
                self.notes.append(entry.note)
            self.emit("undo", f"restored {', '.join(entry.paths)}", data={"journal_id": entry.id})
        self.project.forget()
        return done

    def _refuse_risky_unseen(self, outcome: FixOutcome, accepted_by: str) -> None:
        """A model fix that adds process/file/network/exec powers is applied only by a person
        who saw those lines (``llm.vet``); the refusal is remembered as a negative."""
        from selfheal_local.llm.vet import RISKY_REASON, describe

        risky = outcome.patch.metadata.get("risky") if outcome.patch is not None else None
        if not risky or accepted_by != "auto":
            return
        reason = (f"{RISKY_REASON}: {describe(risky)}; never applied automatically: review it "
                  "(selfheal tui, or heal without --yes)")
        if self.memory is not None:
            self._safely(self.memory.record_failure, outcome.diagnosis, outcome.patch, reason)
        raise UnsafeEditError(reason)

    def _confirm_applied(self, applied: Sequence[Applied]) -> None:
        """Health is claimed on what is on disk: a file no longer as this heal wrote it (another
        process, a person) sends the verdict back to a full scan of the project as it is."""
        changed = self.journal.changed_since_apply([a.journal_id for a in applied if a.journal_id])
        if changed:
            self.notes.append(f"{', '.join(changed)} changed after this heal wrote it; "
                              "re-scanned the project as it is now")
            self.scan()

