"""Shared tiny model and quickly fitted adapters (built once per test session)."""

from __future__ import annotations

import pytest
from lora_case import ANSWER_A, ANSWER_B, PROMPT
from quick_lora import fit_lora

from models.tiny import build_tiny_model


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    import torch

    # the CPU is shared with other jobs: one thread beats two oversubscribed ones
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="session")
def adapter_a(tiny_model, tmp_path_factory):
    conv = [*PROMPT, {"role": "assistant", "content": ANSWER_A}]
    return fit_lora(tiny_model, [conv], tmp_path_factory.mktemp("lora") / "a", steps=30)


@pytest.fixture(scope="session")
def adapter_b(tiny_model, tmp_path_factory):
    conv = [*PROMPT, {"role": "assistant", "content": ANSWER_B}]
    return fit_lora(tiny_model, [conv], tmp_path_factory.mktemp("lora") / "b", steps=30, seed=1)
