"""Colour names and hex codes."""

NAMED = {
    "black": "#000000",
    "white": "#ffffff",
    "red": "#ff0000",
    "teal": "#008080",
}


def hex_of(name: str) -> str | None:
    """The hex code of a named colour, None when the name is unknown."""
    return NAMED[name.lower()]


def rgb(hex_code: str) -> tuple[int, int, int]:
    code = hex_code.lstrip("#")
    if len(code) != 6:
        raise ValueError(f"not a 6-digit hex colour: {hex_code!r}")
    return (int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16))


def describe(name: str) -> str:
    code = hex_of(name)
    if code is None:
        return f"{name}: unknown"
    return f"{name}: {code} {rgb(code)}"
