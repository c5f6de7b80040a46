"""The errors of ``models``: one root, specific subclasses, messages that say what to do.

ModelError
 ├── ModelNotFound       the model directory is missing or not a transformers model
 ├── ServerUnavailable   the vLLM server cannot be reached
 ├── ServerStartError    ``vllm serve`` could not be started (not installed, port busy, no health)
 ├── EngineTimeout       a request or a start-up ran past its time limit
 ├── AdapterNotFound     no adapter of that name (in the registry or resident in the engine)
 ├── AdapterRejected     the adapter does not fit the base model / engine (rank, base, shapes)
 └── RegistryError       the adapter registry file cannot be read or written
"""

from __future__ import annotations


class ModelError(Exception):
    """Root of everything ``models`` raises on purpose."""


class ModelNotFound(ModelError):
    """The model directory cannot be used."""


class ServerUnavailable(ModelError):
    """The model server does not answer."""


class ServerStartError(ModelError):
    """The model server could not be started."""


class EngineTimeout(ModelError):
    """A request ran past its time limit."""


class AdapterNotFound(ModelError):
    """No adapter of that name."""


class AdapterRejected(ModelError):
    """The adapter cannot be served with this base model or engine."""


class RegistryError(ModelError):
    """The adapter registry is unreadable or cannot be written."""


__all__ = [
    "ModelError",
    "ModelNotFound",
    "ServerUnavailable",
    "ServerStartError",
    "EngineTimeout",
    "AdapterNotFound",
    "AdapterRejected",
    "RegistryError",
]
