"""List views."""

from webapp.paging import bounds, page_count


def page_items(items: list[str], page: int, size: int = 10) -> dict:
    start, end = bounds(page, size)
    return {
        "items": items[start:end],
        "page": page,
        "pages": page_count(len(items), size),
    }
