"""The memory plan against published figures, real parameter counts and a real layer's saved tensors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redstar_data.errors import ConfigError
from redstar_train.config import load_config
from redstar_train.distributed import plan_input
from redstar_train.memory import (
    KNOWN_MODELS,
    ModelShape,
    PlanInput,
    activation_bytes,
    model_shape,
    model_state_bytes,
    plan,
    plan_all,
)

RECIPES = Path(__file__).resolve().parents[2] / "recipes" / "train"


def test_model_states_match_the_zero_paper_figure_1():
    """Rajbhandari et al. 2020 (arXiv:1910.02054), Figure 1: Ψ = 7.5B, N_d = 64, K = 12 → per-GPU model
    states 120 GB (baseline data parallel), 16.6 GB (P_os+g = ZeRO-2), 1.9 GB (P_os+g+p = ZeRO-3)."""
    psi, n = 7_500_000_000, 64
    gb = {
        s: sum(model_state_bytes(psi, s, n, weights_bytes=4)) / 1e9
        for s in ("ddp", "zero2", "zero3", "fsdp2")
    }
    assert gb["ddp"] == pytest.approx(120.0)
    assert round(gb["zero2"], 1) == 16.6
    assert round(gb["zero3"], 1) == 1.9
    assert gb["fsdp2"] == pytest.approx(gb["zero3"])  # same 16 bytes/parameter, split fp32 4/4/8


@pytest.mark.parametrize(
    ("key", "total_b", "non_embedding_b", "tol"),
    [
        # Qwen2.5 model cards: "Number of Parameters" / "(Non-Embedding)". The 14B/32B cards round down
        # (the Hub's safetensors counts are 14.8B / 32.8B), hence the looser tolerance there.
        ("qwen2.5-7b", 7.61, 6.53, 0.002),
        ("qwen2.5-1.5b", 1.54, 1.31, 0.005),
        ("qwen2.5-14b", 14.7, 13.1, 0.01),
        ("qwen2.5-32b", 32.5, 31.0, 0.01),
    ],
)
def test_parameter_counts_match_the_model_cards(key, total_b, non_embedding_b, tol):
    s = KNOWN_MODELS[key]
    assert s.total_params / 1e9 == pytest.approx(total_b, rel=tol)
    assert (s.total_params - s.root_params + s.hidden_size) / 1e9 == pytest.approx(non_embedding_b, rel=tol)


@pytest.mark.parametrize("key", ["qwen2.5-7b", "qwen2.5-32b", "qwen2.5-1.5b"])
def test_parameter_count_equals_transformers_on_the_meta_device(key):
    """The formula against the real Qwen2 module tree (built on the meta device: no memory, no download)."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    s = KNOWN_MODELS[key]
    cfg = Qwen2Config(
        hidden_size=s.hidden_size,
        intermediate_size=s.intermediate_size,
        num_hidden_layers=s.num_layers,
        num_attention_heads=s.num_heads,
        num_key_value_heads=s.num_kv_heads,
        vocab_size=s.vocab_size,
        tie_word_embeddings=s.tie_word_embeddings,
    )
    with torch.device("meta"):
        model = Qwen2ForCausalLM(cfg)
    assert sum(p.numel() for p in model.parameters()) == s.total_params
    assert sum(p.numel() for p in model.model.layers[0].parameters()) == s.layer_params


