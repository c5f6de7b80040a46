"""Exec shim: join the run's pids cgroup, set rlimits, then become the command.

Run as ``python -I -S _shim.py '<json>' -- argv...``. It replaces ``preexec_fn`` (unsafe in a
process with threads): everything happens in this fresh single-threaded interpreter, then
``os.execvp`` hands the process, its limits and its cgroup to the command. Standard library
only, no imports from the package: it must start in milliseconds with ``-S``.

JSON keys: ``cgroup_procs`` (a ``cgroup.procs`` file to write ``0`` into, or null) and
``rlimits`` (resource name -> [soft, hard]).
"""

import json
import os
import resource
import sys

EXIT_SHIM_FAILED = 125


def main(args: list[str]) -> None:
    if len(args) < 3 or args[1] != "--":
        sys.stderr.write("sandbox shim: usage: _shim.py '<json>' -- argv...\n")
        sys.exit(EXIT_SHIM_FAILED)
    spec = json.loads(args[0])
    argv = args[2:]
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
