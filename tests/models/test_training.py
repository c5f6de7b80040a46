"""QLoRA on the tiny model through the real LoRaTrainer: TRL, PEFT and bitsandbytes, on CPU."""

from __future__ import annotations

import json

import pytest

from models.training import LoRaConfig, LoRaTrainer, chat_messages
from models.training_config import TrainingError

# real training on a shared CPU: minutes, not seconds, when the machine is busy
pytestmark = pytest.mark.timeout(1800)

SYSTEM = "Fix the bug."
PAIRS = [
    {
        "input": "NameError: name 'totl' is not defined\n\ndef total(items):\n    return totl(items)",
        "output": "def total(items):\n    return sum(items)",
        "metadata": {"pattern": "undefined_variable", "accepted_by": "user"},
    },
    {
        "input": "ZeroDivisionError: division by zero\n\ndef average(values):\n"
        "    return sum(values) / len(values)",
        "output": "def average(values):\n    if not values:\n        return 0.0\n"
        "    return sum(values) / len(values)",
        "metadata": {"pattern": "zero_division_error", "accepted_by": "user"},
    },
    {
        "input": "KeyError: 'user_id'\n\ndef get_user(users, user_id):\n    return users[user_id]",
        "output": "def get_user(users, user_id):\n    return users.get(user_id)",
        "metadata": {"pattern": "key_error", "accepted_by": "user"},
    },
]


def _write_pairs(path, pairs=PAIRS):
    path.write_text("".join(json.dumps(p) + "\n" for p in pairs), encoding="utf-8")
    return path


def memorise_config(**overrides):
    base = dict(
        load_in_4bit=True,
        max_steps=40,
        learning_rate=5e-3,
        warmup_steps=0,
        lr_scheduler_type="constant",
        lora_dropout=0.0,
        batch_size=3,
        system_prompt=SYSTEM,
    )
    return LoRaConfig(**{**base, **overrides})


@pytest.fixture(scope="module")
def trained(tiny_model, tmp_path_factory):
    root = tmp_path_factory.mktemp("qlora")
    data = _write_pairs(root / "pairs.jsonl")
    trainer = LoRaTrainer(str(tiny_model), str(root / "adapters"), memorise_config(),
                          adapter_name="fixes")  # fmt: skip
    metrics = trainer.train(str(data))
    return trainer, metrics, root


@pytest.mark.slow
def test_qlora_trains_the_adapter_and_leaves_the_4bit_base_alone(trained, tiny_model):
    import bitsandbytes as bnb
    import torch
    from safetensors.torch import load_file

    trainer, metrics, root = trained
    assert metrics.steps == 40 and metrics.quantized and metrics.device == "cpu"
    assert len(metrics.loss_history) == 40
    assert metrics.final_loss < 0.2 * metrics.loss_history[0]
    assert metrics.token_accuracy > 0.95
    assert metrics.peak_memory_mb > 0 and metrics.train_time_s > 0

    model = trainer.last_trainer.model
    lora_b = {n: p for n, p in model.named_parameters() if "lora_B" in n}
    assert lora_b and all(p.abs().sum() > 0 for p in lora_b.values())  # B starts at zero
    assert all(not p.requires_grad for n, p in model.named_parameters() if "lora_" not in n)

    # the 4-bit base is bit-identical to a fresh quantisation of the same checkpoint
    fresh = LoRaTrainer(str(tiny_model), str(root / "unused"), memorise_config()).load_model()
    fresh_4bit = {n: m for n, m in fresh.named_modules() if isinstance(m, bnb.nn.Linear4bit)}
    trained_4bit = {
        n.removeprefix("base_model.model.").replace(".base_layer", ""): m
        for n, m in model.named_modules()
        if isinstance(m, bnb.nn.Linear4bit)
    }
    assert set(fresh_4bit) == set(trained_4bit) and fresh_4bit
    for name, module in fresh_4bit.items():
        assert torch.equal(module.weight.data, trained_4bit[name].weight.data), name
    # and the unquantised parts (embeddings, norms, lm_head) equal the checkpoint on disk
    original = load_file(str(tiny_model / "model.safetensors"))
    trained_params = {n.removeprefix("base_model.model."): p for n, p in model.named_parameters()}
    plain = [k for k in original if k in trained_params and "proj" not in k]
    assert plain
    for key in plain:
        assert torch.equal(original[key], trained_params[key].detach().cpu()), key