def test_activation_bytes_equal_a_real_layers_saved_tensors():
    """Walk the autograd graph of one bf16 Qwen2 decoder layer (SDPA's flash kernel on CPU) and add up the
    distinct activation storages it keeps for backward: exactly the itemised per-token formula."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    cfg = Qwen2Config(
        hidden_size=256,
        intermediate_size=704,
        num_hidden_layers=1,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=512,
        attn_implementation="sdpa",
    )
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(cfg).to(torch.bfloat16)
    shape = ModelShape.from_hf_config(cfg.to_dict())
    t = 256
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    h = model.model.embed_tokens(torch.randint(0, 512, (1, t))).detach().requires_grad_()
    pos = torch.arange(t)[None]
    cos_sin = model.model.rotary_emb(h, pos)
    out = model.model.layers[0](h, position_embeddings=cos_sin, position_ids=pos, attention_mask=None)
    out = out[0] if isinstance(out, tuple) else out
    shared = {x.untyped_storage().data_ptr() for x in cos_sin}  # RoPE tables: once per model, not per layer
    saved: dict[int, int] = {}
    stack, seen = [out.grad_fn], set()
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        for name in dir(fn):
            if name.startswith("_saved_"):
                v = getattr(fn, name, None)
                if isinstance(v, torch.Tensor) and v.numel() > 1:
                    ptr = v.untyped_storage().data_ptr()
                    if ptr not in params and ptr not in shared:
                        saved[ptr] = v.untyped_storage().nbytes()
        stack.extend(nxt for nxt, _ in fn.next_functions)
    assert sum(saved.values()) == shape.act_bytes_per_token_layer * t


def test_checkpointing_keeps_layer_inputs_plus_one_layer():
    s = KNOWN_MODELS["qwen2.5-7b"]
    t = 32768
    full = activation_bytes(s, t, gradient_checkpointing=False)
    ckpt = activation_bytes(s, t, gradient_checkpointing=True)
    assert full == t * s.num_layers * s.act_bytes_per_token_layer
    assert ckpt == t * s.num_layers * 2 * s.hidden_size + t * s.act_bytes_per_token_layer
    assert ckpt < full / 10


def test_plan_components_and_fit_decision():
    s = KNOWN_MODELS["qwen2.5-7b"]
    base = PlanInput(strategy="fsdp2", num_gpus=8, gpu_mem_gib=80, seq_len=32768)
    no_liger, liger = plan(s, base), plan(s, PlanInput(**{**base.__dict__, "liger": True}))
    assert no_liger.logits == 10 * 32768 * s.vocab_size and liger.logits == 0
    assert not no_liger.fits and liger.fits  # 32k x 152k logits alone are ~46 GiB
    assert no_liger.total - liger.total == no_liger.logits
    by = {p.strategy: p for p in plan_all(s, base)}
    assert by["ddp"].model_states > by["zero2"].model_states > by["zero3"].model_states
    assert by["zero3_offload"].model_states == 0 and by["zero3_offload"].cpu_per_node == 16 * s.total_params
    assert by["fsdp2"].gathered == 4 * (s.root_params + s.layer_params)
    assert by["zero3"].gathered == 4 * (s.embedding_params + s.layer_params)
    dpo = plan(s, PlanInput(**{**base.__dict__, "kind": "dpo", "reference_model": True}))
    assert dpo.tokens_per_micro_batch == 2 * 32768 and dpo.reference == 2 * s.total_params // 8


def test_plan_reads_the_config_and_its_accelerate_file(monkeypatch):
    monkeypatch.chdir(RECIPES.parents[1])
    cfg = load_config(RECIPES / "sft_qwen2.5_7b_ladder.yaml")
    inp = plan_input(cfg, gpu_mem_gib=80)
    assert (inp.strategy, inp.num_gpus, inp.seq_len, inp.micro_batch) == ("fsdp2", 8, 32768, 1)
    assert inp.gradient_checkpointing  # from fsdp_activation_checkpointing, TRL's own is off
    assert inp.liger
    assert plan(model_shape(cfg.model.path), inp).fits
    rl = plan_input(load_config(RECIPES / "rl_rloo_qwen2.5_7b.yaml"))
    assert rl.strategy == "zero3" and rl.reference_model and rl.vllm_colocate_fraction == 0.3
    grpo = plan_input(load_config(RECIPES / "rl_grpo_qwen2.5_7b.yaml"))
    assert not grpo.reference_model  # beta 0
    dpo = plan_input(load_config(RECIPES / "dpo_qwen2.5_7b.yaml"))
    assert not dpo.reference_model  # precompute_ref_log_probs
    big = plan_input(load_config(RECIPES / "sft_qwen2.5_32b_ladder.yaml"))
    assert big.strategy == "fsdp2_offload"
    assert plan_input(load_config(RECIPES / "sft_qwen2.5_math_7b_pi.yaml")).strategy == "zero2"


def test_model_shape_from_a_local_config_and_unknown_ids(tmp_path):
    (tmp_path / "config.json").write_text(
        json.dumps(
            {
                "model_type": "llama",
                "hidden_size": 64,
                "num_hidden_layers": 2,
                "num_attention_heads": 4,
                "intermediate_size": 128,
                "vocab_size": 100,
            }
        )
    )
    s = model_shape(str(tmp_path))
    assert s.num_kv_heads == 4 and not s.qkv_bias
    with pytest.raises(ConfigError, match="no shape known"):
        model_shape("someone/unknown-model")
    with pytest.raises(ConfigError, match="unknown sharding strategy"):
        plan(s, PlanInput(strategy="zero9", num_gpus=8, gpu_mem_gib=80, seq_len=10))


def test_tiny_model_shape_equals_its_real_parameter_count(tiny_model):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    assert model_shape(str(tiny_model)).total_params == sum(p.numel() for p in model.parameters())


def test_plan_cli_marks_the_configs_strategy_and_says_if_it_fits(monkeypatch):
    from typer.testing import CliRunner

    from redstar_data.cli.app import app

    monkeypatch.chdir(RECIPES.parents[1])
    cfg = str(RECIPES / "sft_qwen2.5_32b_ladder.yaml")
    res = CliRunner().invoke(
        app, ["train", "plan", cfg, "--gpus", "8", "--gpu-mem", "80"], terminal_width=160
    )
    assert res.exit_code == 0, res.output
    assert "fsdp2_offload*" in res.output and "Qwen2.5-32B" in res.output
    assert "fsdp2_offload (*, from the config):" in res.output and ": fits." in res.output
    res = CliRunner().invoke(app, ["train", "plan", cfg, "--strategy", "zero3", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    chosen = next(p for p in out["plans"] if p["strategy"] == out["chosen"] == "zero3")
    assert chosen["fits"] is False and chosen["num_gpus"] == 8 and chosen["seq_len"] == 32768
    res = CliRunner().invoke(app, ["train", "plan", cfg, "--strategy", "zero9"])
    assert res.exit_code != 0 and "unknown sharding strategy" in str(res.exception) + res.output
