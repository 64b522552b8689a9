"""Training configs: strict pydantic models read from YAML and mapped onto TRL's config classes.

A config names *what* to train (model, export, context) and *how* (a few redstar-level switches per
algorithm plus a ``trl:`` block passed through to ``SFTConfig`` / ``DPOConfig`` / ``GRPOConfig`` /
``RLOOConfig`` untouched). Unknown keys fail early with the file, the YAML path and what is allowed,
including unknown keys inside ``trl:`` (checked against the TRL dataclass fields before anything loads).

Fields, grouped by concern (type, default, one sentence each):

Model (``model:``)
    path (str, required): local directory or Hub id of the model to start from.
    tokenizer (str | None, None): tokenizer directory or id; defaults to ``path``.
    chat_template (str | None, None): a ``.jinja`` file or tokenizer dir whose template replaces the model's.
    dtype (str, "auto"): weights dtype: auto | bfloat16 | float16 | float32.
    attn_implementation (str | None, None): e.g. "sdpa" or "flash_attention_2"; None lets transformers pick.

Data (``data:``)
    path (str, required): export directory, one parquet file, an HF ``save_to_disk`` dir, or a Hub dataset id.
    size (str | None, None): ladder rung (sub-directory such as ``4000``) when ``path`` is a ladder export.
    split (str, "train"): split to train on; ``eval_split`` (str | None, None) adds evaluation.
    limit (int | None, None): use only the first N rows (smoke runs).
    drop_overlength (bool, True): drop rows longer than ``context.max_length`` and report how many.

Context (``context:``)
    max_length (int, required): longest training sequence in tokens (prompt + completion).
    rope_scaling ({type: linear, factor: float} | None, None): Position Interpolation, merged into the
        model's ``rope_parameters`` (rope_theta kept) for the policy *and* the reference model.

Distributed (``distributed:``, optional; docs/train.md "Distributed training")
    accelerate_config (str | None, None): an accelerate config file (``recipes/train/distributed/*.yaml``:
        DDP, FSDP2 full shard (+ CPU offload), DeepSpeed ZeRO-2/3); picks the engine for
        ``--launcher accelerate`` and the sharding for ``redstar train plan``.
    num_processes (int | None, None): processes (= GPUs) over all machines; None: the file's value.
    num_machines (int, 1): machines taking part (multi-node: also --machine-rank / --main-process-ip).

Run
    output_dir (str, "runs/train/<name>"): where checkpoints and the final model go (git-ignored ``runs/``).
    seed (int, 0), device ("auto" | "cpu" | "cuda", "auto"), save_model (bool, True).
    trl (dict, {}): any field of the TRL config class; applied last, so it wins over everything above.

NOTE, defaults that differ from TRL's:
    - ``max_length`` has no default (TRL: 1024, which silently truncates Long-CoT traces and their answer).
    - Over-length rows are dropped and counted (TRL truncates SFT rows keeping the start and drops DPO rows
      whose prompt fills max_length without saying how many).
    - ``bf16`` follows the device: True on CUDA, False on CPU (TRL: True, which fails on CPU).
    - ``gradient_checkpointing`` is False under an FSDP launch whose file sets
      ``fsdp_activation_checkpointing`` (FSDP checkpoints each layer; TRL's default True would clash).
    - ``report_to`` is "none" (TRL/transformers: every installed tracker), ``save_strategy`` "no" (models
      are saved once at the end; set it in ``trl:`` for checkpoints).
    - SFT ``assistant_only_loss`` is True (TRL: False, loss on every token of ``messages`` rows).
    - RL ``max_completion_length`` has no default (TRL: 512).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from redstar_data.errors import ConfigError

KINDS = ("sft", "dpo", "rl")
RL_ALGOS = ("grpo", "rloo", "reinforce_pp", "reinforce_pp_tokenlevel", "ppo")
REWARD_NAMES = ("math", "code", "geometry", "format")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelSection(_Strict):
    path: str
    tokenizer: str | None = None
    chat_template: str | None = None
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"
    attn_implementation: str | None = None


class DataSection(_Strict):
    path: str
    size: str | None = None
    split: str = "train"
    eval_split: str | None = None
    limit: int | None = Field(default=None, ge=1)
    drop_overlength: bool = True

    @field_validator("size", mode="before")
    @classmethod
    def _size_str(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v


class RopeScaling(_Strict):
    """Linear RoPE scaling = Position Interpolation (Chen et al. 2023): positions are divided by ``factor``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    type: Literal["linear"] = Field(default="linear", alias="type")
    factor: float = Field(gt=1.0)

    @model_validator(mode="before")
    @classmethod
    def _accept_rope_type(cls, v: Any) -> Any:
        if isinstance(v, dict) and "rope_type" in v:
            v = dict(v)
            v.setdefault("type", v.pop("rope_type"))
        return v


