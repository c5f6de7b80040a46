"""``selfheal serve``: start vLLM (or attach to one) with every registered adapter resident.

selfheal serve --model DIR [--port P] [--tensor-parallel-size N] [--pipeline-parallel-size N]
               [--max-lora-rank R] [--vllm-bin PATH]    start, hot-load, stay until Ctrl-C
selfheal serve --attach URL                             check a running server, list adapters
selfheal serve --engine hf --model DIR                  load the embedded engine and report

vLLM lives in its own environment; ``--vllm-bin`` names its ``vllm`` executable. The server is
sized so every registered adapter stays resident (``--max-loras K``, K = registered adapters,
``--max-lora-rank`` = the largest registered rank unless given).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

from selfheal_local.config import load_config
from selfheal_local.errors import BadInputError, SelfHealError

NAME = "serve"
HELP = "start vLLM with the registered LoRA adapters resident, or attach to a running server"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("vllm", "hf"), help="vllm (default) or hf (embedded)")
    p.add_argument("--model", metavar="DIR|URL",
                   help="local model directory (default: the configured model); a URL attaches")
    p.add_argument("--attach", metavar="URL", help="check a running vLLM server instead")
    p.add_argument("--host", default="127.0.0.1", help="bind address (default loopback only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--tensor-parallel-size", type=int, default=1, metavar="N")
    p.add_argument("--pipeline-parallel-size", type=int, default=1, metavar="N")
    p.add_argument("--max-lora-rank", type=int, metavar="R",
                   help="largest adapter rank (default: the largest registered; 8/16/32/64...)")
    p.add_argument("--max-loras", type=int, default=2, metavar="N",
                   help="adapters served in one batch on the GPU (concurrent requests with "
                        "different adapters; default 2); every registered adapter is kept in "
                        "CPU memory")
    p.add_argument("--vllm-bin", default="vllm", metavar="PATH",
                   help="the vllm executable of vLLM's own environment")  # fmt: skip
    p.add_argument("--health-timeout", type=float, default=900.0, metavar="S",
                   help="seconds to wait for /health (default 900: an 8B model loads slowly)")
    p.add_argument("--vllm-arg", action="append", default=[], metavar="ARG",
                   help="extra argument passed to vllm serve verbatim (repeatable)")


def run(args: argparse.Namespace) -> int:
    from models.errors import (
        AdapterRejected,
        ModelError,
        ModelNotFound,
        ServerStartError,
        ServerUnavailable,
    )

    for name in ("tensor_parallel_size", "pipeline_parallel_size", "max_lora_rank",
                 "max_loras"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise BadInputError(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 < args.port < 65536:
        raise BadInputError(f"--port {args.port} is not a port number (1-65535)")
    if args.health_timeout <= 0:
        raise BadInputError("--health-timeout must be more than 0 seconds")
    config = load_config(None, {"model": args.model} if args.model else None)
    engine = args.engine or ("hf" if config.engine == "hf" else "vllm")
    try:
        if args.attach or config.model.startswith(("http://", "https://")):
            if engine == "hf":
                raise BadInputError("--engine hf needs a local model directory, not a URL")
            return _attach(args.attach or config.model, config)
        model = _model_dir(config.model)
        if engine == "hf":
            return _serve_hf(model, config)
        return _serve_vllm(model, args, config)
    except (ServerStartError, ServerUnavailable, ModelNotFound, AdapterRejected) as exc:
        raise BadInputError(_one_line(str(exc))) from exc
    except ModelError as exc:
        raise SelfHealError(_one_line(str(exc))) from exc


def _one_line(message: str) -> str:
    """models' start errors end with the server log's tail: keep its last line only."""
    head, _, tail = message.partition("\n")
    lines = [ln.strip() for ln in tail.splitlines() if ln.strip()]
    if not lines:
        return head
    return f"{head.replace('; last lines of ', '; see ').rstrip(':')} (last line: {lines[-1]})"


def _model_dir(model: str) -> Path:
    if not model:
        raise BadInputError("no model: pass --model DIR (a local model directory) or --attach URL")
    path = Path(model).expanduser()
    if not (path / "config.json").is_file():
        raise BadInputError(
            f"model directory {path} is missing or has no config.json; pass --model DIR of a "
            "local model (nothing is downloaded)"
        )
    return path.resolve()


def _manager(config: Any, *, engine: Any = None, base_model: str | None = None) -> Any:
    from selfheal_local.factory import make_adapters

    return make_adapters(config.paths, engine=engine, base_model=base_model)


def _load_active(manager: Any, engine: Any) -> int:
    """Make every active registered adapter resident; returns how many failed."""
    from models.errors import ModelError

    failed = 0
    for adapter in manager.adapters():
        if not adapter.enabled:
            continue
        try:
            name = manager.ensure_loaded(adapter, engine)
        except ModelError as exc:
            failed += 1
            print(f"adapter {adapter.adapter_id} not loaded: {exc}", file=sys.stderr)
            continue
        print(f"  adapter {adapter.adapter_id} resident as {name} "
              f"({', '.join(sorted(adapter.patterns))})")  # fmt: skip
    return failed


def _attach(url: str, config: Any) -> int:
    from models.vllm_client import VLLMEngine
    from models.vllm_server import attach

    url = attach(url)
    with VLLMEngine(url) as engine:
        health = engine.health()
    resident = set(health["adapters"])
    by_name = {a.served_name: a for a in _manager(config).adapters()}
    print(f"vLLM at {url} is healthy; base model {health['model']}")
    print(f"resident adapters ({len(resident)}):" if resident else "no adapters resident")
    for name in sorted(resident):
        adapter = by_name.get(name)
        mark = f"registered as {adapter.adapter_id}" if adapter else "not in this registry"
        print(f"  {name}  ({mark})")
    missing = [a.adapter_id for a in by_name.values() if a.enabled and a.served_name not in resident]
    if missing:
        print(f"active but not resident: {', '.join(missing)}; load them with "
              "`selfheal adapters activate ID` (with this URL as the configured model)")  # fmt: skip
    print(f"point heals at it: selfheal heal PATH --model {url}")
    return 0


def _serve_hf(model: Path, config: Any) -> int:
    from selfheal_local.llm.engines import local_engine

    engine = local_engine(model, load_in_4bit=config.load_in_4bit)
    engine.complete([{"role": "user", "content": "ping"}], max_tokens=1)  # loads and proves it
    print(f"embedded engine: {model} on {engine.health()['device']} "
          f"(4-bit: {config.load_in_4bit})")  # fmt: skip
    failed = _load_active(_manager(config, engine=engine, base_model=str(model)), engine)
    resident = engine.adapters()
    print(f"{len(resident)} adapter(s) resident: {', '.join(resident) or 'none'}")
    print(f"heal with it: selfheal heal PATH --engine hf --model {model}")
    return 1 if failed else 0


def _serve_vllm(model: Path, args: argparse.Namespace, config: Any) -> int:
    from models.peft_dir import round_rank
    from models.vllm_client import VLLMEngine
    from models.vllm_server import ServeConfig, build_command, port_in_use, start_server

    manager = _manager(config, base_model=str(model))
    registered = manager.adapters()
    rank = args.max_lora_rank or max((a.rank for a in registered), default=16)
    too_big = [a.adapter_id for a in registered if a.rank > rank]
    if too_big:
        raise BadInputError(
            f"--max-lora-rank {rank} is below the rank of {', '.join(too_big)}; raise it to "
            f"{max(a.rank for a in registered)} or deactivate and unregister those adapters"
        )
    serve = ServeConfig(
        model=str(model), port=args.port, host=args.host,
        max_loras=min(max(1, len(registered)), args.max_loras),
        max_cpu_loras=max(1, len(registered)),
        max_lora_rank=round_rank(rank), tensor_parallel_size=args.tensor_parallel_size,
        pipeline_parallel_size=args.pipeline_parallel_size, executable=args.vllm_bin,
        extra_args=tuple(args.vllm_arg),
    )  # fmt: skip
    if shutil.which(args.vllm_bin) is None:
        raise BadInputError(
            f"vLLM is not installed here ({args.vllm_bin!r} not found); install it in its own "
            "GPU environment and pass --vllm-bin PATH, attach to a running one with "
            "--attach URL, or use --engine hf"
        )
    if port_in_use(args.host, args.port):
        raise BadInputError(
            f"port {args.port} on {args.host} is already in use; pick another --port, or "
            f"attach to the server there with --attach {serve.url}"
        )
    log_path = config.paths.vllm_logs / f"server-{args.port}.log"
    print(f"starting: {' '.join(build_command(serve))}", flush=True)
    print(f"log: {log_path}; waiting up to {args.health_timeout:.0f}s for /health", flush=True)
    server = start_server(serve, log_path=log_path, health_timeout_s=args.health_timeout,
                          poll_s=0.5)  # fmt: skip
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        print(f"vLLM ready at {server.url} (OpenAI API at {server.url}/v1)", flush=True)
        print(f"point heals at it: selfheal heal PATH --model {server.url}", flush=True)
        engine = VLLMEngine(server.url, model=str(model))
        manager.max_rank = serve.max_lora_rank
        failed = _load_active(manager, engine)
        print(f"{len(engine.adapters())} adapter(s) resident"
              f"{f', {failed} failed' if failed else ''}; Ctrl-C stops the server", flush=True)
        while server.running():
            time.sleep(0.5)
        raise SelfHealError(
            f"vLLM exited on its own (code {server.process.returncode}); see {log_path}"
        )
    except KeyboardInterrupt:
        print("stopping vLLM ...", flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    print("vLLM stopped", flush=True)
    return 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the server as cleanly as Ctrl-C
