from tags import tag_line, unique_tags


def test_order_is_first_seen():
    assert unique_tags(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_tag_line():
    assert tag_line(["Big Ideas", "big ideas", "todo"]) == "#big-ideas #todo"
