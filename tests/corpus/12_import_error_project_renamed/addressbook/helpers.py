"""Phone and name clean-up."""

import re


def normalize(phone: str) -> str:
    """Digits only, with a leading + kept: '+44 (0)20 7946-0958' -> '+4402079460958'."""
    plus = phone.strip().startswith("+")
    digits = re.sub(r"\D", "", phone)
    return ("+" if plus else "") + digits


def title_name(name: str) -> str:
    return " ".join(part.capitalize() for part in name.split())
