import pytest

from settings import SettingsError, load, workers


def test_missing_file_gives_defaults(tmp_path):
    assert load(tmp_path / "nope.json")["workers"] == 2


def test_file_overrides(tmp_path):
    f = tmp_path / "s.json"
    f.write_text('{"workers": 8, "debug": true}')
    s = load(f)
    assert s["workers"] == 8 and s["debug"] is True and s["name"] == "app"


def test_unknown_key(tmp_path):
    f = tmp_path / "s.json"
    f.write_text('{"colour": "red"}')
    with pytest.raises(SettingsError):
        load(f)


def test_workers_floor():
    with pytest.raises(SettingsError):
        workers({"workers": 0})
