"""The one trainer build and run for every kind: TRL args, data loading, progress, the run report.

``build_trainer(cfg)`` and ``train(cfg)`` are defined once; what differs per kind (TRL fields, trainer
class, prompt budget, reward functions) comes from the kind's ``TrainerSpec`` in sft.py, dpo.py or rl.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from redstar_data.deps import require
from redstar_data.errors import ConfigError
from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress
from redstar_train import dpo, rl, sft
from redstar_train.config import TrainConfig, base_trl_args, check_trl_keys, trl_config_class
from redstar_train.data import DataReport, load_split, prepare
from redstar_train.distributed import fix_cpu_resume_device
from redstar_train.models import load_tokenizer, model_init_kwargs
from redstar_train.spec import TrainerSpec

SPECS: dict[str, TrainerSpec] = {s.kind: s for s in (sft.SPEC, dpo.SPEC, rl.SPEC)}


@dataclass
class TrainReport:
    """What one training run did; ``log_history`` is TRL's per-step log."""

    kind: str
    algo: str
    output_dir: str
    data: DataReport
    eval_data: DataReport | None = None
    global_step: int = 0
    train_runtime_s: float = 0.0
    train_samples_per_s: float = 0.0
    seconds: float = 0.0
    model_saved: bool = False
    start_step: int = 0
    world_size: int = 1
    distributed_type: str = "NO"
    resumed_from: str | None = None
    log_history: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def metric(self, name: str) -> list[float]:
        """Values of one logged metric over the steps where it was logged."""
        return [row[name] for row in self.log_history if name in row]


def make_trl_args(cfg: TrainConfig, extra: dict[str, Any]) -> Any:
    """TRL config = redstar defaults, then the algorithm's mapped fields (``extra``), then ``cfg.trl``."""
    check_trl_keys(cfg)
    cls = trl_config_class(cfg)
    kwargs = {**base_trl_args(cfg), **extra}
    init = model_init_kwargs(cfg.model, cfg.context)
    kwargs["model_init_kwargs"] = {**init, **(cfg.trl.get("model_init_kwargs") or {})}
    kwargs.update({k: v for k, v in cfg.trl.items() if k != "model_init_kwargs"})
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as e:
        raise ConfigError(
            f"{cls.__name__} rejected the arguments: {e}", file=cfg.source_file, key="trl"
        ) from None


def load_data(
    cfg: TrainConfig, tokenizer: Any, *, budget: int | None = None
) -> tuple[Any, DataReport, Any, DataReport | None]:
    """Train (and optional eval) split, format-checked, over-length rows dropped and counted."""
    d = cfg.data
    src = f"{d.path}{'/' + d.size if d.size else ''}:{d.split}"
    ds = load_split(d.path, split=d.split, size=d.size, limit=d.limit)
    ds, rep = prepare(
        ds,
        cfg.kind,
        tokenizer,
        max_length=cfg.context.max_length,
        source=src,
        drop_overlength=d.drop_overlength,
        budget=budget,
    )
    eval_ds, eval_rep = None, None
    if d.eval_split:
        eval_ds = load_split(d.path, split=d.eval_split, size=d.size, limit=d.limit)
        eval_ds, eval_rep = prepare(
            eval_ds,
            cfg.kind,
            tokenizer,
            max_length=cfg.context.max_length,
            source=f"{d.path}:{d.eval_split}",
            drop_overlength=d.drop_overlength,
            budget=budget,
        )
    return ds, rep, eval_ds, eval_rep


def progress_callback(progress: ProgressCallback, stage: str) -> Any:
    """A transformers TrainerCallback that turns TRL's logs into ProgressEvents (no printing)."""
    from transformers import TrainerCallback

    class _Progress(TrainerCallback):  # type: ignore[misc]
        def on_log(
            self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any
        ) -> None:
            metrics = {
                k: float(v)
                for k, v in (logs or {}).items()
                if isinstance(v, int | float)
                and k in ("loss", "reward", "rewards/margins", "kl", "grad_norm", "learning_rate")
            }
            progress(ProgressEvent(stage, state.global_step, state.max_steps, metrics))

    return _Progress()


def start_step_callback() -> Any:
    """A callback that records the step training starts from (0, or N when resumed from checkpoint-N)."""
    from transformers import TrainerCallback

    class _StartStep(TrainerCallback):  # type: ignore[misc]
        step = 0

        def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self.step = int(state.global_step)

    return _StartStep()


