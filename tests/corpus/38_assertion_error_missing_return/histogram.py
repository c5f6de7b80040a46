"""Text histograms of numeric samples."""


def histogram(values: list[float], width: float) -> dict[int, int]:
    """Counts per bucket; bucket k holds values in [k*width, (k+1)*width)."""
    if width <= 0:
        raise ValueError("width must be positive")
    counts: dict[int, int] = {}
    for value in values:
        bucket = int(value // width)
        counts[bucket] = counts.get(bucket, 0) + 1


def render(counts: dict[int, int], width: float) -> list[str]:
    lines = []
    for bucket in sorted(counts):
        low = bucket * width
        lines.append(f"{low:>6.1f} {'#' * counts[bucket]}")
    return lines
