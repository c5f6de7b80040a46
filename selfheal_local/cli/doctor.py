"""``selfheal doctor``: is this machine ready to heal offline? Checks, never downloads."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

NAME = "doctor"
HELP = "offline readiness: sandbox isolation, model dirs, GPU, engine and adapters, memory"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", default=None, help="a project whose config to read")
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.add_argument("--engine", choices=("none", "hf", "vllm", "auto"), help="model engine")
    p.add_argument("--model", metavar="DIR|URL", help="local model directory or vLLM server URL")


def _check(name: str, ok: bool | None, detail: str, required: bool = False) -> dict[str, Any]:
    """ok None means 'not configured' (informational)."""
    return {"name": name, "ok": ok, "detail": detail, "required": required}


def _sandbox() -> dict[str, Any]:
    from sandbox import isolation_report

    report = isolation_report()
    # the summary names the level and says what it guarantees, in plain words
    return _check("sandbox", report["level"] != "none", report["summary"],
                  required=True) | {"report": report}


def _offline() -> dict[str, Any]:
    on = os.environ.get("HF_HUB_OFFLINE") == "1"
    return _check("offline", on, "HF_HUB_OFFLINE=1: no hub access" if on else
                  "HF_HUB_OFFLINE is not 1 (selfheal sets it for its own commands)")


def _gpu() -> dict[str, Any]:
    if importlib.util.find_spec("torch") is None:
        return _check("gpu", None, "torch not installed")
    import torch

    if torch.cuda.is_available():
        names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        return _check("gpu", True, f"{len(names)} CUDA device(s): {', '.join(names)}")
    return _check("gpu", None, f"no CUDA GPU (torch {torch.__version__}): the embedded engine runs on CPU; "
                  "vLLM needs a GPU machine")


def _model(config) -> list[dict[str, Any]]:
    out = []
    if not config.model or config.engine == "none":
        out.append(_check("model", None, "no model configured: rules, memory and search only "
                          "(set `model` in [tool.selfheal] or pass --model DIR|URL)"))
        return out
    if config.model.startswith(("http://", "https://")):
        from selfheal_local.llm.engines import make_engine

        try:
            health = make_engine(config).health()
            out.append(_check("engine", True, f"vLLM at {config.model}: {health}"))
            out.append(_resident(config, list(health.get("adapters", []))))
        except Exception as exc:
            out.append(_check("engine", False, f"vLLM at {config.model} unreachable: {exc}"))
        return out
    path = Path(config.model).expanduser()
    has_config = (path / "config.json").is_file()
    out.append(_check("model", has_config, f"{path}: " + ("local model directory" if has_config else
                      "missing or not a model directory (needs config.json and weights)")))
    if has_config:
        out.append(_resident(config, None))
    return out


def _resident(config, resident: list[str] | None) -> dict[str, Any]:
    """The engine's resident adapters (vLLM) or those the embedded engine loads (None)."""
    from selfheal_local.factory import make_adapters, model_error

    try:
        active = [a for a in make_adapters(config.paths).adapters() if a.enabled]
    except model_error() as exc:
        return _check("resident", False, str(exc))
    if resident is None:
        names = ", ".join(a.adapter_id for a in active) or "none"
        return _check("resident", None, f"embedded engine loads the active adapters per heal: {names}")
    missing = [a.adapter_id for a in active if a.served_name not in resident]
    detail = f"{len(resident)} resident: {', '.join(resident) or 'none'}"
    if missing:
        detail += (f"; active but not resident: {', '.join(missing)} (they load on first use, or "
                   "run `selfheal adapters activate ID`)")
    return _check("resident", None if missing else True, detail)


def _adapters(config) -> dict[str, Any]:
    adapter_dir = config.paths.adapters
    registry = adapter_dir / "registry.json"
    if not registry.is_file():
        return _check("adapters", None, f"none registered in {adapter_dir}")
    try:
        data = json.loads(registry.read_text())
    except ValueError as exc:
        return _check("adapters", False, f"{registry} unreadable: {exc}")
    count = len(data.get("adapters", data)) if isinstance(data, dict) else len(data)
    return _check("adapters", True, f"{count} registered in {adapter_dir}")


def _memory(config) -> dict[str, Any]:
    from selfheal_local.factory import make_memory

    memory, why = make_memory(config)
    if memory is None:
        return _check("memory", None if why == "memory switched off" else False, why or "")
    stats = getattr(memory, "stats", None)
    detail = f"{stats()}" if callable(stats) else "open"
    return _check("memory", True, f"{config.paths.memory}: {detail}"[:300])


def _data_dir(config) -> dict[str, Any]:
    home = config.home_dir()
    try:
        home.mkdir(parents=True, exist_ok=True)
        probe = home / ".doctor-probe"
        probe.write_text("ok")
        probe.unlink()
        return _check("data dir", True, f"{home} (writable)", required=True)
    except OSError as exc:
        return _check("data dir", False, f"{home}: not writable ({exc.strerror}); set SELFHEAL_HOME",
                      required=True)


def _tools() -> dict[str, Any]:
    from ruff.__main__ import find_ruff_bin

    ruff = find_ruff_bin()
    return _check("tools", bool(ruff) and shutil.which(sys.executable) is not None,
                  f"python {sys.version.split()[0]}, ruff at {ruff}", required=True)


def run(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..project import Project
    from .options import overrides_from

    root = Project.open(args.path).root if args.path else None
    config = load_config(root, overrides_from(args))
    checks = [_tools(), _sandbox(), _offline(), _data_dir(config), _gpu(), *_model(config),
              _adapters(config), _memory(config)]
    ready = all(c["ok"] for c in checks if c["required"]) and not any(c["ok"] is False for c in checks)
    if args.json:
        print(json.dumps({"ready": ready, "checks": checks}, indent=2, default=str))
    else:
        from rich.console import Console
        from rich.markup import escape

        console = Console()
        marks = {True: "[green]  ok[/]", False: "[red]FAIL[/]", None: "[yellow]  --[/]"}
        for c in checks:
            console.print(f"{marks[c['ok']]}  [bold]{c['name']:<10}[/] {escape(c['detail'])}")
        console.print("[bold green]ready to heal offline[/]" if ready else
                      "[bold red]not ready[/]: fix the FAIL lines above")
    return 0 if ready else 1
