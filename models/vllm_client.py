"""The vLLM engine: a client of vLLM's OpenAI-compatible server, with runtime LoRA loading.

The adapter is selected per request by the ``model`` field (the adapter's name; the base
model's name for none). Adapters are hot-loaded with ``POST /v1/load_lora_adapter`` and
forgotten with ``POST /v1/unload_lora_adapter`` (the server must run with
``VLLM_ALLOW_RUNTIME_LORA_UPDATING=True``). Every request has a timeout; httpx errors are
translated into ``models.errors`` at this boundary.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from .errors import (
    AdapterNotFound,
    AdapterRejected,
    EngineTimeout,
    ModelError,
    ServerUnavailable,
)

log = logging.getLogger(__name__)

START_HINT = "start it with `selfheal serve` or check --model URL"


def _error_message(response: httpx.Response) -> str:
    """vLLM's error text: ``{"error": {"message"}}`` (new) or ``{"message"}`` (old) or text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500]
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if body.get("message"):
            return str(body["message"])
        if isinstance(inner, str):
            return inner
        if body.get("detail"):
            return str(body["detail"])
    return response.text.strip()[:500]


class VLLMEngine:
    """A running vLLM server; satisfies selfheal_local's Engine protocol."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        if self.base_url.endswith("/v1"):
            self.base_url = self.base_url[: -len("/v1")]
        self.timeout = timeout
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )
        self._model = model

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> VLLMEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------------

    def _request(
        self, method: str, path: str, *, json: Any = None, timeout: float | None = None
    ) -> httpx.Response:
        try:
            return self._client.request(
                method, path, json=json, timeout=self.timeout if timeout is None else timeout
            )
        except httpx.TimeoutException as exc:
            raise EngineTimeout(
                f"vLLM at {self.base_url} did not answer {method} {path} within "
                f"{timeout or self.timeout:.0f}s; the server may be overloaded or still starting"
            ) from exc
        except httpx.TransportError as exc:
            raise ServerUnavailable(
                f"no vLLM server at {self.base_url} ({exc.__class__.__name__}); {START_HINT}"
            ) from exc

    def _check(self, response: httpx.Response, what: str) -> None:
        if response.status_code < 400:
            return
        message = _error_message(response)
        if response.status_code == 404:
            if message == "Not Found" and response.request.url.path.endswith("_lora_adapter"):
                # FastAPI's bare 404: the route is not there, runtime updates are switched off
                raise AdapterRejected(
                    f"{what}: the server does not allow runtime LoRA updates; restart it with "
                    "VLLM_ALLOW_RUNTIME_LORA_UPDATING=True (`selfheal serve` does)"
                )
            raise AdapterNotFound(f"{what}: {message}")
        if response.status_code == 400:
            raise AdapterRejected(f"{what}: {message}")
        if response.status_code in (502, 503, 504):
            raise ServerUnavailable(f"{what}: vLLM answered {response.status_code}: {message}")
        raise ModelError(f"{what}: vLLM answered {response.status_code}: {message}")

    # -- models ------------------------------------------------------------------------------

    def list_models(self) -> list[dict[str, Any]]:
        """The cards of ``/v1/models``: the base model(s) and resident adapters (with parent)."""
        response = self._request("GET", "/v1/models")
        self._check(response, "listing models")
        try:
            data = response.json().get("data", [])
        except (ValueError, AttributeError) as exc:
            raise ModelError(f"vLLM at {self.base_url} sent an unreadable /v1/models") from exc
        return [card for card in data if isinstance(card, dict) and card.get("id")]

    @property
    def model(self) -> str:
        """The base model's name as the server knows it (the first card without a parent)."""
        if self._model is None:
            bases = [c["id"] for c in self.list_models() if not c.get("parent")]
            if not bases:
                raise ModelError(f"vLLM at {self.base_url} lists no base model")
            self._model = str(bases[0])
        return self._model

    def adapters(self) -> list[str]:
        """Names of the adapters resident in the server."""
        return [str(c["id"]) for c in self.list_models() if c.get("parent")]

    def load_adapter(self, name: str, path: str | Path) -> None:
        """Hot-load a LoRA adapter under a new name (never reload a name in place)."""
        body = {"lora_name": name, "lora_path": str(path)}
        response = self._request("POST", "/v1/load_lora_adapter", json=body)
        self._check(response, f"loading adapter {name!r} from {path}")
        log.info("vLLM: %s", response.text.strip() or f"adapter {name} loaded")

    def unload_adapter(self, name: str) -> None:
        """Forget adapter ``name`` in the server."""
        response = self._request("POST", "/v1/unload_lora_adapter", json={"lora_name": name})
        self._check(response, f"unloading adapter {name!r}")
        log.info("vLLM: %s", response.text.strip() or f"adapter {name} unloaded")

    def health(self) -> dict[str, Any]:
        """Server liveness plus what it serves; raises ServerUnavailable when it is down."""
        response = self._request("GET", "/health", timeout=min(self.timeout, 10.0))
        if response.status_code != 200:
            raise ServerUnavailable(
                f"vLLM at {self.base_url} is not healthy ({response.status_code}); {START_HINT}"
            )
        cards = self.list_models()
        bases = [c["id"] for c in cards if not c.get("parent")]
        return {
            "ok": True,
            "engine": "vllm",
            "url": self.base_url,
            "model": self._model or (bases[0] if bases else ""),
            "adapters": [c["id"] for c in cards if c.get("parent")],
        }

    # -- generation --------------------------------------------------------------------------

    def complete(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        adapter: str | None = None,
        n: int = 1,
        temperature: float = 0.0,
        max_tokens: int = 1024,
    ) -> list[str]:
        """``n`` answers from ``/v1/chat/completions`` with ``adapter`` (or the base)."""
        if n < 1:
            raise ModelError(f"n must be at least 1, got {n}")
        body = {
            "model": adapter or self.model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "n": n,
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        response = self._request("POST", "/v1/chat/completions", json=body)
        what = f"completion with {'adapter ' + repr(adapter) if adapter else 'the base model'}"
        self._check(response, what)
        try:
            choices = sorted(response.json()["choices"], key=lambda c: c.get("index", 0))
            return [str(c["message"]["content"] or "") for c in choices]
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{what}: vLLM sent an unreadable answer") from exc

    # -- prompt size ---------------------------------------------------------------------------

    def count_tokens(self, messages: Sequence[Mapping[str, str]]) -> int:
        """Prompt tokens of ``messages`` as the server counts them (``POST /tokenize``)."""
        body = {
            "model": self.model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "add_generation_prompt": True,
        }
        response = self._request("POST", "/tokenize", json=body)
        self._check(response, "counting prompt tokens")
        try:
            return int(response.json()["count"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError("vLLM sent an unreadable /tokenize answer") from exc

    def context_length(self) -> int | None:
        """The served model's ``max_model_len`` from ``/v1/models``, None when not given."""
        for card in self.list_models():
            if not card.get("parent") and isinstance(card.get("max_model_len"), int):
                return int(card["max_model_len"])
        return None


__all__ = ["VLLMEngine", "START_HINT"]
