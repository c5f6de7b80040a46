import commands


def test_add_and_list():
    commands.TODO.clear()
    assert commands.execute("add buy milk") == "added #1"
    assert commands.execute("LIST") == "1. buy milk"


def test_blank_and_unknown():
    assert commands.execute("   ") is None
    assert commands.execute("fly away") == "unknown command: fly"
