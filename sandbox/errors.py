"""The sandbox's errors: one root, a few specific subclasses.

    SandboxError
     ├── WorkspaceError      the project cannot be copied, or an override path is unsafe
     ├── IsolationError      a forced isolation level does not work on this machine
     └── CommandError        a command could not be started at all (not: it failed)

A command that runs and fails is not an error: it is a ``RunResult`` with a non-zero
``returncode``.
"""

from __future__ import annotations


class SandboxError(Exception):
    """Root of every error raised by ``sandbox``."""


class WorkspaceError(SandboxError):
    """The workspace could not be made (unreadable project, unsafe override path, ...)."""


class IsolationError(SandboxError):
    """The requested isolation level does not work here."""


class CommandError(SandboxError):
    """A command could not be started (empty argv, missing cwd, unusable limits)."""
