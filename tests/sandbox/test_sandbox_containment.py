"""Each escape the sandbox promises to contain, attempted for real by a sandboxed process."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from sandbox_helpers import (
    LEVELS,
    processes_with,
    requires_bwrap,
    requires_pids_cgroup,
    tree_hashes,
)

from sandbox import Limits, run_command

PY = sys.executable

CONNECT = """
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3).close()
except OSError as exc:
    print("blocked:", exc)
    sys.exit(7)
print("connected")
"""


@pytest.mark.parametrize("level", [p for p in LEVELS if p.values[0] != "none"])
def test_loopback_connection_is_refused(make_sandbox, project, level):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = str(listener.getsockname()[1])
    try:
        with make_sandbox(level).workspace(project) as ws:
            cut_off = make_sandbox(level).run([PY, "-c", CONNECT, port], cwd=ws)
            allowed = make_sandbox(level, network=True).run([PY, "-c", CONNECT, port], cwd=ws)
    finally:
        listener.close()
    assert cut_off.returncode == 7, cut_off
    assert "blocked" in cut_off.stdout
    # the control: the same probe does connect when the network is allowed
    assert allowed.returncode == 0 and "connected" in allowed.stdout, allowed


FORK_BOMB = """
import os, sys, time
made = 0
for _ in range(2000):  # self-bounded: even uncontained it cannot take the machine down
    try:
        pid = os.fork()
    except OSError as exc:
        print("refused:", exc, file=sys.stderr)
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    made += 1
print(made, flush=True)
"""


@requires_pids_cgroup
@pytest.mark.parametrize("level", LEVELS)
def test_fork_bomb_stops_at_the_process_limit(make_sandbox, project, token, level):
    sandbox = make_sandbox(level, processes=64, timeout_s=60)
    with sandbox.workspace(project) as ws:
        result = sandbox.run([PY, "-c", FORK_BOMB, token], cwd=ws)
    assert result.returncode == 0 and not result.timed_out, result
    made = int(result.stdout.strip())
    # the shim, bwrap and the bomb's own interpreter count against pids.max too
    assert 50 <= made < 64, (made, result.stderr)
    assert result.elapsed_s < 30
    assert processes_with(token) == [], "forked children outlived the run"


ENDLESS = """
import os, subprocess, sys
# a grandchild that leaves the process group, as a daemon would
subprocess.Popen([sys.executable, "-c", "import os, time; os.setsid(); time.sleep(300)", sys.argv[1]])
while True:
    pass
"""


@pytest.mark.parametrize("level", [*LEVELS[:2], pytest.param("none", marks=requires_pids_cgroup)])
def test_endless_loop_is_killed_with_its_grandchildren(make_sandbox, project, token, level):
    sandbox = make_sandbox(level)
    with sandbox.workspace(project) as ws:
        result = sandbox.run([PY, "-c", ENDLESS, token], cwd=ws, timeout_s=1.5)
    assert result.timed_out and not result.ok
    assert result.signal == 9
    assert 1.5 <= result.elapsed_s < 10
    assert processes_with(token) == [], "a grandchild survived the timeout"


@pytest.mark.parametrize("level", LEVELS[:2])
def test_pid_namespace_alone_kills_escaped_daemons(project, token, tmp_root, level):
    # no cgroup at all: the namespace dying with the command must take the daemon along
    result = run_command(
        [PY, "-c", ENDLESS, token],
        cwd=project,
        limits=Limits(timeout_s=1.5),
        isolation=level,
        process_limit="none",
        tmp_root=tmp_root.parent,
    )
    assert result.timed_out and result.isolation == level
    assert processes_with(token) == [], "a setsid() grandchild survived its pid namespace"


ALLOCATE = """
import sys
try:
    block = bytearray(4 * 1024**3)
except MemoryError:
    print("MemoryError")
    sys.exit(3)
