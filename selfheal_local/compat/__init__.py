"""The Saplings-compatible API: PatchGenerator and SelfHealingService."""

__all__: list[str] = []  # a namespace of modules: import them by name
