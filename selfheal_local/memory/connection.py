"""LanceDB connected in the background: importing it takes seconds, and a heal's scan (ruff, the
project's tests) goes on meanwhile; the memory's first use waits for the connection. A memory
whose lookups the scan cache can answer (``scancache.needs_lancedb``) connects only when
something needs the table, so a process that never does never imports LanceDB."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from selfheal_local.errors import MemoryUnavailable


class Connection:
    """``lancedb.connect(root)``, started now, handed out by ``get`` once it is there."""

    def __init__(self, root: Path, *, now: bool = True) -> None:
        self.root = root
        self._done = threading.Event()
        self._db: Any = None
        self._error: BaseException | None = None
        self._started = False
        self._start_lock = threading.Lock()
        if now:
            self.start()

    def start(self) -> None:
        """Begin connecting in the background (once)."""
        with self._start_lock:
            if self._started:
                return
            self._started = True
        # not a daemon: an interpreter that exits mid-import of a native library can crash
        threading.Thread(target=self._connect, name="selfheal-memory-open").start()

    def _connect(self) -> None:
        try:
            import lancedb

            self._db = lancedb.connect(self.root, read_consistency_interval=timedelta(0))
        except BaseException as exc:  # said where the memory is used
            self._error = exc
        finally:
            self._done.set()

    def get(self) -> Any:
        self.start()
        self._done.wait()
        if self._error is not None:
            raise MemoryUnavailable(f"memory {self.root} cannot open: {self._error}")
        return self._db


__all__ = ["Connection"]
