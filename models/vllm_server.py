"""Starting ``vllm serve`` with runtime LoRA loading, or attaching to a running server.

vLLM lives in its own environment (it pins its own torch); the only contract with this one is
the command line, the HTTP API and the PEFT adapter directories. Multi-GPU and multi-node
use vLLM's own tensor / pipeline parallelism, passed through.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .errors import ServerStartError, ServerUnavailable
from .peft_dir import round_rank

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeConfig:
    """How to start vLLM. ``model`` is the local directory adapters name as their base."""

    model: str
    """Local model directory (the exact string adapters record as ``base_model_name_or_path``)."""
    port: int = 8000
    host: str = "127.0.0.1"
    """Bound to loopback by default: nothing leaves the machine."""
    max_loras: int = 1
    """Adapters served in one batch on the GPU: the requests with different adapters that run at
    once (each slot costs GPU memory for the largest rank), not the number registered."""
    max_cpu_loras: int = 0
    """Adapters kept in CPU memory, so switching among them never reloads from disk: every
    registered adapter (0: the same as ``max_loras``; never below it)."""
    max_lora_rank: int = 16
    """Largest adapter rank; rounded up to vLLM's allowed set 1/8/16/32/64/128/256/320/512."""
    tensor_parallel_size: int = 1
    pipeline_parallel_size: int = 1
    executable: str = "vllm"
    """The ``vllm`` command of vLLM's own environment (a path or a name on PATH)."""
    extra_args: tuple[str, ...] = field(default_factory=tuple)
    """Passed through verbatim (e.g. ``--gpu-memory-utilization 0.85``)."""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def build_command(config: ServeConfig) -> list[str]:
    """The argv of ``vllm serve`` for ``config``."""
    loras = max(1, config.max_loras)
    argv = [
        config.executable,
        "serve",
        config.model,
        "--enable-lora",
        "--max-loras",
        str(loras),
        "--max-cpu-loras",
        str(max(loras, config.max_cpu_loras)),
        "--max-lora-rank",
        str(round_rank(config.max_lora_rank)),
        "--port",
        str(config.port),
        "--host",
        config.host,
    ]
    if config.tensor_parallel_size > 1:
        argv += ["--tensor-parallel-size", str(config.tensor_parallel_size)]
    if config.pipeline_parallel_size > 1:
        argv += ["--pipeline-parallel-size", str(config.pipeline_parallel_size)]
    return argv + list(config.extra_args)


def build_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The server's environment: runtime LoRA updates on, the hub off."""
    env = dict(os.environ if base is None else base)
    env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] = "True"
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    return env


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:]) or "(the server wrote nothing)"


def wait_healthy(
    url: str,
    *,
    timeout_s: float,
    poll_s: float = 1.0,
    transport: httpx.BaseTransport | None = None,
    alive: Callable[[], bool] = lambda: True,
) -> bool:
    """Poll ``url/health`` until it answers 200 (True), the deadline passes or ``alive()`` fails."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=url, timeout=min(5.0, max(poll_s, 0.5)), transport=transport) as c:
        while True:
            try:
                if c.get("/health").status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            if not alive() or time.monotonic() >= deadline:
                return False
            time.sleep(poll_s)


class VLLMServer:
    """A ``vllm serve`` process this program started; ``stop()`` ends its whole group."""

    def __init__(self, config: ServeConfig, process: subprocess.Popen[bytes], log_path: Path):
        self.config = config
        self.process = process
        self.log_path = log_path

    @property
    def url(self) -> str:
        return self.config.url

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace_s: float = 15.0) -> None:
        """SIGTERM the server's process group, SIGKILL it after ``grace_s``."""
        if not self.running():
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def __enter__(self) -> VLLMServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(
    config: ServeConfig,
    *,
    log_path: str | Path,
    health_timeout_s: float = 900.0,
    poll_s: float = 1.0,
    env: Mapping[str, str] | None = None,
) -> VLLMServer:
    """Start vLLM and wait for ``/health``; ServerStartError says why it could not."""
    exe = shutil.which(config.executable, path=(env or os.environ).get("PATH"))
    if exe is None:
        raise ServerStartError(
            f"vLLM is not installed here ({config.executable!r} not found); install it in its "
            "own GPU environment and pass its path with --vllm-bin, or start it yourself and "
            "attach with --model http://HOST:PORT (or use --engine hf)"
        )
    if port_in_use(config.host, config.port):
        raise ServerStartError(
            f"port {config.port} on {config.host} is already in use; pick another --port, or "
            f"attach to the server already there with --model {config.url}"
        )
    argv = build_command(config)
    argv[0] = exe
    log_file = Path(log_path)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log.info("starting %s (log: %s)", " ".join(argv), log_file)
    with log_file.open("ab") as sink:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=build_env(env),
            start_new_session=True,
        )
    server = VLLMServer(config, process, log_file)
    if wait_healthy(config.url, timeout_s=health_timeout_s, poll_s=poll_s, alive=server.running):
        log.info("vLLM healthy at %s", config.url)
        return server
    exited = not server.running()
    server.stop(grace_s=5.0)
    why = (
        f"exited with code {process.returncode}"
        if exited
        else f"did not answer /health within {health_timeout_s:.0f}s"
    )
    raise ServerStartError(f"vLLM {why}; last lines of {log_file}:\n{_tail(log_file)}")


def attach(
    url: str, *, timeout_s: float = 10.0, transport: httpx.BaseTransport | None = None
) -> str:
    """Check that a vLLM server answers at ``url``; return the normalised URL."""
    url = url.rstrip("/").removesuffix("/v1")
    if not wait_healthy(url, timeout_s=timeout_s, poll_s=0.5, transport=transport):
        raise ServerUnavailable(
            f"no healthy vLLM server at {url}; start it with `selfheal serve` or check --model URL"
        )
    return url


def serve_config_for(model: str, adapter_ranks: Sequence[int], **options: object) -> ServeConfig:
    """A ServeConfig sized so every registered adapter stays resident."""
    ranks = [r for r in adapter_ranks if r > 0]
    return ServeConfig(
        model=model,
        max_loras=max(1, len(ranks)),
        max_lora_rank=max(ranks, default=16),
        **options,  # type: ignore[arg-type]
    )


__all__ = [
    "ServeConfig",
    "VLLMServer",
    "attach",
    "build_command",
    "build_env",
    "port_in_use",
    "serve_config_for",
    "start_server",
    "wait_healthy",
]
