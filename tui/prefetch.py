"""The first look at a project (ruff's and the parser's findings), started before Textual loads.

Importing Textual and building the screens takes about as long as ``selfheal scan --no-tests``
itself; started first (``start``), the scan's imports and its ruff process run meanwhile and the
app picks the result up (``take``) instead of scanning after its first paint. Nothing here
imports Textual.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

_started: dict[tuple[str, str], Future] = {}
_lock = threading.Lock()


def _key(project: str | Path, overrides: dict[str, Any] | None) -> tuple[str, str]:
    return str(Path(project).expanduser().resolve()), repr(sorted((overrides or {}).items()))


def first_look(project_path: str | Path, overrides: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    """(project, sandbox, static findings or None when the scan failed: the healer says why
    when it opens). A project that cannot be opened raises its ``SelfHealError``."""
    from selfheal_local.config import load_config
    from selfheal_local.detect.scan import scan
    from selfheal_local.errors import SelfHealError
    from selfheal_local.factory import make_sandbox
    from selfheal_local.project import Project

    project = Project.open(project_path)
    project.config = load_config(project.root, dict(overrides or {}))
    sandbox = make_sandbox(project.config)
    try:
        static = list(scan(project, sandbox, tests=False).findings)
    except SelfHealError:
        static = None
    return project, sandbox, static


def start(project_path: str | Path, overrides: dict[str, Any] | None) -> None:
    """Begin the first look in a background thread (the app takes its result)."""
    future: Future = Future()

    def work() -> None:
        try:
            future.set_result(first_look(project_path, overrides))
        except BaseException as exc:  # handed to whoever takes it
            future.set_exception(exc)

    with _lock:
        _started[_key(project_path, overrides)] = future
    threading.Thread(target=work, name="selfheal-first-look", daemon=True).start()


def ready(project_path: str | Path, overrides: dict[str, Any] | None,
          wait_s: float = 0.0) -> tuple[Any, Any, Any] | None:
    """The first look if it has finished (waiting up to ``wait_s``), left for ``take``; else None."""
    with _lock:
        future = _started.get(_key(project_path, overrides))
    if future is None:
        return None
    try:
        return future.result(timeout=wait_s)
    except BaseException:  # not done yet, or failed: ``take`` raises it where it is handled
        return None


def take(project_path: str | Path, overrides: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    """The first look started for this project and overrides (waited for), else done now."""
    with _lock:
        future = _started.pop(_key(project_path, overrides), None)
    if future is None:
        return first_look(project_path, overrides)
    return future.result()
