"""The fix memory: success pairs (JSONL), LanceDB retrieval, replay, and learned rules.

Importing this package loads nothing heavy; LanceDB and the embedding model load on first use.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from selfheal_local.errors import MemoryUnavailable

from .learned import LearnedRules, LearnedRuleSource, RuleNotFound
from .pairs import SuccessPairCollector
from .replay import MemorySource

if TYPE_CHECKING:
    from selfheal_local.config import Config

    from .embedder import Embedder
    from .store import FixMemory

log = logging.getLogger(__name__)


def embedder_for(config: Config) -> Embedder:
    """The embedder the config names (raises MemoryUnavailable when the dir is unusable)."""
    from .embedder import Embedder, bundled_model_dir

    return Embedder(config.embedding_model or bundled_model_dir())


def open_memory(config: Config, *, embedder: Embedder | None = None) -> FixMemory | None:
    """The fix memory of ``config.home_dir()``, or None (logged, one line) when unusable."""
    if not config.use_memory:
        log.info("memory switched off (use_memory = false)")
        return None
    try:
        from .store import FixMemory

        return FixMemory.at_home(config.home_dir(), embedder or embedder_for(config))
    except MemoryUnavailable as exc:
        log.warning("memory unavailable, healing without it: %s", exc)
    except ImportError as exc:
        log.warning("memory unavailable, healing without it: %s is not installed", exc.name)
    except OSError as exc:
        log.warning("memory unavailable, healing without it: %s", exc)
    return None


def __getattr__(name: str):  # noqa: ANN202 - lazy access to the LanceDB-backed class
    if name == "FixMemory":
        from .store import FixMemory

        return FixMemory
    raise AttributeError(name)


__all__ = ["FixMemory", "LearnedRuleSource", "LearnedRules", "MemorySource", "RuleNotFound",
           "SuccessPairCollector", "embedder_for", "open_memory"]
