"""The one lock and the one atomic write, raced by real processes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from selfheal_local.io import FileLock, LockHeld, atomic_write, atomic_write_json, temp_name

SIZE = 1 << 20


def _spawn(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args])


WRITER = """
import sys
from selfheal_local.io import atomic_write
path, letter = sys.argv[1], sys.argv[2].encode()
for _ in range(40):
    atomic_write(path, letter * {size})
"""


def test_two_writer_processes_never_tear_the_file(tmp_path: Path) -> None:
    target = tmp_path / "shared.bin"
    target.write_bytes(b"x" * SIZE)
    writers = [_spawn(WRITER.format(size=SIZE), str(target), letter) for letter in "ab"]
    seen = set()
    while any(w.poll() is None for w in writers):
        data = target.read_bytes()
        assert len(data) == SIZE and data.count(data[:1]) == SIZE, "a reader saw a torn file"
        seen.add(data[:1])
    assert all(w.returncode == 0 for w in writers)
    final = target.read_bytes()
    assert final in (b"a" * SIZE, b"b" * SIZE)
    assert [p.name for p in tmp_path.iterdir()] == ["shared.bin"], "a temp file was left behind"


COUNTER = """
import json, sys
from pathlib import Path
from selfheal_local.io import FileLock, atomic_write_json
path = Path(sys.argv[1])
lock = FileLock(path.with_name(path.name + ".lock"))
for _ in range(100):
    with lock:
        with lock:  # re-entrant within one object
            count = json.loads(path.read_text())["count"]
            atomic_write_json(path, {"count": count + 1})
"""


def test_locked_read_modify_write_loses_no_update_across_processes(tmp_path: Path) -> None:
    target = tmp_path / "counter.json"
    atomic_write_json(target, {"count": 0})
    workers = [_spawn(COUNTER, str(target)) for _ in range(2)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    assert json.loads(target.read_text()) == {"count": 200}


HOLDER = """
import sys, time
from selfheal_local.io import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(30)
"""


def test_non_blocking_acquire_reports_a_lock_held_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "round.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld):
            FileLock(path).acquire(blocking=False)
    finally:
        holder.kill()
        holder.wait()
    lock = FileLock(path)
    lock.acquire(blocking=False)  # free once the holder is gone
    lock.release()


def test_temp_names_are_unique_hidden_siblings(tmp_path: Path) -> None:
    target = tmp_path / "registry.json"
    names = {temp_name(target) for _ in range(2000)}
    assert len(names) == 2000
    assert all(n.parent == tmp_path and n.name.startswith(".registry.json.") for n in names)


def test_a_failed_write_keeps_the_old_content_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    atomic_write(target, b"old\n", mode=0o600)
    assert target.stat().st_mode & 0o777 == 0o600
    with pytest.raises(TypeError):
        atomic_write_json(target, {"not": object()})
    with pytest.raises(TypeError):
        atomic_write(target, "text is not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
