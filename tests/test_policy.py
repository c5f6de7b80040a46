"""The 'plausible is not enough' policy: candidates refused before any test runs."""

from __future__ import annotations

import os
import textwrap

import pytest

from selfheal_local.config import Config
from selfheal_local.project import Project
from selfheal_local.types import FileEdit, Patch
from selfheal_local.validation.policy import check_patch

SOURCE = textwrap.dedent('''
    def mean(values):
        total = sum(values)
        return total / len(values)


    class Box:
        def size(self):
            return 1
    ''').lstrip()


@pytest.fixture
def project(tmp_path):
    (tmp_path / "stats.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_stats.py").write_text(
        "from stats import mean\n\ndef test_mean():\n    assert mean([2]) == 2\n", encoding="utf-8")
    return Project.open(tmp_path, Config())


def candidate(path: str, before: str, after: str) -> Patch:
    return Patch("", "", "error", edits=(FileEdit(path, before, after),), explanation="test")


def change(project: Project, old: str, new: str, path: str = "stats.py") -> Patch:
    before = project.read(path)
    assert old in before
    return candidate(path, before, before.replace(old, new))


def test_honest_fix_passes(project):
    guard = "    if not values:\n        return 0.0\n    total = sum(values)"
    assert check_patch(change(project, "    total = sum(values)", guard), project) is None


def test_edit_to_tests_refused_unless_allowed(project, tmp_path):
    patch = change(project, "== 2", "== 2 or True", "tests/test_stats.py")
    assert "protected" in check_patch(patch, project)
    allowed = Project.open(tmp_path, Config(allow_test_edits=True))
    assert check_patch(patch, allowed) is None


def test_config_files_are_protected(project):
    assert "protected" in check_patch(candidate("pyproject.toml", "", "[tool.x]\n"), project)
    assert "protected" in check_patch(candidate("conftest.py", "", "x = 1\n"), project)


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.py", "a/../../x.py"])
def test_paths_outside_the_project_refused(project, path):
    assert "outside the project" in check_patch(candidate(path, "", "x = 1\n"), project)


def test_symlink_out_of_the_project_refused(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "target.py"
    outside.write_text("x = 1\n", encoding="utf-8")
    os.symlink(outside, project.root / "link.py")
    reason = check_patch(candidate("link.py", "x = 1\n", "x = 2\n"), project)
    assert "resolves outside the project" in reason


@pytest.mark.parametrize("added", [
    "    pytest.skip('flaky')\n",
    "    pytest.xfail('later')\n",
])
def test_added_skip_refused(project, added):
    patch = change(project, "    total = sum(values)\n", "    import pytest\n" + added
                   + "    total = sum(values)\n")
    assert "skip or xfail" in check_patch(patch, project)


def test_added_skipif_decorator_refused(project):
    patch = change(project, "def mean(values):", "@pytest.mark.skipif(True, reason='x')\ndef mean(values):")
    assert "skip or xfail" in check_patch(patch, project)


@pytest.mark.parametrize("handler", ["except:\n        pass", "except Exception:\n        ...",
                                     "except BaseException:\n        pass"])
def test_swallowing_except_refused(project, handler):
    body = f"    try:\n        total = sum(values)\n    {handler}\n"
    patch = change(project, "    total = sum(values)\n", body)
    assert "swallows every error" in check_patch(patch, project)


def test_specific_except_with_handling_allowed(project):
    body = "    try:\n        total = sum(values)\n    except TypeError:\n        total = 0\n"
    assert check_patch(change(project, "    total = sum(values)\n", body), project) is None


def test_constant_return_replacing_computation_refused(project):
    patch = change(project, "    return total / len(values)", "    return 2")
    assert "constant" in check_patch(patch, project)


def test_constant_return_in_guard_branch_allowed(project):
    guard = "    if not values:\n        return None\n    return total / len(values)"
    assert check_patch(change(project, "    return total / len(values)", guard), project) is None


def test_deleting_a_function_or_class_refused(project):
    text = project.read("stats.py")
    without_class = text[: text.index("class Box")]
    assert "deletes Box, Box.size" in check_patch(candidate("stats.py", text, without_class),
                                                   project)
    without_fn = text.replace("def mean(values):\n    total = sum(values)\n"
                              "    return total / len(values)\n", "")
    assert "deletes mean" in check_patch(candidate("stats.py", text, without_fn), project)


def test_renaming_a_function_is_not_a_deletion(project):
    assert check_patch(change(project, "def mean(", "def average("), project) is None


def test_candidates_on_one_module_are_each_judged_on_their_own_change(project):
    """The facts of a module's statements are kept between candidates on it: a harmless
    candidate first must not hide what the next one does to the same or to a twin function."""
    text = project.read("stats.py") + "\n\ndef mean2(values):\n    total = sum(values)\n" \
        "    return total / len(values)\n"
    harmless = text.replace("    total = sum(values)\n", "    total = sum(values) + 0\n", 1)
    assert check_patch(candidate("stats.py", text, harmless), project) is None
    constant = text.replace("    return total / len(values)\n", "    return 2\n", 1)
    assert "constant in mean()" in check_patch(candidate("stats.py", text, constant), project)
    # the twin's text is the one just judged harmless before: its change is still seen
    head, _, tail = text.rpartition("    return total / len(values)\n")
    twin = head + "    return 2\n" + tail
    assert "constant in mean2()" in check_patch(candidate("stats.py", text, twin), project)
    swallow = text.replace("    total = sum(values)\n",
                           "    try:\n        total = sum(values)\n    except Exception:\n"
                           "        pass\n", 1)
    assert "swallows" in check_patch(candidate("stats.py", text, swallow), project)
