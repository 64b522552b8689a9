"""The shipped tiny configs train a model that a documented command builds, and a missing local model folder
is a clear error at once, never a minute of Hub retries (issue 15, finding 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
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
    assert "model folder 'runs/tiny_qwen2' does not exist" in msg
    assert "redstar train tiny-model runs/tiny_qwen2" in msg


def test_tiny_model_command_builds_what_the_configs_load(tmp_path, monkeypatch):
    import transformers

    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["train", "tiny-model", "runs/tiny_qwen2"])
    assert res.exit_code == 0, res.output
    tok = transformers.AutoTokenizer.from_pretrained("runs/tiny_qwen2")
    model = transformers.AutoModelForCausalLM.from_pretrained("runs/tiny_qwen2")
    text = tok.apply_chat_template([{"role": "user", "content": "What is 2 + 3?"}], tokenize=False)
    assert "<|im_start|>user" in text and model.config.vocab_size == len(tok)


def test_hub_ids_are_not_taken_for_local_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert not looks_local("Qwen/Qwen2.5-7B-Instruct")
    assert not looks_local("gpt2")
    assert looks_local("runs/tiny_qwen2") and looks_local("./m") and looks_local("/abs/m")
    assert looks_local("a/b/c")
