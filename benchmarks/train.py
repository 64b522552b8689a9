"""samples/s of `redstar train sft` (redstar_train.runner.train, what the CLI calls) vs TRL's SFTTrainer set up by hand.

Same tiny local Qwen2 model, same export, same SFTConfig arguments, same process, interleaved
(A, B, A, B, ...), one torch thread, median of --repeats. The headline ratio uses TRL's own
``train_samples_per_second`` (training loop only, as TRAINING-NOTES §12 recommends); the end-to-end
ratio also counts everything each side does before training (redstar: config validation, format check,
length filter; by hand: dataset + trainer construction).

    .venv/bin/python benchmarks/train.py              # full size: 9 repeats x 40 steps
    .venv/bin/python benchmarks/train.py --repeats 3 --steps 10   # quick

Writes benchmarks/results/train.json. Goal: ratio >= 0.95.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _tiny(out: Path) -> Path:
    spec = importlib.util.spec_from_file_location("_tiny", ROOT / "tests" / "generate" / "tiny_model.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod.build_tiny_qwen2(out)


def _export(out: Path, n: int) -> Path:
    import random

    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(0)
    system = "You are a careful reasoner. Think step by step, then give the final answer in \\boxed{}."
    rows = []
    for i in range(n):
        a, b = rng.randint(0, 999), rng.randint(0, 999)
        think = " ".join(f"Step {k}: {a} + {b} is {a + b}." for k in range(rng.randint(1, 6)))
        rows.append(
            {
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": f"What is {a} + {b}?"},
                    {"role": "assistant", "content": f"<think>{think}</think> \\boxed{{{a + b}}}"},
                ],
                "problem_id": f"p{i}",
                "trace_id": f"t{i}",
                "source_id": "synthetic",
            }
        )
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), out / "train.parquet")
    (out / "manifest.json").write_text(json.dumps({"format": "sft", "n_train": n}))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--rows", type=int, default=400)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "train.json")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    import transformers
    import trl
    from datasets import Dataset
    from transformers import AutoTokenizer

    from redstar_train import runner
    from redstar_train.config import parse_config

    work = Path(tempfile.mkdtemp(prefix="redstar-bench-train-"))
    model = _tiny(work / "model")
    export = _export(work / "export", args.rows)
    max_length = 512
    trl_args: dict[str, Any] = {
        "max_steps": args.steps,
        "per_device_train_batch_size": args.batch_size,
        "learning_rate": 1e-3,
        "logging_steps": 10,
        "disable_tqdm": True,
        "dataloader_num_workers": 0,
    }
    cfg = parse_config(
        {
            "kind": "sft",
            "name": "bench",
            "model": {"path": str(model), "dtype": "float32"},
            "data": {"path": str(export)},
            "context": {"max_length": max_length},
            "output_dir": str(work / "out-redstar"),
            "device": "cpu",
            "save_model": False,
            "trl": trl_args,
        }
    )

    samples = args.steps * args.batch_size

    class LoopCpu(transformers.TrainerCallback):
        """CPU seconds of the training loop (train begin -> end): with 1 thread this counts the work done and
        is far less sensitive than wall time to other jobs sharing the cores."""

        def on_train_begin(self, *a: Any, **k: Any) -> None:
            self.c0 = time.process_time()

        def on_train_end(self, *a: Any, **k: Any) -> None:
            self.cpu = time.process_time() - self.c0

    def run_redstar() -> tuple[float, float, float, float]:
        cb = LoopCpu()
        t0, c0 = time.perf_counter(), time.process_time()
        rep = runner.train(cfg, callbacks=[cb])
        return (
            rep.train_samples_per_s,
            samples / (time.perf_counter() - t0),
            samples / (time.process_time() - c0),
            samples / cb.cpu,
        )

    def run_by_hand() -> tuple[float, float, float, float]:
        cb = LoopCpu()
        t0, c0 = time.perf_counter(), time.process_time()
        tok = AutoTokenizer.from_pretrained(model)
        ds = Dataset.from_parquet(str(export / "train.parquet"))
        conf = trl.SFTConfig(
            output_dir=str(work / "out-hand"),
            seed=0,
            report_to="none",
            save_strategy="no",
            bf16=False,
            use_cpu=True,
            gradient_checkpointing=False,
            max_length=max_length,
            assistant_only_loss=True,
            packing=False,
            model_init_kwargs={"dtype": "float32"},
            **trl_args,
        )
        trainer = trl.SFTTrainer(
            model=str(model), args=conf, train_dataset=ds, processing_class=tok, callbacks=[cb]
        )
        out = trainer.train()
        return (
            out.metrics["train_samples_per_second"],
            samples / (time.perf_counter() - t0),
            samples / (time.process_time() - c0),
            samples / cb.cpu,
        )

    run_redstar(), run_by_hand()  # warm-up (imports, caches), not counted
    a_train, a_wall, a_cpu, a_loop, b_train, b_wall, b_cpu, b_loop = [], [], [], [], [], [], [], []
    for i in range(args.repeats):
        order = [("redstar", run_redstar), ("by_hand", run_by_hand)]
        for name, fn in order if i % 2 == 0 else order[::-1]:
            values = fn()
            lists = (
                (a_train, a_wall, a_cpu, a_loop) if name == "redstar" else (b_train, b_wall, b_cpu, b_loop)
            )
            for lst, v in zip(lists, values, strict=True):
                lst.append(v)

    med = statistics.median
    result = {
        "benchmark": "train_sft",
        "repeats": args.repeats,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "rows": args.rows,
        "max_length": max_length,
        "threads": 1,
        "redstar_samples_per_s": round(med(a_train), 2),
        "trl_by_hand_samples_per_s": round(med(b_train), 2),
        "redstar_loop_cpu_samples_per_s": round(med(a_loop), 2),
        "trl_by_hand_loop_cpu_samples_per_s": round(med(b_loop), 2),
        "ratio_loop_cpu": round(med(a_loop) / med(b_loop), 3),
        "ratio_train": round(med(a_train) / med(b_train), 3),
        # each repeat runs both sides back to back; the median of those paired ratios resists load drift
        "ratio_train_paired": round(med([a / b for a, b in zip(a_train, b_train, strict=True)]), 3),
        "redstar_end_to_end_cpu_samples_per_s": round(med(a_cpu), 2),
        "trl_by_hand_end_to_end_cpu_samples_per_s": round(med(b_cpu), 2),
        "ratio_end_to_end_cpu": round(med(a_cpu) / med(b_cpu), 3),
        "redstar_end_to_end_samples_per_s": round(med(a_wall), 2),
        "trl_by_hand_end_to_end_samples_per_s": round(med(b_wall), 2),
        "ratio_end_to_end": round(med(a_wall) / med(b_wall), 3),
        "raw": {
            "redstar_train": a_train,
            "by_hand_train": b_train,
            "redstar_wall": a_wall,
            "by_hand_wall": b_wall,
            "redstar_cpu": a_cpu,
            "by_hand_cpu": b_cpu,
            "redstar_loop_cpu": a_loop,
            "by_hand_loop_cpu": b_loop,
        },
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "trl": trl.__version__,
            "python": platform.python_version(),
        },
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        "goal": "ratio_train >= 0.95 (medians of wall samples/s); ratio_loop_cpu is the load-robust check",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'':28}{'redstar':>10}{'TRL by hand':>13}{'ratio':>8}")
    print(
        f"{'samples/s (train loop)':28}{result['redstar_samples_per_s']:>10}"
        f"{result['trl_by_hand_samples_per_s']:>13}{result['ratio_train']:>8}"
    )
    print(
        f"{'samples/CPU-s (train loop)':28}{result['redstar_loop_cpu_samples_per_s']:>10}"
        f"{result['trl_by_hand_loop_cpu_samples_per_s']:>13}{result['ratio_loop_cpu']:>8}"
    )
    print(f"{'  median of paired ratios':28}{'':>23}{result['ratio_train_paired']:>8}")
    print(
        f"{'samples/s (end to end)':28}{result['redstar_end_to_end_samples_per_s']:>10}"
        f"{result['trl_by_hand_end_to_end_samples_per_s']:>13}{result['ratio_end_to_end']:>8}"
    )
    print(
        f"{'samples/CPU-s (end to end)':28}{result['redstar_end_to_end_cpu_samples_per_s']:>10}"
        f"{result['trl_by_hand_end_to_end_cpu_samples_per_s']:>13}{result['ratio_end_to_end_cpu']:>8}"
    )
    print(
        f"median of {args.repeats} interleaved repeats, {args.steps} steps x batch {args.batch_size}, 1 thread;"
        f" wrote {args.out}"
    )


if __name__ == "__main__":
    main()
