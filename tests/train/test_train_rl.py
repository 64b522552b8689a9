"""RL: GRPO / RLOO / REINFORCE++ settings through the real TRL trainers with redstar's rewards."""

from __future__ import annotations

import pytest

from redstar_data.errors import ConfigError
from redstar_train import rl, runner
from redstar_train.config import load_config

pytestmark = pytest.mark.slow  # more than ~10 s: real training / subprocesses; CI runs it too

RL = {"num_generations": 4, "max_completion_length": 16}
TRL = {"max_steps": 3, "per_device_train_batch_size": 8, "learning_rate": 1e-3}


class Recorder:
    """A reward that varies with the completion (its length), so advantages and gradients are non-zero,
    and that records the columns TRL passes to reward functions."""

    __name__ = "length_reward"

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, completions, **kwargs):
        self.calls.append({"completions": completions, **kwargs})
        return [len(c[0]["content"]) / 100.0 for c in completions]


def test_grpo_runs_with_math_reward(make_config):
    from redstar_train import rewards

    seen: list[tuple[list, list]] = []
    real = rewards.math_reward

    def math_reward(completions, answer, **kw):
        out = real(completions, answer, **kw)
        seen.append((list(answer), out))
        return out

    rec = Recorder()
    cfg = load_config(make_config("rl", rl={**RL, "algo": "grpo", "beta": 0.04}, trl=TRL), kind="rl")
    rewards.REWARDS["math"] = math_reward
    try:
        report = runner.train(cfg, extra_rewards=[rec])
    finally:
        rewards.REWARDS["math"] = real
    assert report.global_step == 3
    assert len(seen) == 3 and all(set(out) <= {0.0, 1.0} for _, out in seen)
    # answers arrive aligned with completions: each prompt's answer repeated num_generations times
    for answers, _ in seen:
        assert len(answers) == 8 and all(answers[i] == answers[i - i % 4] for i in range(8))
    assert "rewards/math_reward/mean" in report.log_history[0]
    assert max(report.metric("kl")) > 0
    assert max(report.metric("grad_norm")) > 0


def test_grpo_moves_the_policy_with_a_varying_reward(make_config):
    rec = Recorder()
    cfg = load_config(make_config("rl", rl={**RL, "rewards": ["format"], "beta": 0.04}, trl=TRL), kind="rl")
    trainer, _, _ = runner.build_trainer(cfg, extra_rewards=[rec])
    before = {k: v.detach().clone() for k, v in trainer.model.named_parameters()}
    trainer.train()
    changed = sum(not (before[k] == v.detach()).all() for k, v in trainer.model.named_parameters())
    assert changed > 0 and trainer.state.global_step == 3
    assert rec.calls and {"answer", "problem_id", "prompts"} <= set(rec.calls[0])


@pytest.mark.parametrize(
    "algo,cls,checks",
    [
        ("rloo", "RLOOTrainer", {"beta": 0.05}),
        ("reinforce_pp", "RLOOTrainer", {"normalize_advantages": True, "beta": 0.01}),
        (
            "reinforce_pp_tokenlevel",
            "GRPOTrainer",
            {"scale_rewards": "batch", "loss_type": "dapo", "beta": 0.01},
        ),
    ],
)
def test_algo_mapping(make_config, algo, cls, checks):
    cfg = load_config(
        make_config("rl", rl={**RL, "algo": algo, "rewards": ["format"]}, trl={**TRL, "max_steps": 1}),
        kind="rl",
    )
    trainer, _, _ = runner.build_trainer(cfg, extra_rewards=[Recorder()])
    assert type(trainer).__name__ == cls
    for k, v in checks.items():
        assert getattr(trainer.args, k) == v, k
    trainer.train()
    assert trainer.state.global_step == 1


def test_ppo_is_a_clear_error(make_config):
    cfg = load_config(make_config("rl", rl={**RL, "algo": "ppo"}), kind="rl")
    with pytest.raises(
        ConfigError, match=r"PPO is not available: the installed TRL 1\.16\.\d+ has no PPO trainer"
    ):
        runner.train(cfg)
    assert rl.ppo_available() is False


def test_reinforce_pp_needs_kl(make_config):
    cfg = load_config(make_config("rl", rl={**RL, "algo": "reinforce_pp", "beta": 0.0}), kind="rl")
    with pytest.raises(ConfigError, match="beta must be > 0"):
        runner.build_trainer(cfg)
