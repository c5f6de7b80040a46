from tags import normalise, unique_tags


def test_normalise():
    assert normalise("  #Road Trip ") == "road-trip"


def test_repeats_are_dropped():
    assert unique_tags(["work", "Work", "#work", "home"]) == ["work", "home"]


def test_empty_tags_are_dropped():
    assert unique_tags(["", "  ", "x"]) == ["x"]
