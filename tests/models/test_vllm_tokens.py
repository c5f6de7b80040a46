"""VLLMEngine counts prompt tokens and reads the context length as vLLM's server reports them."""

from __future__ import annotations

import json

import httpx
import pytest

from models.errors import ModelError
from models.vllm_client import VLLMEngine

BASE = "/models/Llama-3.1-8B-Instruct"


def server(max_model_len: int | None, count_answer: object):
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/models":
            card = {"id": BASE, "object": "model", "root": BASE, "parent": None}
            if max_model_len is not None:
                card["max_model_len"] = max_model_len
            lora = {"id": "fix-a", "object": "model", "root": "/a", "parent": BASE,
                    "max_model_len": 1}
            return httpx.Response(200, json={"object": "list", "data": [lora, card]})
        if request.url.path == "/tokenize":
            body = json.loads(request.content)
            seen.append(body)
            words = sum(len(m["content"].split()) for m in body["messages"])
            if count_answer == "count":
                return httpx.Response(200, json={"count": words + 5, "max_model_len": 8192,
                                                 "tokens": list(range(words + 5))})
            return httpx.Response(200, json=count_answer)
        return httpx.Response(404)

    return handler, seen


def test_tokens_are_counted_by_the_server_with_the_chat_template():
    handler, seen = server(131072, "count")
    engine = VLLMEngine("http://127.0.0.1:8000", transport=httpx.MockTransport(handler))
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "fix a b c"}]
    assert engine.count_tokens(messages) == 6 + 5
    assert seen[0]["add_generation_prompt"] is True and seen[0]["model"] == BASE
    assert engine.context_length() == 131072  # the base model's, not an adapter card's


def test_no_context_length_reported_is_none_and_a_bad_answer_is_a_model_error():
    handler, _ = server(None, {"tokens": []})
    engine = VLLMEngine("http://127.0.0.1:8000", transport=httpx.MockTransport(handler))
    assert engine.context_length() is None
    with pytest.raises(ModelError):
        engine.count_tokens([{"role": "user", "content": "x"}])
