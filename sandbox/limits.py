"""The values that cross the package line: the limits of a run and its result."""

from __future__ import annotations

from dataclasses import dataclass

ISOLATION_LEVELS = ("bwrap", "unshare", "none")
"""Strongest first: bubblewrap (no network, a filesystem built from the system directories,
the interpreter and the workspace only, own pids), ``unshare`` (no network, the host read-only
with /tmp, /run, /root, /home hidden, own pids), none (plain process; only the limits hold)."""

DEFAULT_TMP_BYTES = 512 * 1024**2
"""Size of the private /tmp (and /dev/shm) when no ``Limits`` says otherwise."""


@dataclass(frozen=True)
class Limits:
    """What one sandboxed command may use."""

    timeout_s: float = 300.0
    """Wall-clock limit; past it the whole process group (and pid namespace) is killed."""
    cpu_s: int = 600
    """CPU-seconds limit (RLIMIT_CPU); the command gets SIGXCPU then SIGKILL."""
    memory_bytes: int = 2 * 1024**3
    """Address-space limit (RLIMIT_AS) of every process of the command."""
    file_size_bytes: int = 256 * 1024**2
    """Largest file the command may write (RLIMIT_FSIZE)."""
    open_files: int = 1024
    """Most open file descriptors per process (RLIMIT_NOFILE)."""
    processes: int = 256
    """Most processes at once (cgroup ``pids.max``, or RLIMIT_NPROC under an unprivileged uid)."""
    disk_bytes: int = 1024**3
    """Most bytes a command may add to its workspace (and its HOME/TMPDIR): past it the run is
    killed. Also the size of its private ``/tmp`` and ``/dev/shm``."""
    network: bool = False
    """Allow the network (skips the network namespace; the filesystem stays read-only)."""
    output_bytes: int = 2 * 1024**2
    """How much of stdout and of stderr is read back (the tail is kept)."""

    def __post_init__(self) -> None:
        for name in (
            "timeout_s",
            "cpu_s",
            "memory_bytes",
            "file_size_bytes",
            "open_files",
            "processes",
            "disk_bytes",
            "output_bytes",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be positive, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class RunResult:
    """What happened when one command ran in the sandbox."""

    argv: tuple[str, ...]
    returncode: int
    """Exit status; -N when killed by signal N (under bwrap and unshare: 128+N, as a shell says)."""
    stdout: str
    """The tail of standard output (at most ``Limits.output_bytes``)."""
    stderr: str
    """The tail of standard error (at most ``Limits.output_bytes``)."""
    timed_out: bool
    """The wall-clock limit was hit and everything the command started was killed."""
    elapsed_s: float
    isolation: str
    """bwrap | unshare | none: how the command was cut off from the machine."""
    signal: int | None = None
    """The signal that ended the command, when one did (SIGKILL on timeout)."""
    stopped_by: str | None = None
    """Why the sandbox stopped or failed the command, in words (the disk limit); a run that
    went past the disk limit and ended before it was seen reads as killed by SIGXFSZ."""

    @property
    def ok(self) -> bool:
        """True when the command exited 0 within its time."""
        return self.returncode == 0 and not self.timed_out and self.stopped_by is None
