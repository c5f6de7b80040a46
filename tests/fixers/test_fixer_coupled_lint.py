"""Coupled lint fixes through the real CLI: a rule fixed across a file together with what the
fix leaves behind (imports it made unused, lines it made too long), validated as one patch."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PYPROJECT = """\
[project]
name = "inventory"
version = "0.1.0"

[tool.ruff]
line-length = 100
target-version = "py311"

[tool.ruff.lint]
select = ["F401", "UP006", "UP007", "UP035", "UP045", "B006", "E501"]
"""

INVENTORY = '''\
"""A small inventory: stock levels per item, with reorder suggestions."""

from typing import Dict, List, Optional


def tally(entries: List[str], seen: Dict[str, int] = {}, order: List[str] = []) -> Dict[str, int]:
    """Count each entry; ``order`` collects names in first-seen order."""
    for entry in entries:
        if entry not in seen:
            order.append(entry)
        seen[entry] = seen.get(entry, 0) + 1
    return seen


def restock(levels: Dict[str, int], minimum: int, extra: Optional[int] = None) -> List[str]:
    """Names below ``minimum``, sorted; ``extra`` raises the bar."""
    bar = minimum + (extra or 0)
    return sorted(name for name, count in levels.items() if count < bar)


def merge(first: Dict[str, int], second: Dict[str, int]) -> Dict[str, int]:
    """Levels of both stores added together."""
    merged: Dict[str, int] = dict(first)
    for name, count in second.items():
        merged[name] = merged.get(name, 0) + count
    return merged


def lookup(levels: Dict[str, int], name: Optional[str]) -> Optional[int]:
    """The level of ``name``, None when it is unknown or not given."""
    if name is None:
        return None
    return levels.get(name)


def names(levels: Dict[str, int], skip: List[str] = []) -> List[str]:
    """Every name but those in ``skip``."""
    return [name for name in levels if name not in skip]
'''

TESTS = """\
from inventory import lookup, merge, names, restock, tally


def test_tally_counts():
    assert tally(["a", "b", "a"], {}, []) == {"a": 2, "b": 1}


def test_restock():
    assert restock({"a": 1, "b": 5}, 2) == ["a"]
    assert restock({"a": 1, "b": 5}, 2, extra=4) == ["a", "b"]


def test_merge_and_lookup():
    merged = merge({"a": 1}, {"a": 2, "b": 3})
    assert merged == {"a": 3, "b": 3}
    assert lookup(merged, "a") == 3 and lookup(merged, None) is None


def test_names():
    assert names({"a": 1, "b": 2}, ["b"]) == ["a"]
    assert names({"x": 1}) == ["x"]
"""


def test_typing_aliases_mutable_defaults_and_long_lines_heal_in_one_run(tmp_path):
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "inventory.py").write_text(INVENTORY)
    (root / "tests" / "test_inventory.py").write_text(TESTS)
    ruff = [sys.executable, "-m", "ruff", "check", "--no-cache", str(root)]
    before = subprocess.run(ruff, capture_output=True, text=True, cwd=root)
    assert before.returncode == 1 and "UP006" in before.stdout and "B006" in before.stdout

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV"))}
    env |= {"SELFHEAL_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "selfheal_local", "heal", str(root), "--yes",
                           "--json", "--no-model"], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=1200, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["healthy"] is True
    explanations = [a["explanation"] for a in result["applied"]]
    assert any("every UP006" in e and "left unused" in e for e in explanations), explanations

    after = subprocess.run(ruff, capture_output=True, text=True, cwd=root)
    assert after.returncode == 0, after.stdout
    text = (root / "inventory.py").read_text()
    assert "typing" not in text and "Dict[" not in text
    defaults = [d for node in ast.walk(ast.parse(text)) if isinstance(node, ast.FunctionDef)
                for d in node.args.defaults]
    assert defaults and not any(isinstance(d, ast.List | ast.Dict) for d in defaults)

    suite = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=root, capture_output=True, text=True, timeout=300)
    assert suite.returncode == 0, suite.stdout[-2000:]
