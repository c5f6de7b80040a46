"""A pids cgroup per run: the process-count limit that holds for root too.

RLIMIT_NPROC does not apply to uid 0, so where the pids controller is writable (cgroup v1
``/sys/fs/cgroup/pids`` or a v2 hierarchy with ``pids`` delegated) each run gets its own
child cgroup with ``pids.max``; the exec shim moves itself in before ``execvp``. The cgroup
is also how the run is cleaned up: every process still in it is killed, then it is removed.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import time
import uuid
from pathlib import Path

logger = logging.getLogger(__name__)

_KILL_DEADLINE_S = 5.0


def _own_cgroup_dirs() -> list[Path]:
    """Candidate parent directories for a pids cgroup, from /proc/self/{mounts,cgroup}."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
        membership = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    v1_path = v2_path = None
    for line in membership:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if "pids" in controllers.split(","):
            v1_path = path
        elif hierarchy == "0" and controllers == "":
            v2_path = path
    found: list[Path] = []
    for line in mounts:
        fields = line.split()
        if len(fields) < 4:
            continue
        mount_point, fstype, options = fields[1], fields[2], fields[3].split(",")
        if fstype == "cgroup" and "pids" in options and v1_path is not None:
            found.append(Path(mount_point) / v1_path.lstrip("/"))
        elif fstype == "cgroup2" and v2_path is not None:
            found.append(Path(mount_point) / v2_path.lstrip("/"))
    return found


def find_pids_parent() -> Path | None:
    """The cgroup directory under which run cgroups with a working ``pids.max`` can be made."""
    for parent in _own_cgroup_dirs():
        probe = parent / f"selfheal-probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            probe.mkdir()
        except OSError:
            continue
        try:
            usable = (probe / "pids.max").is_file() and os.access(probe / "cgroup.procs", os.W_OK)
        finally:
            try:
                probe.rmdir()
            except OSError:
                logger.debug("could not remove probe cgroup %s", probe)
        if usable:
            return parent
    return None


class PidsCgroup:
    """One run's cgroup: made with a ``pids.max``, emptied by SIGKILL, then removed."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, parent: Path, max_pids: int) -> PidsCgroup:
        """Make a fresh child cgroup of ``parent`` allowing at most ``max_pids`` processes."""
        path = parent / f"selfheal-run-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        path.mkdir()
        try:
            (path / "pids.max").write_text(str(max_pids))
        except OSError:
            path.rmdir()
            raise
        return cls(path)

    @property
    def procs_file(self) -> Path:
        return self.path / "cgroup.procs"

    def pids(self) -> list[int]:
        """The processes in the cgroup now (host pid numbers)."""
        try:
            text = self.procs_file.read_text()
        except OSError:
            return []
        return [int(tok) for tok in text.split()]

    def fork_refusals(self) -> int:
        """How many forks ``pids.max`` refused (``pids.events`` ``max`` count)."""
        try:
            for line in (self.path / "pids.events").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "max":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def kill_all(self) -> None:
        """SIGKILL every process in the cgroup until it is empty (forks racing in are bounded)."""
        kill_file = self.path / "cgroup.kill"  # cgroup v2, Linux 5.14+: atomic
        if kill_file.exists():
            try:
                kill_file.write_text("1")
            except OSError:
                logger.debug("cgroup.kill failed in %s", self.path)
        deadline = time.monotonic() + _KILL_DEADLINE_S
        while True:
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if time.monotonic() > deadline:
                logger.warning("processes %s survive in %s after SIGKILL", pids, self.path)
                return
            time.sleep(0.005)

    def remove(self) -> None:
        """Kill what is left and remove the cgroup directory."""
        self.kill_all()
        deadline = time.monotonic() + _KILL_DEADLINE_S
        while True:
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError as exc:
                # EBUSY while killed processes are still being reaped by the kernel
                if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                    logger.warning("could not remove cgroup %s: %s", self.path, exc)
                    return
                time.sleep(0.005)
