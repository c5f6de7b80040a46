"""Validating a batch of candidates at once, and taking the first one proved.

As soon as one candidate is proved the ones ranked after it are stopped (their test runs killed,
process groups and all) and left out of the result; one ranked before it gets a short grace
(``first_proved``): a hanging candidate never holds up a proved one for long.
Setting the job's ``cancel`` stops every run in progress the same way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from selfheal_local.types import Patch
from selfheal_local.validation.validator import Validation

Validate = Callable[[Patch, threading.Event], Validation]
POLL_S = 0.2
GRACE_S = 1.0
"""The least time a better-ranked candidate still running gets once a later one is proved."""


def first_proved(validate: Validate, patches: Sequence[Patch], workers: int,
                 cancel: threading.Event | None = None) -> list[tuple[Patch, Validation]]:
    """Validate ``patches`` (``workers`` at a time, best ranked first) until one passes; return
    the finished ones, failures in the order they finished, then the proved ones in rank order.
    Runs stopped early are left out.

    A proved candidate stops every one ranked after it at once; one ranked before it that is
    still running gets as long again as the proved one took (at least ``GRACE_S``), so which
    plausible fix is kept follows the ranking, not which test run happened to end first, and a
    hanging candidate still never holds up a proved one for long."""
    results: list[tuple[Patch, Validation]] = []
    if workers <= 1 or len(patches) <= 1:
        for patch in patches:
            if cancel is not None and cancel.is_set():
                break
            results.append((patch, validate(patch, cancel or threading.Event())))
            if results[-1][1].verdict.passed:
                break
        return results
    stops = [threading.Event() for _ in patches]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures: list[Future] = [pool.submit(_run, validate, p, stop)
                                 for p, stop in zip(patches, stops, strict=True)]
        rank = {future: i for i, future in enumerate(futures)}
        pending, best, deadline = set(futures), len(futures), 0.0
        try:
            while pending:
                done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                if cancel is not None and cancel.is_set():
                    break
                for future in done:
                    patch, validation = future.result()
                    results.append((patch, validation))
                    if validation.verdict.passed and rank[future] < best:
                        best = rank[future]
                        deadline = time.monotonic() + max(GRACE_S, validation.verdict.elapsed_s)
                if best < len(futures):
                    for future in pending - {f for f in pending if rank[f] < best}:
                        stops[rank[future]].set()
                        future.cancel()
                    pending = {f for f in pending if rank[f] < best}
                    if time.monotonic() > deadline:
                        break
        finally:
            for stop in stops:
                stop.set()  # kills what still runs; the pool's exit then waits only for that
            for future in futures:
                future.cancel()  # not started yet: never starts
    order = {id(p): i for i, p in enumerate(patches)}
    return ([(p, v) for p, v in results if not v.verdict.passed]
            + sorted(((p, v) for p, v in results if v.verdict.passed), key=lambda pv: order[id(pv[0])]))


def _run(validate: Validate, patch: Patch, stop: threading.Event) -> tuple[Patch, Validation]:
    return patch, validate(patch, stop)


__all__ = ["first_proved"]
