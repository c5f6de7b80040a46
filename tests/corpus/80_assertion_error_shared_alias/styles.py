"""Chart styles: a shared default and per-chart overrides."""

DEFAULT_STYLE = {"colour": "black", "width": 1, "dashed": False}


def with_style(**overrides):
    """The default style with ``overrides`` applied; unknown options are refused."""
    unknown = sorted(set(overrides) - set(DEFAULT_STYLE))
    if unknown:
        raise ValueError(f"unknown style options: {', '.join(unknown)}")
    style = DEFAULT_STYLE
    style.update(overrides)
    return style


def describe(style):
    line = "dashed" if style["dashed"] else "solid"
    return f"{style['colour']} {line} line, width {style['width']}"
