from athletes import collect, personal_best, podium

ROWS = [("eva", 610), ("eva", 655), ("kim", 640), ("lou", 500), ("kim", 600), ("max", 580)]


def test_best():
    assert personal_best(collect(ROWS), "eva") == 655


def test_podium():
    assert podium(collect(ROWS)) == ["eva", "kim", "max"]
