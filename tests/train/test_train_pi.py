"""Position Interpolation: linear RoPE merged into rope_parameters, reaching policy and reference models."""

from __future__ import annotations

import pytest

from redstar_data.errors import ConfigError
from redstar_train import runner
from redstar_train.config import load_config
from redstar_train.models import load_model, merged_rope_parameters

from .conftest import SYSTEM, write_export

pytestmark = pytest.mark.slow  # more than ~10 s: real training / subprocesses; CI runs it too

FACTOR = 4.0  # the example: 4x a 7B model's shorter native window


def _rotary(model):
    return model.model.rotary_emb


def test_pi_rotary_is_interpolated(tiny_model):
    import torch

    plain, pi = load_model(tiny_model), load_model(tiny_model, factor=FACTOR)
    assert pi.config.rope_parameters["rope_type"] == "linear"
    assert pi.config.rope_parameters["rope_theta"] == plain.config.rope_parameters["rope_theta"]
    assert pi.config.max_position_embeddings == plain.config.max_position_embeddings  # native kept
    ratio = _rotary(plain).inv_freq / _rotary(pi).inv_freq
    assert torch.allclose(ratio, torch.full_like(ratio, FACTOR))
    x = torch.zeros(1, 1, 64)
    p = torch.arange(0, 300).unsqueeze(0)
    cos_plain, sin_plain = _rotary(plain)(x, p)
    cos_pi, sin_pi = _rotary(pi)(x, (p * FACTOR).long())
    assert torch.allclose(cos_pi, cos_plain, atol=1e-5) and torch.allclose(sin_pi, sin_plain, atol=1e-5)
    # without PI the same positions give different angles: the check above can fail
    cos_plain_far, _ = _rotary(plain)(x, (p * FACTOR).long())
    assert not torch.allclose(cos_plain_far, cos_plain, atol=1e-3)


def test_merge_keeps_theta_and_rejects_other_rope_types(tiny_model):
    from transformers import AutoConfig

    cfg = AutoConfig.from_pretrained(tiny_model)
    merged = merged_rope_parameters(cfg, 4)
    assert merged == {**cfg.rope_parameters, "rope_type": "linear", "factor": 4.0}
    cfg.rope_parameters = {**cfg.rope_parameters, "rope_type": "yarn", "factor": 2.0}
    with pytest.raises(ConfigError, match="already uses rope_type 'yarn'"):
        merged_rope_parameters(cfg, 2)


def test_rope_scaling_config_is_validated(make_config):
    with pytest.raises(
        ConfigError, match=r"context\.rope_scaling\.type: invalid value 'dynamic' \(allowed: linear\)"
    ):
        load_config(
            make_config("sft", context={"max_length": 64, "rope_scaling": {"type": "dynamic", "factor": 2}})
        )
    cfg = load_config(
        make_config("sft", context={"max_length": 64, "rope_scaling": {"rope_type": "linear", "factor": 4}})
    )
    assert cfg.context.rope_scaling.factor == 4.0


def test_sft_at_factor_times_native_length(make_config, tmp_path, tiny_model):
    import torch
    from transformers import AutoConfig

    native = AutoConfig.from_pretrained(tiny_model).max_position_embeddings
    long = " Wait, let me check again step by step." * 95  # ~3.5x the native window in tokens
    rows = [
        {
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"What is {i} + 1?"},
                {"role": "assistant", "content": f"<think>{long}</think> \\boxed{{{i + 1}}}"},
            ],
            "problem_id": f"p{i}",
            "trace_id": f"t{i}",
            "source_id": "s",
        }
        for i in range(10)
    ]
    export = write_export(tmp_path / "long", rows, "sft", n_val=2)
    max_length = int(native * FACTOR)
    cfg = load_config(
        make_config(
            "sft",
            data={"path": str(export)},
            save_model=True,
            context={"max_length": max_length, "rope_scaling": {"type": "linear", "factor": FACTOR}},
            trl={"max_steps": 2, "per_device_train_batch_size": 2},
        ),
        kind="sft",
    )
    trainer, rep, _ = runner.build_trainer(cfg)
    assert (FACTOR - 1) * native < rep.max_tokens <= max_length and rep.n_dropped == 0
    assert trainer.model.config.rope_parameters["rope_type"] == "linear"
    assert trainer.model.config.rope_parameters["factor"] == FACTOR
    # The model the trainer holds is interpolated: at the longest row's positions its rotary angles stay
    # inside the range the plain model saw at its native length (a model without PI fails this).
    plain = load_model(tiny_model)
    ratio = _rotary(plain).inv_freq / _rotary(trainer.model).inv_freq
    assert torch.allclose(ratio, torch.full_like(ratio, FACTOR))
    far = torch.arange(0, rep.max_tokens).unsqueeze(0)
    x = torch.zeros(1, 1, 64)
    cos_pi, _ = _rotary(trainer.model)(x, far)
    cos_plain, _ = _rotary(plain)(x, (far / FACTOR))
    assert torch.allclose(cos_pi, cos_plain, atol=1e-5)
    cos_plain_far, _ = _rotary(plain)(x, far)
    assert not torch.allclose(cos_plain_far, cos_pi, atol=1e-3)
    out = trainer.train()
    assert trainer.state.global_step == 2 and out.training_loss > 0
    trainer.save_model(str(cfg.out_dir))
    reloaded = AutoConfig.from_pretrained(cfg.out_dir)
    assert reloaded.rope_parameters["rope_type"] == "linear" and reloaded.max_position_embeddings == native


def test_dpo_reference_model_gets_pi_too(make_config):
    cfg = load_config(
        make_config(
            "dpo",
            context={"max_length": 256, "rope_scaling": {"type": "linear", "factor": FACTOR}},
            trl={"max_steps": 1},
        ),
        kind="dpo",
    )
    trainer, _, _ = runner.build_trainer(cfg)
    assert trainer.model.config.rope_parameters["rope_type"] == "linear"
    assert trainer.ref_model is not None
    assert trainer.ref_model.config.rope_parameters["rope_type"] == "linear"
    assert trainer.ref_model.config.rope_parameters["factor"] == FACTOR
