"""Distributed training glue: read the shipped accelerate/DeepSpeed files, build the ``accelerate launch``
command for a training config, and turn a config into the inputs of the memory plan.

The engines themselves (DDP, FSDP2, DeepSpeed ZeRO) are accelerate's and transformers'; redstar only names
the config file (``distributed.accelerate_config``) and reads back which sharding it selects, so the
memory plan and the launch use the same file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from redstar_data.deps import require
from redstar_data.errors import ConfigError
from redstar_train.config import TrainConfig, trl_config_class
from redstar_train.memory import STRATEGIES, PlanInput

REPO_ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTED_DIR = REPO_ROOT / "recipes" / "train" / "distributed"


def resolve_path(path: str | Path) -> Path:
    """A config-relative path as written in the recipes: the CWD first, then the repository root."""
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    alt = REPO_ROOT / p
    return alt if alt.exists() else p


def read_accelerate_config(path: str | Path) -> dict[str, Any]:
    """The accelerate config file as a mapping (YAML or JSON), with a clear error when it is missing."""
    p = resolve_path(path)
    if not p.is_file():
        raise ConfigError(
            "accelerate config file not found",
            file=str(p),
            key="distributed.accelerate_config",
            hint=f"use one of {sorted(f.name for f in DISTRIBUTED_DIR.glob('*.yaml'))} in {DISTRIBUTED_DIR}",
        )
    text = p.read_text()
    try:
        data = json.loads(text) if p.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        raise ConfigError(f"not a valid accelerate config: {e}", file=str(p)) from None
    if not isinstance(data, dict) or "distributed_type" not in data:
        raise ConfigError("an accelerate config needs distributed_type", file=str(p), key="distributed_type")
    return data


def deepspeed_json(acc: dict[str, Any]) -> dict[str, Any]:
    """The DeepSpeed JSON an accelerate config points to (``deepspeed_config_file``), or its inline fields."""
    ds = acc.get("deepspeed_config") or {}
    f = ds.get("deepspeed_config_file")
    if not f:
        return {
            "zero_optimization": {
                "stage": int(ds.get("zero_stage", 2)),
                "offload_param": {"device": ds.get("offload_param_device", "none")},
                "offload_optimizer": {"device": ds.get("offload_optimizer_device", "none")},
            }
        }
    p = resolve_path(f)
    if not p.is_file():
        raise ConfigError("DeepSpeed config file not found", file=str(p), key="deepspeed_config_file")
    return dict(json.loads(p.read_text()))


def strategy_of(acc: dict[str, Any]) -> str:
    """The memory-plan strategy an accelerate config selects: ddp | zero2 | zero3(_offload) | fsdp2(_offload)."""
    kind = str(acc["distributed_type"]).upper()
    if kind in ("MULTI_GPU", "MULTI_CPU", "NO"):
        return "ddp"
    if kind == "FSDP":
        fsdp = acc.get("fsdp_config") or {}
        if int(fsdp.get("fsdp_version", 1)) != 2:
            raise ConfigError(
                "redstar ships and plans FSDP2 only", key="fsdp_config.fsdp_version", allowed=["2"]
            )
        if fsdp.get("fsdp_reshard_after_forward") is False:
            return "zero2"  # SHARD_GRAD_OP: parameters stay gathered between forward and backward
        return "fsdp2_offload" if fsdp.get("fsdp_offload_params") else "fsdp2"
    if kind == "DEEPSPEED":
        zero = deepspeed_json(acc).get("zero_optimization") or {}
        stage = int(zero.get("stage", 0))
        if stage == 3:
            off = (zero.get("offload_param") or {}).get("device", "none") not in (None, "none")
            return "zero3_offload" if off else "zero3"
        if stage in (1, 2):
            return "zero2"
        return "ddp"
    raise ConfigError(
        f"distributed_type {kind} is not one redstar plans",
        key="distributed_type",
        allowed=["MULTI_GPU", "FSDP", "DEEPSPEED"],
    )


def fsdp_activation_checkpointing(acc: dict[str, Any] | None) -> bool:
    """Whether the accelerate config has FSDP checkpoint each layer (then TRL's own must stay off)."""
    if not acc or str(acc.get("distributed_type")).upper() != "FSDP":
        return False
    return bool((acc.get("fsdp_config") or {}).get("fsdp_activation_checkpointing"))


def _trl_default(cfg: TrainConfig, name: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(trl_config_class(cfg))}
    return fields[name].default if name in fields else None


def trl_value(cfg: TrainConfig, name: str) -> Any:
    """The value a TRL field will have: the config's ``trl:`` entry, else the TRL class default."""
    return cfg.trl[name] if name in cfg.trl else _trl_default(cfg, name)


def plan_input(
    cfg: TrainConfig,
    *,
    num_gpus: int | None = None,
    gpu_mem_gib: float = 80.0,
    strategy: str | None = None,
    seq_len: int | None = None,
    micro_batch: int | None = None,
    gpus_per_node: int = 8,
) -> PlanInput:
    """What the memory plan needs, read from a training config (and its accelerate file), flags winning."""
    acc = (
        read_accelerate_config(cfg.distributed.accelerate_config)
        if cfg.distributed.accelerate_config
        else None
    )
    strat = strategy or (strategy_of(acc) if acc else "ddp")
    if strat not in STRATEGIES:
        raise ConfigError(f"unknown sharding strategy {strat!r}", key="--strategy", allowed=STRATEGIES)
    n = num_gpus or cfg.distributed.num_processes or int((acc or {}).get("num_processes", 1))
    gc = bool(trl_value(cfg, "gradient_checkpointing")) or fsdp_activation_checkpointing(acc)
    ref = cfg.kind == "dpo" and not trl_value(cfg, "precompute_ref_log_probs")
    vllm = 0.0
    if cfg.kind == "rl":
        beta = cfg.rl.beta if cfg.rl.beta is not None else trl_value(cfg, "beta")  # type: ignore[attr-defined]
        ref = bool(beta and beta > 0)
        if trl_value(cfg, "use_vllm") and trl_value(cfg, "vllm_mode") == "colocate":
            vllm = float(trl_value(cfg, "vllm_gpu_memory_utilization"))
    return PlanInput(
        strategy=strat,
        num_gpus=n,
        gpu_mem_gib=gpu_mem_gib,
        seq_len=seq_len or cfg.context.max_length,
        micro_batch=micro_batch or int(trl_value(cfg, "per_device_train_batch_size")),
        gradient_checkpointing=gc,
        liger=bool(trl_value(cfg, "use_liger_kernel")),
        kind=cfg.kind,
        reference_model=ref,
        weights_bytes=4 if cfg.model.dtype == "float32" else 2,
        vllm_colocate_fraction=vllm,
        gpus_per_node=gpus_per_node,
    )


__all__ = [
    "DISTRIBUTED_DIR",
    "deepspeed_json",
    "fix_cpu_resume_device",
    "fsdp_activation_checkpointing",
    "launch_command",
    "plan_input",
    "rank",
    "read_accelerate_config",
    "resolve_path",
    "strategy_of",
    "trl_value",
]


def _on_cpu(cfg: TrainConfig) -> bool:
    if cfg.device != "auto":
        return cfg.device == "cpu"
    import torch

    return not torch.cuda.is_available()


def rank() -> int:
    """This process's global rank under torchrun / accelerate launch (0 when not distributed)."""
    return int(os.environ.get("RANK", "0"))


def launch_command(
    kind: str,
    config: str | Path,
    cfg: TrainConfig,
    *,
    accelerate_config: str | Path | None = None,
    num_processes: int | None = None,
    num_machines: int | None = None,
    machine_rank: int = 0,
    main_process_ip: str | None = None,
    main_process_port: int | None = None,
    train_args: list[str] | None = None,
) -> list[str]:
    """The ``accelerate launch ... -m redstar_train.<kind> CONFIG`` command line for this config.

    Flags win over ``distributed:`` in the config, which wins over the accelerate file. Each rank runs
    ``python -m redstar_train.<kind>`` = ``redstar train <kind>`` without a launcher.
    """
    acc_path = accelerate_config or cfg.distributed.accelerate_config
    if not acc_path:
        raise ConfigError(
            "--launcher accelerate needs an accelerate config file",
            file=cfg.source_file,
            key="distributed.accelerate_config",
            hint=f"set distributed.accelerate_config or pass --accelerate-config (files in {DISTRIBUTED_DIR})",
        )
    acc_file = resolve_path(acc_path)
    acc = read_accelerate_config(acc_file)
    strategy_of(acc)  # rejects engines redstar does not ship (e.g. FSDP1) before anything starts
    if fsdp_activation_checkpointing(acc) and cfg.trl.get("gradient_checkpointing") is True:
        raise ConfigError(
            "FSDP activation checkpointing and trl.gradient_checkpointing are both on",
            file=cfg.source_file,
            key="trl.gradient_checkpointing",
            hint=f"{acc_file.name} checkpoints every decoder layer already: set gradient_checkpointing: false",
        )
    engine = str(acc["distributed_type"]).upper()
    if engine in ("FSDP", "DEEPSPEED") and _on_cpu(cfg):
        raise ConfigError(
            f"{engine} needs GPUs: accelerate turns it on only for GPU process groups, and on CPU the ranks "
            "would silently run plain DDP",
            file=str(acc_file),
            key="distributed_type",
            hint=f"on CPU use {DISTRIBUTED_DIR / 'ddp_cpu.yaml'}; FSDP2 / ZeRO need device: cuda",
        )
    if engine == "DEEPSPEED":
        require("DeepSpeed ZeRO training", "deepspeed", "deepspeed")
    n = num_processes or cfg.distributed.num_processes or int(acc.get("num_processes", 1))
    m = num_machines or cfg.distributed.num_machines or int(acc.get("num_machines", 1))
    if m > 1 and not (main_process_ip or acc.get("main_process_ip")):
        raise ConfigError(
            f"{m} machines need the address of machine 0",
            key="--main-process-ip",
            hint="pass --main-process-ip IP (and --machine-rank R on each machine)",
        )
    cmd = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--config_file",
        str(acc_file),
        "--num_processes",
        str(n),
        "--num_machines",
        str(m),
        "--machine_rank",
        str(machine_rank),
    ]
    if main_process_ip:
        cmd += ["--main_process_ip", main_process_ip]
    if main_process_port is not None:
        cmd += ["--main_process_port", str(main_process_port)]
    return [*cmd, "-m", f"redstar_train.{kind}", str(config), *(train_args or [])]


def fix_cpu_resume_device(args: Any) -> None:
    """Let a multi-process CPU run resume: transformers loads the optimizer state with
    ``map_location=args.device``, which is ``cpu:0`` under a gloo launch, and ``torch.load`` cannot
    restore to an indexed CPU device ("don't know how to restore data location ... cpu:0"). The plain
    ``cpu`` device is the same memory; GPU runs are untouched."""
    import torch

    dev = args.device
    if args.world_size > 1 and dev.type == "cpu" and dev.index is not None:
        args.__dict__["_setup_devices"] = torch.device("cpu")  # the cached_property behind args.device