def run_trainer(
    cfg: TrainConfig,
    trainer: Any,
    data: DataReport,
    eval_data: DataReport | None,
    *,
    algo: str,
    progress: ProgressCallback = null_progress,
    t0: float | None = None,
    resume_from_checkpoint: str | bool | None = None,
) -> TrainReport:
    """Train (from a checkpoint when asked), save the final model when ``save_model``, build the report.

    Under a distributed launch every rank runs this: all ranks take part in ``save_model`` (FSDP/ZeRO-3
    gather the shards there), and only rank 0 writes ``redstar_train.json`` and ``train_report.json``.
    ``resume_from_checkpoint``: a ``checkpoint-N`` directory, or True for the latest one in output_dir.
    """
    t0 = time.perf_counter() if t0 is None else t0
    main = bool(trainer.is_world_process_zero())
    if progress is not null_progress and main:
        trainer.add_callback(progress_callback(progress, f"train {cfg.kind}"))
    if resume_from_checkpoint:
        fix_cpu_resume_device(trainer.args)
    start = start_step_callback()
    trainer.add_callback(start)
    out = trainer.train(resume_from_checkpoint=resume_from_checkpoint)
    report = TrainReport(
        kind=cfg.kind,
        algo=algo,
        output_dir=str(cfg.out_dir),
        data=data,
        eval_data=eval_data,
        global_step=int(trainer.state.global_step),
        log_history=list(trainer.state.log_history),
        start_step=start.step,
        world_size=int(trainer.args.world_size),
        distributed_type=str(getattr(trainer.accelerator.distributed_type, "value", "NO")),
        resumed_from=str(resume_from_checkpoint) if resume_from_checkpoint else None,
    )
    metrics = getattr(out, "metrics", {}) or {}
    report.train_runtime_s = float(metrics.get("train_runtime", 0.0))
    report.train_samples_per_s = float(metrics.get("train_samples_per_second", 0.0))
    if cfg.save_model:
        trainer.save_model(str(cfg.out_dir))
        report.model_saved = True
        if main:
            (cfg.out_dir / "redstar_train.json").write_text(
                json.dumps(
                    {"config": cfg.model_dump(mode="json"), "data": asdict(data)}, indent=2, default=str
                )
            )
    report.seconds = time.perf_counter() - t0
    if main:
        cfg.out_dir.mkdir(parents=True, exist_ok=True)
        (cfg.out_dir / "train_report.json").write_text(json.dumps(report.to_dict(), indent=2, default=str))
    return report


def build_trainer(
    cfg: TrainConfig, *, extra_rewards: Sequence[Any] = (), callbacks: list[Any] | None = None
) -> tuple[Any, DataReport, DataReport | None]:
    """(trainer, data report, eval data report) for any config, ready to ``train()``.

    ``extra_rewards`` (RL only) are appended after ``rl.rewards``; their weights default to 1.
    """
    spec = SPECS[cfg.kind]
    if extra_rewards and not spec.takes_rewards:
        raise ConfigError(f"extra_rewards apply to RL only, not {cfg.kind!r}", key="kind")
    fields = spec.trl_fields(cfg)  # before importing trl: config errors (e.g. ppo) come first
    (trl,) = require(spec.feature, "train", "trl")
    tok = load_tokenizer(cfg)
    ds, rep, eval_ds, eval_rep = load_data(cfg, tok, budget=spec.prompt_budget(cfg))
    kwargs = spec.trainer_kwargs(cfg, ds, rep, extra_rewards, fields)
    args = make_trl_args(cfg, fields)
    trainer = spec.trainer(cfg, trl)(
        model=cfg.model.path,
        args=args,
        train_dataset=ds,
        eval_dataset=eval_ds,
        processing_class=tok,
        callbacks=callbacks,
        **kwargs,
    )
    return trainer, rep, eval_rep


def train(
    cfg: TrainConfig,
    *,
    progress: ProgressCallback = null_progress,
    extra_rewards: Sequence[Any] = (),
    callbacks: list[Any] | None = None,
    resume_from_checkpoint: str | bool | None = None,
) -> TrainReport:
    """Train any config end to end; losses/rewards/margins are in the report's ``log_history``."""
    t0 = time.perf_counter()
    trainer, rep, eval_rep = build_trainer(cfg, extra_rewards=extra_rewards, callbacks=callbacks)
    algo = SPECS[cfg.kind].algo(cfg)
    return run_trainer(
        cfg,
        trainer,
        rep,
        eval_rep,
        algo=algo,
        progress=progress,
        t0=t0,
        resume_from_checkpoint=resume_from_checkpoint,
    )


__all__ = [
    "SPECS",
    "TrainReport",
    "build_trainer",
    "load_data",
    "make_trl_args",
    "progress_callback",
    "run_trainer",
    "train",
]
