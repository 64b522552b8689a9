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


def sft_trl_fields(cfg: SFTTrainConfig) -> dict[str, Any]:
    """The SFTConfig fields redstar sets from its own config."""
    return {
        "max_length": cfg.context.max_length,
        "assistant_only_loss": cfg.sft.assistant_only_loss,
        "packing": cfg.sft.packing,
    }


SPEC = TrainerSpec(
    kind="sft", feature="SFT training", trl_fields=sft_trl_fields, trainer=lambda cfg, trl: trl.SFTTrainer
)

if __name__ == "__main__":  # = `redstar train sft ...`, inside redstar's one error boundary
    import sys

    from redstar_data.cli.app import main

    main(["train", "sft", *sys.argv[1:]])
