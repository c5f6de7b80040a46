"""Issue 12 item 9, quit at once: the TUI's job pool leaves a job that only reads (a LanceDB
import took 1-2 s and held every quit during a heal) and waits for one that writes; the healer
holds ``writing`` through every apply, reject and undo."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tui_helpers import NO_HEAVY, UNUSED

from selfheal_local.factory import open_healer
from tui.quitting import QuitFastExecutor


def test_quit_does_not_wait_for_a_job_that_only_reads() -> None:
    writing = threading.RLock()
    pool = QuitFastExecutor(lambda: writing)
    release = threading.Event()
    started = threading.Event()

    def uninterruptible() -> None:  # like an import nothing can cancel
        started.set()
        release.wait(30)

    pool.submit(uninterruptible)
    assert started.wait(10)
    began = time.monotonic()
    pool.shutdown(wait=True)
    took = time.monotonic() - began
    left = pool.busy_threads()
    release.set()
    assert took < 2.0, f"shutdown waited {took:.2f}s for a job that writes nothing"
    assert left, "the reading job was expected to be left running"


def test_quit_waits_for_a_write_in_progress(tmp_path: Path) -> None:
    writing = threading.RLock()
    pool = QuitFastExecutor(lambda: writing)
    target = tmp_path / "out.txt"
    holding = threading.Event()

    def write() -> None:
        with writing:
            holding.set()
            with target.open("w") as out:
                for i in range(8):
                    out.write(f"line {i}\n")
                    out.flush()
                    time.sleep(0.1)

    pool.submit(write)
    assert holding.wait(10)
    pool.shutdown(wait=True)
    assert target.read_text() == "".join(f"line {i}\n" for i in range(8))


def test_the_healer_holds_writing_through_an_apply(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    for rel, text in UNUSED.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    healer = open_healer(root, dict(NO_HEAVY))
    healer.scan()
    finding = next(f for f in healer.findings if f.code == "F401" and f.file.endswith("util.py"))
    outcome = healer.fix(finding)
    assert outcome.patch is not None, outcome.reason
    before = (root / finding.file).read_bytes()
    done = threading.Event()
    with healer.writing:  # someone is writing: the apply must wait for it
        worker = threading.Thread(target=lambda: (healer.apply(outcome), done.set()))
        worker.start()
        time.sleep(0.5)
        assert not done.is_set()
        assert (root / finding.file).read_bytes() == before
    worker.join(60)
    assert done.is_set()
    assert (root / finding.file).read_bytes() != before
