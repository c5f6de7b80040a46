"""End to end in a real terminal: `selfheal tui` in tmux, network cut with `unshare -n`,
against a scratch copy of the demo project; heal a finding, accept it, check the file."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "examples" / "inventory"


def _can_unshare_net() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=30)
    return probe.returncode == 0


pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not _can_unshare_net(), reason="unshare -n is not permitted here"),
]


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30)
    return done.stdout


def wait_for(session: str, predicate, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if predicate(screen):
            return screen
        time.sleep(0.3)
    raise AssertionError(f"timed out; the screen was:\n{screen}")


def test_heal_and_accept_in_a_real_terminal(tmp_path: Path) -> None:
    project = tmp_path / "inventory"
    shutil.copytree(DEMO, project, ignore=shutil.ignore_patterns("__pycache__", ".ruff_cache",
                                                                 ".selfheal"))
    models = project / "inventory" / "models.py"
    assert "self.itmes.values()" in models.read_text()
    session = f"selfheal-e2e-{uuid.uuid4().hex[:8]}"
    command = (f"cd {tmp_path} && env -u COLUMNS -u LINES SELFHEAL_HOME={tmp_path / 'home'} unshare -n "
               f"{sys.executable} -m selfheal_local tui inventory --no-model --no-memory "
               f"--no-watch; sleep 5")
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
    try:
        tmux("set-option", "-t", session, "window-size", "manual")
        tmux("resize-window", "-t", session, "-x", "120", "-y", "40")
        screen = wait_for(session, lambda s: "suite 8 passed, 5 failing" in s and "job idle" in s)
        assert "inventory/models.py:35" in screen
        assert "project inventory" in screen
        tmux("send-keys", "-t", session, "h")  # the first row: the AttributeError in models.py
        # wait for the fix itself: "job idle" and the empty "selected fix" pane are on screen
        # before the heal job starts. Side by side at 120 columns (the panes stack below 140):
        # the new code, no "+" (the line may wrap once the pane shows its scrollbar)
        screen = wait_for(session, lambda s: "self.items.values())" in s and "job idle" in s)
        assert "selected fix" in screen and "+        return" not in screen
        assert "self.itmes.values()" in models.read_text()  # nothing written before accept
        tmux("send-keys", "-t", session, "a")
        wait_for(session, lambda s: "suite 9 passed, 4 failing" in s and "job idle" in s)
        assert "self.items.values()" in models.read_text()
        assert "self.itmes" not in models.read_text()
        tmux("send-keys", "-t", session, "q")
        wait_for(session, lambda s: "suite" not in s, timeout=30)
    finally:
        tmux("kill-session", "-t", session)
