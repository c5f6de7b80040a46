"""Athletics results: jumps in centimetres."""

from collections import defaultdict


def collect(rows: list[tuple[str, int]]) -> dict[str, list[int]]:
    results: dict[str, list[int]] = defaultdict(list)
    for name, centimetres in rows:
        if centimetres < 0:
            raise ValueError("a jump cannot be negative")
        results[name].append(centimetres)
    return dict(results)


def personal_best(results: dict[str, list[int]], name: str) -> int:
    return min(results[name])


def podium(results: dict[str, list[int]]) -> list[str]:
    return sorted(results, key=lambda n: -personal_best(results, n))[:3]
