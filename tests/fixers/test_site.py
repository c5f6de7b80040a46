"""One parse per file per scan: the project caches text and tree until the file changes, and the
rule registry hands every rule the same ready site."""

from __future__ import annotations

import ast
import os

from fixer_helpers import diagnosis, make_project

from selfheal_local.fixers.base import site_for


def test_tree_is_parsed_once_and_again_when_the_file_changes(tmp_path):
    project = make_project(tmp_path / "p", {"m.py": "x = 1\n"})
    first = project.tree("m.py")
    assert project.tree("m.py") is first
    path = tmp_path / "p" / "m.py"
    path.write_text("x = 22\n")  # another size
    second = project.tree("m.py")
    assert second is not first and ast.unparse(second) == "x = 22"
    stat = path.stat()
    path.write_text("x = 33\n")  # same size, later mtime
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert ast.unparse(project.tree("m.py")) == "x = 33"
    assert project.read("m.py") == "x = 33\n"


def test_touched_but_unchanged_file_keeps_its_tree(tmp_path):
    project = make_project(tmp_path / "p", {"m.py": "x = 1\n"})
    first = project.tree("m.py")
    path = tmp_path / "p" / "m.py"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert project.tree("m.py") is first


def test_site_of_a_file_that_does_not_parse_or_is_protected(tmp_path):
    project = make_project(tmp_path / "p", {
        "bad.py": "def f(:\n    pass\n",
        "tests/test_x.py": "def test_x():\n    assert 1\n",
    })
    bad = site_for(diagnosis("syntax_error", "SyntaxError", "invalid syntax", "bad.py", 1), project)
    assert bad.editable and bad.tree is None and bad.text.startswith("def f(")
    test = site_for(diagnosis("assertion_error", "AssertionError", "", "tests/test_x.py", 2),
                    project)
    assert not test.editable and test.tree is not None and test.function.name == "test_x"
    missing = site_for(diagnosis("type_error", "TypeError", "", "gone.py", 3), project)
    assert not missing.editable and missing.text == "" and missing.tree is None
