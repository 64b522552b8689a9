"""Plumbing shared by sft.py, dpo.py and rl.py: TRL args, data loading, progress, the run report, ``-m`` entry.

Each backend builds its trainer with ``build_*_trainer(cfg)`` and runs it through ``run_trainer``; this
module holds nothing algorithm-specific.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from redstar_data.errors import ConfigError, RedstarError
from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress
from redstar_train.config import TrainConfig, base_trl_args, check_trl_keys, load_config, trl_config_class
from redstar_train.data import DataReport, load_split, prepare
from redstar_train.models import load_tokenizer, model_init_kwargs


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
    wall_s: float = 0.0
    model_saved: bool = False
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


def run_trainer(
    cfg: TrainConfig,
    trainer: Any,
    data: DataReport,
    eval_data: DataReport | None,
    *,
    algo: str,
    progress: ProgressCallback = null_progress,
    t0: float | None = None,
) -> TrainReport:
    """Train, save the final model (and tokenizer) when ``save_model``, and build the report."""
    t0 = time.perf_counter() if t0 is None else t0
    if progress is not null_progress:
        trainer.add_callback(progress_callback(progress, f"train {cfg.kind}"))
    out = trainer.train()
    report = TrainReport(
        kind=cfg.kind,
        algo=algo,
        output_dir=str(cfg.out_dir),
        data=data,
        eval_data=eval_data,
        global_step=int(trainer.state.global_step),
        log_history=list(trainer.state.log_history),
    )
    metrics = getattr(out, "metrics", {}) or {}
    report.train_runtime_s = float(metrics.get("train_runtime", 0.0))
    report.train_samples_per_s = float(metrics.get("train_samples_per_second", 0.0))
    if cfg.save_model:
        trainer.save_model(str(cfg.out_dir))
        report.model_saved = True
        (cfg.out_dir / "redstar_train.json").write_text(
            json.dumps({"config": cfg.model_dump(mode="json"), "data": asdict(data)}, indent=2, default=str)
        )
    report.wall_s = time.perf_counter() - t0
    return report


def tokenizer_for(cfg: TrainConfig) -> Any:
    return load_tokenizer(cfg)


def module_main(kind: str, main: Any, argv: list[str] | None = None) -> int:
    """``python -m redstar_train.<kind> CONFIG.yaml``: run, print a one-line JSON summary, exit 1 on errors."""
    import argparse

    parser = argparse.ArgumentParser(
        prog=f"python -m redstar_train.{kind}", description=f"redstar {kind} training (TRL backend)"
    )
    parser.add_argument("config", type=Path, help="training YAML (see recipes/train/)")
    parser.add_argument("--output-dir", default=None, help="override output_dir")
    ns = parser.parse_args(argv)
    try:
        over = {"output_dir": ns.output_dir} if ns.output_dir else None
        cfg = load_config(ns.config, kind=kind, overrides=over)
        report = main(cfg)
    except RedstarError as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    summary = {k: v for k, v in report.to_dict().items() if k != "log_history"}
    sys.stdout.write(json.dumps(summary, default=str) + "\n")
    return 0


__all__ = [
    "TrainReport",
    "load_data",
    "make_trl_args",
    "module_main",
    "progress_callback",
    "run_trainer",
    "tokenizer_for",
]
