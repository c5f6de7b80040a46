"""models' own atomic write and lock (models imports nothing in-repo)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from models.files import atomic_write_text, try_lock

SIZE = 1 << 20
WRITER = f"""
import sys
from pathlib import Path
from models.files import atomic_write_text
for _ in range(40):
    atomic_write_text(Path(sys.argv[1]), sys.argv[2] * {SIZE})
"""


def test_two_writer_processes_never_tear_the_registry(tmp_path: Path) -> None:
    target = tmp_path / "registry.json"
    atomic_write_text(target, "x" * SIZE)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(target), c]) for c in "ab"]
    while any(w.poll() is None for w in writers):
        text = target.read_text()
        assert len(text) == SIZE and text.count(text[0]) == SIZE, "a reader saw a torn file"
    assert all(w.returncode == 0 for w in writers)
    assert [p.name for p in tmp_path.iterdir()] == ["registry.json"]


def test_try_lock_is_exclusive_until_closed(tmp_path: Path) -> None:
    path = tmp_path / "state" / "scheduler.lock"
    fd = try_lock(path)
    assert fd is not None
    assert try_lock(path) is None  # a second open file (as another process would hold)
    os.close(fd)
    again = try_lock(path)
    assert again is not None
    os.close(again)
