"""LoRA / QLoRA fine-tuning on accepted fixes with TRL's ``SFTTrainer`` (Saplings-compatible API).

A training example is a chat: system prompt / user: the error and the code / assistant: the
fixed code, given to TRL as a prompt–completion pair so that only the answer is in the loss. The
base loads in 4-bit NF4 (bitsandbytes) when QLoRA is asked for (the default with CUDA), computing
in bfloat16 where the GPU has it. Adapters are written atomically: into a hidden
temporary directory first, renamed to ``<name>-v<N>`` only once complete.

Multi-GPU is ``accelerate``'s job, with this same module as the script (each process trains on
its share of the batches; only the main process saves the adapter)::

    accelerate launch --multi_gpu --num_processes N -m models.training \
        --model DIR --data pairs.jsonl --output adapters/

Pinned-version notes (TRL 1.x, transformers 5, bitsandbytes 0.50): ``SFTConfig(max_length=…)``,
``processing_class=``, ``use_cpu=True`` with ``bf16=fp16=False`` on CPU, ``report_to="none"``,
and bitsandbytes' CPU 4-bit repack is switched off before any eval-mode forward (with it on,
later LoRA gradients silently become None).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .training_config import (
    GASA_TARGET_MODULES,
    PRECISION_DTYPES,
    LoRaConfig,
    TrainingError,
    TrainingMetrics,
    nf4_quantization,
    training_precision,
)
from .training_data import (
    chat_ids,
    chat_messages,
    disable_cpu_4bit_repack,
    next_version,
    prompt_completion,
    read_pairs,
    served_prompt_ids,
    write_loss_plot,
)

log = logging.getLogger(__name__)

StepCallback = Callable[[int, int, "float | None"], None]
"""``on_step(step, max_steps, loss_or_None)`` after every optimizer step."""


class LoRaTrainer:
    """Fine-tune a local causal LM with LoRA (QLoRA on CUDA) on chat-formatted success pairs."""

    def __init__(
        self,
        model_name: str,
        output_dir: str,
        config: LoRaConfig | None = None,
        gasa_tune: bool = False,
        *,
        adapter_name: str = "adapter",
        on_step: StepCallback | None = None,
    ):
        self.model_name = str(model_name)
        self.output_dir = Path(output_dir).expanduser()
        self.config = config or LoRaConfig.default()
        self.gasa_tune = gasa_tune
        if gasa_tune:
            targets = list(self.config.target_modules)
            targets += [m for m in GASA_TARGET_MODULES if m not in targets]
            self.config.target_modules = targets
        self.adapter_name = adapter_name
        self.on_step = on_step
        self._tokenizer: Any = None
        self._scheduler: Any = None
        self.last_trainer: Any = None

    # --- the steps, each overridable ---------------------------------------------------------

    @property
    def use_cuda(self) -> bool:
        import torch

        return torch.cuda.is_available()

    @property
    def precision(self) -> str:
        """``bf16`` / ``fp16`` / ``no``: bf16 on GPUs that have it (fp16 is unstable for QLoRA)."""
        import torch

        cuda = self.use_cuda
        bf16 = cuda and torch.cuda.is_bf16_supported()
        return training_precision(self.config, cuda=cuda, bf16_supported=bf16)

    @property
    def quantize(self) -> bool:
        wanted = self.config.load_in_4bit
        return self.use_cuda if wanted is None else bool(wanted)

    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            tok = AutoTokenizer.from_pretrained(self.model_name, local_files_only=True)
            if tok.pad_token is None:
                tok.pad_token = tok.eos_token
            self._tokenizer = tok
        return self._tokenizer

    def load_data(self, data_path: str) -> Any:
        """Load success pairs (``input``/``output`` or ready ``messages``) as a ``Dataset``."""
        from datasets import Dataset

        rows = []
        for row in read_pairs(data_path):
            if "messages" in row:
                rows.append({"messages": row["messages"]})
            elif row.get("input") and row.get("output"):
                rows.append({"input": str(row["input"]), "output": str(row["output"])})
        if not rows:
            raise TrainingError(f"{data_path}: no usable pairs (need 'input' and 'output')")
        if any("messages" in r for r in rows):
            rows = [r if "messages" in r else {"messages": self._to_messages(r)} for r in rows]
        return Dataset.from_list(rows)

    def _to_messages(self, row: dict[str, Any]) -> list[dict[str, str]]:
        prompt = chat_messages(row["input"], self.config.system_prompt)
        return prompt + [{"role": "assistant", "content": row["output"]}]

    def preprocess_data(self, dataset: Any) -> Any:
        """Chat-format the pairs as TRL's conversational prompt–completion examples.

        ``{"prompt": [system, user], "completion": [assistant]}``: TRL trains on the completion
        only, found by tokenising the prompt with the generation prompt, so the chat template
        needs no ``{% generation %}`` markers (Llama 3.1's has none). When a tokenizer merges
        tokens across the end of the generation prompt (the prompt alone ends in a different
        token than inside the full chat), TRL would train on a context the model never sees
        when serving; then each example becomes ``input_ids`` = the served prompt + the answer
        tokens, with ``assistant_masks`` on the answer only.
        """
        if "input" in dataset.column_names:
            dataset = dataset.map(
                lambda row: {"messages": self._to_messages(row)}, remove_columns=["input", "output"]
            )
        if self._prefix_consistent(dataset[0]["messages"]):
            return dataset.map(prompt_completion, remove_columns=["messages"])
        log.info("chat template is not prefix-consistent; training on served-prompt tokens")
        return dataset.map(self._tokenize_as_served, remove_columns=["messages"])

    def _prefix_consistent(self, messages: list[dict[str, str]]) -> bool:
        tok = self.tokenizer()
        prompt = served_prompt_ids(tok, messages)
        return chat_ids(tok, messages)[: len(prompt)] == prompt

    def _tokenize_as_served(self, row: dict[str, Any]) -> dict[str, list[int]]:
        tok = self.tokenizer()
        messages = row["messages"]
        prompt = served_prompt_ids(tok, messages)
        answer = messages[-1]["content"].strip()
        eos = tok.eos_token or ""
        answer_ids = tok(answer + eos, add_special_tokens=False)["input_ids"]
        return {
            "input_ids": prompt + answer_ids,
            "assistant_masks": [0] * len(prompt) + [1] * len(answer_ids),
        }

    def load_model(self) -> Any:
        """The base model, 4-bit NF4 when quantising; on CPU the 4-bit repack is switched off."""
        import torch
        from transformers import AutoModelForCausalLM

        kwargs: dict[str, Any] = {"local_files_only": True}
        if self.use_cuda:  # under `accelerate launch` each process loads onto its own GPU
            kwargs["device_map"] = {"": int(os.environ.get("LOCAL_RANK", "0"))}
        else:
            kwargs["device_map"] = {"": "cpu"}
        compute = getattr(torch, PRECISION_DTYPES[self.precision])
        kwargs["dtype"] = compute
        if self.quantize:
            kwargs["quantization_config"] = nf4_quantization(compute)
        try:
            model = AutoModelForCausalLM.from_pretrained(self.model_name, **kwargs)
        except OSError as exc:
            raise TrainingError(
                f"cannot load the base model from {self.model_name!r} ({exc}); pass a local "
                "model directory (nothing is downloaded)"
            ) from exc
        if self.quantize and not self.use_cuda:
            disable_cpu_4bit_repack(model)
        return model

    def sft_config(self, work_dir: Path) -> Any:
        from trl import SFTConfig

        cfg = self.config
        cuda = self.use_cuda
        precision = self.precision
        checkpointing = cfg.gradient_checkpointing
        return SFTConfig(
            output_dir=str(work_dir),
            max_length=cfg.max_seq_length,
            # the loss mask: TRL's completion mask (on by default for prompt–completion rows) or
            # our assistant_masks (served-token rows); never the template's generation markers
            assistant_only_loss=False,
            packing=False,
            per_device_train_batch_size=cfg.batch_size,
            gradient_accumulation_steps=cfg.gradient_accumulation_steps,
            num_train_epochs=cfg.num_epochs,
            max_steps=cfg.max_steps,
            learning_rate=cfg.learning_rate,
            warmup_steps=cfg.warmup_steps,
            max_grad_norm=cfg.max_grad_norm,
            weight_decay=cfg.weight_decay,
            optim=cfg.optim,
            lr_scheduler_type=cfg.lr_scheduler_type,
            seed=cfg.seed,
            data_seed=cfg.seed,
            use_cpu=not cuda,
            fp16=precision == "fp16",
            bf16=precision == "bf16",
            activation_checkpointing=cuda if checkpointing is None else (checkpointing and cuda),
            logging_steps=cfg.logging_steps,
            save_strategy="no",
            report_to="none",
            disable_tqdm=True,
            dataloader_num_workers=0,
            # several processes (DDP): every LoRA matrix is in every forward, so skip the search
            ddp_find_unused_parameters=False,
        )

    def peft_config(self) -> Any:
        from peft import LoraConfig

        cfg = self.config
        return LoraConfig(
            r=cfg.r,
            lora_alpha=cfg.lora_alpha,
            lora_dropout=cfg.lora_dropout,
            bias=cfg.bias,
            target_modules=list(cfg.target_modules),
            task_type="CAUSAL_LM",
        )

    def train(self, data_path: str) -> TrainingMetrics:
        """Train the model using LoRA; returns metrics with the new adapter's directory."""
        from trl import SFTTrainer

        started = time.monotonic()
        dataset = self.preprocess_data(self.load_data(data_path))
        from transformers import set_seed
        from transformers.trainer_callback import PrinterCallback

        work_dir = self.output_dir / f".tmp-work-{uuid.uuid4().hex[:8]}"
        work_dir.mkdir(parents=True)
        try:
            set_seed(self.config.seed)  # LoRA init and data order: same data, same adapter
            trainer = SFTTrainer(
                model=self.load_model(),
                args=self.sft_config(work_dir),
                train_dataset=dataset,
                processing_class=self.tokenizer(),
                peft_config=self.peft_config(),
                callbacks=[self._step_callback()] if self.on_step else None,
            )
            # PrinterCallback would print every log dict to stdout (ours reports progress)
            trainer.remove_callback(PrinterCallback)
            trainer.train()
            self.last_trainer = trainer  # its model: the trained PeftModel (tests inspect it)
            metrics = self._metrics(trainer, len(dataset), time.monotonic() - started)
            if not trainer.is_world_process_zero():  # under `accelerate launch`: rank 0 saves
                return metrics
            path = self.save_model(trainer.model, metrics)
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)
        log.info("adapter %s trained: %d steps, loss %.4f", path, metrics.steps, metrics.final_loss)
        return metrics

    def _step_callback(self) -> Any:
        from transformers import TrainerCallback

        report = self.on_step
        last_loss: list[float | None] = [None]

        class _Progress(TrainerCallback):
            def on_log(self, args, state, control, logs=None, **kwargs):
                if logs and "loss" in logs:
                    last_loss[0] = float(logs["loss"])

            def on_step_end(self, args, state, control, **kwargs):
                # on_log for a step fires after on_step_end: report the loss on the next step
                report(state.global_step, state.max_steps, last_loss[0])

            def on_train_end(self, args, state, control, **kwargs):
                report(state.global_step, state.max_steps, last_loss[0])

        return _Progress()

    def _metrics(self, trainer: Any, n: int, elapsed: float) -> TrainingMetrics:
        import resource

        import torch

        logged = [e for e in trainer.state.log_history if "loss" in e]
        accuracy = [e["mean_token_accuracy"] for e in logged if "mean_token_accuracy" in e]
        if self.use_cuda:
            peak, kind = torch.cuda.max_memory_allocated() / 2**20, "cuda"
        else:
            peak, kind = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rss"
        return TrainingMetrics(
            loss_history=[float(e["loss"]) for e in logged],
            steps_logged=[int(e["step"]) for e in logged],
            final_loss=float(logged[-1]["loss"]) if logged else float("nan"),
            token_accuracy=float(accuracy[-1]) if accuracy else float("nan"),
            steps=int(trainer.state.global_step),
            num_processes=int(trainer.args.world_size),
            num_examples=n,
            train_time_s=round(elapsed, 3),
            peak_memory_mb=round(peak, 1),
            memory_kind=kind,
            base_model=self.model_name,
            quantized=self.quantize,
            device="cuda" if self.use_cuda else "cpu",
        )

    def save_model(self, model: Any, metrics: TrainingMetrics | None = None) -> Path:
        """Save the adapter (+ metrics.json, loss.png) to a new ``<name>-v<N>``, atomically."""
        self.output_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.output_dir / f".tmp-{self.adapter_name}-{uuid.uuid4().hex[:8]}"
        try:
            model.save_pretrained(str(tmp))
            self._fix_adapter_config(tmp / "adapter_config.json")
            # the runs hold one lock (one scheduler, one round), so the next version stays free
            version = next_version(self.output_dir, self.adapter_name)
            final = self.output_dir / f"{self.adapter_name}-v{version}"
            if metrics is not None:
                metrics.adapter_path = str(final)
                metrics.write(tmp / "metrics.json")
                if metrics.loss_history:
                    write_loss_plot(metrics, tmp / "loss.png", title=final.name)
            tmp.rename(final)  # the only step that makes the adapter visible
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def _fix_adapter_config(self, path: Path) -> None:
        """The serving model's path as base, and nothing but LoRA matrices (vLLM loads it)."""
        data = json.loads(path.read_text(encoding="utf-8"))
        base = Path(self.model_name).expanduser()
        data["base_model_name_or_path"] = str(base.resolve()) if base.exists() else self.model_name
        data["modules_to_save"] = None
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    def schedule_nightly_training(self, data_path: str, cron_expression: str = "0 0 * * *") -> Any:
        """Schedule training with APScheduler (persistent, one run at a time, in a child process)."""
        import sys

        from .schedule import NightlyScheduler

        argv = [
            sys.executable, "-m", "models.training",
            "--model", self.model_name,
            "--data", str(Path(data_path).expanduser().resolve()),
            "--output", str(self.output_dir.resolve()),
            "--name", self.adapter_name,
            "--config-json", json.dumps(self.config.to_dict()),
        ]  # fmt: skip
        if self._scheduler is None:
            self._scheduler = NightlyScheduler(self.output_dir / ".schedule")
        self._scheduler.install(argv, cron_expression)
        self._scheduler.start(background=True)
        return self._scheduler


if __name__ == "__main__":  # ``python -m models.training`` / ``accelerate launch -m models.training``
    from models.training_cli import main

    raise SystemExit(main())
