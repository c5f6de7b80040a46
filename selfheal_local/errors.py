"""The package's exceptions.

SelfHealError
 ├── BadInputError        the project path / file / config cannot be used (CLI exit 2)
 │    └── ConfigError     [tool.selfheal] or the user config is invalid
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
