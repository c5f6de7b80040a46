"""VLLMEngine against a MockTransport that answers like vLLM's OpenAI-compatible server."""

from __future__ import annotations

import json

import httpx
import pytest

from models.errors import (
    AdapterNotFound,
    AdapterRejected,
    EngineTimeout,
    ServerUnavailable,
)
from models.vllm_client import VLLMEngine

BASE = "/models/Llama-3.1-8B-Instruct"


class FakeVLLM:
    """The slice of vLLM's API the engine uses, with its documented bodies and errors."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict | None]] = []
        self.loras: dict[str, str] = {}

    def error(self, status: int, message: str, kind: str) -> httpx.Response:
        return httpx.Response(
            status,
            json={"error": {"message": message, "type": kind, "param": None, "code": status}},
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.requests.append((request.method, request.url.path, body))
        path = request.url.path
        if path == "/health":
            return httpx.Response(200)
        if path == "/v1/models":
            cards = [{"id": BASE, "object": "model", "root": BASE, "parent": None}]
            cards += [
                {"id": n, "object": "model", "root": p, "parent": BASE}
                for n, p in self.loras.items()
            ]
            return httpx.Response(200, json={"object": "list", "data": cards})
        if path == "/v1/load_lora_adapter":
            name, lora_path = body["lora_name"], body["lora_path"]
            if name in self.loras:
                msg = f"The lora adapter '{name}' has already been loaded."
                return self.error(400, msg, "InvalidUserInput")
            if "missing" in lora_path:
                return self.error(404, f"No adapter found for {lora_path}", "NotFoundError")
            if "rank512" in lora_path:
                msg = "LoRA rank 512 is greater than max_lora_rank 16."
                return self.error(400, msg, "BadRequestError")
            self.loras[name] = lora_path
            return httpx.Response(200, text=f"Success: LoRA adapter '{name}' added successfully.")
        if path == "/v1/unload_lora_adapter":
            name = body["lora_name"]
            if name not in self.loras:
                msg = f"The lora adapter '{name}' cannot be found."
                return self.error(404, msg, "NotFoundError")
            del self.loras[name]
            return httpx.Response(200, text=f"Success: LoRA adapter '{name}' removed successfully.")
        if path == "/v1/chat/completions":
            model = body["model"]
            if model != BASE and model not in self.loras:
                return self.error(404, f"The model `{model}` does not exist.", "NotFoundError")
            choices = [
                {"index": i, "message": {"role": "assistant", "content": f"{model}#{i}"}}
                for i in reversed(range(body["n"]))
            ]
            return httpx.Response(200, json={"object": "chat.completion", "choices": choices})
        return httpx.Response(404, json={"detail": "Not Found"})


@pytest.fixture
def server():
    return FakeVLLM()


def engine_for(server, **kw) -> VLLMEngine:
    return VLLMEngine("http://gpu-box:8000/v1", transport=httpx.MockTransport(server), **kw)


def test_adapter_selected_by_model_field_and_hot_loaded(server):
    engine = engine_for(server, api_key="secret")
    engine.load_adapter("undefined_variable-v2", "/adapters/uv-v2")
    assert server.requests[-1] == (
        "POST",
        "/v1/load_lora_adapter",
        {"lora_name": "undefined_variable-v2", "lora_path": "/adapters/uv-v2"},
    )
    assert engine.adapters() == ["undefined_variable-v2"]

    msgs = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    out = engine.complete(
        msgs, adapter="undefined_variable-v2", n=2, temperature=0.7, max_tokens=64
    )
    assert out == ["undefined_variable-v2#0", "undefined_variable-v2#1"]
    assert server.requests[-1] == (
        "POST",
        "/v1/chat/completions",
        {
            "model": "undefined_variable-v2",
            "messages": msgs,
            "n": 2,
            "temperature": 0.7,
            "max_tokens": 64,
        },
    )
    # the base: its name comes from /v1/models (the card without a parent)
    assert engine.complete(msgs) == [f"{BASE}#0"]
    assert server.requests[-1][2]["model"] == BASE

    engine.unload_adapter("undefined_variable-v2")
    assert server.requests[-1] == (
        "POST",
        "/v1/unload_lora_adapter",
        {"lora_name": "undefined_variable-v2"},
    )
    assert engine.adapters() == []
    health = engine.health()
    assert health["ok"] and health["model"] == BASE and health["adapters"] == []


def test_api_key_is_sent(server):
    seen = []

    def handler(request):
        seen.append(request.headers.get("authorization"))
        return server(request)

    VLLMEngine("http://x:1", api_key="k", transport=httpx.MockTransport(handler)).adapters()
    assert seen == ["Bearer k"]


def test_errors_are_mapped(server):
    engine = engine_for(server, model=BASE)
    engine.load_adapter("a", "/adapters/a")
    with pytest.raises(AdapterRejected, match="already been loaded"):
        engine.load_adapter("a", "/adapters/a2")
    with pytest.raises(AdapterRejected, match="max_lora_rank"):
        engine.load_adapter("big", "/adapters/rank512")
    with pytest.raises(AdapterNotFound, match="No adapter found"):
        engine.load_adapter("m", "/adapters/missing")
    with pytest.raises(AdapterNotFound, match="cannot be found"):
        engine.unload_adapter("never-loaded")
    with pytest.raises(AdapterNotFound, match="does not exist"):
        engine.complete([{"role": "user", "content": "x"}], adapter="gone")


def test_runtime_updates_off_says_how_to_restart():
    engine = VLLMEngine(
        "http://x:1",
        transport=httpx.MockTransport(lambda r: httpx.Response(404, json={"detail": "Not Found"})),
    )
    with pytest.raises(AdapterRejected, match="VLLM_ALLOW_RUNTIME_LORA_UPDATING"):
        engine.load_adapter("a", "/adapters/a")


def test_server_down_and_timeouts():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    def slow(request):
        raise httpx.ReadTimeout("timed out", request=request)

    down = VLLMEngine("http://127.0.0.1:9", transport=httpx.MockTransport(refuse))
    with pytest.raises(ServerUnavailable, match="selfheal serve"):
        down.health()
    with pytest.raises(ServerUnavailable, match="--model URL"):
        down.complete([{"role": "user", "content": "x"}], adapter="a")
    stuck = VLLMEngine("http://x:1", timeout=3, transport=httpx.MockTransport(slow))
    with pytest.raises(EngineTimeout, match="within 3s"):
        stuck.complete([{"role": "user", "content": "x"}], adapter="a")
