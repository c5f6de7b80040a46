from cache import TTLCache


def test_expiry():
    now = [0.0]
    c = TTLCache(10, clock=lambda: now[0])
    c.set("a", 1)
    assert c.get("a") == 1
    now[0] = 11
    assert c.get("a", "gone") == "gone"
    assert c.get("never") is None
