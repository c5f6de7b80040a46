from styles import describe, with_style


def test_calls_do_not_leak():
    with_style(dashed=True)
    assert with_style()["dashed"] is False


def test_describe():
    assert describe(with_style(colour="blue", width=2)) == "blue solid line, width 2"
