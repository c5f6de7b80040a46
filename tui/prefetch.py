"""The first look at a project (ruff's and the parser's findings), started before Textual loads.

Importing Textual and building the screens takes about as long as ``selfheal scan --no-tests``
itself; started first (``start``), the scan runs meanwhile and the app picks the result up
(``take``) instead of scanning after its first paint. The scan runs in a forked child (its
imports and parsing would otherwise hold the interpreter's lock the Textual import needs; on two
cores the child has the other one): it sends its findings back through a pipe, pickled, and
anything odd about it (no fork, a failure, a result that does not arrive) falls back to the scan
in this process. Nothing here imports Textual.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

_started: dict[tuple[str, str], Future] = {}
_lock = threading.Lock()


def _key(project: str | Path, overrides: dict[str, Any] | None) -> tuple[str, str]:
    return str(Path(project).expanduser().resolve()), repr(sorted((overrides or {}).items()))


def _opened(project_path: str | Path, overrides: dict[str, Any] | None,
            static: Any = None) -> tuple[Any, Any, Any]:
    from selfheal_local.config import load_config
    from selfheal_local.factory import make_sandbox
    from selfheal_local.project import Project

    project = Project.open(project_path)
    project.config = load_config(project.root, dict(overrides or {}))
    return project, make_sandbox(project.config), static


def first_look(project_path: str | Path, overrides: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    """(project, sandbox, static findings or None when the scan failed: the healer says why
    when it opens). An apply cut short is rolled back first (``recover_on_open``: nothing is
    read before). A project that cannot be opened raises its ``SelfHealError``."""
    from selfheal_local.detect.scan import scan
    from selfheal_local.errors import SelfHealError
    from selfheal_local.factory import recover_on_open

    if Path(project_path).is_dir():
        recover_on_open(Path(project_path).expanduser().resolve())
    project, sandbox, _ = _opened(project_path, overrides)
    try:
        static = list(scan(project, sandbox, tests=False).findings)
    except SelfHealError:
        static = None
    return project, sandbox, static


def _static_in_child(project_path: str | Path,
                     overrides: dict[str, Any] | None) -> tuple[int, int] | None:
    """Fork a child that scans and writes its pickled findings to a pipe; (its pid, the read
    end), or None when this process cannot fork (the scan then runs here)."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return None  # forking a process with other threads running is not safe
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid:
        os.close(write)
        return pid, read
    try:  # the child: nothing of it may reach the terminal Textual is about to own
        os.close(read)
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        payload = pickle.dumps(first_look(project_path, overrides)[2])
        with os.fdopen(write, "wb") as out:
            out.write(payload)
    finally:
        os._exit(0)  # no atexit handlers, no buffers of the parent flushed twice


def _read_and_reap(child: tuple[int, int]) -> Any:
    pid, read = child
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    try:
        os.waitpid(pid, 0)  # it exits right after writing
    except ChildProcessError:
        pass
    return pickle.loads(data)


def start(project_path: str | Path, overrides: dict[str, Any] | None,
          show: Callable[[list[Any] | None], None] | None = None) -> None:
    """Begin the first look (in a forked child where it can) for the app to take; ``show``
    is handed its findings the moment they arrive (``tui.first_frame`` draws them)."""
    future: Future = Future()
    child = _static_in_child(project_path, overrides)

    def shown(static: list[Any] | None) -> None:
        if show is not None:
            try:
                show(static)
            except Exception:  # a frame that cannot be drawn is no reason to lose the look
                pass

    def work() -> None:
        try:
            if child is not None:
                try:
                    static = _read_and_reap(child)
                except Exception:  # the child died or sent nothing: scan here
                    pass
                else:
                    shown(static)
                    future.set_result(_opened(project_path, overrides, static))
                    return
            look = first_look(project_path, overrides)
            shown(look[2])
            future.set_result(look)
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
    except Exception:  # not done yet, or failed: ``take`` raises it where it is handled
        return None  # (Ctrl+C while waiting is the person's: it goes on up)


def take(project_path: str | Path, overrides: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    """The first look started for this project and overrides (waited for), else done now."""
    with _lock:
        future = _started.pop(_key(project_path, overrides), None)
    if future is None:
        return first_look(project_path, overrides)
    return future.result()
