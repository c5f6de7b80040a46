"""Fixtures for the detection tests: small real (broken) projects in tmp_path, the real sandbox."""

from __future__ import annotations

import hashlib
import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox import Limits, Sandbox

MakeProject = Callable[[dict[str, str]], Path]


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    return Sandbox(limits=Limits(timeout_s=120))


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """Write ``{relative path: source}`` (dedented) under a fresh project directory."""

    def make(files: dict[str, str]) -> Path:
        root = tmp_path / "proj"
        root.mkdir(exist_ok=True)
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return root

    return make


def _tree_digest(root: Path) -> dict[str, str]:
    """Every file under root by relative path -> sha256 (to prove nothing was changed)."""
    out: dict[str, str] = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath, name)
            if path.is_symlink():
                out[path.relative_to(root).as_posix()] = "link:" + os.readlink(path)
            else:
                out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


BROKEN = {
    "pkg/__init__.py": "",
    "pkg/calc.py": '''
        def total(xs):
            s = 0
            for x in xs:
                s += x
            return totl


        class Box:
            def __init__(self):
                self.value = 1

            def get(self):
                return self.vaule
        ''',
    "tests/test_calc.py": '''
        from pkg.calc import Box, total


        def test_total():
            assert total([1, 2]) == 3


        def test_total_empty():
            assert total([]) == 0


        def test_box():
            assert Box().get() == 1


        def test_ok():
            assert 1 + 1 == 2
        ''',
}


@pytest.fixture
def broken_project(make_project: MakeProject) -> Path:
    """A package with a NameError (two tests) and an AttributeError (one test), one passing test."""
    return make_project(BROKEN)


@pytest.fixture
def tree_digest() -> Callable[[Path], dict[str, str]]:
    return _tree_digest
