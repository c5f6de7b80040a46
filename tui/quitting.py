"""Quit at once: the app's thread pool does not wait at exit for jobs that only read.

``asyncio.run`` joins its default executor's threads when the app's loop ends, so a quit used to
wait for whatever a job thread was doing: a cancelled sandboxed run (killed within a quarter
second), but also work nothing can interrupt, such as the first import of LanceDB (seconds)
behind the memory's size in the header or a memory lookup. A job that writes (an apply, a reject,
an undo: the healer holds ``writing`` meanwhile) is waited for to the end, so no write is cut in
half; anything else gets ``GRACE_S`` to notice the cancel and is then left to the process' exit.
What it leaves behind is safe to drop: a sandboxed process dies with its parent (the sandbox sets
a parent-death signal), and its workspace is removed as a dead run's leftover on the next start.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext

GRACE_S = 0.1
"""How long a job that is not writing gets, after the cancel, to unwind on its own."""
WRITE_WAIT_S = 120.0
"""The longest a quit waits for a write in progress (an apply of many files, an undo)."""


class QuitFastExecutor(ThreadPoolExecutor):
    """A thread pool whose ``shutdown`` waits for writes in progress and little else."""

    def __init__(self, writing: Callable[[], AbstractContextManager | None],
                 grace_s: float = GRACE_S) -> None:
        super().__init__(thread_name_prefix="selfheal-job")
        self._writing = writing
        self._grace_s = grace_s

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=False, cancel_futures=True)  # queued jobs never start
        if not wait:
            return
        lock = self._writing() or nullcontext()
        acquire = getattr(lock, "acquire", None)
        if acquire is not None:  # a write in progress finishes first
            if acquire(timeout=WRITE_WAIT_S):
                lock.release()  # type: ignore[attr-defined]
        deadline = time.monotonic() + self._grace_s
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))

    def busy_threads(self) -> list[threading.Thread]:
        """The pool's threads still running a job (after ``shutdown``: the ones left behind)."""
        return [t for t in self._threads if t.is_alive()]


__all__ = ["GRACE_S", "QuitFastExecutor"]
