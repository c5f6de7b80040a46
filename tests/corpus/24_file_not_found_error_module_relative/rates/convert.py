"""Currency conversion with rates shipped next to this module."""

import json
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def rates() -> dict[str, float]:
    """Units of each currency per euro."""
    with open("rates.json", encoding="utf-8") as fh:
        return json.load(fh)


def convert(amount: float, source: str, target: str) -> float:
    table = rates()
    for code in (source, target):
        if code not in table:
            raise ValueError(f"unknown currency {code}")
    return round(amount / table[source] * table[target], 2)


def data_dir() -> Path:
    return Path(__file__).parent
