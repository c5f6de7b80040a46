"""Config resolves every data-dir path in one place (DataPaths), honouring SELFHEAL_HOME."""

from pathlib import Path

from selfheal_local.config import DATA_LAYOUT, Config, DataPaths


def test_every_path_of_the_layout_is_a_field_under_home(tmp_path):
    paths = DataPaths(tmp_path)
    assert set(DataPaths.__annotations__) == set(DATA_LAYOUT)
    for name, rel in DATA_LAYOUT.items():
        assert getattr(paths, name) == tmp_path / rel
        assert getattr(paths, name).is_relative_to(tmp_path)
    assert paths.pairs.parent == paths.pairs_dir and paths.learned_rules.parent == paths.memory


def test_config_paths_follow_home_then_selfheal_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SELFHEAL_HOME", str(tmp_path / "env"))
    assert Config().paths.adapters == tmp_path / "env" / "adapters"
    assert Config(home=str(tmp_path / "mine")).paths.memory == tmp_path / "mine" / "memory"
    assert DataPaths("~/x").home == Path("~/x")  # a plain value: expanding is Config's job
