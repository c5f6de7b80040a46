"""Pagination arithmetic."""


def bounds(page: int, size: int) -> tuple[int, int]:
    """Slice bounds [start, end) of a 1-based page."""
    if page < 1 or size < 1:
        raise ValueError("page and size start at 1")
    start = (page - 1) * size
    return start, start + size - 1


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))
