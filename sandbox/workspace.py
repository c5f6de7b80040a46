"""Throwaway copies of a project: real copies (never hardlinks), overrides written in.

A hardlink would let a patched test write through into the original, so every regular file
is copied (``shutil.copyfile``: ``sendfile`` in the kernel, ``cp -r`` speed). Tool and cache
directories are skipped. A symlink is kept only when it points inside the project, and then
as a relative link; one pointing outside is dropped, so nothing in the workspace writes
through to its target.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from .errors import WorkspaceError

logger = logging.getLogger(__name__)

SKIP_NAMES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "__pycache__",
        ".selfheal",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        "node_modules",
    }
)
"""Directory names never copied into a workspace."""
SKIP_PATTERNS = ("*.egg-info",)
"""Glob patterns of names never copied into a workspace."""


def _skipped(name: str) -> bool:
    return name in SKIP_NAMES or any(fnmatch.fnmatch(name, pat) for pat in SKIP_PATTERNS)


def create_workspace(
    project_root: Path, parent: Path | None = None, overrides: Mapping[str, str] | None = None
) -> Path:
    """A fresh copy of ``project_root`` under ``parent`` with ``overrides`` written in."""
    root = Path(project_root)
    if not root.is_dir():
        raise WorkspaceError(f"project root {root} is not a directory")
    root = root.resolve()
    checked = _check_overrides(overrides or {})
    try:
        dest = Path(tempfile.mkdtemp(prefix=f"selfheal-ws-{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise WorkspaceError(
            f"cannot make a workspace under {parent or tempfile.gettempdir()}: "
            f"{exc}; pick a writable tmp_root"
        ) from exc
    try:
        _copy_tree(root, dest, root)
        _write_overrides(dest, checked)
    except BaseException:
        remove_tree(dest)
        raise
    return dest


def _copy_tree(src: Path, dst: Path, root: Path) -> None:
    """Copy the directory ``src`` into the existing directory ``dst``."""
    try:
        entries = list(os.scandir(src))
    except OSError as exc:
        raise WorkspaceError(f"cannot read {src}: {exc}") from exc
    for entry in entries:
        if _skipped(entry.name):
            continue
        target = dst / entry.name
        try:
            if entry.is_symlink():
                _copy_link(Path(entry.path), target, root)
            elif entry.is_dir(follow_symlinks=False):
                target.mkdir()
                _copy_tree(Path(entry.path), target, root)
                shutil.copymode(entry.path, target)
            elif entry.is_file(follow_symlinks=False):
                shutil.copyfile(entry.path, target, follow_symlinks=False)
                mode = entry.stat(follow_symlinks=False).st_mode
                if mode & 0o111 or not mode & stat.S_IWUSR:
                    os.chmod(target, stat.S_IMODE(mode) | stat.S_IWUSR)
            # sockets, fifos, devices: nothing a test suite needs, and unsafe to open
        except OSError as exc:
            raise WorkspaceError(f"cannot copy {entry.path} into the workspace: {exc}") from exc


def stamp(root: Path) -> frozenset[tuple[str, int, int, int]]:
    """What a workspace copy of ``root`` depends on: (path, size, mtime, mode) of every entry
    ``create_workspace`` would copy. Equal stamps before a copy and later: the copy is current."""
    out: set[tuple[str, int, int, int]] = set()
    todo = [Path(root)]
    while todo:
        here = todo.pop()
        try:
            entries = list(os.scandir(here))
        except OSError:
            out.add((str(here), -1, -1, -1))
            continue
        for entry in entries:
            if _skipped(entry.name):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            out.add((entry.path, st.st_size, st.st_mtime_ns, st.st_mode))
            if entry.is_dir(follow_symlinks=False):
                todo.append(Path(entry.path))
    return frozenset(out)


def _copy_link(link: Path, target: Path, root: Path) -> None:
    """Recreate ``link`` as a relative link when it resolves inside ``root``; else drop it."""
    resolved = Path(os.path.realpath(link))
    if not resolved.is_relative_to(root) or resolved == root:
        logger.info("workspace: dropped symlink %s -> %s (outside the project)", link, resolved)
        return
    relative = os.path.relpath(resolved, os.path.realpath(link.parent))
    os.symlink(relative, target)


def _check_overrides(overrides: Mapping[str, str]) -> dict[PurePosixPath, str]:
    checked: dict[PurePosixPath, str] = {}
    for raw, text in overrides.items():
        path = PurePosixPath(raw)
        if (
            not raw
            or "\0" in raw
            or "\\" in raw
            or path.is_absolute()
            or ".." in path.parts
            or path == PurePosixPath(".")
        ):
            raise WorkspaceError(
                f"override path {raw!r} is not a relative path inside the project "
                "(no absolute paths, no '..'); pass paths like 'pkg/module.py'"
            )
        if not isinstance(text, str):
            raise WorkspaceError(f"override for {raw!r} must be the file's full text (str)")
        checked[path] = text
    return checked


def write_overrides(dest: Path, overrides: Mapping[str, str]) -> None:
    """Write ``overrides`` (relative path -> text) into the workspace ``dest``; what it
    creates gets the owner of ``dest`` (a command may run as another user than the agent)."""
    owner = os.stat(dest)
    before = {rel: dest.joinpath(*rel.parts).exists() for rel in _check_overrides(overrides)}
    made = [d for rel in before for d in dest.joinpath(*rel.parts).parents
            if d.is_relative_to(dest) and d != dest and not d.exists()]
    _write_overrides(dest, _check_overrides(overrides))
    if os.geteuid() == 0 and owner.st_uid != 0:
        for path in [*made, *(dest.joinpath(*rel.parts) for rel, was in before.items()
                              if not was)]:
            os.lchown(path, owner.st_uid, owner.st_uid)


def _write_overrides(dest: Path, overrides: Mapping[PurePosixPath, str]) -> None:
    real_dest = Path(os.path.realpath(dest))
    for rel, text in overrides.items():
        target = dest.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        # a link kept in the copy points inside it, but check the resolved path anyway
        if not Path(os.path.realpath(target)).is_relative_to(real_dest):
            raise WorkspaceError(f"override {str(rel)!r} resolves outside the workspace")
        with open(target, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)


def remove_tree(path: Path) -> None:
    """Delete a workspace, even one whose files a command made read-only."""

    def _retry(func, failed, _exc) -> None:  # noqa: ANN001
        try:
            os.chmod(os.path.dirname(failed), 0o700)
            if os.path.isdir(failed) and not os.path.islink(failed):
                os.chmod(failed, 0o700)
            func(failed)
        except OSError as exc:
            logger.warning("could not remove %s from a workspace: %s", failed, exc)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=_retry)
    else:
        shutil.rmtree(path, onerror=_retry)
