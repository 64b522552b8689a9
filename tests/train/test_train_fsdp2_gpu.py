"""A real 2-GPU FSDP2 SFT step (full shard, activation checkpointing, bf16) on a small real-architecture
Qwen2 built locally: the GPU half of the distributed checks. Skips without 2 CUDA GPUs; it has not run
on this project's CPU machines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.gpu, pytest.mark.slow, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]


def test_two_gpu_fsdp2_sft_step(tmp_path, tiny_model, exports):
    import shutil

    import torch

    if torch.cuda.device_count() < 2:
        pytest.skip("needs 2 CUDA GPUs")
    from transformers import AutoConfig, Qwen2Config, Qwen2ForCausalLM

    model_dir = Path(shutil.copytree(tiny_model, tmp_path / "model"))  # the tokenizer and template
    tiny = AutoConfig.from_pretrained(model_dir)
    cfg = Qwen2Config(  # Qwen2.5-0.5B's layer shape, 4 layers
        vocab_size=tiny.vocab_size,
        hidden_size=896,
        intermediate_size=4864,
        num_hidden_layers=4,
        num_attention_heads=14,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=True,
        pad_token_id=tiny.pad_token_id,
        eos_token_id=tiny.eos_token_id,
        bos_token_id=None,
    )
    Qwen2ForCausalLM(cfg).to(torch.bfloat16).save_pretrained(model_dir)
    conf = tmp_path / "sft.yaml"
    conf.write_text(
        yaml.safe_dump(
            {
                "kind": "sft",
                "model": {"path": str(model_dir), "dtype": "bfloat16"},
                "data": {"path": str(exports["sft"])},
                "context": {"max_length": 256},
                "output_dir": str(tmp_path / "out"),
                "device": "cuda",
                "distributed": {"accelerate_config": "recipes/train/distributed/fsdp2_full_shard.yaml"},
                "trl": {"max_steps": 2, "per_device_train_batch_size": 2, "logging_steps": 1},
            }
        )
    )
    cmd = [sys.executable, "-m", "redstar_data.cli.app", "train", "sft", str(conf)]
    p = subprocess.run(
        [*cmd, "--launcher", "accelerate", "--num-processes", "2"],
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=1100,
    )
    assert p.returncode == 0, p.stderr[-5000:]
    rep = json.loads((tmp_path / "out" / "train_report.json").read_text())
    assert rep["distributed_type"] == "FSDP" and rep["world_size"] == 2 and rep["global_step"] == 2
    assert (tmp_path / "out" / "config.json").is_file()  # the gathered final model
