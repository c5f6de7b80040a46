"""Fixtures of the memory tests: one real embedding model per test session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def embedder():
    """The bundled all-MiniLM-L6-v2, loaded once (it is the slow part on a CPU)."""
    from selfheal_local.memory.embedder import Embedder, bundled_model_dir

    emb = Embedder(bundled_model_dir())
    emb.embed(["warm up"])
    return emb


@pytest.fixture
def memory(tmp_path, embedder):
    from selfheal_local.memory.store import FixMemory

    return FixMemory.at_home(tmp_path / "home", embedder)
