from progress import Job, report


def test_report():
    a, b = Job("copy", 10), Job("index", 3)
    a.advance(4)
    b.advance(5)
    assert b.finished and not a.finished
    assert report([a, b]) == ["copy: 4/10", "index: 3/3"]
