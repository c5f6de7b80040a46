"""Passing candidates compared on generated inputs (hypothesis, in the real sandbox)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sandbox import Limits, Sandbox
from selfheal_local.fixers.base import make_patch
from selfheal_local.fixers.disagree import (
    choose,
    disagreement,
    edit_chars,
    rank_passing,
    strategies_for,
)
from selfheal_local.project import Project
from selfheal_local.types import Diagnosis, Finding

BUGGY = "def clamp_percent(x: int) -> int:\n    return max(0, min(x, 10))\n"


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox(limits=Limits(timeout_s=120))


def candidate(project: Project, body: str, suspiciousness: float = 0.5):
    finding = Finding("test", "tests/test_pct.py", 4, "AssertionError", "assert 10 == 50",
                      test_ids=("tests/test_pct.py::test_pct",))
    diagnosis = Diagnosis(finding, "assertion_error", "AssertionError", "assert",
                          test_ids=finding.test_ids)
    text = f"def clamp_percent(x: int) -> int:\n    return {body}\n"
    patch = make_patch(diagnosis, project, {"pct.py": text}, f"return {body}", confidence=0.3,
                       source="search")
    patch.metadata.update({"file": "pct.py", "function": "clamp_percent",
                           "suspiciousness": suspiciousness})
    return patch


def project_at(root: Path) -> Project:
    root.mkdir()
    (root / "pct.py").write_text(BUGGY)
    (root / "tests").mkdir()
    (root / "tests/test_pct.py").write_text(
        "from pct import clamp_percent\n\n\ndef test_pct():\n"
        "    assert clamp_percent(50) == 50\n    assert clamp_percent(-5) == 0\n")
    return Project.open(root)


def test_strategies_only_for_simple_parameters():
    simple = ast.parse("def f(a: int, b: list[str], c=1.5, d='x'): pass").body[0]
    assert strategies_for(simple) == ["st.integers(-1000, 1000)",
                                      "st.lists(st.text(max_size=20), max_size=8)",
                                      "st.floats(-1e6, 1e6, allow_nan=False)",
                                      "st.text(max_size=20)"]
    assert strategies_for(ast.parse("def f(a, b: int): pass").body[0]) is None
    assert strategies_for(ast.parse("def f(self, b: int): pass").body[0]) is None


def test_disagreeing_candidates_lower_confidence_and_show_the_input(tmp_path, sandbox):
    project = project_at(tmp_path / "p")
    right = candidate(project, "max(0, min(x, 100))", 0.9)
    wide = candidate(project, "max(0, x)", 0.9)
    found = disagreement(right, wide, project, sandbox)
    assert found is not None
    value = ast.literal_eval(found["input"])[0]
    assert value > 100  # the only inputs where the two differ
    assert found["result"] == "value 100" and found["other_result"] == f"value {value}"
    expected = rank_passing([wide, right])[0]
    chosen = choose([wide, right], project, sandbox)
    assert chosen is expected
    assert chosen.metadata["disagreement"]["input"]
    assert chosen.confidence == 0.15


def test_agreeing_candidates_keep_their_confidence(tmp_path, sandbox):
    project = project_at(tmp_path / "p")
    one = candidate(project, "max(0, min(x, 100))")
    two = candidate(project, "min(100, max(x, 0))")
    assert disagreement(one, two, project, sandbox) is None
    assert choose([one, two], project, sandbox).confidence == 0.3


def test_rank_prefers_smaller_edit_then_more_suspicious_site(tmp_path):
    project = project_at(tmp_path / "p")
    low = candidate(project, "max(0, min(x, 99))", 0.2)
    high = candidate(project, "max(0, min(x, 90))", 0.8)
    big = candidate(project, "max(0, min(int(x), 100)) if x is not None else 0", 0.9)
    assert rank_passing([big, low, high]) == [high, low, big]


def test_rank_of_one_token_changes_in_a_five_thousand_line_module(tmp_path):
    """Two passing candidates in a big module are ranked by what they change, at once: a
    character match of the whole module against itself ran for minutes."""
    import threading

    root = tmp_path / "big"
    root.mkdir()
    body = "".join(f"def f{i}(result, pool):\n    result.append(pool[{i}])\n    return result\n\n"
                   for i in range(1250))
    (root / "big.py").write_text(body)
    project = Project.open(root)
    finding = Finding("test", "big.py", 4998, "TypeError", "insert expected 2 arguments")
    diagnosis = Diagnosis(finding, "type_error", "TypeError", "insert")
    line = "    result.append(pool[1249])\n"
    assert body.count(line) == 1

    def patch(after_line: str):
        return make_patch(diagnosis, project, {"big.py": body.replace(line, after_line)},
                          after_line.strip(), confidence=0.3, source="search")

    extend, add = patch("    result.extend(pool[1249])\n"), patch("    result += [pool[1249]]\n")
    ranked: list = []
    worker = threading.Thread(target=lambda: ranked.extend(rank_passing([add, extend])),
                              daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert ranked == [extend, add]  # one line each: the fewer changed characters first
    assert edit_chars(extend) == 3  # "app" -> "ext" (the common "end" kept)
    # a change at the very start and one at the very end of the module
    head = make_patch(diagnosis, project, {"big.py": "#" + body}, "", confidence=0.3)
    tail = make_patch(diagnosis, project, {"big.py": body + "x = 1\n"}, "", confidence=0.3)
    assert (edit_chars(head), edit_chars(tail)) == (1, 6)
