"""The one way ruff is started: an injectable runner, like an httpx transport.

Detection, the ruff fix source and the Saplings-compatible API all go through a
:class:`RuffRunner`. The real one, :class:`SubprocessRuff`, runs the ``ruff`` executable
(a trusted, read-only static tool, so directly with a timeout rather than in the sandbox);
tests and embedders pass their own (a runner that records or answers from a script).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .errors import DetectionError

log = logging.getLogger(__name__)

RUFF_TIMEOUT_S = 300.0
"""ruff checks a large project in seconds; anything slower is a hung process."""


@dataclass(frozen=True)
class RuffOutput:
    """What one ruff invocation printed and how it exited."""

    returncode: int
    stdout: str
    stderr: str = ""


class RuffRunner(Protocol):
    """Runs ``ruff ARGS`` in ``cwd`` with ``stdin``; raises ``DetectionError`` when it cannot."""

    def run(self, args: Sequence[str], *, cwd: Path, stdin: str | None = None) -> RuffOutput:
        """ruff's exit status and output for ``args`` (the arguments after the executable)."""
        ...


def ruff_bin() -> str:
    """Path of the ruff executable shipped with the ``ruff`` package (or on PATH)."""
    try:
        from ruff.__main__ import find_ruff_bin

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("ruff")
        if found:
            return found
    raise DetectionError("ruff is not installed; install it with 'pip install ruff'")


class SubprocessRuff:
    """The real runner: the ruff executable in a child process, with a timeout."""

    def __init__(self, binary: str | None = None, timeout_s: float = RUFF_TIMEOUT_S) -> None:
        self.binary = binary
        self.timeout_s = timeout_s

    def run(self, args: Sequence[str], *, cwd: Path, stdin: str | None = None) -> RuffOutput:
        argv = [self.binary or ruff_bin(), *args]
        data = stdin.encode("utf-8", "surrogateescape") if stdin is not None else None
        try:
            proc = subprocess.run(argv, cwd=cwd, input=data, capture_output=True,
                                  timeout=self.timeout_s, check=False)
        except subprocess.TimeoutExpired as exc:
            raise DetectionError(f"ruff did not finish within {self.timeout_s:.0f}s") from exc
        except OSError as exc:
            raise DetectionError(f"cannot run ruff ({exc.strerror})") from exc
        return RuffOutput(proc.returncode, proc.stdout.decode("utf-8", "surrogateescape"),
                          proc.stderr.decode("utf-8", "replace"))


def default_runner() -> RuffRunner:
    """The runner used when none is passed in: the real one."""
    return SubprocessRuff()


__all__ = ["RUFF_TIMEOUT_S", "RuffOutput", "RuffRunner", "SubprocessRuff", "default_runner",
           "ruff_bin"]
