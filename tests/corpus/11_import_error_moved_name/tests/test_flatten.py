from flatten import flatten, unflatten


def test_roundtrip():
    nested = {"db": {"host": "x", "port": 5432}, "debug": True}
    flat = flatten(nested)
    assert flat == {"db.host": "x", "db.port": 5432, "debug": True}
    assert unflatten(flat) == nested
