import pytest

from inventory.pricing import apply_discount, boxes_needed, order_total


def test_apply_discount():
    assert apply_discount(200.0, 10) == 180.0
    with pytest.raises(ValueError):
        apply_discount(10.0, 120)


def test_order_total_with_discount():
    assert order_total([(10.0, 3), (2.5, 4)], discount=50) == 20.0


def test_boxes_needed():
    assert boxes_needed(25, 10) == 3
