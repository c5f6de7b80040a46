from report import grade, passed, report


def test_grade():
    assert [grade(s) for s in (95, 80, 55, 10)] == ["A", "B", "C", "F"]


def test_report():
    assert report({"zoe": 91, "adam": 42}) == ["adam      42 F", "zoe       91 A"]


def test_passed():
    assert passed({"a": 50, "b": 49}) == 1