@pytest.mark.slow
def test_saved_adapter_is_versioned_servable_and_reproduces_the_fixes(trained, tiny_model):
    from models.engine_hf import HFEngine

    _, metrics, root = trained
    adapter = root / "adapters" / "fixes-v1"
    assert metrics.adapter_path == str(adapter)
    config = json.loads((adapter / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str(tiny_model.resolve())
    assert config["modules_to_save"] is None
    assert config["r"] == 8 and sorted(config["target_modules"]) == ["q_proj", "v_proj"]
    assert (adapter / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((adapter / "metrics.json").read_text())
    assert saved["steps"] == 40 and saved["adapter_path"] == str(adapter)
    assert not [p for p in (root / "adapters").iterdir() if p.name.startswith(".tmp-")]

    engine = HFEngine(tiny_model, load_in_4bit=True)
    engine.load_adapter("fixes", str(adapter))
    for pair in PAIRS:
        prompt = chat_messages(pair["input"], SYSTEM)
        assert engine.complete(prompt, adapter="fixes", max_tokens=64)[0] == pair["output"]
        assert engine.complete(prompt, adapter=None, max_tokens=64)[0] != pair["output"]


def test_config_defaults_are_the_reference_ones_and_from_dict_checks_keys():
    cfg = LoRaConfig.default()
    assert (cfg.r, cfg.lora_alpha, cfg.lora_dropout, cfg.bias) == (8, 16, 0.05, "none")
    assert cfg.target_modules == ["q_proj", "v_proj"]
    assert (cfg.learning_rate, cfg.batch_size, cfg.num_epochs, cfg.warmup_steps) == (
        3e-4, 4, 3, 100
    )  # fmt: skip
    assert (cfg.gradient_accumulation_steps, cfg.max_grad_norm, cfg.weight_decay) == (1, 1.0, 0.01)
    assert (cfg.fp16, cfg.bf16, cfg.optim, cfg.lr_scheduler_type) == (
        True, False, "adamw_torch", "cosine"
    )  # fmt: skip
    assert cfg.max_seq_length == 2048 and cfg.load_in_4bit is None
    assert LoRaConfig.from_dict({"r": 16, "qlora": True}).load_in_4bit is True
    with pytest.raises(TrainingError, match="unknown LoRaConfig field"):
        LoRaConfig.from_dict({"rank": 4})


def test_gasa_tune_targets_every_attention_projection(tmp_path):
    trainer = LoRaTrainer("unused", str(tmp_path), gasa_tune=True)
    assert trainer.peft_config().target_modules == {"q_proj", "k_proj", "v_proj", "o_proj"}
    assert LoRaTrainer("unused", str(tmp_path)).peft_config().target_modules == {"q_proj", "v_proj"}


def test_unusable_data_is_a_training_error(tmp_path, tiny_model):
    trainer = LoRaTrainer(str(tiny_model), str(tmp_path / "out"))
    with pytest.raises(TrainingError, match="no such data file"):
        trainer.train(str(tmp_path / "missing.jsonl"))
    (tmp_path / "empty.jsonl").write_text('{"input": "", "output": ""}\n')
    with pytest.raises(TrainingError, match="no usable pairs"):
        trainer.train(str(tmp_path / "empty.jsonl"))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    ("fp16", "bf16", "cuda", "bf16_supported", "expected"),
    [
        (True, False, True, True, "bf16"),  # the default config on an Ampere+ GPU
        (True, False, True, False, "fp16"),  # a GPU without bf16 (T4, V100)
        (False, True, True, False, "fp16"),  # bf16 asked for where the GPU has none
        (False, True, True, True, "bf16"),
        (False, False, True, True, "no"),  # mixed precision switched off
        (True, True, False, False, "no"),  # CPU: never mixed precision
    ],
)
def test_mixed_precision_is_bf16_where_the_gpu_has_it(fp16, bf16, cuda, bf16_supported, expected):
    from models.training_config import training_precision

    config = LoRaConfig(fp16=fp16, bf16=bf16)
    assert training_precision(config, cuda=cuda, bf16_supported=bf16_supported) == expected


def test_the_trainer_trains_in_the_chosen_precision(tmp_path, tiny_model):
    import torch

    trainer = LoRaTrainer(str(tiny_model), str(tmp_path), LoRaConfig(load_in_4bit=False))
    expected = "no"
    if torch.cuda.is_available():
        expected = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    assert trainer.precision == expected
    args = trainer.sft_config(tmp_path / "work")
    assert (args.bf16, args.fp16) == (expected == "bf16", expected == "fp16")


@pytest.mark.gpu
@pytest.mark.skipif("not __import__('torch').cuda.is_available()", reason="needs a CUDA GPU")
def test_qlora_computes_in_bf16_on_a_gpu_that_has_it(tmp_path, tiny_model):
    import bitsandbytes as bnb
    import torch

    trainer = LoRaTrainer(str(tiny_model), str(tmp_path), LoRaConfig(load_in_4bit=True))
    model = trainer.load_model()
    wanted = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    layers = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert layers and all(m.compute_dtype == wanted for m in layers)


def test_the_loss_covers_the_answer_only_with_a_template_without_generation_markers(
    tmp_path, tiny_model
):
    import shutil

    # Llama 3.1's own chat template has no {% generation %} markers: only the completion of a
    # prompt–completion example may be in the loss, found without them
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    template = model / "chat_template.jinja"
    text = template.read_text(encoding="utf-8")
    stripped = text.replace("{%- generation %}", "").replace("{%- endgeneration %}", "")
    assert stripped != text and "generation %}" not in stripped
    template.write_text(stripped, encoding="utf-8")
    data = _write_pairs(tmp_path / "pairs.jsonl", PAIRS[:1])
    config = memorise_config(load_in_4bit=False, max_steps=1, batch_size=1)
    trainer = LoRaTrainer(str(model), str(tmp_path / "out"), config)
    trainer.train(str(data))
    row = trainer.last_trainer.train_dataset[0]
    labelled = zip(row["input_ids"], row["labels"], strict=True)
    trained_on = [token for token, label in labelled if label != -100]
    assert trainer.tokenizer().decode(trained_on) == PAIRS[0]["output"] + "<|eot_id|>"


def test_a_template_that_is_not_prefix_consistent_trains_on_the_served_prompt(tmp_path, tiny_model):
    import shutil

    from models.training_data import served_prompt_ids

    # the generation prompt ends differently than the assistant header inside the full chat
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    template = model / "chat_template.jinja"
    text = template.read_text(encoding="utf-8")
    header = "'<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- generation %}"
    assert text.count(header) == 1
    template.write_text(text.replace(header, header.replace("\\n\\n", "\\n")), encoding="utf-8")
    data = _write_pairs(tmp_path / "pairs.jsonl", PAIRS[:1])
    config = memorise_config(load_in_4bit=False, max_steps=1, batch_size=1)
    trainer = LoRaTrainer(str(model), str(tmp_path / "out"), config)
    trainer.train(str(data))
    tok = trainer.tokenizer()
    row = trainer.last_trainer.train_dataset[0]
    served = served_prompt_ids(tok, chat_messages(PAIRS[0]["input"], SYSTEM) + [{}])
    assert row["input_ids"][: len(served)] == served
    labelled = zip(row["input_ids"], row["labels"], strict=True)
    trained_on = [token for token, label in labelled if label != -100]
    assert tok.decode(trained_on) == PAIRS[0]["output"] + tok.eos_token
