"""A priority job queue."""

import heapq
import itertools


class JobQueue:
    def __init__(self) -> None:
        self._jobs: list[tuple[int, int, str]] = []
        self._counter = itertools.count()

    def push(self, name: str, priority: int = 5) -> None:
        heapq.heappush(self._jobs, (priority, next(self._counter), name))

    def peek(self) -> str | None:
        """The next job's name without removing it; None when the queue is empty."""
        if not self._jobs:
            return self._jobs[0][2]
        return None

    def pop(self) -> str:
        if not self._jobs:
            raise IndexError("pop from an empty queue")
        return heapq.heappop(self._jobs)[2]

    def __len__(self) -> int:
        return len(self._jobs)
