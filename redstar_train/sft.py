"""SFT backend: TRL's SFTTrainer on an exported ``messages`` set, loss on assistant turns only.

``redstar train sft CONFIG.yaml`` or ``python -m redstar_train.sft CONFIG.yaml``. redstar adds only what
TRL leaves to the caller: strict config, format check, dropping (and counting) over-length rows instead
of truncating away the answer, Position Interpolation through ``model_init_kwargs``, and a report.
The trainer is built and run by ``runner.build_trainer`` / ``runner.train`` from ``SPEC``.
"""

from __future__ import annotations

from typing import Any

from redstar_train.config import SFTTrainConfig
from redstar_train.spec import TrainerSpec
from redstar_train.vision import is_vision_dataset


def sft_trl_fields(cfg: SFTTrainConfig) -> dict[str, Any]:
    """The SFTConfig fields redstar sets from its own config."""
    return {
        "max_length": cfg.context.max_length,
        "assistant_only_loss": cfg.sft.assistant_only_loss,
        "packing": cfg.sft.packing,
    }


def sft_trainer_kwargs(cfg: SFTTrainConfig, ds: Any, rep: Any, extra: Any, fields: dict[str, Any]) -> dict:
    """Vision rows arrive as prompt-completion (``redstar_train.vision``): TRL's completion-only loss keeps
    the loss on the assistant turn there, and its ``assistant_only_loss`` (messages only) is turned off."""
    if is_vision_dataset(ds):
        fields["assistant_only_loss"] = False
    return {}


SPEC = TrainerSpec(
    kind="sft",
    feature="SFT training",
    trl_fields=sft_trl_fields,
    trainer=lambda cfg, trl: trl.SFTTrainer,
    trainer_kwargs=sft_trainer_kwargs,
)

if __name__ == "__main__":  # = `redstar train sft ...`, inside redstar's one error boundary
    import sys

    from redstar_data.cli.app import main

    main(["train", "sft", *sys.argv[1:]])
