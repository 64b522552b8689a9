"""DPO backend: TRL's DPOTrainer on exported preference pairs (prompt messages, chosen, rejected).

``python -m redstar_train.dpo CONFIG.yaml`` or ``redstar train dpo CONFIG.yaml``. The reference model is
re-loaded by TRL from ``model.path`` with the same ``model_init_kwargs`` as the policy, so Position
Interpolation applies to both (patching a model instance would leave the reference without it).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from redstar_data.deps import require
from redstar_data.progress import ProgressCallback, null_progress
from redstar_train.config import DPOTrainConfig, TrainConfig
from redstar_train.runner import (
    TrainReport,
    load_data,
    make_trl_args,
    module_main,
    run_trainer,
    tokenizer_for,
)


def dpo_trl_fields(cfg: DPOTrainConfig) -> dict[str, Any]:
    """The DPOConfig fields redstar sets from its own config."""
    lt = cfg.dpo.loss_type
    return {
        "max_length": cfg.context.max_length,
        "beta": cfg.dpo.beta,
        "loss_type": [lt] if isinstance(lt, str) else list(lt),
    }


def build_trainer(cfg: TrainConfig, *, callbacks: list[Any] | None = None) -> tuple[Any, Any, Any]:
    """(trainer, data report, eval data report) for a DPO config."""
    assert isinstance(cfg, DPOTrainConfig), "build_trainer needs a DPO config"
    (trl,) = require("DPO training", "train", "trl")
    tok = tokenizer_for(cfg)
    ds, rep, eval_ds, eval_rep = load_data(cfg, tok)
    args = make_trl_args(cfg, dpo_trl_fields(cfg))
    trainer = trl.DPOTrainer(
        model=cfg.model.path,
        args=args,
        train_dataset=ds,
        eval_dataset=eval_ds,
        processing_class=tok,
        callbacks=callbacks,
    )
    return trainer, rep, eval_rep


def main(
    cfg: TrainConfig, *, progress: ProgressCallback = null_progress, callbacks: list[Any] | None = None
) -> TrainReport:
    """Train a DPO config end to end; reward margins are in ``log_history["rewards/margins"]``."""
    t0 = time.perf_counter()
    trainer, rep, eval_rep = build_trainer(cfg, callbacks=callbacks)
    return run_trainer(cfg, trainer, rep, eval_rep, algo="dpo", progress=progress, t0=t0)


if __name__ == "__main__":
    sys.exit(module_main("dpo", main))
