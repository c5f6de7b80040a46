"""How commands are cut off from the machine: bubblewrap, ``unshare -n``, or nothing.

``wrap_argv`` builds the prefix that goes in front of a command for each level; ``probe``
proves a level works here by running ``true`` under it; ``detect_isolation`` picks the
strongest that works and ``isolation_report`` says what was found (for ``selfheal doctor``).
"""

from __future__ import annotations

import json
import logging
import os
import resource
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .cgroups import find_pids_parent
from .errors import IsolationError
from .filesystem import bwrap_fs_args, unshare_layout
from .limits import DEFAULT_TMP_BYTES, ISOLATION_LEVELS
from .process import execute, read_tail

logger = logging.getLogger(__name__)

NOBODY_UID = 65534
"""The unprivileged uid sandboxed commands run as (a root agent drops to it for every run in a
workspace; an unprivileged one appears as it inside bubblewrap's user namespace)."""

_PROBE_TIMEOUT_S = 20.0

ISOLATION_WORDS = {
    "bwrap": "bubblewrap: tests see only the system directories, their interpreter and the "
             "workspace (no host /tmp, /run, /home, /root, so no host socket or secret); no "
             "network; only the workspace writable; run as uid 65534 when selfheal runs as root",
    "unshare": "unshare (no bubblewrap): no network; the host filesystem read-only except the "
               "workspace, /tmp /run /root /home hidden; other host paths stay readable, and a "
               "UNIX socket under them stays reachable",
    "none": "NO ISOLATION: tests can use the network, read your files and write anywhere you "
            "can; install bubblewrap",
}
"""What each isolation level guarantees, in plain words (doctor, TUI, notes)."""
NSINIT = Path(__file__).with_name("_nsinit.py")


def bwrap_path() -> str | None:
    """Where bubblewrap is installed, if it is."""
    return shutil.which("bwrap") or (
        "/usr/bin/bwrap" if os.access("/usr/bin/bwrap", os.X_OK) else None
    )


def interpreter_tree(executable: str) -> list[Path]:
    """Directories an interpreter needs readable: its venv (or prefix) and the running one's."""
    out = []
    exe = Path(executable)
    if exe.is_absolute():
        # <venv>/bin/python: the venv itself (pyvenv.cfg, site-packages), unresolved and resolved
        out += [exe.parent.parent, exe.resolve().parent.parent]
    out += [Path(sys.prefix), Path(sys.exec_prefix), Path(sys.base_prefix)]
    return out


def wrap_argv(
    level: str,
    *,
    cwd: Path,
    writable: Sequence[Path],
    network: bool = False,
    drop_to_uid: int | None = None,
    readable: Sequence[Path] = (),
    tmp_bytes: int = DEFAULT_TMP_BYTES,
) -> list[str]:
    """The argv prefix that runs a command under ``level`` (ends with ``--`` where needed).

    ``readable``: paths the command needs to read besides the system directories (its
    interpreter's tree); ``writable``: the only paths it may change. ``drop_to_uid``: run as
    that uid (root only; the writable paths must already belong to it). ``tmp_bytes``: the
    size of the private ``/tmp`` and ``/dev/shm``.
    """
    prefix: list[str]
    if level == "bwrap":
        binary = bwrap_path()
        if binary is None:
            raise IsolationError("bubblewrap is not installed: apt-get install bubblewrap")
        prefix = [binary, "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent"]
        if not network:
            prefix.append("--unshare-net")
        if os.geteuid() != 0:
            # an unprivileged user gets a user namespace anyway; show it as nobody, not as itself
            prefix += ["--unshare-user", "--uid", str(NOBODY_UID), "--gid", str(NOBODY_UID)]
        prefix += ["--cap-drop", "ALL"]
        if drop_to_uid is not None:
            prefix += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        prefix += bwrap_fs_args(readable=readable, writable=writable, tmp_bytes=tmp_bytes)
        prefix += ["--chdir", str(cwd), "--"]
        if drop_to_uid is not None:
            prefix += _drop_uid_argv(drop_to_uid)
    elif level == "unshare":
        binary = shutil.which("unshare")
        if binary is None:
            raise IsolationError("unshare is not installed (util-linux)")
        # an unprivileged user needs a user namespace to own the new namespaces
        user_ns = ["--map-root-user"] if os.geteuid() != 0 else []
        # own mount namespace (the host read-only, see _nsinit.py) and pid namespace (with its
        # own /proc): when the command exits, everything it started dies with it
        namespaces = ["--mount", "--propagation", "private", "--pid", "--fork", "--kill-child",
                      "--mount-proc", *([] if network else ["--net"])]
        spec = unshare_layout(readable=[*readable, *interpreter_tree(sys.executable)],
                              writable=writable, tmp_bytes=tmp_bytes,
                              home=os.environ.get("HOME"))
        spec.update(cwd=str(cwd), drop_uid=drop_to_uid)
        prefix = [binary, *user_ns, *namespaces, "--",
                  sys.executable, "-I", "-S", str(NSINIT), json.dumps(spec), "--"]
        setpriv = shutil.which("setpriv")
        if drop_to_uid is None and os.geteuid() == 0 and setpriv is not None:
            # root keeps every capability after unshare; without them it cannot nsenter back
            prefix += [setpriv, "--bounding-set=-all", "--inh-caps=-all", "--"]
    elif level == "none":
        prefix = _drop_uid_argv(drop_to_uid) if drop_to_uid is not None else []
    else:
        raise IsolationError(f"unknown isolation level {level!r}; use one of {ISOLATION_LEVELS}")
    return prefix


