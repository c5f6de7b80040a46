"""End to end in a real terminal: issue 12 item 1's exact keys on the real ``selfheal tui`` in
tmux: filter to one F401, ``h``, ``r`` with a reason, clear the filter, ``A``, ``H``; the
rejected file is byte-identical afterwards (the other finding is healed, so heal all ran)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from tui_helpers import UNUSED

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed (apt-get install tmux)")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30).stdout


def wait_for(session: str, predicate, timeout: float = 180.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if predicate(screen):
            return screen
        time.sleep(0.3)
    raise AssertionError(f"timed out; the screen was:\n{screen}")


def idle(screen: str) -> bool:
    return "job idle" in screen


def test_rejected_fix_stays_out_in_a_real_terminal(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    for rel, text in UNUSED.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    util = root / "shop" / "util.py"
    before = util.read_bytes()
    session = f"selfheal-reject-{uuid.uuid4().hex[:8]}"
    # this checkout's code (not whatever an editable install points at); a short project name
    command = (f"cd {tmp_path} && env -u COLUMNS -u LINES PYTHONPATH={REPO} "
               f"SELFHEAL_HOME={tmp_path / 'home'} {sys.executable} -m selfheal_local tui shop "
               "--no-model --no-memory --no-watch; sleep 5")
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)

    def keys(*k: str) -> None:
        tmux("send-keys", "-t", session, *k)
        time.sleep(0.3)

    try:
        tmux("set-option", "-t", session, "window-size", "manual")
        tmux("resize-window", "-t", session, "-x", "120", "-y", "40")
        # the first scan is over (the suite's result is shown): "job idle" alone can show
        # before it starts, and a filter typed then was lost on a loaded machine
        wait_for(session, lambda s: "shop/util.py:1" in s and "shop/pricing.py:1" in s
                 and "suite 2 passed" in s and idle(s))
        keys("/")
        keys("-l", "util")
        keys("Enter")
        screen = wait_for(session, lambda s: "shop/pricing.py:1" not in s)
        assert "shop/util.py:1" in screen
        keys("h")
        wait_for(session, lambda s: "(a accepts, r rejects)" in s and idle(s))
        keys("r")
        wait_for(session, lambda s: "reject:" in s)
        keys("-l", "keep it: re-exported")
        keys("Enter")
        wait_for(session, lambda s: "rejected: keep it" in s and idle(s))
        keys("/")
        keys("BSpace", "BSpace", "BSpace", "BSpace")
        keys("Enter")  # (below 140 columns the diff pane may cover the list: nothing to wait on)
        keys("A")
        wait_for(session, lambda s: "auto-apply on" in s)
        keys("H")
        wait_for(session, lambda s: "heal all:" in s and idle(s), timeout=300)
        assert "import sys" not in (root / "shop" / "pricing.py").read_text()  # heal all ran
        assert util.read_bytes() == before  # the rejected removal was not applied
        keys("q")
    finally:
        tmux("kill-session", "-t", session)