class ContextSection(_Strict):
    max_length: int = Field(ge=8)
    rope_scaling: RopeScaling | None = None


class SFTSection(_Strict):
    assistant_only_loss: bool = True
    packing: bool = False


class DPOSection(_Strict):
    beta: float = Field(default=0.1, gt=0)
    loss_type: str | list[str] = "sigmoid"


class RLSection(_Strict):
    algo: Literal["grpo", "rloo", "reinforce_pp", "reinforce_pp_tokenlevel", "ppo"] = "grpo"
    rewards: list[Literal["math", "code", "geometry", "format"]] = Field(default_factory=lambda: ["math"])
    reward_weights: list[float] | None = None
    num_generations: int = Field(default=8, ge=2)
    max_completion_length: int = Field(ge=1)
    beta: float | None = Field(default=None, ge=0)
    temperature: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _weights_match(self) -> RLSection:
        if self.reward_weights is not None and len(self.reward_weights) != len(self.rewards):
            raise ValueError(
                f"reward_weights has {len(self.reward_weights)} entries for {len(self.rewards)} rewards"
            )
        if not self.rewards:
            raise ValueError("at least one reward is needed")
        return self


class DistributedSection(_Strict):
    accelerate_config: str | None = None
    num_processes: int | None = Field(default=None, ge=1)
    num_machines: int = Field(default=1, ge=1)


class TrainConfig(_Strict):
    """Fields shared by every algorithm; ``kind`` picks the trainer."""

    kind: Literal["sft", "dpo", "rl"]
    name: str = "run"
    model: ModelSection
    data: DataSection
    context: ContextSection
    output_dir: str | None = None
    seed: int = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"
    save_model: bool = True
    distributed: DistributedSection = Field(default_factory=DistributedSection)
    trl: dict[str, Any] = Field(default_factory=dict)
    source_file: str | None = Field(default=None, exclude=True)

    @property
    def out_dir(self) -> Path:
        return Path(self.output_dir or f"runs/train/{self.name}")


class SFTTrainConfig(TrainConfig):
    kind: Literal["sft"] = "sft"
    sft: SFTSection = Field(default_factory=SFTSection)


class DPOTrainConfig(TrainConfig):
    kind: Literal["dpo"] = "dpo"
    dpo: DPOSection = Field(default_factory=DPOSection)


class RLTrainConfig(TrainConfig):
    kind: Literal["rl"] = "rl"
    rl: RLSection


CONFIG_CLASSES: dict[str, type[TrainConfig]] = {
    "sft": SFTTrainConfig,
    "dpo": DPOTrainConfig,
    "rl": RLTrainConfig,
}


def _allowed_at(cls: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """Field names of the sub-model at ``loc[:-1]`` (for 'unknown key' errors)."""
    cur: Any = cls
    for part in loc[:-1]:
        fields = getattr(cur, "model_fields", None)
        if not fields or part not in fields:
            return None
        ann = fields[part].annotation
        cur = next(
            (a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type) and issubclass(a, BaseModel)),
            ann,
        )
    fields = getattr(cur, "model_fields", None)
    return sorted(k for k in fields if k != "source_file") if fields else None


def _to_config_error(err: ValidationError, cls: type[BaseModel], file: str | None) -> ConfigError:
    first = err.errors()[0]
    loc = tuple(first["loc"])
    key = ".".join(str(p) for p in loc) or None
    allowed: list[str] | None = None
    if first["type"] == "extra_forbidden":
        allowed = _allowed_at(cls, loc)
        msg = "unknown key"
    elif first["type"] == "missing":
        msg = "required key is missing"
    elif first["type"] == "literal_error":
        expected = first.get("ctx", {}).get("expected", "")
        allowed = [s.strip().strip("'") for s in expected.replace(" or ", ",").split(",") if s.strip()]
        msg = f"invalid value {first.get('input')!r}"
    else:
        msg = f"{first['msg']} (got {first.get('input')!r})"
    more = len(err.errors()) - 1
    hint = f"{more} more problem(s) in this file after fixing this one" if more else None
    return ConfigError(msg, file=file, key=key, allowed=allowed, hint=hint)


