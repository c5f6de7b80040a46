"""What a PEFT adapter directory says about itself (read without loading any weights)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import AdapterRejected

ALLOWED_RANKS: tuple[int, ...] = (1, 8, 16, 32, 64, 128, 256, 320, 512)
"""LoRA ranks vLLM accepts for ``--max-lora-rank`` (its ``MaxLoRARanks``); an adapter of another
rank is served under the next one up."""

WEIGHT_FILES = ("adapter_model.safetensors", "adapter_model.bin")


@dataclass(frozen=True)
class AdapterInfo:
    """The fields of ``adapter_config.json`` the engines care about."""

    path: Path
    peft_type: str
    rank: int
    alpha: float
    base_model: str
    target_modules: tuple[str, ...]


def inspect_adapter_dir(path: str | Path) -> AdapterInfo:
    """Read and check an adapter directory; AdapterRejected says what is wrong with it."""
    root = Path(path).expanduser()
    if not root.is_dir():
        raise AdapterRejected(f"{root} is not a directory; pass the folder save_pretrained wrote")
    config_file = root / "adapter_config.json"
    if not config_file.is_file():
        raise AdapterRejected(
            f"{root} has no adapter_config.json; it is not a PEFT adapter (save it with "
            "model.save_pretrained(dir))"
        )
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AdapterRejected(f"{config_file} is unreadable ({exc}); re-save the adapter") from exc
    if not isinstance(config, dict):
        raise AdapterRejected(f"{config_file} is not a JSON object; re-save the adapter")
    if not any((root / name).is_file() for name in WEIGHT_FILES):
        raise AdapterRejected(f"{root} has no adapter_model.safetensors; re-save the adapter")
    peft_type = str(config.get("peft_type", ""))
    if peft_type.upper() != "LORA":
        raise AdapterRejected(f"{root}: peft_type {peft_type!r} is not LORA; only LoRA is served")
    rank = config.get("r")
    if not isinstance(rank, int) or isinstance(rank, bool) or rank <= 0:
        raise AdapterRejected(f"{root}: rank r={rank!r} is not a positive integer")
    if rank > ALLOWED_RANKS[-1]:
        raise AdapterRejected(f"{root}: rank {rank} exceeds {ALLOWED_RANKS[-1]}; retrain smaller")
    targets = config.get("target_modules") or ()
    if isinstance(targets, str):
        targets = (targets,)
    return AdapterInfo(
        path=root,
        peft_type="LORA",
        rank=rank,
        alpha=float(config.get("lora_alpha") or rank),
        base_model=str(config.get("base_model_name_or_path") or ""),
        target_modules=tuple(str(t) for t in targets),
    )


def same_base(a: str, b: str) -> bool:
    """Whether two base-model references name the same model (paths compared resolved)."""
    if not a or not b:
        return True  # unknown on one side: nothing to compare
    if a == b:
        return True
    pa, pb = Path(a).expanduser(), Path(b).expanduser()
    if pa.exists() and pb.exists():
        return pa.resolve() == pb.resolve()
    return a.rstrip("/") == b.rstrip("/")


def round_rank(rank: int) -> int:
    """The smallest allowed vLLM ``--max-lora-rank`` that serves ``rank``."""
    for allowed in ALLOWED_RANKS:
        if rank <= allowed:
            return allowed
    raise AdapterRejected(f"rank {rank} exceeds {ALLOWED_RANKS[-1]}; retrain with a smaller rank")


__all__ = ["AdapterInfo", "ALLOWED_RANKS", "inspect_adapter_dir", "round_rank", "same_base"]
