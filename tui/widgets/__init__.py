"""The TUI's widgets, one module each."""

__all__: list[str] = []  # import the modules by name
