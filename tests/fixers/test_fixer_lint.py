"""lint rules ruff does not fix safely, and the patterns left to other sources."""

from __future__ import annotations

from fixer_helpers import candidates, diagnosis, first_passing, make_project, patched

from selfheal_local.fixers import rules_for
from selfheal_local.fixers.rules.modelwork import NOT_RULE_CLASS, NOT_RULE_REASONS


def test_eq_none_becomes_is_none(tmp_path):
    project = make_project(tmp_path / "p", {
        "opt.py": "def missing(x):\n    return x == None  # sentinel\n",
        "tests/test_opt.py": "from opt import missing\n\n\ndef test_m():\n"
                             "    assert missing(None) and not missing(0)\n",
    })
    diag = diagnosis("lint", "E711", "Comparison to `None` should be `cond is None`", "opt.py", 2,
                     source="ruff", code="E711")
    found = candidates(diag, project)
    assert patched(found[0], "opt.py") == "def missing(x):\n    return x is None  # sentinel\n"
    assert first_passing(project, found, tmp_path / "try") == 0


def test_is_literal_becomes_eq(tmp_path):
    project = make_project(tmp_path / "p", {
        "roles.py": "def admin(role):\n    if role is \"admin\":\n        return True\n"
                    "    return False\n",
        "tests/test_roles.py": "from roles import admin\n\n\ndef test_a():\n"
                               "    assert admin(''.join(['ad', 'min']))\n",
    })
    diag = diagnosis("lint", "F632", "Use `==` to compare constant literals", "roles.py", 2,
                     source="ruff", code="F632")
    found = candidates(diag, project)
    assert '    if role == "admin":\n' in patched(found[0], "roles.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_is_literal_on_a_name_that_holds_none_tries_is_none_first(tmp_path):
    project = make_project(tmp_path / "p", {
        "labels.py": "def label(name, title=None):\n    if title is 0:  # unset\n"
                     "        title = name.capitalize()\n    return title\n",
        "tests/test_labels.py": "from labels import label\n\n\ndef test_default():\n"
                                "    assert label('ann') == 'Ann'\n\n\ndef test_given():\n"
                                "    assert label('ann', 'Dr') == 'Dr'\n",
    })
    diag = diagnosis("lint", "F632", "Use `==` to compare constant literals", "labels.py", 2,
                     source="ruff", code="F632")
    found = candidates(diag, project)
    assert [patched(p, "labels.py").splitlines()[1] for p in found] == [
        "    if title is None:  # unset", "    if title == 0:  # unset"]
    assert first_passing(project, found, tmp_path / "try") == 0


def test_mutable_default_becomes_none(tmp_path):
    project = make_project(tmp_path / "p", {
        "tags.py": 'def tag(text: str, tags: list[str] = []) -> list[str]:\n'
                   '    """Hashtags found in text."""\n'
                   '    tags.extend(w for w in text.split() if w.startswith("#"))\n'
                   '    return tags\n',
        "tests/test_tags.py": "from tags import tag\n\n\ndef test_fresh():\n"
                              "    assert tag('#a') == ['#a']\n    assert tag('#b') == ['#b']\n",
    })
    diag = diagnosis("lint", "B006", "Do not use mutable data structures for argument defaults",
                     "tags.py", 1, source="ruff", code="B006")
    found = candidates(diag, project)
    assert patched(found[0], "tags.py").startswith(
        'def tag(text: str, tags: list[str] | None = None) -> list[str]:\n'
        '    """Hashtags found in text."""\n    if tags is None:\n        tags = []\n')
    assert first_passing(project, found, tmp_path / "try") == 0


def test_recursion_error_is_model_work(tmp_path):
    project = make_project(tmp_path / "p", {"f.py": "def f(n):\n    return n * f(n - 1)\n"})
    diag = diagnosis("recursion_error", "RecursionError", "maximum recursion depth exceeded",
                     "f.py", 2)
    assert rules_for("recursion_error")
    assert candidates(diag, project) == []
    assert "recursion_error" in NOT_RULE_CLASS
    assert "model" in NOT_RULE_REASONS["recursion_error"]
