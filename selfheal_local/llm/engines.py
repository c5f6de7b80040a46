"""Choosing the model engine from the configuration: none, hf (embedded), vllm (a server),
scripted (answers from a file, no model: for trying the model path without one)."""

from __future__ import annotations

import logging
from pathlib import Path

from selfheal_local.config import Config
from selfheal_local.errors import ConfigError
from selfheal_local.protocols import Engine

log = logging.getLogger(__name__)


ENGINES = ("none", "hf", "vllm", "scripted", "auto")


def is_url(model: str) -> bool:
    return model.startswith(("http://", "https://"))


def engine_kind(config: Config) -> str:
    """none | hf | vllm | scripted for ``config`` (``auto``: hf for a directory, vllm for a URL)."""
    kind = config.engine
    if kind not in ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, not {kind!r}")
    if kind == "none" or not config.use_model or not config.model:
        return "none"
    if kind == "auto":
        return "vllm" if is_url(config.model) else "hf"
    return kind


def make_engine(config: Config) -> Engine | None:
    """The engine ``config`` asks for, or None when no model is configured."""
    kind = engine_kind(config)
    if kind == "none":
        return None
    if kind == "scripted":
        from .scripted import ScriptedEngine

        return ScriptedEngine.from_file(config.model)
    if kind == "vllm":
        if not is_url(config.model):
            raise ConfigError(
                f"engine vllm needs the server's URL as model (got {config.model!r}); start one "
                "with `selfheal serve --model DIR` and pass its URL"
            )
        return server_engine(config.model)
    if is_url(config.model):
        raise ConfigError(f"engine hf needs a local model directory, not the URL {config.model!r}")
    path = Path(config.model).expanduser()
    if not (path / "config.json").is_file():
        raise ConfigError(
            f"model {config.model!r} is not a local model directory (no config.json); "
            "nothing is ever downloaded: point it at a Llama-3.1-8B-Instruct folder"
        )
    return local_engine(path, load_in_4bit=config.load_in_4bit)


def local_engine(model_dir: str | Path, *, load_in_4bit: bool = False) -> Engine:
    """The embedded transformers+PEFT engine over a local model directory."""
    from models.engine_hf import HFEngine

    return HFEngine(Path(model_dir).expanduser(), load_in_4bit=load_in_4bit)


def server_engine(url: str, **client: object) -> Engine:
    """A client of the running vLLM server at ``url`` (raises ModelError when none answers)."""
    from models.vllm_client import VLLMEngine
    from models.vllm_server import attach

    return VLLMEngine(attach(url), **client)


__all__ = ["ENGINES", "engine_kind", "is_url", "local_engine", "make_engine", "server_engine"]
