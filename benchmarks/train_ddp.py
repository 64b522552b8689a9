"""samples/s of SFT with 1 process vs 2 DDP processes (gloo, CPU), same global batch: the scaling efficiency.

Both sides go through the same entry point a user runs: 1 process = `python -m redstar_train.sft CONFIG`,
2 processes = `redstar train sft CONFIG --launcher accelerate --num-processes 2` with
recipes/train/distributed/ddp_cpu.yaml (each rank `python -m redstar_train.sft`, 1 torch thread). Global
batch = per-device batch x processes is the same on both sides, so both see the same samples in the same
steps (tests/train/test_train_distributed_run.py checks that the losses match). Runs are interleaved
(1, 2, 1, 2, ...), median of --repeats.

Headline: training-loop samples/s from TRL's ``train_samples_per_second`` (model load, data preparation and
process start excluded). Efficiency = samples/s(2) / (2 x samples/s(1)): 1.0 = linear scaling; below 1
is the gradient all-reduce (gloo over loopback) plus the per-step synchronisation. A small model is all
communication, so the model here is larger than the tests' (hidden 256, 4 layers, ~2.5M parameters).

    .venv/bin/python benchmarks/train_ddp.py                    # 3 repeats x 30 steps
    .venv/bin/python benchmarks/train_ddp.py --repeats 1 --steps 10   # quick

Writes benchmarks/results/train_ddp.json (also the load average before and after, since the 2-process side
needs 2 free cores).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from train import _export  # noqa: E402  (benchmarks/train.py: the same synthetic SFT export)

DDP_CPU = ROOT / "recipes" / "train" / "distributed" / "ddp_cpu.yaml"


def _tiny_builder() -> Any:
    spec = importlib.util.spec_from_file_location("_tiny", ROOT / "tests" / "generate" / "tiny_model.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod.build_tiny_qwen2


def _model(out: Path, hidden: int, layers: int) -> tuple[Path, int]:
    """The tests' tokenizer and template, with a wider/deeper random Qwen2 in place of the tiny one."""
    import torch
    from transformers import AutoConfig, Qwen2Config, Qwen2ForCausalLM

    _tiny_builder()(out)
    tiny = AutoConfig.from_pretrained(out)
    cfg = Qwen2Config(
        vocab_size=tiny.vocab_size,
        hidden_size=hidden,
        intermediate_size=3 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=8,
        num_key_value_heads=4,
        max_position_embeddings=512,
        tie_word_embeddings=True,
        pad_token_id=tiny.pad_token_id,
        eos_token_id=tiny.eos_token_id,
        bos_token_id=None,
    )
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(cfg)
    model.save_pretrained(out)
    return out, sum(p.numel() for p in model.parameters())


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(work: Path, tag: str, procs: int, model: Path, export: Path, steps: int, global_batch: int) -> dict:
    out = work / f"out-{tag}"
    cfg = work / f"{tag}.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "kind": "sft",
                "name": tag,
                "model": {"path": str(model), "dtype": "float32"},
                "data": {"path": str(export)},
                "context": {"max_length": 512},
                "output_dir": str(out),
                "device": "cpu",
                "save_model": False,
                "trl": {
                    "max_steps": steps,
                    "per_device_train_batch_size": global_batch // procs,
                    "learning_rate": 1e-3,
                    "logging_steps": steps,
                    "disable_tqdm": True,
                    "dataloader_num_workers": 0,
                },
            }
        )
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"}
    env.update(
        HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1"
    )
    if procs == 1:
        cmd = [sys.executable, "-m", "redstar_train.sft", str(cfg)]
    else:
        cmd = [
            sys.executable,
            "-m",
            "redstar_data.cli.app",
            "train",
            "sft",
            str(cfg),
            "--launcher",
            "accelerate",
        ]
        cmd += ["--accelerate-config", str(DDP_CPU), "--num-processes", str(procs)]
        cmd += ["--main-process-port", str(_port())]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=work)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{tag} failed:\n{p.stderr[-4000:]}")
    rep = json.loads((out / "train_report.json").read_text())
    assert rep["world_size"] == procs and rep["global_step"] == steps
    losses = [r["loss"] for r in rep["log_history"] if "loss" in r]
    return {
        "samples_per_s": rep["train_samples_per_s"],
        "train_runtime_s": rep["train_runtime_s"],
        "wall_s": wall,
        "final_loss": losses[-1],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--global-batch", type=int, default=16)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "train_ddp.json")
    args = ap.parse_args()

    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="redstar-bench-ddp-"))
    model, n_params = _model(work / "model", args.hidden, args.layers)
    export = _export(work / "export", 40 * args.global_batch)
    runs: dict[int, list[dict]] = {1: [], 2: []}
    for i in range(args.repeats):
        for procs in (1, 2):
            runs[procs].append(
                _run(work, f"p{procs}-r{i}", procs, model, export, args.steps, args.global_batch)
            )
    med = {p: statistics.median(r["samples_per_s"] for r in runs[p]) for p in runs}
    result = {
        "what": "SFT samples/s, 1 process vs 2 DDP processes (gloo, CPU), same global batch",
        "model_params": n_params,
        "steps": args.steps,
        "global_batch": args.global_batch,
        "max_length": 512,
        "repeats": args.repeats,
        "torch_threads_per_process": 1,
        "samples_per_s_1proc": med[1],
        "samples_per_s_2proc": med[2],
        "speedup": med[2] / med[1],
        "efficiency": med[2] / (2 * med[1]),
        "wall_s_median": {str(p): statistics.median(r["wall_s"] for r in runs[p]) for p in runs},
        "same_final_loss": [
            abs(a["final_loss"] - b["final_loss"]) for a, b in zip(runs[1], runs[2], strict=True)
        ],
        "runs": {str(p): runs[p] for p in runs},
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()
