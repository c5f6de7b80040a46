"""Commit an applied heal in the project's git repository (never pushes)."""

from __future__ import annotations

import logging

from .project import Project
from .protocols import Sandbox
from .types import Patch

log = logging.getLogger(__name__)

_ENV = {
    "GIT_AUTHOR_NAME": "selfheal-local",
    "GIT_AUTHOR_EMAIL": "selfheal@localhost",
    "GIT_COMMITTER_NAME": "selfheal-local",
    "GIT_COMMITTER_EMAIL": "selfheal@localhost",
    "GIT_TERMINAL_PROMPT": "0",
}


def commit_heal(project: Project, sandbox: Sandbox, patch: Patch) -> str | None:
    """Commit the patch's files with its explanation; returns a note when it could not."""
    if not (project.root / ".git").exists():
        return "commit = true but the project is not a git repository; nothing committed"

    def git(*args: str):
        return sandbox.run(["git", *args], cwd=project.root, timeout_s=60, env=_ENV)

    branch = project.config.commit_branch
    if branch:
        current = git("rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
        if current != branch:
            exists = git("rev-parse", "--verify", "--quiet", branch).returncode == 0
            switched = git("switch", branch) if exists else git("switch", "-c", branch)
            if switched.returncode != 0:
                return f"could not switch to branch {branch}: {switched.stderr.strip()[:200]}"
    added = git("add", "--", *patch.files)
    message = f"selfheal: {patch.explanation or 'fix'}\n\nsource: {patch.source}; pattern: {patch.pattern}"
    done = git("commit", "-m", message, "--", *patch.files) if added.returncode == 0 else added
    if done.returncode != 0:
        return f"git commit failed: {(done.stderr or done.stdout).strip()[:200]}"
    log.info("committed heal: %s", patch.explanation)
    return None
