"""Commit an applied heal in the project's git repository, and revert it on undo (never pushes,
never rewrites history: an undo is a new revert commit).

Commits only when ``commit = true`` in ``[tool.selfheal]``; off by default, because selfheal
also runs in CI checkouts and on demo copies where a commit nobody asked for is a surprise, and
the journal already undoes byte for byte without git.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from .project import Project
from .protocols import Sandbox
from .types import Finding, Patch, Verdict

log = logging.getLogger(__name__)

_ENV = {
    "GIT_AUTHOR_NAME": "selfheal-local",
    "GIT_AUTHOR_EMAIL": "selfheal@localhost",
    "GIT_COMMITTER_NAME": "selfheal-local",
    "GIT_COMMITTER_EMAIL": "selfheal@localhost",
    "GIT_TERMINAL_PROMPT": "0",
}
_IDS = re.compile(r"\s*\b[0-9a-f]{8,40}\b…?")


@dataclass(frozen=True)
class CommitResult:
    sha: str = ""
    """The new commit ("" when nothing was committed)."""
    note: str = ""
    """Why nothing was committed ("" when it was)."""


def plain(text: str) -> str:
    """A sentence without internal ids (``replays past fix 17b25cad…`` → ``replays past fix``)."""
    return " ".join(_IDS.sub("", text).split())


def commit_message(patch: Patch, finding: Finding | None = None, verdict: Verdict | None = None,
                   journal_id: str = "") -> str:
    """What changed and why, in plain words; the ids a tool needs go to trailers."""
    files = ", ".join(patch.files) or "the project"
    what = plain(patch.explanation) or "fix"
    lines = [f"Fix {finding.code if finding else patch.pattern} in {files}: {what}"[:200], ""]
    if finding is not None:
        why = f"{finding.location}: {finding.message}".strip()
        lines.append(f"Why: {why}")
        if finding.test_ids:
            shown = ", ".join(finding.test_ids[:3])
            more = f" and {len(finding.test_ids) - 3} more" if len(finding.test_ids) > 3 else ""
            lines.append(f"Failing before: {shown}{more}")
    lines.append(f"Change: {what} (found by {patch.source})")
    if verdict is not None:
        lines.append(f"Checked: {verdict.tests_passed} of {verdict.tests_total} tests pass "
                     "in the sandbox, no new ruff finding")
    lines.append("Undo: selfheal undo (adds a revert commit)")
    trailers = [f"Selfheal-Journal: {journal_id}" if journal_id else "",
                f"Selfheal-Finding: {finding.id}" if finding else "",
                f"Selfheal-Patch: {patch.id}",
                f"Selfheal-Source: {patch.source}",
                f"Selfheal-Pattern: {patch.pattern}" if patch.pattern else "",
                *(f"Selfheal-Replayed: {m}" for m in _IDS.findall(patch.explanation))]
    return "\n".join([*lines, "", *(t.strip() for t in trailers if t.strip())]) + "\n"


def _git(project: Project, sandbox: Sandbox):
    def git(*args: str):
        return sandbox.run(["git", *args], cwd=project.root, timeout_s=60, env=_ENV)
    return git


def commit_heal(project: Project, sandbox: Sandbox, patch: Patch, *, finding: Finding | None = None,
                verdict: Verdict | None = None, journal_id: str = "") -> CommitResult:
    """Commit the patch's files (only those) with a message a person reads."""
    if not (project.root / ".git").exists():
        return CommitResult(note="commit = true but the project is not a git repository; "
                                 "nothing committed")
    git = _git(project, sandbox)
    branch = project.config.commit_branch
    if branch:
        current = git("rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
        if current != branch:
            exists = git("rev-parse", "--verify", "--quiet", branch).returncode == 0
            switched = git("switch", branch) if exists else git("switch", "-c", branch)
            if switched.returncode != 0:
                return CommitResult(note=f"could not switch to branch {branch}: "
                                         f"{switched.stderr.strip()[:200]}")
    added = git("add", "--", *patch.files)
    message = commit_message(patch, finding, verdict, journal_id)
    done = git("commit", "-m", message, "--", *patch.files) if added.returncode == 0 else added
    if done.returncode != 0:
        return CommitResult(note=f"git commit failed: {(done.stderr or done.stdout).strip()[:200]}")
    sha = git("rev-parse", "HEAD").stdout.strip()
    log.info("committed heal %s: %s", sha[:8], patch.explanation)
    return CommitResult(sha=sha)


def revert_heal(project: Project, sandbox: Sandbox, sha: str, files: list[str]) -> str | None:
    """Undo a committed heal with a new revert commit; None when done, else why not (and the
    repository is left as it was)."""
    if not (project.root / ".git").exists():
        return "the project is no longer a git repository; files restored from the journal"
    git = _git(project, sandbox)
    if git("merge-base", "--is-ancestor", sha, "HEAD").returncode != 0:
        return (f"commit {sha[:8]} is not on the current branch; files restored from the "
                "journal, not committed")
    dirty = git("status", "--porcelain", "--", *files).stdout.strip()
    if dirty:
        return (f"{', '.join(files)} has uncommitted changes; files restored from the journal, "
                "not committed")
    done = git("revert", "--no-edit", sha)
    if done.returncode != 0:
        git("revert", "--abort")
        return (f"git revert {sha[:8]} failed ({(done.stderr or done.stdout).strip()[:160]}); "
                "files restored from the journal, not committed")
    log.info("reverted heal commit %s", sha[:8])
    return None


def undo_entries(project: Project, sandbox: Sandbox, *, all_entries: bool = False) -> list:
    """Undo the last heal (or all): a committed one by a revert commit, else from the journal."""
    from .journal import Journal

    def revert(entry) -> str | None:  # noqa: ANN001 - JournalEntry
        return revert_heal(project, sandbox, str(entry.summary["commit"]), entry.paths)

    return Journal(project.root).undo(all_entries=all_entries, revert=revert)
