"""Long-context knobs reach TRL's config classes as the big configs say, and work on the tiny model; the
launch command and its checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from redstar_data.errors import ConfigError
from redstar_train.config import base_trl_args, load_config
from redstar_train.distributed import DISTRIBUTED_DIR, fsdp_activation_checkpointing, launch_command
from redstar_train.distributed import read_accelerate_config as read_acc
from redstar_train.runner import SPECS, build_trainer, make_trl_args

RECIPES = Path(__file__).resolve().parents[2] / "recipes" / "train"


def _trl_args(cfg):
    return make_trl_args(cfg, SPECS[cfg.kind].trl_fields(cfg))


@pytest.mark.parametrize("size", ["7b", "14b", "32b"])
def test_ladder_configs_reach_sftconfig_with_the_long_context_knobs(size, monkeypatch):
    import trl

    monkeypatch.chdir(RECIPES.parents[1])
    cfg = load_config(RECIPES / f"sft_qwen2.5_{size}_ladder.yaml")
    args = _trl_args(cfg)
    assert isinstance(args, trl.SFTConfig)
    assert args.max_length == cfg.context.max_length == 32768
    assert args.packing and args.packing_strategy == "bfd"  # padding-free: position_ids restart per trace
    assert args.use_liger_kernel
    assert args.gradient_checkpointing is False  # the FSDP file checkpoints each layer instead
    acc = read_acc(cfg.distributed.accelerate_config)
    assert fsdp_activation_checkpointing(acc)
    assert cfg.model.attn_implementation == "flash_attention_2"  # what uses the position_ids boundaries


def test_dpo_config_groups_by_length(monkeypatch):
    import trl

    monkeypatch.chdir(RECIPES.parents[1])
    args = _trl_args(load_config(RECIPES / "dpo_qwen2.5_7b.yaml"))
    assert isinstance(args, trl.DPOConfig) and args.train_sampling_strategy == "group_by_length"


def test_packed_batches_are_padding_free_with_restarting_positions(make_config):
    cfg = load_config(make_config("sft", sft={"packing": True}, trl={"max_steps": 1}), kind="sft")
    trainer, _, _ = build_trainer(cfg)
    batch = next(iter(trainer.get_train_dataloader()))
    assert "attention_mask" not in batch  # no padding, no mask
    pos = batch["position_ids"]
    assert pos.shape == batch["input_ids"].shape
    restarts = (pos[:, 1:] == 0).sum().item()
    assert restarts >= 1  # several traces in one block, positions restart at each
    assert (batch["input_ids"] != trainer.processing_class.pad_token_id).all()


def test_group_by_length_uses_transformers_length_grouped_sampler(make_config):
    from transformers.trainer_pt_utils import LengthGroupedSampler

    cfg = load_config(
        make_config("sft", trl={"max_steps": 1, "train_sampling_strategy": "group_by_length"}), kind="sft"
    )
    trainer, _, _ = build_trainer(cfg)
    assert isinstance(trainer._get_train_sampler(), LengthGroupedSampler)


def test_fsdp_launch_turns_trl_checkpointing_off(make_config, monkeypatch):
    cfg = load_config(make_config("sft", device="cuda"), kind="sft")  # on GPUs TRL's default (True) stays
    monkeypatch.delenv("FSDP_ACTIVATION_CHECKPOINTING", raising=False)
    assert "gradient_checkpointing" not in base_trl_args(cfg)
    monkeypatch.setenv("FSDP_ACTIVATION_CHECKPOINTING", "true")  # what accelerate launch sets for the file
    assert base_trl_args(cfg)["gradient_checkpointing"] is False


def test_launch_command(make_config):
    cfg = load_config(make_config("sft", device="cuda"), kind="sft")
    with pytest.raises(ConfigError, match="needs an accelerate config file"):
        launch_command("sft", "c.yaml", cfg)
    cmd = launch_command(
        "sft",
        "c.yaml",
        cfg,
        accelerate_config=DISTRIBUTED_DIR / "ddp.yaml",
        num_processes=16,
        num_machines=2,
        machine_rank=1,
        main_process_ip="10.0.0.1",
        main_process_port=29500,
        train_args=["--max-steps", "3"],
    )
    flags = dict(zip(cmd[3:-5:2], cmd[4:-5:2], strict=True))
    assert cmd[1:3] == ["-m", "accelerate.commands.launch"]
    assert flags == {
        "--config_file": str(DISTRIBUTED_DIR / "ddp.yaml"),
        "--num_processes": "16",
        "--num_machines": "2",
        "--machine_rank": "1",
        "--main_process_ip": "10.0.0.1",
        "--main_process_port": "29500",
    }
    assert cmd[-5:] == ["-m", "redstar_train.sft", "c.yaml", "--max-steps", "3"]
    with pytest.raises(ConfigError, match="address of machine 0"):
        launch_command("sft", "c.yaml", cfg, accelerate_config=DISTRIBUTED_DIR / "ddp.yaml", num_machines=2)


def test_fsdp_checkpointing_and_trl_checkpointing_together_is_a_config_error(make_config):
    cfg = load_config(make_config("sft", device="cuda", trl={"gradient_checkpointing": True}), kind="sft")
    with pytest.raises(ConfigError, match="both on"):
        launch_command("sft", "c.yaml", cfg, accelerate_config=DISTRIBUTED_DIR / "fsdp2_full_shard.yaml")


def test_fsdp_and_zero_on_cpu_are_refused_before_launch(make_config):
    """accelerate enables FSDP only for GPU process groups (AcceleratorState); on CPU the ranks ran plain
    DDP (MULTI_CPU) when tried, so the launcher says so instead of training with another engine."""
    cfg = load_config(make_config("sft"), kind="sft")  # device: cpu
    for f in ("fsdp2_full_shard.yaml", "zero3.yaml"):
        with pytest.raises(ConfigError, match="needs GPUs"):
            launch_command("sft", "c.yaml", cfg, accelerate_config=DISTRIBUTED_DIR / f)
    assert launch_command("sft", "c.yaml", cfg, accelerate_config=DISTRIBUTED_DIR / "ddp_cpu.yaml")


def test_zero_without_deepspeed_names_the_install_line(make_config):
    from redstar_data.deps import available
    from redstar_data.errors import MissingDependencyError

    if available("deepspeed"):
        pytest.skip("deepspeed is installed here")
    cfg = load_config(make_config("sft", device="cuda"), kind="sft")
    with pytest.raises(MissingDependencyError, match=r"redstar\[deepspeed\]"):
        launch_command("sft", "c.yaml", cfg, accelerate_config=DISTRIBUTED_DIR / "zero3.yaml")
