"""The embedded engine: transformers + PEFT in this process, several LoRA adapters resident.

The adapter is chosen per request (``set_adapter``), the base is served with the adapters
disabled; nothing is reloaded between requests. A lock serialises generation and adapter
changes, so the engine can be shared by threads (the TUI's workers, parallel validation).
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import AdapterNotFound, AdapterRejected, ModelError, ModelNotFound
from .peft_dir import inspect_adapter_dir, same_base

log = logging.getLogger(__name__)


class HFEngine:
    """A local model directory served in-process; satisfies selfheal_local's Engine protocol."""

    def __init__(
        self,
        model_dir: str | Path,
        *,
        load_in_4bit: bool = False,
        device: str | None = None,
        dtype: str | None = None,
    ) -> None:
        self.model_dir = Path(model_dir).expanduser()
        if not (self.model_dir / "config.json").is_file():
            raise ModelNotFound(
                f"{self.model_dir} is not a local model directory (no config.json); point "
                "--model at a downloaded Llama-3.1-8B-Instruct folder or build one with "
                "`selfheal models tiny DIR`"
            )
        self.load_in_4bit = load_in_4bit
        self._device = device
        self._dtype = dtype
        self._lock = threading.RLock()
        self._model: Any = None  # the base model, or the PeftModel wrapping it
        self._tokenizer: Any = None
        self._adapters: dict[str, str] = {}  # name -> path

    # -- loading -----------------------------------------------------------------------------

    def _resolve_device(self) -> str:
        import torch

        if self._device:
            return self._device
        return "cuda" if torch.cuda.is_available() else "cpu"

    def _ensure_loaded(self) -> None:
        if self._model is not None:
            return
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        device = self._resolve_device()
        if self._dtype:
            dtype = getattr(torch, self._dtype)
        else:
            dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        kwargs: dict[str, Any] = {"dtype": dtype}
        if self.load_in_4bit:
            from .training_config import nf4_quantization

            kwargs["quantization_config"] = nf4_quantization(dtype)
            kwargs["device_map"] = {"": device}
        try:
            tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
            model = AutoModelForCausalLM.from_pretrained(self.model_dir, **kwargs)
        except (OSError, ValueError, ImportError, RuntimeError) as exc:
            raise ModelNotFound(f"cannot load the model in {self.model_dir}: {exc}") from exc
        if not self.load_in_4bit:
            model.to(device)
        model.eval()
        if tokenizer.chat_template is None:
            raise ModelNotFound(
                f"{self.model_dir} has no chat template; use an -Instruct model directory"
            )
        self._tokenizer, self._model = tokenizer, model
        self._fix_4bit_cpu()
        log.info("loaded %s on %s (4-bit: %s)", self.model_dir, device, self.load_in_4bit)

    def _fix_4bit_cpu(self) -> None:
        # bitsandbytes >= 0.50 on CPU takes an avx512-bf16 path in eval that breaks a later
        # training forward of the same modules; the portable path is always correct.
        if not self.load_in_4bit:
            return
        from bitsandbytes.nn import Linear4bit

        for module in self._model.modules():
            if isinstance(module, Linear4bit):
                module.support_avx512bf16_for_cpu = False

    # -- adapters ----------------------------------------------------------------------------

    def _check_fits(self, name: str, path: Path) -> None:
        info = inspect_adapter_dir(path)
        if not same_base(info.base_model, str(self.model_dir)) and Path(info.base_model).exists():
            raise AdapterRejected(
                f"adapter {name!r} was trained on {info.base_model}, not on {self.model_dir}; "
                "retrain it on this base"
            )
        weights = path / "adapter_model.safetensors"
        if not weights.is_file():
            return
        from safetensors import safe_open

        modules = dict(self._base_model().named_modules())
        with safe_open(str(weights), framework="pt") as handle:
            for key in handle.keys():
                if ".lora_A." not in key and ".lora_B." not in key:
                    continue
                shape = handle.get_slice(key).get_shape()
                module_name = key.split(".lora_")[0]
                module_name = module_name.removeprefix("base_model.model.")
                module = modules.get(module_name)
                if module is None:
                    raise AdapterRejected(
                        f"adapter {name!r} targets {module_name}, which this base model does not "
                        "have; it was trained on another architecture"
                    )
                in_f = getattr(module, "in_features", None)
                out_f = getattr(module, "out_features", None)
                want = shape[1] if ".lora_A." in key else shape[0]
                have = in_f if ".lora_A." in key else out_f
                if have is not None and want != have:
                    raise AdapterRejected(
                        f"adapter {name!r} does not fit this base model ({module_name}: adapter "
                        f"expects {want} features, model has {have}); retrain it on "
                        f"{self.model_dir}"
                    )

    def _base_model(self) -> Any:
        from peft import PeftModel

        if isinstance(self._model, PeftModel):
            return self._model.get_base_model()
        return self._model

    def load_adapter(self, name: str, path: str | Path) -> None:
        """Make adapter ``name`` resident; AdapterRejected when it does not fit the base."""
        from peft import PeftModel

        path = Path(path).expanduser()
        with self._lock:
            self._ensure_loaded()
            if name in self._adapters:
                raise AdapterRejected(
                    f"an adapter named {name!r} is already loaded; give each new version a new "
                    "name (unload the old one first to replace it)"
                )
            self._check_fits(name, path)
            try:
                if isinstance(self._model, PeftModel):
                    self._model.load_adapter(str(path), adapter_name=name, is_trainable=False)
                else:
                    self._model = PeftModel.from_pretrained(
                        self._model, str(path), adapter_name=name, is_trainable=False
                    )
                    self._model.eval()
            except (ValueError, RuntimeError, KeyError, OSError) as exc:
                raise AdapterRejected(f"adapter {name!r} at {path} failed to load: {exc}") from exc
            self._fix_4bit_cpu()
            self._adapters[name] = str(path)
            log.info("adapter %s loaded from %s", name, path)

    def unload_adapter(self, name: str) -> None:
        """Forget adapter ``name``; the base and other adapters stay as they were."""
        with self._lock:
            if name not in self._adapters:
                raise AdapterNotFound(f"no adapter {name!r} is loaded (loaded: {self.adapters()})")
            with warnings.catch_warnings():
                # peft warns that another adapter becomes active: requests pick their own
                warnings.simplefilter("ignore", UserWarning)
                self._model.delete_adapter(name)
            del self._adapters[name]
            if not self._adapters:
                # nothing left to switch between: give the base back its plain modules
                self._model = self._model.unload()
                self._model.eval()
            log.info("adapter %s unloaded", name)

    def adapters(self) -> list[str]:
        """Names of the resident adapters, in load order."""
        return list(self._adapters)

    def health(self) -> dict[str, Any]:
        """What the engine is and whether it is ready (does not load the model)."""
        return {
            "ok": True,
            "engine": "hf",
            "model": str(self.model_dir),
            "loaded": self._model is not None,
            "device": self._resolve_device(),
            "load_in_4bit": self.load_in_4bit,
            "adapters": self.adapters(),
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
        """``n`` answers to the chat ``messages`` (greedy at temperature 0), with ``adapter``."""
        import torch
        from peft import PeftModel

        if n < 1:
            raise ModelError(f"n must be at least 1, got {n}")
        with self._lock:
            self._ensure_loaded()
            if adapter is not None and adapter not in self._adapters:
                raise AdapterNotFound(
                    f"adapter {adapter!r} is not loaded (loaded: {self.adapters()}); "
                    "activate it with `selfheal adapters activate`"
                )
            tok = self._tokenizer
            inputs = tok.apply_chat_template(
                [dict(m) for m in messages],
                add_generation_prompt=True,
                return_tensors="pt",
                return_dict=True,
            )
            device = next(self._model.parameters()).device
            inputs = {k: v.to(device) for k, v in inputs.items()}
            sampling = temperature > 0
            gen: dict[str, Any] = {
                "max_new_tokens": max_tokens,
                "do_sample": sampling,
                "num_return_sequences": n if sampling else 1,
                "eos_token_id": self._stop_ids(),
                "pad_token_id": tok.pad_token_id
                if tok.pad_token_id is not None
                else tok.eos_token_id,
            }
            if sampling:
                gen.update(temperature=temperature, top_p=1.0, top_k=0)
            else:
                gen.update(temperature=None, top_p=None, top_k=None)
            with torch.inference_mode():
                if isinstance(self._model, PeftModel) and adapter is None:
                    with self._model.disable_adapter():
                        out = self._model.generate(**inputs, **gen)
                else:
                    if adapter is not None:
                        self._model.set_adapter(adapter, inference_mode=True)
                    out = self._model.generate(**inputs, **gen)
            prompt_len = inputs["input_ids"].shape[1]
            texts = [tok.decode(seq[prompt_len:], skip_special_tokens=True) for seq in out]
        return texts if sampling else texts * n

    def count_tokens(self, messages: Sequence[Mapping[str, str]]) -> int:
        """Prompt tokens of ``messages`` with the model's own tokenizer and chat template."""
        with self._lock:
            self._ensure_loaded()
            encoded = self._tokenizer.apply_chat_template(
                [dict(m) for m in messages], add_generation_prompt=True, tokenize=True,
                return_dict=True,
            )
        return len(encoded["input_ids"])

    def context_length(self) -> int | None:
        """The model's context window (``max_position_embeddings``), None when unknown."""
        from transformers import AutoConfig

        try:
            config = AutoConfig.from_pretrained(self.model_dir)
        except (OSError, ValueError):
            return None
        value = getattr(config, "max_position_embeddings", None)
        return int(value) if isinstance(value, int) and value > 0 else None

    def _stop_ids(self) -> list[int]:
        tok = self._tokenizer
        ids: list[int] = []
        configured = getattr(self._base_model().generation_config, "eos_token_id", None)
        if isinstance(configured, int):
            ids.append(configured)
        elif configured:
            ids.extend(configured)
        for token in ("<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"):
            tid = tok.convert_tokens_to_ids(token)
            if isinstance(tid, int) and tid != tok.unk_token_id and tid not in ids:
                ids.append(tid)
        if tok.eos_token_id is not None and tok.eos_token_id not in ids:
            ids.append(tok.eos_token_id)
        return ids


__all__ = ["HFEngine"]
