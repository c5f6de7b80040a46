"""The LoRA training configuration and the metrics a run reports (Saplings-compatible names).

``LoRaConfig`` keeps the reference's fields and defaults; the extras below them say how the
base model is loaded (4-bit NF4 QLoRA by default on a GPU) and how long a run may take.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ModelError

DEFAULT_SYSTEM_PROMPT = (
    "You are a careful Python engineer. Fix the bug so that the failing test passes. "
    "Answer with the corrected code and nothing else."
)
"""The system turn of every training example (and of the gate's prompts)."""

GASA_TARGET_MODULES: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
"""``gasa_tune=True``: every attention projection."""


class TrainingError(ModelError):
    """Training could not run or produced no usable adapter; the message says what to do."""


@dataclass
class LoRaConfig:
    """LoRA / QLoRA hyper-parameters. Field docstrings are the documentation."""

    r: int = 8
    """LoRA rank (vLLM serves ranks up to its ``--max-lora-rank``)."""
    lora_alpha: int = 16
    """LoRA scaling numerator (scale = alpha / r)."""
    lora_dropout: float = 0.05
    """Dropout on the LoRA input."""
    bias: str = "none"
    """Which biases train: none | all | lora_only."""
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "v_proj"])
    """Linear layers that get LoRA matrices."""
    learning_rate: float = 3e-4
    batch_size: int = 4
    """Per-device batch size."""
    num_epochs: int = 3
    warmup_steps: int = 100
    gradient_accumulation_steps: int = 1
    max_grad_norm: float = 1.0
    weight_decay: float = 0.01
    fp16: bool = True
    """Mixed precision on CUDA (off on CPU): bfloat16 where the GPU supports it, float16 otherwise
    (see ``training_precision``)."""
    bf16: bool = False
    """Also asks for mixed precision on CUDA; the GPU, not this flag, picks bf16 or fp16."""
    optim: str = "adamw_torch"
    lr_scheduler_type: str = "cosine"
    max_seq_length: int = 2048
    """Longest tokenised example; longer ones are truncated (TRL's ``max_length``)."""
    # --- selfheal extras ---
    load_in_4bit: bool | None = None
    """QLoRA: base in 4-bit NF4 via bitsandbytes. None: on when CUDA is available."""
    max_steps: int = -1
    """Stop after this many optimizer steps (-1: ``num_epochs`` decides)."""
    seed: int = 0
    logging_steps: int = 1
    """Log loss / token accuracy every N steps (the loss curve's resolution)."""
    gradient_checkpointing: bool | None = None
    """Activation checkpointing. None: on with CUDA, off on CPU."""
    system_prompt: str = DEFAULT_SYSTEM_PROMPT

    @classmethod
    def default(cls) -> LoRaConfig:
        """The reference defaults."""
        return cls()

    @classmethod
    def from_dict(cls, config_dict: dict[str, Any]) -> LoRaConfig:
        """A config from a dict; unknown keys are an error, ``qlora`` is an alias of load_in_4bit."""
        data = dict(config_dict)
        if "qlora" in data:
            data["load_in_4bit"] = data.pop("qlora")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise TrainingError(f"unknown LoRaConfig field(s) {unknown}; known: {sorted(known)}")
        if "target_modules" in data:
            data["target_modules"] = list(data["target_modules"])
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TrainingMetrics:
    """What one training run did (written as ``metrics.json`` beside the adapter)."""

    loss_history: list[float] = field(default_factory=list)
    """Training loss at each logged step."""
    steps_logged: list[int] = field(default_factory=list)
    """The optimizer step of each entry of ``loss_history``."""
    final_loss: float = float("nan")
    token_accuracy: float = float("nan")
    """TRL's ``mean_token_accuracy`` at the last logged step (assistant tokens only)."""
    steps: int = 0
    num_examples: int = 0
    train_time_s: float = 0.0
    peak_memory_mb: float = 0.0
    """CUDA: max allocated; CPU: the process's peak RSS."""
    memory_kind: str = "rss"
    """rss | cuda"""
    adapter_path: str = ""
    num_processes: int = 1
    """Processes that trained together (``accelerate launch --num_processes N``)."""
    base_model: str = ""
    quantized: bool = False
    device: str = "cpu"

    @property
    def loss(self) -> float:
        return self.final_loss

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingMetrics:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def write(self, path: str | Path) -> Path:
        """Write as JSON (NaN written as null)."""
        out = Path(path)
        data = {
            k: (None if isinstance(v, float) and v != v else v) for k, v in self.to_dict().items()
        }
        out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return out


PRECISION_DTYPES = {"bf16": "bfloat16", "fp16": "float16", "no": "float32"}
"""The torch dtype (by name) of each training precision: LoRA compute and the 4-bit compute."""


def training_precision(config: LoRaConfig, *, cuda: bool, bf16_supported: bool) -> str:
    """``"bf16"``, ``"fp16"`` or ``"no"``: the mixed precision a run trains in.

    Mixed precision only on CUDA and only when the config asks for it (``fp16`` or ``bf16``);
    then bfloat16 wherever the GPU has it, since float16 is documented as unstable for QLoRA
    (its narrow range overflows in the 4-bit compute), and float16 only on GPUs without bf16.
    """
    if not cuda or not (config.fp16 or config.bf16):
        return "no"
    return "bf16" if bf16_supported else "fp16"


def nf4_quantization(compute_dtype: Any) -> Any:
    """The 4-bit NF4 (double-quantized) load config QLoRA trains and the engine serves with."""
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute_dtype,
    )


__all__ = [
    "nf4_quantization",
    "training_precision",
    "PRECISION_DTYPES",
    "DEFAULT_SYSTEM_PROMPT",
    "GASA_TARGET_MODULES",
    "LoRaConfig",
    "TrainingError",
    "TrainingMetrics",
]
