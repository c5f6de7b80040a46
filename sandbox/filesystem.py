"""What a sandboxed command sees of the filesystem.

Under bubblewrap the command gets a new root built from only what a test run needs: the
system directories (``/usr``, ``/etc`` without the password hashes, the ``/bin``-style links),
the interpreter's tree, and the writable paths (the workspace, the run's HOME and TMPDIR).
``/run``, ``/var``, ``/home``, ``/root``, ``/mnt``, ``/srv`` and the host's ``/tmp`` do not
exist in it, so no host UNIX socket (D-Bus, docker, X11, ssh-agent…) can be reached by path;
abstract sockets are cut off by the network namespace. ``/tmp`` and ``/dev/shm`` are private
tmpfs mounts of a fixed size.

Under ``unshare`` the same view is approximated inside a mount namespace by ``_nsinit.py``:
everything read-only, the writable paths bound back, and ``HIDDEN_DIRS`` covered by empty
tmpfs mounts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
"""Top-level directories (or links to them) every command may read."""

SECRET_FILES = ("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-")
"""Files in ``/etc`` replaced by an empty file: nothing a test needs, readable by root only."""

HIDDEN_DIRS = ("/tmp", "/var/tmp", "/run", "/var/run", "/root", "/home", "/dev/shm", "/mnt",
               "/media", "/srv")
"""Covered by an empty tmpfs at the ``unshare`` level (bubblewrap never shows them at all)."""


def _abs(path: Path | str) -> str:
    return os.path.normpath(os.path.abspath(str(path)))


def _inside(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def outermost(paths: Iterable[Path | str]) -> list[str]:
    """Existing absolute paths without the ones inside another, shallowest first."""
    found = sorted({_abs(p) for p in paths if os.path.exists(p)}, key=lambda p: p.count("/"))
    kept: list[str] = []
    for path in found:
        if not any(_inside(path, k) for k in kept):
            kept.append(path)
    return kept


def _system_args() -> tuple[list[str], list[str]]:
    args: list[str] = []
    mirrored: list[str] = []
    for top in SYSTEM_DIRS:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
            mirrored.append(top)
    for secret in SECRET_FILES:
        if os.path.isfile(secret):
            args += ["--ro-bind", "/dev/null", secret]
    return args, mirrored


def bwrap_fs_args(
    *, readable: Sequence[Path | str], writable: Sequence[Path | str], tmp_bytes: int
) -> list[str]:
    """bubblewrap arguments that build the sandbox's root from only what a run needs.

    ``readable`` paths are bound read-only, ``writable`` ones read-write (deeper binds win, so
    a workspace inside a read-only tree stays writable). Parents bubblewrap must create are
    made world-traversable, so an unprivileged uid can reach what is bound below them.
    """
    args, mirrored = _system_args()
    args += ["--dev", "/dev", "--proc", "/proc"]
    size = str(int(tmp_bytes))
    args += ["--perms", "1777", "--size", size, "--tmpfs", "/tmp"]
    args += ["--perms", "1777", "--size", size, "--tmpfs", "/dev/shm"]
    made = {"/", "/tmp", "/dev", "/dev/shm", "/proc"}
    write = set(outermost(writable))
    binds = [(p, False) for p in outermost(readable) if not any(_inside(p, m) for m in mirrored)]
    binds += [(p, True) for p in write]
    # shallow first: a deeper bind (a workspace inside a read-only tree) lands on top
    binds.sort(key=lambda item: (item[0].count("/"), item[1]))
    for path, rw in binds:
        parents = []
        parent = os.path.dirname(path)
        while parent not in made and not any(_inside(parent, m) for m in mirrored):
            parents.append(parent)
            parent = os.path.dirname(parent)
        for each in reversed(parents):
            args += ["--perms", "0755", "--dir", each]
            made.add(each)
        source = os.path.realpath(path)
        args += ["--bind" if rw else "--ro-bind", source, path]
        mirrored.append(path)
    return args


def unshare_layout(
    *, readable: Sequence[Path | str], writable: Sequence[Path | str], tmp_bytes: int,
    home: str | None = None,
) -> dict:
    """What ``_nsinit.py`` does inside the mount namespace (the JSON it is given)."""
    hidden = [d for d in (*HIDDEN_DIRS, *([home] if home else [])) if d]
    hidden = [_abs(d) for d in hidden if os.path.isdir(d) and not os.path.islink(d)]
    return {
        "writable": outermost(writable),
        "readable": outermost(readable),
        "hidden": sorted(set(hidden), key=lambda p: p.count("/")),
        "sized": ["/tmp", "/dev/shm"],
        "tmp_bytes": int(tmp_bytes),
        "secret_files": [f for f in SECRET_FILES if os.path.isfile(f)],
    }
