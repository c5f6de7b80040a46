from histogram import histogram, render


def test_histogram():
    assert histogram([0.5, 1.2, 1.9, 4.0], 1.0) == {0: 1, 1: 2, 4: 1}


def test_render():
    assert render({0: 1, 2: 3}, 0.5) == ["   0.0 #", "   1.0 ###"]
