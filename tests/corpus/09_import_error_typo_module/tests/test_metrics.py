from metrics import parse_times, summary


def test_parse():
    assert parse_times(["GET /a 200 12.5ms", "bad line", "GET /b 404 3ms"]) == [12.5, 3.0]


def test_summary():
    assert summary([1.0, 2.0, 6.0]) == {"count": 3, "mean": 3.0, "median": 2.0}
    assert summary([])["count"] == 0
