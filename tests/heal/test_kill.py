"""kill -9 at random moments of real heals (issue 13): 50 trials in 10 chains of 5.

Each chain heals one small project with three bugs in three files (three apply steps); every
heal of the chain is killed with SIGKILL at a random moment: a random delay after a random loop
event (the scan, a validation, the fix found just before its apply, the apply), or at a random
time from the start. The next heal of the chain is the "next command": once it has started
scanning (recovery is done by then) there is no pending journal entry, no stray temp file and
no sandbox leftover of the killed run. After every kill no file is torn: each is byte-identical
to its original or to what a journal entry recorded writing. At the end of a chain ``scan``
recovers the last kill and ``undo --all`` restores the original bytes exactly.

Slow (a minute or two per chain), and part of the default run: chains are separate test items,
so ``-n 2`` runs them side by side; each chain has its own project, data dir and TMPDIR.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from .projects import digest
from .test_heal_cli import REPO

CHAINS, KILLS_PER_CHAIN = 10, 5

PROJECT = {
    "pyproject.toml": "[tool.selfheal]\nuse_memory = false\nsearch_budget_s = 2.0\n",
    "shop/__init__.py": "",
    "shop/cart.py": """
        def cart_total(prices, tax_rate):
            subtotal = sum(prices)
            tax = subtotal * tax_rate
            return round(subtotl + tax, 2)
    """,
    "shop/label.py": """
        def label(name, quantity):
            return name + " x" + quantity
    """,
    "shop/account.py": """
        class Account:
            def __init__(self, owner):
                self.owner = owner
                self.balance = 0

            def deposit(self, amount):
                self.balnce += amount
                return self.balance
    """,
    "tests/test_shop.py": """
        from shop.account import Account
        from shop.cart import cart_total
        from shop.label import label

        def test_total():
            assert cart_total([10.0, 5.0], 0.2) == 18.0

        def test_label():
            assert label("apple", 3) == "apple x3"

        def test_deposit():
            assert Account("ann").deposit(5) == 5
    """,
}
EVENTS = ("scan.done", "validate.start", "validate.done", "fix.found", "fix.found", "apply", "")
"""Where a kill is aimed: a random delay after one of these loop events ("": from the start);
``fix.found`` comes just before the journaled apply, whose window is milliseconds wide."""


def _write(root: Path) -> Path:
    for rel, text in PROJECT.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def _env(tmp_path: Path, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV"))}
    return env | {"SELFHEAL_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1",
                  "TMPDIR": str(tmp)}


def _entries(root: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in (root / ".selfheal/journal").glob("*/entry.json")]


def _stray_temp_files(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in root.rglob("*.selfheal-*.tmp")]


def _leftovers_of(tmp: Path, pid: int) -> list[str]:
    return [p.name for p in tmp.iterdir() if p.name.startswith((f"selfheal-ws-{pid}-",
                                                                 f"selfheal-run-{pid}-"))]


def _assert_not_torn(root: Path, original: dict[str, str]) -> None:
    """Every file is its original bytes or bytes a journal entry recorded writing."""
    written = {(f["path"], f["after_sha"]) for e in _entries(root) for f in e["files"]}
    # a temp file of a write cut short is not a project file (the next start removes it)
    now = {rel: sha for rel, sha in digest(root).items() if ".selfheal-" not in rel}
    assert set(now) == set(original), "a file appeared or vanished"
    for rel, sha in now.items():
        assert sha == original[rel] or (rel, sha) in written, f"{rel} is torn"


def _kill_one_heal(root: Path, env: dict[str, str], rng: random.Random, log: Path,
                   on_scanning) -> int:  # noqa: ANN001 - a callback
    """Start a heal; once it scans call ``on_scanning`` (recovery is done by then); SIGKILL it
    at a random moment. Returns its pid."""
    event = rng.choice(EVENTS)
    delay = rng.uniform(0.0, 0.05 if event == "fix.found" else 0.25)
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "selfheal_local", "-vv", "heal", str(root), "--yes", "--json",
             "--no-model"], cwd=REPO, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 300
            while ": scan.start:" not in log.read_text():
                assert proc.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.005)
            on_scanning()
            if event:
                while f": {event}:" not in log.read_text() and proc.poll() is None:
                    assert time.monotonic() < deadline, log.read_text()[-3000:]
                    time.sleep(0.002)
            else:
                delay = rng.uniform(0.0, 6.0)
            time.sleep(delay)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
    return proc.pid


@pytest.mark.slow
@pytest.mark.parametrize("chain", range(CHAINS))
def test_kill_9_at_random_moments_never_tears_a_file_and_the_next_start_recovers(tmp_path, chain):
    rng = random.Random(1300 + chain)
    root = _write(tmp_path / "proj")
    original = digest(root)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = _env(tmp_path, tmp)
    killed_pid = None
    for trial in range(KILLS_PER_CHAIN):
        def recovered(trial=trial, killed_pid=killed_pid) -> None:
            # the next command after a kill: recovery ran before its scan started
            assert not any(e["state"] == "pending" for e in _entries(root)), f"trial {trial}"
            assert _stray_temp_files(root) == [], f"trial {trial}"
            if killed_pid is not None:
                assert _leftovers_of(tmp, killed_pid) == [], f"trial {trial}"
            _assert_not_torn(root, original)

        log = tmp_path / f"heal{trial}.log"
        killed_pid = _kill_one_heal(root, env, rng, log, recovered)
        _assert_not_torn(root, original)
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]

    # any next command recovers the last kill; undo --all gives back the original bytes
    for argv in (["scan", str(root), "--no-tests", "--json"], ["undo", str(root), "--all"]):
        proc = subprocess.run([sys.executable, "-m", "selfheal_local", *argv], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert not any(e["state"] == "pending" for e in _entries(root))
        assert _stray_temp_files(root) == []
        assert _leftovers_of(tmp, killed_pid) == []
    assert digest(root) == original
