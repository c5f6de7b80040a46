"""Differences between consecutive samples."""


def deltas(values: list[float]) -> list[float]:
    out = []
    for i in range(len(values)):
        out.append(round(values[i + 1] - values[i], 3))
    return out


def biggest_jump(values: list[float]) -> float:
    steps = deltas(values)
    return max((abs(s) for s in steps), default=0.0)


def is_increasing(values: list[float]) -> bool:
    return all(d > 0 for d in deltas(values))
