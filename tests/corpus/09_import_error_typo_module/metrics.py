"""Response-time metrics for a service log."""

import statistic


def parse_times(lines: list[str]) -> list[float]:
    """Milliseconds from lines like 'GET /a 200 12.5ms'."""
    times = []
    for line in lines:
        last = line.rsplit(" ", 1)[-1]
        if last.endswith("ms"):
            times.append(float(last[:-2]))
    return times


def summary(times: list[float]) -> dict[str, float]:
    if not times:
        return {"count": 0, "mean": 0.0, "median": 0.0}
    return {
        "count": len(times),
        "mean": round(statistics.mean(times), 2),
        "median": statistics.median(times),
    }
