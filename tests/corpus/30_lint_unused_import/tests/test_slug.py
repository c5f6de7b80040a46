from slug import extension, slug


def test_slug():
    assert slug("My Report.PDF", b"x").startswith("my-report-pdf-")
    assert len(slug("", b"")) == len("file-") + 8


def test_extension():
    assert extension("a.TXT") == "txt"
    assert extension("README") == ""
