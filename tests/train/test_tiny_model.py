"""The shipped tiny configs train a model that a documented command builds, and a missing local model folder
is a clear error at once, never a minute of Hub retries (issue 15, finding 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from redstar_data.cli.app import app
from redstar_train.models import looks_local

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "cfg", sorted((ROOT / "recipes" / "train").glob("*tiny*.yaml")), ids=lambda p: p.name
)
def test_a_missing_tiny_model_says_how_to_build_it(cfg, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no runs/ here
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # would retry the Hub for a Hub id; a local path never asks
    kind = {"sft": "sft", "dpo": "dpo", "rl": "rl"}[cfg.name.split("_")[0]]
    res = CliRunner().invoke(app, ["train", kind, str(cfg)])
    from redstar_data.errors import ConfigError

    assert isinstance(res.exception, ConfigError), res.output  # the CLI's boundary prints it as one line
    msg = str(res.exception)
    path = yaml.safe_load(cfg.read_text())["model"]["path"]  # runs/tiny_qwen2, or runs/tiny_vlm
    builder = "tiny-vlm" if "vlm" in path else "tiny-model"
    assert f"model folder '{path}' does not exist" in msg
    assert f"redstar train {builder} {path}" in msg


def test_tiny_model_command_builds_what_the_configs_load(tmp_path, monkeypatch):
    import transformers

    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["train", "tiny-model", "runs/tiny_qwen2"])
    assert res.exit_code == 0, res.output
    tok = transformers.AutoTokenizer.from_pretrained("runs/tiny_qwen2")
    model = transformers.AutoModelForCausalLM.from_pretrained("runs/tiny_qwen2")
    text = tok.apply_chat_template([{"role": "user", "content": "What is 2 + 3?"}], tokenize=False)
    assert "<|im_start|>user" in text and model.config.vocab_size == len(tok)


@pytest.mark.slow  # builds the VLM: ~5 s
def test_tiny_vlm_command_builds_what_auto_classes_load(tmp_path, monkeypatch):
    import transformers

    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["train", "tiny-vlm", "runs/tiny_vlm"])
    assert res.exit_code == 0, res.output
    proc = transformers.AutoProcessor.from_pretrained("runs/tiny_vlm")
    model = transformers.AutoModelForImageTextToText.from_pretrained("runs/tiny_vlm")
    assert type(proc.image_processor).__name__.endswith("Pil")  # no torchvision needed
    conv = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Find x."}]}]
    text = proc.apply_chat_template(conv, tokenize=False, add_generation_prompt=True)
    assert "<|im_start|>user\n<image>Find x.<|im_end|>" in text
    from PIL import Image

    enc = proc(images=[Image.new("RGB", (120, 90), "white")], text=[text], return_tensors="pt")
    assert enc["input_ids"][0].tolist().count(model.config.image_token_id) == 16
    assert model.config.text_config.vocab_size == len(proc.tokenizer)


def test_hub_ids_are_not_taken_for_local_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert not looks_local("Qwen/Qwen2.5-7B-Instruct")
    assert not looks_local("gpt2")
    assert looks_local("runs/tiny_qwen2") and looks_local("./m") and looks_local("/abs/m")
    assert looks_local("a/b/c")
