"""Where a project's tests import its own code from, pointed at the sandbox's copy.

A project in the src layout, or installed in its own venv in editable mode (a ``.pth`` line or
setuptools' editable finder naming ``<project>/src``), imports its code by the *original*
absolute path. In a workspace copy that path is either invisible (bubblewrap: every import
fails) or, worse, visible (the tests then import the unpatched original, and a candidate is
judged by code it did not change). ``PYTHONPATH`` comes before site-packages, so naming the
workspace's copies of those directories there makes the tests import the code under test.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

MAX_PTH_BYTES = 256 * 1024


def _pth_paths(site: Path) -> Iterator[str]:
    """Absolute directories named by ``.pth`` lines and editable finders' ``MAPPING``."""
    for pth in sorted(site.glob("*.pth")):
        try:
            if pth.stat().st_size > MAX_PTH_BYTES:
                continue
            lines = pth.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            line = line.strip()
            if line and not line.startswith(("#", "import ")) and os.path.isabs(line):
                yield line
    for finder in sorted(site.glob("__editable___*_finder.py")):
        try:
            tree = ast.parse(finder.read_text(encoding="utf-8", errors="replace"))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if (isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "MAPPING" for t in node.targets)):
                try:
                    mapping = ast.literal_eval(node.value)
                except ValueError:
                    continue
                for target in mapping.values() if isinstance(mapping, dict) else ():
                    if isinstance(target, str) and os.path.isabs(target):
                        # a package's directory or a module's file: its parent goes on sys.path
                        yield str(Path(target).parent)


def _site_packages(python: str) -> list[Path]:
    prefix = Path(python).parent.parent
    return sorted(prefix.glob("lib/python3*/site-packages"))


def source_roots(project_root: Path, python: str) -> tuple[str, ...]:
    """Directories (relative to the project) that the project's interpreter imports it from.

    ``src`` for a src layout, and every directory inside the project that an editable install
    of the interpreter's venv points at. ``.`` (the root itself) is left to pytest's rootdir.
    """
    root = project_root.resolve()
    found: list[str] = []
    src = root / "src"
    if src.is_dir() and not (src / "__init__.py").exists() and any(
            p.is_dir() and (p / "__init__.py").is_file() or p.suffix == ".py"
            for p in src.iterdir()):
        found.append("src")
    if python and os.path.isabs(python):
        for site in _site_packages(python):
            for path in _pth_paths(site):
                try:
                    rel = Path(path).resolve().relative_to(root)
                except (ValueError, OSError):
                    continue
                text = rel.as_posix()
                if text not in (".", "") and text not in found and ".." not in rel.parts:
                    found.append(text)
    return tuple(found)


def import_env(workspace: Path, roots: tuple[str, ...],
               extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment that makes the tests in ``workspace`` import the workspace's code."""
    paths = [str(workspace / rel) for rel in roots]
    env = dict(extra or {})
    if env.get("PYTHONPATH"):
        paths.insert(0, env["PYTHONPATH"])
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


__all__ = ["import_env", "source_roots"]
