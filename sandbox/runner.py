"""The ``Sandbox``: throwaway workspaces and the commands run in them, with one isolation
level and limits (``command`` runs one command; ``warm`` starts one ahead of need)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from .cgroups import find_pids_parent
from .command import (  # noqa: F401  (re-exported: the package's public names)
    DEFAULT_ENV_ALLOW,
    DEFAULT_LIMITS,
    FIXED_ENV,
    SHIM,
    build_env,
    run_command,
    start_command,
)
from .errors import IsolationError, SandboxError
from .isolation import detect_isolation, probe, process_limit_method
from .limits import ISOLATION_LEVELS, Limits, RunResult
from .warm import Prestarted, warm_argv
from .workspace import create_workspace, remove_tree, stamp, write_overrides

logger = logging.getLogger(__name__)


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

    @staticmethod
    def stamp(project_root: Path) -> frozenset:
        """What a workspace copy of ``project_root`` depends on (equal later: still current)."""
        return stamp(Path(project_root))

    def write(self, workspace: Path, overrides: Mapping[str, str]) -> None:
        """Write ``overrides`` into ``workspace``, one of this sandbox's workspaces."""
        if self._workspace_of(Path(workspace).resolve()) is None:
            raise SandboxError(f"{workspace} is not a workspace of this sandbox")
        write_overrides(Path(workspace), overrides)

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
        prestarted: Prestarted | None = None,
    ) -> RunResult:
        """Run argv in ``cwd`` (writable: its whole workspace) under the sandbox's limits;
        setting ``cancel`` kills it at once (reported as a time-out). ``prestarted``: the run
        started ahead for this command (``prestart``), used when it is exactly this one."""
        cwd = Path(cwd).resolve()
        if prestarted is not None:
            if prestarted.matches(argv, cwd, env):
                timeout = self.limits.timeout_s if timeout_s is None else timeout_s
                return prestarted.finish(argv, timeout, cancel)
            prestarted.close()
        return run_command(argv, cwd=cwd, cancel=cancel,
                           **self._run_options(argv, cwd, timeout_s, env))

    def prestart(self, head: Sequence[str], preload: str, *, cwd: Path,
                 env: Mapping[str, str] | None = None) -> Prestarted:
        """Start ``head`` (``[python, "-m", module]``) in ``cwd`` now, its interpreter having
        imported ``preload``; ``run(head + args, prestarted=...)`` sends it the rest."""
        cwd = Path(cwd).resolve()
        started = start_command(warm_argv(head, preload), cwd=cwd, stdin_pipe=True,
                                **self._run_options(head, cwd, None, env))
        return Prestarted(started, head, cwd, env)

    def _run_options(self, argv: Sequence[str], cwd: Path, timeout_s: float | None,
                     env: Mapping[str, str] | None) -> dict:
        level = self._resolve()
        limits = self.limits
        if timeout_s is not None:
            limits = dataclasses.replace(limits, timeout_s=timeout_s)
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
        return {
            "limits": limits,
            "isolation": level,
            "env": env,
            "writable": (workspace or cwd,),
            "env_allow": self.env_allow,
            "tmp_root": self._ensure_tmp_root(),
            "process_limit": method,
            "pids_parent": self._pids_parent,
            # in its own workspace a command never runs as root
            "unprivileged": workspace is not None,
            "readable": self.readable,
        }
