from paging import page_count


def test_is_int():
    assert isinstance(page_count(7, 2), int)


def test_empty():
    assert page_count(0, 5) == 0


def test_exact():
    assert page_count(100, 10) == 10
