"""Running one command under limits: started now, finished now or later (``Started``).

A run is laid out as::

    python -I -S _shim.py <cgroup + rlimits> -- [bwrap ... -- | unshare --net --pid ... -- sh -c]
        [setpriv ... --] argv

The shim (outside the wrapper, so bubblewrap itself is counted and bounded) joins the run's
pids cgroup and sets the rlimits, then execs the wrapper, which execs the command.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .cgroups import PidsCgroup, find_pids_parent
from .diskuse import DiskWatch
from .errors import CommandError, IsolationError
from .isolation import (
    NOBODY_UID,
    detect_isolation,
    interpreter_tree,
    process_limit_method,
    wrap_argv,
)
from .limits import ISOLATION_LEVELS, Limits, RunResult
from .process import read_tail, spawn, wait
from .workspace import remove_tree

logger = logging.getLogger(__name__)

SHIM = Path(__file__).with_name("_shim.py")

DEFAULT_LIMITS = Limits()

DEFAULT_ENV_ALLOW = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM")
"""Variables passed through from the parent environment; nothing else is."""

FIXED_ENV = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
    "HF_HUB_OFFLINE": "1",
    "NO_PROXY": "*",
    "no_proxy": "*",
}
"""Set in every sandboxed command (the caller's ``env`` may still override them)."""


def build_env(
    allow: Sequence[str], extra: Mapping[str, str] | None, *, home: Path, tmp: Path
) -> dict[str, str]:
    """The environment of a sandboxed command: the allow-list, a private HOME/TMPDIR, extras."""
    env = {name: os.environ[name] for name in allow if name in os.environ}
    env.setdefault("PATH", os.defpath)
    env.update(FIXED_ENV, HOME=str(home), TMPDIR=str(tmp))
    env.update(extra or {})
    return env


def _rlimits(limits: Limits, method: str) -> dict[str, list[int]]:
    values = {
        "RLIMIT_CPU": limits.cpu_s,
        "RLIMIT_AS": limits.memory_bytes,
        "RLIMIT_FSIZE": limits.file_size_bytes,
        "RLIMIT_NOFILE": limits.open_files,
        "RLIMIT_CORE": 0,
    }
    if method in ("uid", "rlimit"):
        values["RLIMIT_NPROC"] = limits.processes
    # the hard limit is at least one above the soft one so RLIMIT_CPU sends SIGXCPU first
    hard_extra = {"RLIMIT_CPU": 5}
    return {
        name: [value, value + hard_extra.get(name, 0)]
        for name, value in values.items()
        if hasattr(resource, name)
    }


def _signal_of(returncode: int, level: str, timed_out: bool) -> int | None:
    if timed_out:
        return 9
    if returncode < 0:
        return -returncode
    if level in ("bwrap", "unshare") and 128 < returncode < 128 + 65:
        return returncode - 128  # their pid-1 reports a child killed by signal N as 128+N
    return None


def _with_cancel(watch, cancel: threading.Event | None):  # noqa: ANN001, ANN202
    """``watch`` that also stops the run when ``cancel`` is set (it then reads as timed out)."""
    if cancel is None:
        return watch

    def check() -> str | None:
        if cancel.is_set():
            return "cancelled"
        return watch() if watch is not None else None

    return check


def _chown_tree(path: Path, uid: int) -> None:
    # the top stays in root's group: bubblewrap (root without capabilities) must enter it
    os.lchown(path, uid, 0)
    os.chmod(path, 0o770)
    for dirpath, dirnames, filenames in os.walk(path):
        if dirpath != str(path):
            os.lchown(dirpath, uid, uid)
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), uid, uid)


