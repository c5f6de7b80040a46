"""Engines (embedded transformers+PEFT, vLLM client and launcher), the adapter registry and
routing, training, and the tiny test model. Imports nothing in-repo; importing it loads nothing
heavy (torch, transformers and peft load inside the functions that use them).
"""

__all__: list[str] = []  # a namespace of modules: import them by name
