"""What blocks first, only what was asked for, and no "healthy" without saying what proved it:
the real CLI in a subprocess, the real sandbox, real ruff and pytest."""

from __future__ import annotations

import json

from selfheal_local.detect.triage import order
from selfheal_local.types import Finding

from .projects import digest
from .test_evidence import write
from .test_heal_cli import selfheal

LINTY = "import os\nimport sys\n\n\ndef {name}(x):\n    return x + {n}\n"


def test_a_syntax_error_is_fixed_first_and_nothing_else_is_touched(tmp_path):
    files = {"clock/__init__.py": ""}
    for n, name in enumerate(("alpha", "beta", "gamma", "delta", "epsilon", "zeta")):
        files[f"clock/{name}.py"] = LINTY.format(name=name, n=n)  # F401 twice in six modules
    files["clock/timer.py"] = (
        "class Timer:\n    def __init__(self):\n        self.ticks = 0\n\n"
        "    def rollover(self)\n        self.ticks = 0\n        return self.ticks\n")
    files["tests/test_timer.py"] = (
        "from clock.timer import Timer\nfrom clock.alpha import alpha\n\n\n"
        "def test_rollover():\n    assert Timer().rollover() == 0\n\n\n"
        "def test_alpha():\n    assert alpha(1) == 1\n")
    root = write(tmp_path / "p", files)
    before = digest(root)
    proc = selfheal("heal", str(root), "--yes", "--json", "--no-model", home=tmp_path / "home")
    result = json.loads(proc.stdout)
    after = digest(root)
    changed = sorted(rel for rel in after if after[rel] != before.get(rel))
    assert changed == ["clock/timer.py"], (changed, result["failed"])
    assert [a["pattern"] for a in result["applied"]] == ["syntax_error"]
    assert result["tests_run"] == 2
    assert any("lint finding(s) left alone" in n and "--lint" in n for n in result["notes"])
    assert proc.returncode == 0 and result["healthy"] is True  # lint nobody asked for


def test_findings_are_ordered_by_what_blocks():
    lint = Finding("ruff", "a.py", 1, "F401", "unused")
    undefined = Finding("ruff", "a.py", 2, "F821", "Undefined name `x`")
    failing = Finding("test", "a.py", 3, "AssertionError", "", test_ids=("tests/t.py::test_a",))
    unimportable = Finding("test", "b.py", 1, "NameError", "", test_ids=("tests/t.py",))
    syntax = Finding("syntax", "c.py", 1, "SyntaxError", "expected ':'")
    assert order([lint, undefined, failing, unimportable, syntax]) == [
        syntax, unimportable, failing, undefined, lint]


def test_a_project_without_tests_says_nothing_was_proved_by_tests(tmp_path):
    root = write(tmp_path / "p", {"tool/__init__.py": "", "tool/calc.py": (
        "def total(values):\n    return sum(values) + offset\n"), "tool/main.py": (
        "from tool.calc import total\n\nprint(total([1, 2]))\n")})
    proc = selfheal("heal", str(root), "--yes", "--json", "--no-model", home=tmp_path / "home")
    result = json.loads(proc.stdout)
    assert result["tests_run"] == 0
    assert "parse + ruff" in result["checked_by"] and "no tests" in result["checked_by"]
    assert any(n.startswith("NO TESTS") for n in result["notes"])
    text = selfheal("heal", str(root), "--yes", "--no-model", home=tmp_path / "home")
    assert "NO TESTS RAN" in text.stdout and "no tests" in text.stdout, text.stdout
