"""Exec shim: join the run's pids cgroup, set rlimits, then become the command.

Run as ``python -I -S _shim.py '<json>' -- argv...``. It replaces ``preexec_fn`` (unsafe in a
process with threads): everything happens in this fresh single-threaded interpreter, then
``os.execvp`` hands the process, its limits and its cgroup to the command. Standard library
only, no imports from the package: it must start in milliseconds with ``-S``.

JSON keys: ``cgroup_procs`` (a ``cgroup.procs`` file to write ``0`` into, or null),
``rlimits`` (resource name -> [soft, hard]) and ``parent_pid`` (the agent's pid, or null).

With ``parent_pid`` the shim dies with the agent: it asks for SIGKILL when its parent dies
(kept across the exec, so the command and bubblewrap inherit it) and, because the agent may
have died before that request, exits at once when its parent is no longer ``parent_pid``.
Without this an agent killed while the shim started left a sandboxed test run going on its
own, writing into a workspace the next start was removing.
"""

import json
import os
import resource
import signal
import sys

EXIT_SHIM_FAILED = 125
EXIT_PARENT_GONE = 137
"""What the shim exits with when the agent died before the command started (as if killed)."""
PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """SIGKILL this process when its parent dies; exit now if that already happened."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: only the check below
        pass
    if os.getppid() != parent_pid:
        os._exit(EXIT_PARENT_GONE)


def main(args: list[str]) -> None:
    if len(args) < 3 or args[1] != "--":
        sys.stderr.write("sandbox shim: usage: _shim.py '<json>' -- argv...\n")
        sys.exit(EXIT_SHIM_FAILED)
    spec = json.loads(args[0])
    argv = args[2:]
    if spec.get("parent_pid"):
        die_with_parent(int(spec["parent_pid"]))
    try:
        procs = spec.get("cgroup_procs")
        if procs:
            # "0" means the writing process itself, whatever pid namespace it is in
            with open(procs, "w") as handle:
                handle.write("0")
        for name, (soft, hard) in spec.get("rlimits", {}).items():
            resource.setrlimit(getattr(resource, name), (soft, hard))
    except (OSError, ValueError, AttributeError) as exc:
        sys.stderr.write(f"sandbox shim: could not apply limits: {exc}\n")
        sys.exit(EXIT_SHIM_FAILED)
    try:
        os.execvp(argv[0], argv)
    except OSError as exc:
        sys.stderr.write(f"sandbox shim: cannot run {argv[0]!r}: {exc}\n")
        sys.exit(127 if isinstance(exc, FileNotFoundError) else 126)


if __name__ == "__main__":
    main(sys.argv[1:])
