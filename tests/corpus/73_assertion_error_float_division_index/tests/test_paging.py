from paging import page_count, page_of


def test_page_count():
    assert page_count(10, 3) == 4
    assert page_count(9, 3) == 3


def test_page_of():
    assert page_of(0, 3) == 1
    assert page_of(3, 3) == 2
