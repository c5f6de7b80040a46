"""The broken-project corpus is well formed (the full broken/fixed check is
``bench/heal_corpus.py --verify``; this one reads files only, so it stays fast)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from selfheal_local.types import PATTERNS

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.parent for p in CORPUS.glob("*/case.toml"))


def test_corpus_is_big_and_covers_the_classes():
    assert len(CASES) >= 40
    metas = [tomllib.loads((c / "case.toml").read_text()) for c in CASES]
    classes = {m["class"] for m in metas}
    assert {"rule", "search"} <= classes <= {"rule", "search", "model"}
    assert sum(bool(m.get("multi_file")) for m in metas) >= 4


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_layout(case: Path):
    meta = tomllib.loads((case / "case.toml").read_text())
    assert meta["pattern"] in PATTERNS and meta["description"]
    assert case.name.split("_", 1)[1].startswith(meta["pattern"])
    assert list((case / "tests").glob("test_*.py")), "behaviour tests in tests/"
    lines = sum(len(p.read_text().splitlines()) for p in case.rglob("*.py")
                if "tests" not in p.relative_to(case).parts)
    assert 15 <= lines <= 150
    assert meta["fix"], "a known-good reference fix"
    for fix in meta["fix"]:
        text = (case / fix["file"]).read_text()
        assert text.count(fix["broken"]) == 1
        fixed = text.replace(fix["broken"], fix["fixed"])
        ast.parse(fixed)  # the reference fix parses, whatever the broken version does
