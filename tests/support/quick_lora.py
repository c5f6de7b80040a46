"""A minimal LoRA fit on a handful of chat pairs, for tests only (the package trains with
``models.training``).

The nightly trainer uses TRL's SFTTrainer; this is the few-dozen-step plain torch loop that
makes the tiny model learn one answer in seconds, with the same adapter directory layout
(``adapter_config.json`` + ``adapter_model.safetensors``, base = the model directory).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def fit_lora(
    model_dir: str | Path,
    conversations: Sequence[Sequence[Mapping[str, str]]],
    out_dir: str | Path,
    *,
    rank: int = 8,
    alpha: int = 16,
    steps: int = 40,
    lr: float = 1e-2,
    seed: int = 0,
    target_modules: Sequence[str] = DEFAULT_TARGETS,
) -> Path:
    """Fit a LoRA adapter so the model answers each conversation's last assistant turn."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model_dir = Path(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    batches = []
    for conv in conversations:
        enc = tokenizer.apply_chat_template(
            [dict(m) for m in conv],
            return_dict=True,
            return_assistant_tokens_mask=True,
            return_tensors="pt",
        )
        labels = enc["input_ids"].clone()
        labels[enc["assistant_masks"] == 0] = -100
        batches.append((enc["input_ids"], enc["attention_mask"], labels))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
        config = LoraConfig(
            r=rank,
            lora_alpha=alpha,
            lora_dropout=0.0,
            target_modules=list(target_modules),
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(base, config)
        model.train()
        optimizer = torch.optim.AdamW(
            [p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.0
        )
        loss = None
        for step in range(steps):
            input_ids, attention, labels = batches[step % len(batches)]
            loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    out = Path(out_dir)
    model.save_pretrained(out)
    log.info(
        "LoRA fit: %d steps, final loss %.4f -> %s",
        steps,
        loss.item() if loss is not None else 0.0,
        out,
    )
    return out

