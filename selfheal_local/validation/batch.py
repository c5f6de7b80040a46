"""Validating a batch of candidates at once, and taking the first one proved.

As soon as one candidate is proved the others are stopped (their test runs killed, process
groups and all) and left out of the result: a hanging candidate never holds up a proved one.
Setting the job's ``cancel`` stops every run in progress the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from selfheal_local.types import Patch
from selfheal_local.validation.validator import Validation

Validate = Callable[[Patch, threading.Event], Validation]
POLL_S = 0.2


def first_proved(validate: Validate, patches: Sequence[Patch], workers: int,
                 cancel: threading.Event | None = None) -> list[tuple[Patch, Validation]]:
    """Validate ``patches`` (``workers`` at a time) until one passes; return the finished ones
    in the order they finished (a proved one, if any, last). Runs stopped early are left out."""
    stop = threading.Event()
    results: list[tuple[Patch, Validation]] = []
    if workers <= 1 or len(patches) <= 1:
        for patch in patches:
            if cancel is not None and cancel.is_set():
                break
            results.append((patch, validate(patch, cancel or stop)))
            if results[-1][1].verdict.passed:
                break
        return results
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures: list[Future] = [pool.submit(_run, validate, p, stop) for p in patches]
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                if cancel is not None and cancel.is_set():
                    break
                for future in done:
                    patch, validation = future.result()
                    results.append((patch, validation))
                    if validation.verdict.passed:
                        pending = set()
        finally:
            stop.set()  # kills what still runs; the pool's exit then waits only for that
            for future in futures:
                future.cancel()  # not started yet: never starts
    return results


def _run(validate: Validate, patch: Patch, stop: threading.Event) -> tuple[Patch, Validation]:
    return patch, validate(patch, stop)


__all__ = ["first_proved"]
