"""SFT backend: TRL's SFTTrainer on an exported ``messages`` set, loss on assistant turns only.

``python -m redstar_train.sft CONFIG.yaml`` or ``redstar train sft CONFIG.yaml``. redstar adds only what
TRL leaves to the caller: strict config, format check, dropping (and counting) over-length rows instead
of truncating away the answer, Position Interpolation through ``model_init_kwargs``, and a report.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from redstar_data.deps import require
from redstar_data.progress import ProgressCallback, null_progress
from redstar_train.config import SFTTrainConfig, TrainConfig
from redstar_train.runner import (
    TrainReport,
    load_data,
    make_trl_args,
    module_main,
    run_trainer,
    tokenizer_for,
)


def sft_trl_fields(cfg: SFTTrainConfig) -> dict[str, Any]:
    """The SFTConfig fields redstar sets from its own config."""
    return {
        "max_length": cfg.context.max_length,
        "assistant_only_loss": cfg.sft.assistant_only_loss,
        "packing": cfg.sft.packing,
    }


def build_trainer(cfg: TrainConfig, *, callbacks: list[Any] | None = None) -> tuple[Any, Any, Any]:
    """(trainer, data report, eval data report) for an SFT config, ready to ``train()``."""
    assert isinstance(cfg, SFTTrainConfig), "build_trainer needs an SFT config"
    (trl,) = require("SFT training", "train", "trl")
    tok = tokenizer_for(cfg)
    ds, rep, eval_ds, eval_rep = load_data(cfg, tok)
    args = make_trl_args(cfg, sft_trl_fields(cfg))
    trainer = trl.SFTTrainer(
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
    """Train an SFT config end to end; returns the report (losses in ``log_history``)."""
    t0 = time.perf_counter()
    trainer, rep, eval_rep = build_trainer(cfg, callbacks=callbacks)
    return run_trainer(cfg, trainer, rep, eval_rep, algo="sft", progress=progress, t0=t0)


if __name__ == "__main__":
    sys.exit(module_main("sft", main))
