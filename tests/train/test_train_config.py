"""Config validation: errors name the file, the key and what is allowed; TRL keys are checked too."""

from __future__ import annotations

import pytest

from redstar_data.errors import ConfigError
from redstar_train.config import base_trl_args, load_config
from redstar_train.runner import make_trl_args


def test_unknown_key_names_file_key_and_allowed(make_config):
    path = make_config("sft", sft={"packng": True})
    with pytest.raises(ConfigError) as e:
        load_config(path)
    msg = str(e.value)
    assert str(path) in msg and "sft.packng: unknown key (allowed: assistant_only_loss, packing)" in msg


def test_missing_and_wrong_kind(make_config, tmp_path):
    path = make_config("sft", context={"max_length": None})
    with pytest.raises(ConfigError, match=r"context\.max_length: .*got None"):
        load_config(path)
    with pytest.raises(ConfigError, match=r"this is a 'sft' config, not 'dpo'"):
        load_config(make_config("sft"), kind="dpo")
    with pytest.raises(ConfigError, match=r"rl\.max_completion_length: required key is missing"):
        load_config(make_config("rl", rl={"algo": "grpo"}))
    with pytest.raises(
        ConfigError, match=r"rl\.algo: invalid value 'ppo2' \(allowed: grpo, rloo, reinforce_pp, "
    ):
        load_config(make_config("rl", rl={"algo": "ppo2", "max_completion_length": 8}))
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_unknown_trl_argument_suggests(make_config):
    cfg = load_config(make_config("sft", trl={"learnig_rate": 1e-4}))
    with pytest.raises(
        ConfigError, match=r"trl\.learnig_rate: unknown SFTConfig argument \(allowed: learning_rate"
    ):
        make_trl_args(cfg, {})


def test_trl_args_layering(make_config):
    cfg = load_config(make_config("sft", trl={"logging_steps": 3, "learning_rate": 1e-4}))
    args = make_trl_args(cfg, {"max_length": 256})
    assert args.bf16 is False and args.use_cpu is True and args.report_to == []
    assert args.logging_steps == 3 and args.learning_rate == 1e-4 and args.max_length == 256
    assert args.model_init_kwargs == {"dtype": "float32"}
    assert base_trl_args(cfg)["output_dir"].endswith("out-sft")


def test_data_errors(make_config, tmp_path, exports):
    from redstar_train import runner

    # a DPO export given to SFT: the error names the file and the missing column
    cfg = load_config(make_config("sft", data={"path": str(exports["dpo"])}))
    with pytest.raises(ConfigError, match=r"dpo:train: missing column\(s\) \['messages'\] for sft"):
        runner.build_trainer(cfg)
    # a ladder export without data.size lists the rungs
    ladder = tmp_path / "ladder"
    for size in ("4000", "21000"):
        (ladder / size).mkdir(parents=True)
        (ladder / size / "train.parquet").write_bytes((exports["sft"] / "train.parquet").read_bytes())
    cfg = load_config(make_config("sft", data={"path": str(ladder)}))
    with pytest.raises(
        ConfigError, match=r"data\.size: .* is a ladder export; pick a rung \(allowed: 4000, 21000\)"
    ):
        runner.build_trainer(cfg)
    cfg = load_config(make_config("sft", data={"path": str(ladder), "size": 4000}, trl={"max_steps": 1}))
    trainer, rep, _ = runner.build_trainer(cfg)
    assert rep.n_rows == 120 and rep.source.endswith("/4000:train")
