from paths import extension, stem


def test_extension():
    assert extension("archive.tar.gz") == "gz"
    assert extension("notes.txt") == "txt"


def test_stem():
    assert stem("a/b/c.txt") == "c.txt"
