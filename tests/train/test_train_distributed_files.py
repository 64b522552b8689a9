"""The shipped accelerate/DeepSpeed files load through accelerate's own launch path and select the engine
they say (read back from accelerate's FSDP / DeepSpeed plugins, built from the launch environment)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from redstar_data.errors import ConfigError
from redstar_train.distributed import read_accelerate_config, strategy_of

DIST = Path(__file__).resolve().parents[2] / "recipes" / "train" / "distributed"
FILES = sorted(DIST.glob("*.yaml"))


def _launch_env(path: Path) -> tuple[object, dict[str, str]]:
    """What `accelerate launch --config_file PATH` would put in each rank's environment."""
    from accelerate.commands.config.config_args import ClusterConfig
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils.launch import prepare_deepspeed_cmd_env, prepare_multi_gpu_env

    ClusterConfig.from_yaml_file(str(path))  # unknown top-level keys fail here
    args = launch_command_parser().parse_args(["--config_file", str(path), "train.py"])
    args, defaults, mp_from_config = _validate_launch_command(args)
    if args.use_deepspeed:
        # as accelerate's launch_command does before deepspeed_launcher
        fields = list(defaults.deepspeed_config) + (["mixed_precision"] if mp_from_config else [])
        args.deepspeed_fields_from_accelerate_config = ",".join(fields)
        _, env = prepare_deepspeed_cmd_env(args)
    else:
        env = prepare_multi_gpu_env(args)
    return args, {k: v for k, v in env.items() if k.startswith(("ACCELERATE_", "FSDP_"))}


@pytest.fixture
def in_repo_root(monkeypatch):
    monkeypatch.chdir(DIST.parents[2])  # the DeepSpeed JSON paths are relative to where you launch


def test_every_engine_is_shipped():
    assert {p.stem for p in FILES} >= {
        "ddp",
        "fsdp2_full_shard",
        "fsdp2_full_shard_offload",
        "zero2",
        "zero3",
        "zero3_offload",
    }


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_file_loads_through_accelerate_and_selects_its_engine(path, in_repo_root, monkeypatch):
    from accelerate.utils import DeepSpeedPlugin, FullyShardedDataParallelPlugin

    args, env = _launch_env(path)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    strategy = strategy_of(read_accelerate_config(path))
    cpu = "cpu" in path.stem  # the gloo files for tests and laptops
    assert env["ACCELERATE_MIXED_PRECISION"] in (("no",) if cpu else ("bf16", "no"))
    if strategy == "ddp":
        assert args.multi_gpu and not args.use_fsdp and not args.use_deepspeed
        assert env["ACCELERATE_MIXED_PRECISION"] == ("no" if cpu else "bf16")
    elif strategy.startswith("fsdp2"):
        plugin = FullyShardedDataParallelPlugin()
        assert plugin.fsdp_version == 2 and plugin.reshard_after_forward is True
        assert plugin.activation_checkpointing is not cpu
        offload = type(plugin.cpu_offload).__name__
        assert offload == ("CPUOffloadPolicy" if strategy == "fsdp2_offload" else "OffloadPolicy")
    else:
        plugin = DeepSpeedPlugin()
        stage = plugin.hf_ds_config.config["zero_optimization"]["stage"]
        assert plugin.zero_stage == stage == (2 if strategy == "zero2" else 3)
        assert plugin.is_zero3_init_enabled() == (stage == 3)
        off = plugin.hf_ds_config.config["zero_optimization"].get("offload_param", {}).get("device")
        assert (off == "cpu") == (strategy == "zero3_offload")
        assert plugin.hf_ds_config.config["bf16"]["enabled"] == "auto"  # filled from TRL's bf16


def test_a_deepspeed_file_with_mixed_precision_is_rejected_by_accelerate(tmp_path, in_repo_root, monkeypatch):
    """Why the DeepSpeed files carry no mixed_precision: accelerate refuses it next to a JSON file."""
    from accelerate.utils import DeepSpeedPlugin

    bad = tmp_path / "zero3_mp.yaml"
    bad.write_text((DIST / "zero3.yaml").read_text() + "mixed_precision: bf16\n")
    _, env = _launch_env(bad)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ValueError, match="mixed_precision"):
        DeepSpeedPlugin()


def test_strategy_errors_name_the_problem(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        read_accelerate_config(tmp_path / "nope.yaml")
    fsdp1 = tmp_path / "fsdp1.yaml"
    fsdp1.write_text("distributed_type: FSDP\nfsdp_config: {fsdp_version: 1}\n")
    with pytest.raises(ConfigError, match="FSDP2 only"):
        strategy_of(read_accelerate_config(fsdp1))
    assert strategy_of({"distributed_type": "FSDP", "fsdp_config": {"fsdp_version": 2}}) == "fsdp2"


def test_no_accelerate_env_leaks_between_tests():
    assert not any(k.startswith("FSDP_") for k in os.environ)
