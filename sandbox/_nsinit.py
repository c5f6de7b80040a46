"""Init of the ``unshare`` level: a read-only host inside a mount namespace, then the command.

Run by ``unshare --mount --net --pid --fork ...`` as ``python -I -S _nsinit.py '<json>' --
argv...``, as root of the new namespaces. It binds the writable paths onto themselves, remounts
every other mount read-only, covers the hidden directories (/tmp, /run, /root, /home, …) with
empty tmpfs mounts (/tmp and /dev/shm sized), binds back the paths the run needs from under
them, hides the password hashes, then (optionally) drops to an unprivileged uid with
``no_new_privs`` and runs the command as its child, staying pid 1 of the namespace: it reaps
orphans and exits with the command's status (128+N when a signal N killed it). Any mount that
cannot be made read-only stops the run (exit 125): the level fails closed.

Standard library only, no imports from the package (it starts with ``-S``). JSON keys: see
``filesystem.unshare_layout`` plus ``cwd``, ``drop_uid`` (int or null).
"""

import ctypes
import json
import os
import sys

EXIT_SETUP_FAILED = 125
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 16384, 1 << 18, 1 << 21, 1 << 24
PR_SET_NO_NEW_PRIVS = 38
_LOCKED = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
           "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}
_SKIP = ("/proc", "/dev")

_libc = ctypes.CDLL(None, use_errno=True)


class SetupError(Exception):
    pass


def _mount(source, target, fstype, flags, data=None):
    args = [None if v is None else str(v).encode() for v in (source, target, fstype, data)]
    if _libc.mount(args[0], args[1], args[2], ctypes.c_ulong(flags), args[3]) != 0:
        err = ctypes.get_errno()
        raise SetupError(f"mount {source} on {target}: {os.strerror(err)}")


def _inside(path, parent):
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _mounts():
    """(mount point, locked flags) of every mount, in mount order."""
    out = []
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")
            flags = 0
            for opt in fields[5].split(","):
                flags |= _LOCKED.get(opt, 0)
            out.append((point, flags))
    return out


def _make_point(path, is_dir):
    if is_dir:
        os.makedirs(path, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.exists(path):
            open(path, "w").close()


def setup(spec):
    writable, readable, hidden = spec["writable"], spec["readable"], spec["hidden"]
    try:
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
    except SetupError:
        pass  # unshare already made propagation private
    for path in writable:
        _mount(path, path, None, MS_BIND | MS_REC)
    # descriptors of what must come back after the hidden dirs are covered
    keep = [(p, True) for p in writable] + [(p, False) for p in readable]
    held = []
    for path, rw in keep:
        if any(_inside(path, h) for h in hidden):
            held.append((path, rw, os.path.isdir(path), os.open(path, os.O_PATH)))
    for point, flags in _mounts():
        if any(_inside(point, s) for s in _SKIP) or any(_inside(point, w) for w in writable):
            continue
        try:
            _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)
        except SetupError:
            if os.path.exists(point):
                raise
    for path in hidden:
        size = spec["tmp_bytes"] if path in spec["sized"] else 1024 * 1024
        mode = "1777" if path in spec["sized"] else "0755"
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode={mode}")
    for path, rw, is_dir, fd in sorted(held, key=lambda h: h[0].count("/")):
        _make_point(path, is_dir)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        if not rw:
            _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.close(fd)
    for path in hidden:
        if path not in spec["sized"]:
            _mount(None, path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m")
    for secret in spec["secret_files"]:
        _mount("/dev/null", secret, None, MS_BIND)


def _drop(uid):
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def main(args):
    if len(args) < 3 or args[1] != "--":
        sys.stderr.write("sandbox nsinit: usage: _nsinit.py '<json>' -- argv...\n")
        sys.exit(EXIT_SETUP_FAILED)
    spec, argv = json.loads(args[0]), args[2:]
    try:
        setup(spec)
        os.chdir(spec["cwd"])  # the old cwd is the directory under the read-only mount
        if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise SetupError("prctl(PR_SET_NO_NEW_PRIVS) failed")
        if spec.get("drop_uid") is not None:
            _drop(spec["drop_uid"])
    except (OSError, SetupError) as exc:
        sys.stderr.write(f"sandbox nsinit: cannot isolate the filesystem: {exc}\n")
        sys.exit(EXIT_SETUP_FAILED)
    child = os.fork()
    if child == 0:
        try:
            os.execvp(argv[0], argv)
        except OSError as exc:
            sys.stderr.write(f"sandbox: cannot run {argv[0]!r}: {exc}\n")
            os._exit(127 if isinstance(exc, FileNotFoundError) else 126)
    while True:  # pid 1: reap orphans until the command itself is done
        pid, status = os.wait()
        if pid == child:
            break
    if os.WIFSIGNALED(status):
        sys.exit(128 + os.WTERMSIG(status))
    sys.exit(os.WEXITSTATUS(status))


if __name__ == "__main__":
    main(sys.argv[1:])
