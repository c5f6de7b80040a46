"""Tax rates by region."""

RATES = {"de": 0.19, "fr": 0.20, "uk": 0.20}


def rate_for(region: str) -> float:
    try:
        return RATES[region]
    except KeyError:
        raise ValueError(f"no tax rate for {region!r}") from None


def gross(net: float, rate: float) -> float:
    """Net amount plus tax."""
    return round(net - net * rate, 2)
