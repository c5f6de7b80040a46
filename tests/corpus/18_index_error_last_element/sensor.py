"""Temperature sensor readings."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    minute: int
    celsius: float


def parse(text: str) -> list[Reading]:
    out = []
    for line in text.split():
        minute, value = line.split("=")
        out.append(Reading(int(minute), float(value)))
    return sorted(out, key=lambda r: r.minute)


def latest(readings: list[Reading]) -> Reading:
    if not readings:
        raise ValueError("no readings")
    return readings[len(readings)]


def warmest(readings: list[Reading]) -> Reading:
    return max(readings, key=lambda r: r.celsius)
