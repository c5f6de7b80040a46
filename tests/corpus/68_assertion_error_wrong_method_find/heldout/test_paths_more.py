from paths import extension


def test_no_dot():
    assert extension("README") == ""


def test_hidden_file():
    assert extension(".bashrc") == ""


def test_version_dots():
    assert extension("lib-1.2.3.whl") == "whl"
