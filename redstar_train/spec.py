"""What differs between SFT, DPO and RL (TRL fields, trainer class, prompt budget, extra trainer arguments).

Everything else (tokenizer, data, TRL args, the trainer call, the run report) is one definition in
``runner.build_trainer`` / ``runner.train``; each algorithm module only fills a ``TrainerSpec``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


def _no_budget(cfg: Any) -> int | None:
    return None


def _no_kwargs(cfg: Any, ds: Any, rep: Any, extra_rewards: Sequence[Any], fields: dict[str, Any]) -> dict:
    return {}


def _kind(cfg: Any) -> str:
    return str(cfg.kind)


@dataclass(frozen=True)
class TrainerSpec:
    """One training kind: how its redstar config becomes a TRL trainer.

    ``trl_fields(cfg)`` are the TRL config fields redstar maps from its own config; ``trainer(cfg, trl)``
    is the TRL trainer class; ``prompt_budget(cfg)`` caps prompt tokens (None: the whole max_length);
    ``trainer_kwargs(cfg, ds, rep, extra_rewards, fields)`` adds trainer arguments (e.g. reward functions)
    and may extend ``fields`` before the TRL args are built; ``algo(cfg)`` names the run's algorithm.
    """

    kind: str
    feature: str
    trl_fields: Callable[[Any], dict[str, Any]]
    trainer: Callable[[Any, Any], type]
    prompt_budget: Callable[[Any], int | None] = field(default=_no_budget)
    trainer_kwargs: Callable[[Any, Any, Any, Sequence[Any], dict[str, Any]], dict[str, Any]] = field(
        default=_no_kwargs
    )
    algo: Callable[[Any], str] = field(default=_kind)
    takes_rewards: bool = False
