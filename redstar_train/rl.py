"""RL backend: TRL's GRPO and RLOO trainers with redstar's verifier rewards, plus REINFORCE++-style settings.

``redstar train rl CONFIG.yaml`` or ``python -m redstar_train.rl CONFIG.yaml``; ``rl.algo`` picks:

==========================  =========================================================================
``grpo``                    GRPOTrainer as configured (group-normalised advantages, KL in the loss).
``rloo``                    RLOOTrainer (leave-one-out baseline, KL folded into the reward).
``reinforce_pp``            RLOOTrainer(normalize_advantages=True, beta>0): KL in the reward and global
                            batch normalisation of group-centred advantages, i.e. REINFORCE++-baseline's
                            advantages. Gaps: the loss is a sequence-level sum (REINFORCE++ uses a
                            token mean) and the KL is one scalar per sequence, not a per-token reward.
``reinforce_pp_tokenlevel`` GRPOTrainer(scale_rewards="batch", loss_type="dapo", beta>0): group mean,
                            batch std, token-level normalisation. Gap: the KL sits in the loss (k3), not
                            in the reward, and the std is over raw rewards.
``ppo``                     Not provided by TRL 1.16 (removed in trl#7020): a clear error.
==========================  =========================================================================

Both REINFORCE++ variants need >= 2 samples per prompt (REINFORCE++ itself uses 1) and have no per-token
return-to-go. An exact REINFORCE++ would need a trainer subclass, which is not "thin"; see docs/train.md.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Sequence
from typing import Any

from redstar_data.errors import ConfigError
from redstar_train.config import RLTrainConfig
from redstar_train.rewards import RewardFunc, get_rewards
from redstar_train.spec import TrainerSpec

DEFAULT_BETA = {"grpo": 0.0, "rloo": 0.05, "reinforce_pp": 0.01, "reinforce_pp_tokenlevel": 0.01}


def ppo_available() -> bool:
    """True when the installed TRL ships a PPO trainer (``trl.experimental.ppo``); False for TRL 1.16."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return importlib.util.find_spec("trl.experimental.ppo") is not None
        except ModuleNotFoundError:
            return False


def rl_trl_fields(cfg: RLTrainConfig) -> dict[str, Any]:
    """The GRPOConfig / RLOOConfig fields for ``cfg.rl.algo`` (see the module docstring's table)."""
    rl = cfg.rl
    if rl.algo == "ppo":
        import trl

        where = (
            "trl.experimental.ppo exists in this TRL, but redstar has no PPO backend wired to it"
            if ppo_available()
            else f"the installed TRL {trl.__version__} has no PPO trainer "
            "(PPOTrainer was removed in huggingface/trl#7020)"
        )
        raise ConfigError(
            f"PPO is not available: {where}",
            file=cfg.source_file,
            key="rl.algo",
            allowed=[a for a in DEFAULT_BETA],
            hint="use algo: reinforce_pp (critic-free, KL in reward) or grpo; see docs/train.md",
        )
    beta = DEFAULT_BETA[rl.algo] if rl.beta is None else rl.beta
    if rl.algo.startswith("reinforce_pp") and beta <= 0:
        raise ConfigError(
            "REINFORCE++ needs a KL penalty: beta must be > 0", file=cfg.source_file, key="rl.beta"
        )
    fields: dict[str, Any] = {
        "num_generations": rl.num_generations,
        "max_completion_length": rl.max_completion_length,
        "beta": beta,
        "temperature": rl.temperature,
    }
    if rl.reward_weights is not None:
        fields["reward_weights"] = list(rl.reward_weights)
    if rl.algo == "reinforce_pp":
        fields["normalize_advantages"] = True
    elif rl.algo == "reinforce_pp_tokenlevel":
        fields.update(scale_rewards="batch", loss_type="dapo")
    return fields


def _rl_budget(cfg: RLTrainConfig) -> int:
    """Prompts longer than max_length - max_completion_length leave no room to answer: drop and count them."""
    return max(cfg.context.max_length - cfg.rl.max_completion_length, 1)


def _rl_trainer_kwargs(
    cfg: RLTrainConfig, ds: Any, rep: Any, extra_rewards: Sequence[RewardFunc], fields: dict[str, Any]
) -> dict[str, Any]:
    """The reward functions: ``rl.rewards`` then ``extra_rewards`` (library use, weight 1 each)."""
    rewards = get_rewards(cfg.rl.rewards)
    if "math" in cfg.rl.rewards and "answer" not in ds.column_names:
        raise ConfigError(
            f"{rep.source}: the math reward needs an 'answer' column",
            key="data.path",
            hint="export with format rl (prompt + answer)",
        )
    if "code" in cfg.rl.rewards and "tests" not in ds.column_names:
        raise ConfigError(
            f"{rep.source}: the code reward needs a 'tests' column",
            key="data.path",
            hint="export code problems with format rl (prompt + answer + tests)",
        )
    if extra_rewards and "reward_weights" in fields:
        fields["reward_weights"] = fields["reward_weights"] + [1.0] * len(extra_rewards)
    return {"reward_funcs": list(rewards) + list(extra_rewards)}


SPEC = TrainerSpec(
    kind="rl",
    feature="RL training",
    trl_fields=rl_trl_fields,
    trainer=lambda cfg, trl: trl.RLOOTrainer if cfg.rl.algo in ("rloo", "reinforce_pp") else trl.GRPOTrainer,
    prompt_budget=_rl_budget,
    trainer_kwargs=_rl_trainer_kwargs,
    algo=lambda cfg: cfg.rl.algo,
    takes_rewards=True,
)

if __name__ == "__main__":  # = `redstar train rl ...`, inside redstar's one error boundary
    import sys

    from redstar_data.cli.app import main

    main(["train", "rl", *sys.argv[1:]])
