"""Throwaway workspaces and commands run under limits, cut off from the network.

Importing does nothing: isolation is probed by ``Sandbox`` on first use, or on demand by
``detect_isolation`` / ``isolation_report``.
"""

from .errors import CommandError, IsolationError, SandboxError, WorkspaceError
from .isolation import ISOLATION_WORDS, detect_isolation, isolation_report
from .limits import ISOLATION_LEVELS, Limits, RunResult
from .runner import DEFAULT_ENV_ALLOW, Sandbox, run_command
from .stale import cleanup_stale
from .warm import Prestarted

__all__ = [
    "DEFAULT_ENV_ALLOW",
    "ISOLATION_LEVELS",
    "ISOLATION_WORDS",
    "CommandError",
    "IsolationError",
    "Limits",
    "Prestarted",
    "RunResult",
    "Sandbox",
    "SandboxError",
    "WorkspaceError",
    "cleanup_stale",
    "detect_isolation",
    "isolation_report",
    "run_command",
]