print("allocated", len(block))
"""


@requires_bwrap
def test_four_gigabyte_allocation_fails(make_sandbox, project):
    sandbox = make_sandbox(memory_bytes=2 * 1024**3)
    with sandbox.workspace(project) as ws:
        result = sandbox.run([PY, "-c", ALLOCATE], cwd=ws)
    assert result.returncode == 3 and "MemoryError" in result.stdout, result


WRITE_BIG = """
import sys
chunk = b"x" * (1 << 20)
written = 0
try:
    with open("big.bin", "wb") as out:
        while written < 2 * 1024**3:
            out.write(chunk)
            written += len(chunk)
except OSError as exc:
    print("stopped after", written, exc)
    sys.exit(4)
print("wrote", written)
"""


@requires_bwrap
def test_two_gigabyte_file_write_is_stopped(make_sandbox, project, tmp_root):
    sandbox = make_sandbox(file_size_bytes=16 * 1024**2)
    with sandbox.workspace(project) as ws:
        result = sandbox.run([PY, "-c", WRITE_BIG], cwd=ws)
        size = (ws / "big.bin").stat().st_size
    assert result.returncode == 4 and "File too large" in result.stdout, result
    assert size <= 16 * 1024**2
    assert not any(tmp_root.rglob("big.bin")), "the workspace was not removed"


WRITE_OUTSIDE = """
import sys
failed = []
for target in sys.argv[1:]:
    try:
        with open(target, "w") as out:
            out.write("escaped")
    except OSError as exc:
        failed.append(target)
        print("refused", target, exc)
print(len(failed), "of", len(sys.argv) - 1, "refused")
"""


@requires_bwrap
def test_writes_outside_the_workspace_do_not_land(make_sandbox, project, token, tmp_path):
    refused = [
        project / "pkg" / "mod.py",  # the original project: not even visible under its path
        project / f"{token}.txt",
        Path.home() / f"{token}.txt",  # the real home (HOME itself points to a private dir)
        Path("/var/tmp") / f"{token}.txt",
    ]
    # /tmp is a private tmpfs inside the sandbox: the write may succeed but never lands here
    private = tmp_path / f"{token}.txt"
    before = tree_hashes(project)
    sandbox = make_sandbox()
    with sandbox.workspace(project) as ws:
        result = sandbox.run([PY, "-c", WRITE_OUTSIDE, *map(str, refused), str(private)], cwd=ws)
    assert result.ok, result
    # the private /tmp write may succeed or be refused (a dir the sandbox does not own)
    assert any(f"{n} of {len(refused) + 1} refused" in result.stdout
               for n in (len(refused), len(refused) + 1)), result.stdout
    for target in refused:
        assert f"refused {target} " in result.stdout
    assert tree_hashes(project) == before
    assert not any(t.exists() for t in [*refused[1:], private])


REWRITE_ALL = """
import os, shutil, stat
for dirpath, dirnames, filenames in os.walk("."):
    for name in filenames:
        path = os.path.join(dirpath, name)
        if os.path.islink(path):
            continue
        os.chmod(path, 0o600)
        with open(path, "r+b") as handle:  # in place: would write through a hardlink
            handle.write(b"CLOBBERED")
os.remove("pkg/mod.py")
shutil.rmtree("tests")
with open("new.py", "w") as out:
    out.write("x = 1\\n")
print("done")
"""


@pytest.mark.parametrize("level", LEVELS)
def test_original_is_byte_identical_after_the_workspace_is_wrecked(make_sandbox, project, level):
    (project / "alias.py").symlink_to("pkg/mod.py")
    before = tree_hashes(project)
    sandbox = make_sandbox(level)
    with sandbox.workspace(project) as ws:
        assert (ws / "data.txt").stat().st_ino != (project / "data.txt").stat().st_ino
        result = sandbox.run([PY, "-c", REWRITE_ALL], cwd=ws)
        assert (ws / "data.txt").read_bytes().startswith(b"CLOBBERED")
    assert result.ok, result
    assert tree_hashes(project) == before
