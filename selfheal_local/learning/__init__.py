"""Learning from accepted fixes: the nightly training round and its promotion gate."""

__all__: list[str] = []  # a namespace of modules: import them by name
