"""The Textual app (``tui.app``): screens, widgets and their ``.tcss``."""

__all__: list[str] = []  # import the modules by name
