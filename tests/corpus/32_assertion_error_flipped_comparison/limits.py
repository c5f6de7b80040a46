"""Keeping values inside limits: clamping, wrapping, rate limits."""


def clamp(value: float, low: float, high: float) -> float:
    """value limited to [low, high]."""
    if low > high:
        raise ValueError("low must not exceed high")
    if value < low:
        return low
    if value < high:
        return high
    return value


def wrap(value: int, size: int) -> int:
    return value % size


class RateLimiter:
    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self.window: list[float] = []

    def allow(self, now: float) -> bool:
        self.window = [t for t in self.window if now - t < 1.0]
        if len(self.window) >= self.per_second:
            return False
        self.window.append(now)
        return True
