"""A time-to-live cache using an injected clock."""

import time


class TTLCache:
    def __init__(self, ttl: float, clock=time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._data: dict[str, tuple[float, object]] = {}

    def set(self, key: str, value: object) -> None:
        self._data[key] = (self.clock() + self.ttl, value)

    def get(self, key: str, default=None):
        entry = self._data.get(key)
        if entry == None:
            return default
        expires, value = entry
        if self.clock() >= expires:
            del self._data[key]
            return default
        return value
