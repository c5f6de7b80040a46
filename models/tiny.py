"""A tiny Llama-architecture model with a Llama-3 tokenizer and chat template, built offline.

Tests and CPU demos load it through exactly the code that loads Llama-3.1-8B-Instruct
(``AutoModelForCausalLM`` / ``AutoTokenizer`` from a local directory). Nothing is downloaded:
the byte-level BPE tokenizer is trained in-process on the small corpus below.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)

BOS = "<|begin_of_text|>"
EOS = "<|end_of_text|>"
EOT = "<|eot_id|>"
START_HEADER = "<|start_header_id|>"
END_HEADER = "<|end_header_id|>"
EOM = "<|eom_id|>"
PAD = "<|finetune_right_pad_id|>"
SPECIAL_TOKENS: tuple[str, ...] = (BOS, EOS, PAD, START_HEADER, END_HEADER, EOM, EOT)
"""Llama-3.1's named special tokens, in its order."""

# Llama-3.1's template, reduced to what selfheal uses (no tools, no date line), with
# {% generation %} around assistant text so TRL's assistant-only loss can find it.
CHAT_TEMPLATE = (
    "{{- bos_token }}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
    "{%- generation %}"
    "{{- message['content'] | trim + '<|eot_id|>' }}"
    "{%- endgeneration %}"
    "{%- else %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}"
    "{{- message['content'] | trim + '<|eot_id|>' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
    "{%- endif %}"
)

_CORPUS = r'''
import os
import sys
import json
import logging
from pathlib import Path
from collections import defaultdict, Counter
from dataclasses import dataclass, field
from typing import Any, Optional


def total(items):
    """Return the sum of the items."""
    result = 0
    for item in items:
        result += item
    return result


def average(values: list[float]) -> float:
    if not values:
        return 0.0
    return sum(values) / len(values)


def load_config(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


class Counter:
    def __init__(self, start=0):
        self.count = start

    def increment(self, step=1):
        self.count += step
        return self.count

    def __repr__(self):
        return f"Counter({self.count})"


def get_user(users, user_id):
    try:
        return users[user_id]
    except KeyError:
        return None


def parse_int(text):
    if text is None:
        raise ValueError("text is None")
    return int(text.strip())


def first(items, default=None):
    return items[0] if items else default


def greet(name: str) -> str:
    message = "Hello, " + name + "!"
    return message


async def fetch(client, url, timeout=10.0):
    response = await client.get(url, timeout=timeout)
    response.raise_for_status()
    return response.json()


def test_total():
    assert total([1, 2, 3]) == 6
    assert average([]) == 0.0


if __name__ == "__main__":
    main(sys.argv[1:])

Traceback (most recent call last):
  File "app/main.py", line 12, in <module>
    print(totl([1, 2]))
NameError: name 'totl' is not defined. Did you mean: 'total'?
AttributeError: 'NoneType' object has no attribute 'split'
AttributeError: module 'os' has no attribute 'pathh'
TypeError: can only concatenate str (not "int") to str
TypeError: unsupported operand type(s) for +: 'int' and 'str'
TypeError: greet() takes 1 positional argument but 2 were given
ImportError: cannot import name 'Mapping' from 'collections'
ModuleNotFoundError: No module named 'requets'
SyntaxError: expected ':'
IndentationError: unexpected indent
IndexError: list index out of range
KeyError: 'user_id'
ValueError: invalid literal for int() with base 10: 'abc'
ZeroDivisionError: division by zero
FileNotFoundError: [Errno 2] No such file or directory: 'config.json'
PermissionError: [Errno 13] Permission denied: '/etc/shadow'
RecursionError: maximum recursion depth exceeded
AssertionError: assert 5 == 6
NotImplementedError
RuntimeError: dictionary changed size during iteration
FAILED tests/test_app.py::test_total - AssertionError: assert 5 == 6
E       assert 5 == 6
E        +  where 5 = total([1, 2, 3])
========================= 1 failed, 3 passed in 0.12s =========================

You are a careful Python engineer. Fix the bug so that the failing test passes.
Answer with the corrected function in one fenced code block and nothing else.
The error happened in the function below. Here is the failing test output.
Past fixes for similar errors are listed for reference.
Pattern: undefined_variable. Exception: NameError. Message: name is not defined.
The previous attempt failed: the tests still fail. Try a different fix.
```python
def total(items):
    return sum(items)
```
<<<<<<< SEARCH
import collections
=======
import collections.abc
>>>>>>> REPLACE
'''


_LLAMA3_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def _train_tokenizer(vocab_size: int):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    # Llama-3's split: newline runs are one piece whether or not text follows them, so the
    # generation prompt's trailing "\n\n" tokenizes as it does inside training examples
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(_LLAMA3_SPLIT), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # several copies so frequent code fragments (indentation, keywords) get merged
    tokenizer.train_from_iterator([_CORPUS] * 4, trainer=trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A",
        pair=f"{BOS} $A {BOS} $B",
        special_tokens=[(BOS, tokenizer.token_to_id(BOS))],
    )
    return tokenizer


def build_tiny_model(
    out_dir: str | Path,
    *,
    seed: int = 0,
    vocab_size: int = 2048,
    hidden_size: int = 192,
    num_layers: int = 2,
    num_heads: int = 4,
    num_kv_heads: int = 2,
    intermediate_size: int = 512,
    max_position_embeddings: int = 2048,
    initializer_range: float = 0.1,
) -> Path:
    """Write a tiny LlamaForCausalLM + Llama-3 tokenizer to ``out_dir``; deterministic per seed."""
    import torch
    from transformers import (
        GenerationConfig,
        LlamaConfig,
        LlamaForCausalLM,
        PreTrainedTokenizerFast,
    )

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    backend = _train_tokenizer(vocab_size)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token=BOS,
        eos_token=EOT,
        pad_token=PAD,
        model_max_length=max_position_embeddings,
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    ids = {tok: backend.token_to_id(tok) for tok in SPECIAL_TOKENS}
    config = LlamaConfig(
        vocab_size=backend.get_vocab_size(),
        hidden_size=hidden_size,
        intermediate_size=intermediate_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_kv_heads,
        max_position_embeddings=max_position_embeddings,
        initializer_range=initializer_range,
        rms_norm_eps=1e-5,
        rope_theta=500000.0,
        tie_word_embeddings=False,
        bos_token_id=ids[BOS],
        eos_token_id=[ids[EOS], ids[EOM], ids[EOT]],
        pad_token_id=ids[PAD],
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=ids[BOS],
        eos_token_id=[ids[EOS], ids[EOM], ids[EOT]],
        pad_token_id=ids[PAD],
        do_sample=False,
    )
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    (out / "selfheal_tiny.json").write_text(
        json.dumps({"seed": seed, "params": sum(p.numel() for p in model.parameters())}) + "\n",
        encoding="utf-8",
    )
    log.info("tiny model written to %s", out)
    return out


__all__ = ["build_tiny_model", "CHAT_TEMPLATE", "SPECIAL_TOKENS"]
