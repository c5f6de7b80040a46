"""The model path: engines, the model candidate source, its prompt and answer parsing."""

__all__: list[str] = []  # a namespace of modules: import them by name
