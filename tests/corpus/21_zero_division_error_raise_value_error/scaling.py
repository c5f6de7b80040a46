"""Scaling and normalising series of measurements."""


def scale(values: list[float], factor: float) -> list[float]:
    """Divide every value by factor; a zero factor is a ValueError."""
    return [round(v / factor, 3) for v in values]


def normalise(values: list[float]) -> list[float]:
    peak = max((abs(v) for v in values), default=1.0) or 1.0
    return scale(values, peak)


def percent(part: float, whole: float) -> float:
    if whole == 0:
        return 0.0
    return round(100 * part / whole, 1)
