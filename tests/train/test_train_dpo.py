"""DPO: the real TRL DPOTrainer on exported pairs; the reward margin must rise."""

from __future__ import annotations

import pytest

from redstar_train import runner
from redstar_train.config import load_config

pytestmark = pytest.mark.slow  # more than ~10 s: real training / subprocesses; CI runs it too


def test_dpo_reward_margin_rises(make_config):
    cfg = load_config(
        make_config(
            "dpo",
            dpo={"beta": 0.1},
            trl={"max_steps": 10, "per_device_train_batch_size": 4, "learning_rate": 5e-4},
        ),
        kind="dpo",
    )
    report = runner.train(cfg)
    margins = report.metric("rewards/margins")
    assert report.global_step == 10 and len(margins) == 10
    assert margins[-1] > margins[0] and margins[-1] > 0, margins
    assert sum(margins[-3:]) / 3 > sum(margins[:3]) / 3
    assert report.data.n_rows == 40


def test_dpo_loss_type_and_beta_reach_trl(make_config):
    cfg = load_config(
        make_config("dpo", dpo={"beta": 0.3, "loss_type": "ipo"}, trl={"max_steps": 1}), kind="dpo"
    )
    trainer, rep, _ = runner.build_trainer(cfg)
    assert trainer.args.beta == 0.3 and list(trainer.args.loss_type) == ["ipo"]
    assert trainer.args.max_length == 256 and rep.n_dropped == 0
