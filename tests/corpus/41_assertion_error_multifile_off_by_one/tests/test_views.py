import pytest

from webapp.views import page_items

ITEMS = [f"item{i}" for i in range(7)]


def test_pages():
    assert page_items(ITEMS, 1, 3)["items"] == ["item0", "item1", "item2"]
    assert page_items(ITEMS, 3, 3) == {"items": ["item6"], "page": 3, "pages": 3}


def test_bad_page():
    with pytest.raises(ValueError):
        page_items(ITEMS, 0)