def _drop_uid_argv(uid: int) -> list[str]:
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise IsolationError(
            "setpriv (util-linux) is needed to run commands as an unprivileged uid"
        )
    return [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]


def probe(level: str, tmp_root: Path | None = None) -> str | None:
    """None when ``level`` really runs a command here, else why it does not."""
    if level == "none":
        return None
    with tempfile.TemporaryDirectory(prefix="selfheal-probe-", dir=tmp_root) as tmp:
        work = Path(tmp)
        try:
            argv = wrap_argv(level, cwd=work, writable=[work]) + ["true"]
        except IsolationError as exc:
            return str(exc)
        exit_ = execute(
            argv,
            cwd=work,
            env={"PATH": os.environ.get("PATH", os.defpath)},
            stdout_path=work / "out",
            stderr_path=work / "err",
            timeout_s=_PROBE_TIMEOUT_S,
        )
        if exit_.returncode == 0 and not exit_.timed_out:
            return None
        return f"{level} probe exited {exit_.returncode}: {read_tail(work / 'err', 2000).strip()}"


def detect_isolation(tmp_root: Path | None = None) -> str:
    """The strongest isolation level that actually works here: bwrap, unshare or none."""
    for level in ISOLATION_LEVELS:
        why_not = probe(level, tmp_root)
        if why_not is None:
            return level
        logger.debug("isolation %s unavailable: %s", level, why_not)
    return "none"


def process_limit_method() -> str:
    """How the process-count limit is enforced here: cgroup, uid or none."""
    if find_pids_parent() is not None:
        return "cgroup"
    if os.geteuid() != 0:
        return "rlimit"  # RLIMIT_NPROC already binds an unprivileged user
    return "uid" if shutil.which("setpriv") else "none"


def isolation_report(tmp_root: Path | None = None) -> dict:
    """What isolation this machine gives sandboxed commands, for ``selfheal doctor``."""
    bwrap = bwrap_path()
    version = None
    if bwrap is not None:
        with tempfile.TemporaryDirectory(prefix="selfheal-probe-", dir=tmp_root) as tmp:
            out = Path(tmp) / "out"
            execute(
                [bwrap, "--version"],
                cwd=Path(tmp),
                env={},
                stdout_path=out,
                stderr_path=Path(tmp) / "err",
                timeout_s=_PROBE_TIMEOUT_S,
            )
            version = read_tail(out, 200).strip() or None
    why = {level: probe(level, tmp_root) for level in ("bwrap", "unshare")}
    level = next((lvl for lvl in ("bwrap", "unshare") if why[lvl] is None), "none")
    parent = find_pids_parent()
    method = process_limit_method()
    rlimits = ["RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE"]
    rlimits = [name for name in rlimits if hasattr(resource, name)]
    summary = ISOLATION_WORDS[level]
    processes = {
        "cgroup": f"process count bounded by a pids cgroup under {parent}",
        "uid": f"process count bounded by running as uid {NOBODY_UID}",
        "rlimit": "process count bounded by RLIMIT_NPROC",
        "none": "process count NOT bounded (root without a writable pids cgroup or setpriv)",
    }[method]
    return {
        "level": level,
        "bwrap": {
            "path": bwrap,
            "version": version,
            "works": why["bwrap"] is None,
            "error": why["bwrap"],
        },
        "unshare": {
            "path": shutil.which("unshare"),
            "works": why["unshare"] is None,
            "error": why["unshare"],
        },
        "process_limit": {"method": method, "cgroup_parent": str(parent) if parent else None},
        "rlimits": rlimits,
        "interpreter": sys.executable,
        "summary": f"{summary}; {processes}",
    }
