"""List views."""

from webapp.paging import bounds, page_count


def page_items(items: list[str], page: int, size: int = 10) -> dict:
    return {
        "items": items[slice(*bounds(page, size))],
        "page": page,
        "pages": page_count(len(items), size),
    }