def run_command(
    argv: Sequence[str],
    *,
    cwd: Path,
    limits: Limits = DEFAULT_LIMITS,
    cancel: threading.Event | None = None,
    **options: Any,
) -> RunResult:
    """Run argv in ``cwd`` under ``limits``; never raises because the command failed.
    ``options``: those of ``start_command`` (isolation, env, writable, ...); setting
    ``cancel`` kills the run at once (it then reads as timed out)."""
    started = start_command(argv, cwd=cwd, limits=limits, **options)
    return started.finish(limits.timeout_s, cancel)


class Started:
    """A command started under its limits; ``finish`` waits for it (from that moment, up to
    its time-out) and cleans up; ``abandon`` kills it unwaited. Either happens once."""

    def __init__(self, argv: tuple[str, ...], proc, level: str, run_dir: Path,  # noqa: ANN001
                 cgroup: PidsCgroup | None, watch: DiskWatch, limits: Limits) -> None:
        self.argv, self.level, self.limits = argv, level, limits
        self._proc, self._run_dir, self._cgroup, self._watch = proc, run_dir, cgroup, watch
        self._done = False

    def finish(self, timeout_s: float, cancel: threading.Event | None = None,
               stdin: bytes | None = None) -> RunResult:
        """Write ``stdin`` (then close it) when the command reads a pipe, and wait."""
        if self._done:
            raise CommandError("this run was already finished")
        self._done = True
        began = time.monotonic()
        try:
            if self._proc.stdin is not None:
                try:
                    self._proc.stdin.write(stdin or b"")
                    self._proc.stdin.close()
                except OSError:  # it died while it waited: the wait reports how
                    pass
            exit_ = wait(self._proc, began, timeout_s=timeout_s, cgroup=self._cgroup,
                         watch=_with_cancel(self._watch, cancel))
            returncode, stopped_by = exit_.returncode, exit_.stopped_by
            if stopped_by is None and not exit_.timed_out:
                # a run that wrote past the limit between two looks and ended is failed anyway
                stopped_by = self._watch.check_now()
                if stopped_by is not None:
                    returncode = 128 + signal.SIGXFSZ
            if self._cgroup is not None and self._cgroup.fork_refusals():
                logger.info("pids.max=%d refused %d forks of %s", self.limits.processes,
                            self._cgroup.fork_refusals(), self.argv[0])
            cancelled = bool(cancel and cancel.is_set())
            return RunResult(
                argv=self.argv,
                returncode=returncode,
                stdout=read_tail(self._run_dir / "stdout", self.limits.output_bytes),
                stderr=read_tail(self._run_dir / "stderr", self.limits.output_bytes),
                timed_out=exit_.timed_out or cancelled,
                elapsed_s=exit_.elapsed_s,
                isolation=self.level,
                signal=_signal_of(returncode, self.level,
                                  exit_.timed_out or bool(exit_.stopped_by)),
                stopped_by=None if stopped_by == "cancelled" else stopped_by,
            )
        finally:
            self._cleanup()

    def abandon(self) -> None:
        """Kill the command and everything it started; remove its run directory."""
        if self._done:
            return
        self._done = True
        try:
            wait(self._proc, time.monotonic(), timeout_s=0.0, cgroup=self._cgroup)
        finally:
            self._cleanup()

    def _cleanup(self) -> None:
        if self._proc.stdin is not None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
        if self._cgroup is not None:
            self._cgroup.remove()
        remove_tree(self._run_dir)


