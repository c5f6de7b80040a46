"""Training examples are exactly what the model is served, and their answers parse back to the fix."""

import shutil
from pathlib import Path

import pytest

from selfheal_local.analyze import diagnose
from selfheal_local.detect.ruff import run_ruff
from selfheal_local.fixers import RuleSource
from selfheal_local.llm.parse import answer_to_edits
from selfheal_local.llm.prompt import training_messages
from selfheal_local.llm.source import build_messages
from selfheal_local.project import Project
from selfheal_local.types import FileEdit, Patch

CORPUS = Path(__file__).parent.parent / "corpus"


def first_rule_patch(tmp_path, case):
    root = tmp_path / case
    shutil.copytree(CORPUS / case, root)
    project = Project.open(root)
    finding = next(f for f in run_ruff(project) if f.code == "F821")
    diagnosis = diagnose(finding, project)
    return project, diagnosis, next(iter(RuleSource().propose(diagnosis, project)))


@pytest.mark.parametrize("case,shape", [
    ("01_undefined_variable_typo_local", "```python"),
    ("02_undefined_variable_missing_import_json", "<<<<<<< SEARCH"),
])
def test_training_example_is_the_served_prompt_and_its_answer_reproduces_the_fix(tmp_path, case, shape):
    project, diagnosis, patch = first_rule_patch(tmp_path, case)
    messages = training_messages(diagnosis, patch)
    assert messages is not None
    system, user, assistant = messages
    assert [system, user] == build_messages(diagnosis, project)  # what a heal sends, before the fix
    assert assistant["role"] == "assistant" and assistant["content"].startswith(shape)
    edits = answer_to_edits(assistant["content"], diagnosis, project)
    assert edits == {e.path: e.after for e in patch.edits}


def test_a_fix_across_files_trains_nothing(tmp_path):
    project, diagnosis, patch = first_rule_patch(tmp_path, "01_undefined_variable_typo_local")
    other = FileEdit("elsewhere.py", "x = 1\n", "x = 2\n")
    spread = Patch(patch.original_code, patch.patched_code, patch.error, edits=(*patch.edits, other))
    assert training_messages(diagnosis, spread) is None
