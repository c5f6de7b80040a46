"""The tiny model loads through the same code as a real Llama-3 directory."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from models.tiny import build_tiny_model


def _digest(path):
    return {f.name: hashlib.sha1(f.read_bytes()).hexdigest() for f in sorted(path.iterdir())}


def test_tiny_model_loads_with_auto_classes_and_renders_llama3_chat(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = build_tiny_model(tmp_path / "tiny")
    model = AutoModelForCausalLM.from_pretrained(path)
    tokenizer = AutoTokenizer.from_pretrained(path)

    assert model.config.model_type == "llama"
    assert 500_000 < sum(p.numel() for p in model.parameters()) < 10_000_000
    text = tokenizer.apply_chat_template(
        [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
        add_generation_prompt=True,
        tokenize=False,
    )
    assert text == (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nbe brief<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    eot = tokenizer.convert_tokens_to_ids("<|eot_id|>")
    assert eot in model.generation_config.eos_token_id
    code = "def total(items):\n    return sum(items)\n"
    assert tokenizer.decode(tokenizer(code, add_special_tokens=False)["input_ids"]) == code


def test_assistant_text_is_marked_for_assistant_only_loss(tmp_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(build_tiny_model(tmp_path / "tiny"))
    out = tokenizer.apply_chat_template(
        [{"role": "user", "content": "fix it"}, {"role": "assistant", "content": "x = 1"}],
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    marked = [t for t, m in zip(out["input_ids"], out["assistant_masks"], strict=True) if m]
    assert tokenizer.decode(marked) == "x = 1<|eot_id|>"


def test_same_seed_same_files_other_seed_other_weights(tmp_path):
    a = _digest(build_tiny_model(tmp_path / "a", seed=0))
    b = _digest(build_tiny_model(tmp_path / "b", seed=0))
    c = _digest(build_tiny_model(tmp_path / "c", seed=1))
    assert a == b
    assert a["model.safetensors"] != c["model.safetensors"]
    assert a["tokenizer.json"] == c["tokenizer.json"]


def test_cli_builds_and_refuses_a_non_empty_dir(tmp_path):
    out = tmp_path / "m"
    cmd = [sys.executable, "-m", "selfheal_local", "models", "tiny", str(out)]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert (out / "config.json").is_file()
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2
    assert "not an empty directory" in again.stderr


def test_cli_refuses_a_file(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    done = subprocess.run(
        [sys.executable, "-m", "selfheal_local", "models", "tiny", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