def trl_config_class(cfg: TrainConfig) -> type:
    """The TRL config dataclass this redstar config maps onto (imports trl)."""
    import trl

    if cfg.kind == "sft":
        return trl.SFTConfig
    if cfg.kind == "dpo":
        return trl.DPOConfig
    algo = cfg.rl.algo  # type: ignore[attr-defined]
    return trl.RLOOConfig if algo in ("rloo", "reinforce_pp") else trl.GRPOConfig


def check_trl_keys(cfg: TrainConfig) -> None:
    """Reject ``trl:`` keys the TRL config class does not have, with a did-you-mean."""
    names = {f.name for f in dataclasses.fields(trl_config_class(cfg))}
    for key in cfg.trl:
        if key not in names:
            close = difflib.get_close_matches(key, sorted(names), n=3)
            raise ConfigError(
                f"unknown {trl_config_class(cfg).__name__} argument",
                file=cfg.source_file,
                key=f"trl.{key}",
                allowed=close or None,
                hint="see the TRL docs for this trainer's config"
                + ("; did you mean one of the allowed?" if close else ""),
            )


def parse_config(data: dict[str, Any], *, kind: str | None = None, file: str | None = None) -> TrainConfig:
    """Validate a mapping (from YAML) as the config for ``kind`` (or the file's own ``kind:``)."""
    if not isinstance(data, dict):
        raise ConfigError("a training config must be a YAML mapping", file=file)
    file_kind = data.get("kind")
    if kind is not None and file_kind is not None and file_kind != kind:
        raise ConfigError(
            f"this is a {file_kind!r} config, not {kind!r}",
            file=file,
            key="kind",
            hint=f"run it with `redstar train {file_kind} {file or 'CONFIG'}`",
        )
    k = kind or file_kind
    if k not in CONFIG_CLASSES:
        raise ConfigError(f"unknown training kind {k!r}", file=file, key="kind", allowed=KINDS)
    cls = CONFIG_CLASSES[k]
    try:
        return cls.model_validate({**data, "kind": k, "source_file": file})
    except ValidationError as e:
        raise _to_config_error(e, cls, file) from None


def load_config(
    path: str | Path, *, kind: str | None = None, overrides: dict[str, Any] | None = None
) -> TrainConfig:
    """Read and validate a YAML training config; relative data/model paths stay relative to the CWD."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(
            "config file not found", file=str(p), hint="pass a YAML file, e.g. recipes/train/..."
        )
    try:
        data = yaml.safe_load(p.read_text()) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"not valid YAML: {e}", file=str(p)) from None
    if overrides:
        data = _deep_merge(data, overrides)
    return parse_config(data, kind=kind, file=str(p))


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def base_trl_args(cfg: TrainConfig) -> dict[str, Any]:
    """redstar's defaults for every TRL config (see the NOTE in this module's docstring)."""
    on_gpu = cfg.device == "cuda" or (cfg.device == "auto" and _cuda())
    args: dict[str, Any] = {
        "output_dir": str(cfg.out_dir),
        "seed": cfg.seed,
        "report_to": "none",
        "save_strategy": "no",
        "bf16": on_gpu,
        "use_cpu": not on_gpu,
    }
    if not on_gpu:
        args["gradient_checkpointing"] = False  # only memory on tiny CPU runs, and 2x slower
    if os.environ.get("FSDP_ACTIVATION_CHECKPOINTING", "").lower() == "true":
        # launched with an FSDP file that checkpoints each layer itself; transformers refuses both at once
        args["gradient_checkpointing"] = False
    return args


__all__ = [
    "CONFIG_CLASSES",
    "DPOTrainConfig",
    "DistributedSection",
    "RLTrainConfig",
    "SFTTrainConfig",
    "TrainConfig",
    "base_trl_args",
    "check_trl_keys",
    "load_config",
    "parse_config",
    "trl_config_class",
]
