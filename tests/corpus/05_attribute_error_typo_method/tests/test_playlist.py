import pytest

from playlist import Playlist


def test_duration_and_format():
    p = Playlist("road")
    p.add("one", 200)
    p.add("two", 95)
    assert p.duration() == 295
    assert p.formatted() == "road: 2 tracks, 4:55"


def test_bad_track():
    with pytest.raises(ValueError):
        Playlist("x").add("silence", 0)
