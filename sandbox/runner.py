"""Running commands under limits, and the ``Sandbox`` that owns workspaces and a level.

A run is laid out as::

    python -I -S _shim.py <cgroup + rlimits> -- [bwrap ... -- | unshare --net --pid ... -- sh -c]
        [setpriv ... --] argv

The shim (outside the wrapper, so bubblewrap itself is counted and bounded) joins the run's
pids cgroup and sets the rlimits, then execs the wrapper, which execs the command.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import resource
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from .cgroups import PidsCgroup, find_pids_parent
from .diskuse import DiskWatch
from .errors import CommandError, IsolationError, SandboxError
from .isolation import (
    NOBODY_UID,
    detect_isolation,
    interpreter_tree,
    probe,
    process_limit_method,
    wrap_argv,
)
from .limits import ISOLATION_LEVELS, Limits, RunResult
from .process import execute, read_tail
from .workspace import create_workspace, remove_tree

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
    isolation: str | None = None,
    env: Mapping[str, str] | None = None,
    writable: Sequence[Path] | None = None,
    env_allow: Sequence[str] = DEFAULT_ENV_ALLOW,
    tmp_root: Path | None = None,
    process_limit: str | None = None,
    pids_parent: Path | None = None,
    cancel: threading.Event | None = None,
    unprivileged: bool = False,
    readable: Sequence[Path] = (),
) -> RunResult:
    """Run argv in ``cwd`` under ``limits``; never raises because the command failed.

    ``isolation``/``process_limit``/``pids_parent`` are detected when not given (the
    ``Sandbox`` detects them once and passes them in). ``writable`` defaults to ``(cwd,)``;
    ``readable`` adds paths the command may read (its interpreter's tree always is).
    ``unprivileged`` (or ``process_limit="uid"``) runs the command as uid 65534 when the agent
    is root and chowns ``writable`` to it, so it is only chosen when asked for (the
    ``Sandbox`` asks for it for its own workspaces). Whatever the run adds to ``writable``
    past ``limits.disk_bytes`` stops it (``RunResult.stopped_by``).
    """
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
        exit_ = execute(
            full,
            cwd=cwd,
            env=build_env(env_allow, env, home=home, tmp=tmp),
            stdout_path=run_dir / "stdout",
            stderr_path=run_dir / "stderr",
            timeout_s=limits.timeout_s,
            cgroup=cgroup,
            watch=_with_cancel(watch, cancel),
        )
        returncode, stopped_by = exit_.returncode, exit_.stopped_by
        if stopped_by is None and not exit_.timed_out:
            # a run that wrote past the limit between two looks and ended is failed all the same
            stopped_by = watch.check_now()
            if stopped_by is not None:
                returncode = 128 + signal.SIGXFSZ
        if cgroup is not None and cgroup.fork_refusals():
            logger.info(
                "pids.max=%d refused %d forks of %s",
                limits.processes,
                cgroup.fork_refusals(),
                argv[0],
            )
        return RunResult(
            argv=argv,
            returncode=returncode,
            stdout=read_tail(run_dir / "stdout", limits.output_bytes),
            stderr=read_tail(run_dir / "stderr", limits.output_bytes),
            timed_out=exit_.timed_out or bool(cancel and cancel.is_set()),
            elapsed_s=exit_.elapsed_s,
            isolation=level,
            signal=_signal_of(returncode, level, exit_.timed_out or bool(exit_.stopped_by)),
            stopped_by=None if stopped_by == "cancelled" else stopped_by,
        )
    finally:
        if cgroup is not None:
            cgroup.remove()
        remove_tree(run_dir)


class Sandbox:
    """Throwaway workspaces and commands run in them, with one isolation level and limits.

    The isolation level and the process-limit method are probed once, on first use, and
    kept on the object. Thread-safe: workspaces and runs may be made from several threads.
    """

    def __init__(
        self,
        limits: Limits = DEFAULT_LIMITS,
        isolation: str | None = None,
        env_allow: tuple[str, ...] = DEFAULT_ENV_ALLOW,
        tmp_root: Path | None = None,
        readable: Sequence[Path] = (),
    ) -> None:
        if isolation is not None and isolation not in ISOLATION_LEVELS:
            raise IsolationError(
                f"unknown isolation level {isolation!r}; use one of {ISOLATION_LEVELS} or None"
            )
        self.limits = limits
        self.env_allow = tuple(env_allow)
        self.tmp_root = Path(tmp_root) if tmp_root is not None else None
        self.readable = tuple(Path(p) for p in readable)
        """Paths commands may read besides the system directories and their interpreter."""
        self._forced = isolation
        self._level: str | None = None
        self._method = "none"
        self._pids_parent: Path | None = None
        self._lock = threading.Lock()
        self._workspaces: set[Path] = set()

    @property
    def isolation(self) -> str:
        """bwrap | unshare | none: how strongly commands are cut off (probed once)."""
        return self._resolve()

    @property
    def process_limit(self) -> str:
        """cgroup | uid | rlimit | none: how the process-count limit is enforced."""
        self._resolve()
        return self._method

    def _resolve(self) -> str:
        with self._lock:
            if self._level is None:
                self._level = self._choose_level()
                self._method = process_limit_method()
                if self._method == "cgroup":
                    self._pids_parent = find_pids_parent()
                    if self._pids_parent is None:  # vanished between the two looks
                        self._method = "uid"
                if self._method == "none":
                    logger.warning(
                        "sandbox: running as root without a writable pids cgroup or "
                        "setpriv: the process-count limit does NOT hold"
                    )
            return self._level

    def _choose_level(self) -> str:
        if self._forced is not None:
            why_not = probe(self._forced, self._ensure_tmp_root())
            if why_not is not None:
                raise IsolationError(
                    f"isolation {self._forced!r} does not work here "
                    f"({why_not}); pass isolation=None to use what works"
                )
            return self._forced
        level = detect_isolation(self._ensure_tmp_root())
        if level == "none":
            logger.warning(
                "sandbox: NO ISOLATION available (neither bubblewrap nor unshare -n "
                "works): commands can reach the network and write outside the "
                "workspace; install bubblewrap"
            )
        return level

    def _ensure_tmp_root(self) -> Path | None:
        if self.tmp_root is not None:
            try:
                self.tmp_root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise SandboxError(f"cannot create tmp_root {self.tmp_root}: {exc}") from exc
        return self.tmp_root

    @contextlib.contextmanager
    def workspace(
        self, project_root: Path, overrides: Mapping[str, str] | None = None
    ) -> Iterator[Path]:
        """A fresh copy of the project with ``overrides`` written in; removed on exit."""
        path = create_workspace(Path(project_root), self._ensure_tmp_root(), overrides).resolve()
        with self._lock:
            self._workspaces.add(path)
        try:
            yield path
        finally:
            with self._lock:
                self._workspaces.discard(path)
            remove_tree(path)

    def _workspace_of(self, cwd: Path) -> Path | None:
        with self._lock:
            return next((ws for ws in self._workspaces if cwd.is_relative_to(ws)), None)

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        timeout_s: float | None = None,
        env: Mapping[str, str] | None = None,
        cancel: threading.Event | None = None,
    ) -> RunResult:
        """Run argv in ``cwd`` (writable: its whole workspace) under the sandbox's limits;
        setting ``cancel`` kills it at once (reported as a time-out)."""
        level = self._resolve()
        limits = self.limits
        if timeout_s is not None:
            limits = dataclasses.replace(limits, timeout_s=timeout_s)
        cwd = Path(cwd).resolve()
        workspace = self._workspace_of(cwd)
        method = self._method
        if method == "uid" and workspace is None:
            # never chown a directory the sandbox does not own (e.g. the user's project)
            logger.warning(
                "sandbox: %s runs outside a workspace, as root: the process limit "
                "does not hold for it",
                argv[0] if argv else argv,
            )
            method = "none"
        return run_command(
            argv,
            cwd=cwd,
            limits=limits,
            isolation=level,
            env=env,
            writable=(workspace or cwd,),
            env_allow=self.env_allow,
            tmp_root=self._ensure_tmp_root(),
            process_limit=method,
            pids_parent=self._pids_parent,
            cancel=cancel,
            # in its own workspace a command never runs as root
            unprivileged=workspace is not None,
            readable=self.readable,
        )
