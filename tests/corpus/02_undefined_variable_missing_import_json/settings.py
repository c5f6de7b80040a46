"""Application settings read from a JSON file with defaults."""

from pathlib import Path

DEFAULTS = {"debug": False, "workers": 2, "name": "app"}


class SettingsError(Exception):
    pass


def load(path: Path) -> dict:
    """Defaults overridden by the file's values; unknown keys are refused."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return dict(DEFAULTS)
    unknown = set(raw) - set(DEFAULTS)
    if unknown:
        raise SettingsError(f"unknown settings: {sorted(unknown)}")
    merged = dict(DEFAULTS)
    merged.update(raw)
    return merged


def workers(settings: dict) -> int:
    value = int(settings["workers"])
    if value < 1:
        raise SettingsError("workers must be at least 1")
    return value
