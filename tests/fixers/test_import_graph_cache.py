"""The import graph keeps each module's imports with its parsed tree: a graph made later on
the same project reuses them, and a file that changed is read again."""

from __future__ import annotations

import os
from pathlib import Path

from selfheal_local.config import Config
from selfheal_local.fixers.imports_graph import ImportGraph
from selfheal_local.project import Project


def test_imports_follow_the_file_not_the_first_read(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "a.py").write_text("X = 1\n", encoding="utf-8")
    (tmp_path / "pkg" / "b.py").write_text("Y = 2\n", encoding="utf-8")
    test = tmp_path / "tests" / "test_a.py"
    test.parent.mkdir()
    test.write_text("from pkg import a\n", encoding="utf-8")
    project = Project.open(tmp_path, Config())
    assert ImportGraph(project).imported_modules("tests/test_a.py") == ["pkg/a.py"]
    assert ImportGraph(project).imported_modules("tests/test_a.py") == ["pkg/a.py"]
    test.write_text("from pkg import b\n", encoding="utf-8")
    stamp = test.stat()
    os.utime(test, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))
    assert ImportGraph(project).imported_modules("tests/test_a.py") == ["pkg/b.py"]
