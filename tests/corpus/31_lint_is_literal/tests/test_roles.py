from roles import actions, allowed


def test_allowed():
    assert allowed("editor", "write")
    assert not allowed("viewer", "write")
    assert actions("viewer") == ["read"]
