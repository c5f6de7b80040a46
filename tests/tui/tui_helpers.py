"""Helpers for the TUI tests: a small real broken project, waiting for jobs, reading the log."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

PRICING = '''\
def subtotal(prices):
    total = 0
    for price in prices:
        total += price
    return totl


def discount(amount, percent):
    return amount - amount * percent / 100
'''

UTIL = '''\
import os


def shout(text):
    return text.upper() + "!"
'''

TESTS = '''\
from shop.pricing import discount, subtotal
from shop.util import shout


def test_subtotal():
    assert subtotal([1, 2, 3]) == 6


def test_discount():
    assert discount(200, 10) == 180


def test_shout():
    assert shout("hi") == "HI!"
'''


def make_shop(root: Path) -> Path:
    """A tiny project with one NameError (a test fails) and one unused import (ruff)."""
    (root / "shop").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "pricing.py").write_text(PRICING)
    (root / "shop" / "util.py").write_text(UTIL)
    (root / "tests" / "test_shop.py").write_text(TESTS)
    return root


# two unused imports (two F401 findings in two files) and a passing suite
UNUSED = {
    "shop/__init__.py": "",
    "shop/util.py": "import os\n\n\ndef shout(text):\n    return text.upper() + \"!\"\n",
    "shop/pricing.py": "import sys\n\n\ndef half(x):\n    return x / 2\n",
    "tests/test_shop.py": ("from shop.pricing import half\nfrom shop.util import shout\n\n\n"
                           "def test_shout():\n    assert shout(\"hi\") == \"HI!\"\n\n\n"
                           "def test_half():\n    assert half(4) == 2\n"),
    "pyproject.toml": "[tool.ruff.lint]\nselect = [\"F\"]\n",
}


NO_HEAVY = {"use_model": False, "use_memory": False}


async def settle(pilot, timeout: float = 120.0) -> None:
    """Wait until the project is open and no job runs (then let the UI catch up)."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    await pilot.pause(0.05)
    while time.monotonic() < deadline:
        screen = app.screen_stack[0]
        counted = screen.query_one("ProjectHeader").memory != "loading…"  # counted in a worker
        if app.healer is not None and not screen.busy and counted:
            await pilot.pause(0.15)  # the log panel drains every 0.1 s
            if not screen.busy:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the job did not finish in time")


def log_text(app) -> str:
    """Everything the log panel shows (for assertion messages)."""
    from tui.widgets.log_panel import LogPanel

    panel = app.screen_stack[0].query_one(LogPanel)
    panel.drain()
    return "\n".join(strip.text for strip in panel.lines)


def make_many(root: Path, findings: int = 2000, per_file: int = 50) -> Path:
    """A project with ``findings`` unused imports (ruff F401) over many modules, one passing
    and one failing test: the scale case of issue 12 (first findings, filter, navigation)."""
    pkg = root / "many"
    pkg.mkdir(parents=True)
    (root / "tests").mkdir()
    (pkg / "__init__.py").write_text("")
    names = ["os", "re", "json", "math", "time", "glob", "shlex", "string", "random", "heapq"]
    left, index = findings, 0
    while left > 0:
        count = min(per_file, left)
        lines = [f"from {names[i % len(names)]} import __name__ as unused_{i}"
                 for i in range(count)]
        lines += ["", "", f"def value_{index}():", f"    return {index}", ""]
        (pkg / f"mod{index:03d}.py").write_text("\n".join(lines))
        left -= count
        index += 1
    (pkg / "calc.py").write_text("def double(x):\n    return x * 3\n")
    (root / "tests" / "test_many.py").write_text(
        "from many.calc import double\nfrom many.mod000 import value_0\n\n\n"
        "def test_value():\n    assert value_0() == 0\n\n\n"
        "def test_double():\n    assert double(2) == 4\n")
    return root
