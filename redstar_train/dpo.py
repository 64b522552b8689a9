"""DPO backend: TRL's DPOTrainer on exported preference pairs (prompt messages, chosen, rejected).

``redstar train dpo CONFIG.yaml`` or ``python -m redstar_train.dpo CONFIG.yaml``. The reference model is
re-loaded by TRL from ``model.path`` with the same ``model_init_kwargs`` as the policy, so Position
Interpolation applies to both (patching a model instance would leave the reference without it).
The trainer is built and run by ``runner.build_trainer`` / ``runner.train`` from ``SPEC``.
"""

from __future__ import annotations

from typing import Any

from redstar_train.config import DPOTrainConfig
from redstar_train.spec import TrainerSpec


def dpo_trl_fields(cfg: DPOTrainConfig) -> dict[str, Any]:
    """The DPOConfig fields redstar sets from its own config."""
    lt = cfg.dpo.loss_type
    return {
        "max_length": cfg.context.max_length,
        "beta": cfg.dpo.beta,
        "loss_type": [lt] if isinstance(lt, str) else list(lt),
    }


SPEC = TrainerSpec(
    kind="dpo", feature="DPO training", trl_fields=dpo_trl_fields, trainer=lambda cfg, trl: trl.DPOTrainer
)

if __name__ == "__main__":  # = `redstar train dpo ...`, inside redstar's one error boundary
    import sys

    from redstar_data.cli.app import main

    main(["train", "dpo", *sys.argv[1:]])
