"""The package's exceptions.

SelfHealError
 ├── BadInputError        the project path / file / config cannot be used (CLI exit 2)
 │    ├── ConfigError     [tool.selfheal] or the user config is invalid
 │    ├── ProjectWriteError  the project cannot be written (disk full, read-only); nothing was
 │    │                      changed
 │    └── ModelUnusable   the model asked for cannot be used (missing dir, nothing listening)
 ├── ApplyError           writing a patch to the project failed; nothing was changed
 │    └── ConflictError   a file changed on disk since it was read
 ├── UnsafeEditError      an edit points outside the project or at a protected path
 ├── JournalError         the undo journal is unreadable or nothing is left to undo
 └── MemoryUnavailable    the fix memory cannot be opened (healing goes on without it)
"""

from __future__ import annotations


class SelfHealError(Exception):
    """Root of everything selfheal_local raises on purpose."""


class BadInputError(SelfHealError):
    """The input cannot be used; the message says what to do instead."""


class ConfigError(BadInputError):
    """The configuration is invalid."""


class ProjectWriteError(BadInputError):
    """The disk refused a write to the project (full, read-only); every file is as it was."""


class ModelUnusable(BadInputError):
    """The model the person asked for cannot be used; nothing was touched."""


class ApplyError(SelfHealError):
    """A patch could not be written; the project was left as it was."""


class ConflictError(ApplyError):
    """A file changed on disk after it was read: never overwrite a person's edit."""


class UnsafeEditError(SelfHealError):
    """An edit would touch a path outside the project or a protected one."""


class JournalError(SelfHealError):
    """The journal cannot be read, or there is nothing to undo."""


class MemoryUnavailable(SelfHealError):
    """The fix memory cannot be used right now."""
