"""Start one process, wait for it with a wall-clock limit, kill everything it left behind.

The only ``Popen`` of the package lives here. The process gets its own session (so its whole
process group can be killed), output goes to files (pipes fill up and block; files do not),
and the leader is waited for with a pidfd *without being reaped*, so its process-group id
stays reserved while the group is killed.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .cgroups import PidsCgroup
from .errors import CommandError

logger = logging.getLogger(__name__)

_TRUNCATED = "[... {} bytes cut: only the tail is kept ...]\n"


@dataclass(frozen=True)
class Exit:
    """How a process ended."""

    returncode: int
    timed_out: bool
    elapsed_s: float
    stopped_by: str | None = None
    """What ``watch`` said when it had the process killed early."""


def execute(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdout_path: Path,
    stderr_path: Path,
    timeout_s: float,
    cgroup: PidsCgroup | None = None,
    watch: Callable[[], str | None] | None = None,
    watch_interval_s: float = 0.25,
) -> Exit:
    """Run argv to completion or to ``timeout_s``; on return nothing it started is alive.

    ``watch`` is called every ``watch_interval_s`` while the process runs; when it returns a
    reason, everything is killed and the reason is kept in ``Exit.stopped_by``.
    """
    proc = spawn(argv, cwd=cwd, env=env, stdout_path=stdout_path, stderr_path=stderr_path)
    return wait(proc, time.monotonic(), timeout_s=timeout_s, cgroup=cgroup, watch=watch,
                watch_interval_s=watch_interval_s)


def spawn(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdout_path: Path,
    stderr_path: Path,
    stdin_pipe: bool = False,
) -> subprocess.Popen:
    """Start argv in its own session, output to the two files; ``stdin_pipe``: its standard
    input is a pipe the caller writes (else ``/dev/null``). Pair it with ``wait``."""
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        try:
            return subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            raise CommandError(f"cannot start {argv[0]!r} in {cwd}: {exc}") from exc


def wait(
    proc: subprocess.Popen,
    start: float,
    *,
    timeout_s: float,
    cgroup: PidsCgroup | None = None,
    watch: Callable[[], str | None] | None = None,
    watch_interval_s: float = 0.25,
) -> Exit:
    """Wait for ``proc`` until ``start + timeout_s``, then kill everything it left behind."""
    timed_out = True
    stopped_by: str | None = None
    try:
        deadline = start + timeout_s
        while True:
            left = deadline - time.monotonic()
            step = min(left, watch_interval_s) if watch is not None else left
            if step > 0 and _wait_exited(proc.pid, step):
                timed_out = False
                break
            if time.monotonic() >= deadline:
                break
            stopped_by = watch() if watch is not None else None
            if stopped_by is not None:
                timed_out = False
                break
    finally:
        # always, not only on timeout: background children must not outlive the run
        _kill_group(proc.pid)
        if cgroup is not None:
            cgroup.kill_all()
        returncode = proc.wait()
    elapsed = time.monotonic() - start
    argv = proc.args if isinstance(proc.args, list) else [str(proc.args)]
    if timed_out:
        logger.info("timed out after %.1fs, killed: %s", timeout_s, argv[-3:])
    if stopped_by is not None:
        logger.info("stopped (%s), killed: %s", stopped_by, argv[-3:])
    return Exit(returncode=returncode, timed_out=timed_out, elapsed_s=elapsed,
                stopped_by=stopped_by)


def _wait_exited(pid: int, timeout_s: float) -> bool:
    """Wait until ``pid`` has exited, leaving it unreaped; False when the time ran out."""
    try:
        fd = os.pidfd_open(pid)
    except (OSError, AttributeError):
        return _poll_exited(pid, timeout_s)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if poller.poll(min(left, 3600.0) * 1000):
                return True
    finally:
        os.close(fd)


def _poll_exited(pid: int, timeout_s: float) -> bool:
    """``_wait_exited`` for kernels without pidfd (before Linux 5.3)."""
    deadline = time.monotonic() + timeout_s
    delay = 0.001
    while time.monotonic() < deadline:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if info is not None:
            return True
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
    return False


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def read_tail(path: Path, cap: int) -> str:
    """The last ``cap`` bytes of a file as text, with a note of what was cut."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > cap:
                handle.seek(size - cap)
            data = handle.read(cap)
    except FileNotFoundError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return _TRUNCATED.format(size - cap) + text if size > cap else text