def start_command(
    argv: Sequence[str],
    *,
    cwd: Path,
    limits: Limits = DEFAULT_LIMITS,
    isolation: str | None = None,
    env: Mapping[str, str] | None = None,
    writable: Sequence[Path] | None = None,
    env_allow: Sequence[str] = DEFAULT_ENV_ALLOW,
    tmp_root: Path | None = None,
    process_limit: str | None = None,
    pids_parent: Path | None = None,
    unprivileged: bool = False,
    readable: Sequence[Path] = (),
    stdin_pipe: bool = False,
) -> Started:
    """Start argv in ``cwd`` under ``limits``; ``Started.finish`` waits for it.

    ``isolation``/``process_limit``/``pids_parent`` are detected when not given (the
    ``Sandbox`` detects them once and passes them in). ``writable`` defaults to ``(cwd,)``;
    ``readable`` adds paths the command may read (its interpreter's tree always is).
    ``unprivileged`` (or ``process_limit="uid"``) runs the command as uid 65534 when the agent
    is root and chowns ``writable`` to it, so it is only chosen when asked for (the
    ``Sandbox`` asks for it for its own workspaces). Whatever the run adds to ``writable``
    past ``limits.disk_bytes`` stops it (``RunResult.stopped_by``). ``stdin_pipe``: the
    command reads what ``Started.finish`` is given (else ``/dev/null``)."""
    argv = tuple(str(arg) for arg in argv)
    if not argv:
        raise CommandError("empty argv: pass the command as a list, e.g. ['pytest', '-q']")
    cwd = Path(cwd).resolve()
    if not cwd.is_dir():
        raise CommandError(f"cwd {cwd} is not a directory")
    level = isolation or detect_isolation(tmp_root)
    if level not in ISOLATION_LEVELS:
        raise IsolationError(f"unknown isolation level {level!r}; use one of {ISOLATION_LEVELS}")
    method = process_limit
    if method is None:
        method = process_limit_method()
        if method == "uid":
            # the uid fallback chowns the writable paths; only do that when asked to
            logger.warning(
                "no writable pids cgroup: the process limit does not hold for %s "
                "(pass process_limit='uid' to run as uid %d)",
                argv[0],
                NOBODY_UID,
            )
            method = "none"
    if method == "cgroup" and pids_parent is None:
        pids_parent = find_pids_parent()
        if pids_parent is None:
            raise IsolationError("no writable pids cgroup here; use process_limit='uid'")
    writable_paths = [Path(p).resolve() for p in (writable if writable is not None else (cwd,))]
    python = sys.executable
    if not python:
        raise CommandError("sys.executable is unknown: cannot start the limits shim")

    run_dir = Path(tempfile.mkdtemp(prefix=f"selfheal-run-{os.getpid()}-", dir=tmp_root))
    cgroup: PidsCgroup | None = None
    try:
        home, tmp = run_dir / "home", run_dir / "tmp"
        home.mkdir()
        tmp.mkdir()
        # at level none there is no view of the filesystem to make the interpreter reachable
        drop = method == "uid" or (unprivileged and os.geteuid() == 0 and level != "none")
        drop_uid = NOBODY_UID if drop else None
        if drop_uid is not None:
            for path in [home, tmp, *writable_paths]:
                _chown_tree(path, drop_uid)
        if method == "cgroup":
            assert pids_parent is not None
            cgroup = PidsCgroup.create(pids_parent, limits.processes)
        spec = {
            "cgroup_procs": str(cgroup.procs_file) if cgroup else None,
            "rlimits": _rlimits(limits, method),
            "parent_pid": os.getpid(),  # the run dies with this process (see _shim.py)
        }
        wrapper = wrap_argv(
            level,
            cwd=cwd,
            writable=[*writable_paths, home, tmp],
            network=limits.network,
            drop_to_uid=drop_uid,
            readable=[*interpreter_tree(argv[0]), *readable],
            tmp_bytes=limits.disk_bytes,
        )
        watch = DiskWatch([*writable_paths, run_dir], limits.disk_bytes)
        full = [python, "-I", "-S", str(SHIM), json.dumps(spec), "--", *wrapper, *argv]
        proc = spawn(full, cwd=cwd, env=build_env(env_allow, env, home=home, tmp=tmp),
                     stdout_path=run_dir / "stdout", stderr_path=run_dir / "stderr",
                     stdin_pipe=stdin_pipe)
    except BaseException:
        if cgroup is not None:
            cgroup.remove()
        remove_tree(run_dir)
        raise
    return Started(argv, proc, level, run_dir, cgroup, watch, limits)
