"""A read-only view of the project being healed: its files, modules and protected paths."""

from __future__ import annotations

import ast
import errno
import fnmatch
import functools
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from .config import Config
from .errors import BadInputError, SelfHealError, UnsafeEditError

T = TypeVar("T")

log = logging.getLogger(__name__)

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "env", ".env", "__pycache__", ".selfheal",
     ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", ".nox", "node_modules", "build",
     "dist", ".eggs", "site-packages"}
)
"""Directories never scanned, copied into a workspace, or edited."""

MAX_SOURCE_BYTES = 2 * 1024 * 1024
"""Python files larger than this are reported, not parsed or edited."""

READ_ERRORS = (OSError, SelfHealError)
"""What reading a project file can raise: the OS refuses, or the path/encoding is not usable."""


def parse_or_none(text: str) -> ast.Module | None:
    """``text``'s tree, or None when it is not Python (a syntax error, a NUL byte)."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


@functools.lru_cache(maxsize=4)
def parsed(text: str) -> ast.Module | None:
    """``parse_or_none`` kept for the last few texts: validating a candidate parses the text
    of its file before and after it in several checks, and the text before is the same for
    every candidate on that file (a 5,000-line module takes 40 ms). Read only: a caller never
    changes the tree."""
    return parse_or_none(text)


@dataclass
class _Cached:
    """One file as last read: its stat signature, text, and (lazily) its tree."""

    stamp: tuple[int, int]
    text: str
    tree: ast.Module | None = None
    parsed: bool = False
    derived: dict[str, Any] = field(default_factory=dict)
    """Values computed from the tree (a module's imports), dropped with it when the file changes."""


@dataclass
class Project:
    """The project at ``root``; paths handed around are project-relative posix strings."""

    root: Path
    config: Config = field(default_factory=Config)
    _files: dict[str, _Cached] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, path: str | os.PathLike[str], config: Config | None = None) -> Project:
        """Check ``path`` is a usable project directory and return a view of it."""
        root = Path(path).expanduser()
        if not root.exists():
            raise BadInputError(f"{path}: no such directory; pass the root of a Python project")
        if not root.is_dir():
            raise BadInputError(f"{path}: not a directory; pass the root of a Python project")
        if not os.access(root, os.R_OK | os.X_OK):
            raise BadInputError(f"{path}: cannot read this directory (permission denied)")
        root = root.resolve()
        from .config import load_config

        project = cls(root=root, config=config or load_config(root))
        if not project.python_files:
            raise BadInputError(f"{path}: no Python files found; pass the root of a Python project")
        return project

    @cached_property
    def python_files(self) -> list[str]:
        """Every ``.py`` file of the project (symlinks that leave the project excluded)."""
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(
                d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")
            )
            for name in sorted(filenames):
                if name.endswith(".py"):
                    full = Path(dirpath) / name
                    if self.contains(full):
                        found.append(full.relative_to(self.root).as_posix())
        return found

    def contains(self, path: Path) -> bool:
        """True when ``path`` (after resolving symlinks) lies inside the project."""
        try:
            path.resolve().relative_to(self.root)
        except RuntimeError:  # a symlink loop (OSError ELOOP from Python 3.13 on)
            raise BadInputError(f"{path}: a symlink loop; remove it or point it at a real file") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise BadInputError(f"{path}: a symlink loop; remove it or point it at a real file") from None
            return False
        except ValueError:
            return False
        return True

    def resolve(self, rel: str) -> Path:
        """The absolute path of a project-relative path; refuses anything that escapes."""
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts or not rel:
            raise UnsafeEditError(f"refusing path outside the project: {rel!r}")
        full = self.root / pure
        if not self.contains(full):
            raise UnsafeEditError(f"refusing path that resolves outside the project: {rel!r}")
        return full

    def read(self, rel: str) -> str:
        """Text of a project file, read again only when its size or mtime changed."""
        return self._entry(rel).text

    def tree(self, rel: str) -> ast.Module | None:
        """The parsed module (parsed once per change of the file); None when it does not parse.

        Callers must not mutate the tree: it is shared by every rule of a scan.
        """
        entry = self._entry(rel)
        if not entry.parsed:
            try:
                entry.tree = ast.parse(entry.text)
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, nesting
                log.debug("cannot parse %s: %s", rel, exc)
                entry.tree = None
            entry.parsed = True
        return entry.tree

    def derived(self, rel: str, name: str, compute: Callable[[ast.Module | None], T]) -> T:
        """``compute(tree)`` for ``rel``'s tree, kept with that tree until the file changes
        (a test module's imports, asked for by every validation)."""
        tree = self.tree(rel)
        memo = self._entry(rel).derived
        if name not in memo:
            memo[name] = compute(tree)
        return memo[name]

    def parsed_files(
        self, files: list[str] | None = None, *, first: str = ""
    ) -> Iterator[tuple[str, str, ast.Module]]:
        """``(rel, text, tree)`` of each file that reads and parses.

        ``files`` defaults to every Python file; ``first`` is looked at before the others.
        """
        ordered = dict.fromkeys([first] if first else [])
        ordered.update(dict.fromkeys(self.python_files if files is None else files))
        for rel in ordered:

            try:
                tree = self.tree(rel)
            except READ_ERRORS as exc:
                log.debug("skipping %s: %s", rel, exc)
                continue
            if tree is not None:
                yield rel, self._files[rel].text, tree

    def _entry(self, rel: str) -> _Cached:
        full = self.resolve(rel)
        info = full.stat()
        stamp = (info.st_mtime_ns, info.st_size)
        entry = self._files.get(rel)
        if entry is None or entry.stamp != stamp:
            data = full.read_bytes()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadInputError(f"{rel}: not UTF-8 text; it cannot be edited") from exc
            if entry is None or entry.text != text:
                entry = _Cached(stamp, text)
            else:
                entry.stamp = stamp  # touched, not changed: the tree stays valid
            self._files[rel] = entry
        return entry

    def forget(self, rel: str | None = None) -> None:
        """Drop cached text and trees (after a file was written)."""
        if rel is None:
            self._files.clear()
            self.__dict__.pop("python_files", None)  # files may have been added or removed
            self.__dict__.pop("modules", None)
        else:
            self._files.pop(rel, None)

    def is_protected(self, rel: str) -> bool:
        """Tests, conftest and config are never edited unless the config allows it."""
        if self.config.allow_test_edits:
            return rel.startswith(".selfheal/")
        return any(fnmatch.fnmatch(rel, pat) for pat in self.config.protected)

    def module_name(self, rel: str) -> str:
        """Dotted module name of a project file (``pkg/mod.py`` -> ``pkg.mod``)."""
        parts = list(PurePosixPath(rel).with_suffix("").parts)
        if parts and parts[0] == "src" and len(parts) > 1:
            parts = parts[1:]
        if parts and parts[-1] == "__init__":
            parts = parts[:-1]
        return ".".join(parts)

    @cached_property
    def source_roots(self) -> tuple[str, ...]:
        """Directories the project's tests import its code from (``src``, editable installs)."""
        from .detect.importpath import source_roots

        return source_roots(self.root, self.config.python_for(self.root))

    @cached_property
    def test_env(self) -> dict[str, str]:
        """What every run of the project's tests gets in its environment: under selfheal's own
        interpreter, only the pytest plugins the project uses (``detect.plugins``)."""
        if self.config.test_command:
            return {}
        from .detect.plugins import plugin_env

        return plugin_env(self.root, self.config.python_for(self.root), self.python_files)

    def load_every_plugin(self) -> None:
        """From now on the tests run with every installed pytest plugin (a trimmed run
        missed one the project needs)."""
        self.__dict__["test_env"] = {}

    @cached_property
    def modules(self) -> dict[str, str]:
        """Dotted module name -> project-relative file, for every importable project module."""
        return {self.module_name(rel): rel for rel in self.python_files if self.module_name(rel)}
