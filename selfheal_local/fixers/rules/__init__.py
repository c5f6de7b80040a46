"""Deterministic rules, one module per pattern; importing a module registers its rules."""

__all__: list[str] = []  # a namespace of modules: import them by name
