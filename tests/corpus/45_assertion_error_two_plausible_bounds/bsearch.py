"""Binary search over sorted sequences."""


def index_of(items: list[int], target: int) -> int:
    """Position of target in the sorted list, -1 when absent."""
    lo, hi = 0, len(items) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] == target:
            return mid
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


def contains(items: list[int], target: int) -> bool:
    return index_of(items, target) >= 0
