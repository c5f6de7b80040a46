"""Turning paths that detectors print into project-relative posix paths, and telling tests apart."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from selfheal_local.project import SKIP_DIRS

_FOREIGN_PARTS = frozenset({"site-packages", "dist-packages"})


def is_test_path(rel: str) -> bool:
    """True for test modules and conftest files (``tests/...``, ``test_*.py``, ``*_test.py``)."""
    pure = PurePosixPath(rel)
    name = pure.name
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return True
    return any(part in ("tests", "test") for part in pure.parts[:-1])


def _inside(path: Path, root: Path) -> str | None:
    for base in _roots(root):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    return None


def _roots(root: Path) -> list[Path]:
    bases = [root]
    try:
        resolved = root.resolve()
    except OSError:
        return bases
    return bases if resolved == root else [root, resolved]


def _foreign(rel: str) -> bool:
    parts = PurePosixPath(rel).parts
    # selfheal's own helpers in a workspace (.selfheal-cov, .selfheal-hang) are not the project
    return any(p in _FOREIGN_PARTS or p in SKIP_DIRS or p.startswith(".selfheal-")
               for p in parts[:-1])


def project_relative(raw: str, root: Path | None) -> tuple[str, bool]:
    """``(path, in_project)``: the project-relative posix path when ``raw`` lies in ``root``.

    Relative paths are taken relative to ``root``; an absolute path from another machine
    (a log) is matched by its longest suffix that exists in the project.
    """
    if root is None or raw.startswith("<"):
        return raw, False
    path = Path(raw)
    if not path.is_absolute():
        rel = PurePosixPath(raw.replace(os.sep, "/")).as_posix()
        inside = not rel.startswith("../") and (root / rel).is_file()
        return rel, inside and not _foreign(rel)
    rel = _inside(path, root)
    if rel is None:
        try:
            rel = _inside(path.resolve(), root)
        except OSError:
            rel = None
    if rel is not None:
        return rel, not _foreign(rel)
    return _suffix_match(path, root)


def _suffix_match(path: Path, root: Path) -> tuple[str, bool]:
    parts = path.parts[1:]
    if any(p in _FOREIGN_PARTS for p in parts) or "lib" in parts[:-1] and _is_stdlib(parts):
        return path.as_posix(), False
    for k in range(len(parts), 0, -1):
        rel = "/".join(parts[-k:])
        if (root / rel).is_file() and not _foreign(rel):
            return rel, True
    return path.as_posix(), False


def _is_stdlib(parts: tuple[str, ...]) -> bool:
    return any(p.startswith("python3") for p in parts)
