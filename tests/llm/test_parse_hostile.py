"""Model answers are untrusted text (issue 13, items 10 and 11): an edit addressed outside the
project is refused whole, parsing is linear in the answer, long answers and edits that blow a
file up are refused."""

from __future__ import annotations

import time

import pytest

from selfheal_local.config import Config
from selfheal_local.llm.parse import answer_to_edits, code_blocks
from selfheal_local.project import Project
from selfheal_local.types import Diagnosis, Finding

SOURCE = '''"""Prices."""


def parse_price(text):
    return float(text)
'''
FIXED_FILE = SOURCE.replace("return float(text)", 'return float(text.strip().lstrip("$"))')


def make_project(root):
    (root / "tests").mkdir(parents=True)
    (root / "prices.py").write_text(SOURCE)
    (root / "tests" / "test_prices.py").write_text("from prices import parse_price\n")
    return root


def diagnosis_for(project: Project) -> Diagnosis:
    finding = Finding("test", "prices.py", 5, "ValueError", "could not convert", traceback="tb")
    return Diagnosis(finding, "value_error", "ValueError", "could not convert", file="prices.py",
                     line=5, function="parse_price", function_span=(4, 5))

BLOCK = ("<<<<<<< SEARCH\n    return float(text)\n=======\n"
         '    return float(text.strip().lstrip("$"))\n>>>>>>> REPLACE')


@pytest.fixture
def project(tmp_path):
    return Project.open(make_project(tmp_path / "proj"))


# ---------------------------------------------------------------- item 10: path confusion


@pytest.mark.parametrize("path", ["../outside.py", "../proj/prices.py", "/tmp/prices.py",
                                  "sub/../../prices.py", "elsewhere.py"])
def test_an_edit_addressed_outside_the_project_is_refused_whole(project, path):
    # the search text matches the target file: it must not be applied there instead
    assert answer_to_edits(f"{path}\n{BLOCK}", diagnosis_for(project), project) == {}


def test_one_block_outside_refuses_the_blocks_inside_too(project):
    answer = f"prices.py\n{BLOCK}\n\n../outside.py\n{BLOCK}"
    assert answer_to_edits(answer, diagnosis_for(project), project) == {}


def test_a_symlink_that_leaves_the_project_is_outside(tmp_path, project):
    (tmp_path / "outside.py").write_text("def parse_price(text):\n    return float(text)\n")
    (project.root / "link.py").symlink_to(tmp_path / "outside.py")
    assert answer_to_edits(f"link.py\n{BLOCK}", diagnosis_for(project), project) == {}


@pytest.mark.parametrize("path", ["", "prices.py", "src/prices.py"])
def test_the_target_itself_is_still_edited(project, path):
    answer = f"{path}\n{BLOCK}" if path else BLOCK
    assert answer_to_edits(answer, diagnosis_for(project), project) == {"prices.py": FIXED_FILE}


# ---------------------------------------------------------------- item 11: size


def _prose(size: int) -> str:
    # lines that look like the start of code ("from", "import", "def") but are prose
    line = "from the docs, the value is wrong because import paths differ and def is a keyword\n"
    return line * (size // len(line))


def test_ten_megabytes_of_prose_parse_in_linear_time():
    prose = _prose(10 * 1024 * 1024)
    started = time.monotonic()
    assert code_blocks(prose) == []
    assert time.monotonic() - started < 2.0


def test_prose_before_unfenced_code_still_finds_the_code(project):
    answer = _prose(20_000) + 'def parse_price(text):\n    return float(text.strip().lstrip("$"))\n'
    assert answer_to_edits(answer, diagnosis_for(project), project) == {"prices.py": FIXED_FILE}


def test_a_ten_megabyte_search_replace_answer_is_refused(project):
    huge = "    return float(text)  # " + "x" * (10 * 1024 * 1024) + "\n"
    answer = f"<<<<<<< SEARCH\n    return float(text)\n=======\n{huge}>>>>>>> REPLACE"
    started = time.monotonic()
    assert answer_to_edits(answer, diagnosis_for(project), project) == {}
    assert time.monotonic() - started < 2.0
    assert "x" * 100 not in (project.root / "prices.py").read_text()


@pytest.mark.parametrize("growth,accepted", [(3.0, False), (1000.0, True)])
def test_an_edit_that_grows_the_file_past_the_factor_is_refused(tmp_path, growth, accepted):
    root = make_project(tmp_path / "proj")
    project = Project.open(root, Config().merged({"max_edit_growth": growth}))
    padding = "".join(f"    # note {i}: " + "y" * 60 + "\n" for i in range(150))  # ~12 KB
    answer = (f"<<<<<<< SEARCH\n    return float(text)\n=======\n{padding}"
              f"    return float(text)\n>>>>>>> REPLACE")
    edits = answer_to_edits(answer, diagnosis_for(project), project)
    assert bool(edits) is accepted
    if accepted:
        assert len(edits["prices.py"]) > 10_000
