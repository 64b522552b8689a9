"""Fixtures for the training tests: a tiny local Qwen2 + tokenizer, and SFT/DPO/RL exports in the export shape.

The exports are parquet files written from rows built here in exactly the shape the export stage writes
(``<out>/train.parquet`` + ``validation.parquet`` + ``manifest.json``; a ladder ``<out>/<size>/...``).
"""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

SYSTEM = "You are a careful reasoner. Think step by step, then give the final answer in \\boxed{}."
HERE = Path(__file__).resolve().parent


def _tiny_builder() -> Any:
    spec = importlib.util.spec_from_file_location("_tiny_model", HERE.parent / "generate" / "tiny_model.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod.build_tiny_qwen2


@pytest.fixture(scope="session", autouse=True)
def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Qwen2 (native window 512) with TRL's qwen2_5 chat template, saved to a directory."""
    return _tiny_builder()(tmp_path_factory.mktemp("tiny_qwen2"))


def _problem(rng: random.Random) -> tuple[str, str, str]:
    a, b = rng.randint(0, 99), rng.randint(0, 99)
    q = f"What is the sum of {a} and {b}?"
    good = f"<think>Let me check {a} + {b} = {a + b}.</think> The answer is \\boxed{{{a + b}}}."
    return q, good, str(a + b)


def sft_rows(n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        q, good, _ = _problem(rng)
        if i % 10 == 3:  # some long traces, for the over-length checks
            good = good.replace("</think>", " Wait, let me check again step by step." * 6 + "</think>")
        rows.append(
            {
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": q},
                    {"role": "assistant", "content": good},
                ],
                "problem_id": f"p{i}",
                "trace_id": f"t{i}",
                "source_id": "synthetic",
            }
        )
    return rows


def dpo_rows(n: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        q, good, ans = _problem(rng)
        bad = f"Wait so it is {int(ans) + 7} \\boxed{{{int(ans) + 7}}} step reason final"
        rows.append(
            {
                "prompt": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}],
                "chosen": [{"role": "assistant", "content": good}],
                "rejected": [{"role": "assistant", "content": bad}],
                "problem_id": f"p{i}",
                "chosen_trace_id": f"c{i}",
                "rejected_trace_id": f"r{i}",
                "source_id": "synthetic",
            }
        )
    return rows


def rl_rows(n: int, seed: int = 2) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        q, _, ans = _problem(rng)
        rows.append(
            {
                "prompt": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}],
                "answer": ans,
                "tests": None,
                "problem_id": f"p{i}",
                "source_id": "synthetic",
            }
        )
    return rows


def write_export(out: Path, rows: list[dict[str, Any]], fmt: str, *, n_val: int = 4) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows[n_val:]), out / "train.parquet")
    pq.write_table(pa.Table.from_pylist(rows[:n_val]), out / "validation.parquet")
    (out / "manifest.json").write_text(
        json.dumps({"format": fmt, "n_train": len(rows) - n_val, "n_validation": n_val})
    )
    return out


@pytest.fixture(scope="session")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("exports")
    return {
        "sft": write_export(root / "sft", sft_rows(124), "sft"),
        "dpo": write_export(root / "dpo", dpo_rows(44), "dpo"),
        "rl": write_export(root / "rl", rl_rows(12), "rl"),
    }


CPU_TRL = {"logging_steps": 1, "disable_tqdm": True, "dataloader_num_workers": 0}


def config_file(tmp_path: Path, data: dict[str, Any], name: str = "cfg.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


@pytest.fixture
def make_config(tmp_path: Path, tiny_model: Path, exports: dict[str, Path]):
    """make_config(kind, **sections) -> path of a YAML config on the tiny model and the fixture export."""

    def make(kind: str, *, name: str = "cfg.yaml", **over: Any) -> Path:
        base: dict[str, Any] = {
            "kind": kind,
            "name": f"test-{kind}",
            "model": {"path": str(tiny_model), "dtype": "float32"},
            "data": {"path": str(exports[kind])},
            "context": {"max_length": 256},
            "output_dir": str(tmp_path / f"out-{kind}"),
            "device": "cpu",
            "save_model": False,
            "trl": dict(CPU_TRL),
        }
        for k, v in over.items():
            base[k] = {**base[k], **v} if isinstance(v, dict) and isinstance(base.get(k), dict) else v
        return config_file(tmp_path, base, name)

    return make


@pytest.fixture(scope="session")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo pipeline's SFT export, built for real: synthetic problems -> scripted teacher -> math verifier
    -> recipes/demo.yaml (about 3 s)."""
    from redstar_data.catalog import Catalog
    from redstar_data.export.run import export
    from redstar_data.generate.backends import SamplingParams, get_backend
    from redstar_data.generate.run import generate
    from redstar_data.ingest.run import ingest
    from redstar_data.verify.run import verify

    root = tmp_path_factory.mktemp("demo")
    with Catalog.open(root / "demo.duckdb") as cat:
        ingest(cat, "synthetic:math?n=160&seed=0")
        generate(
            cat, get_backend("scripted", model="scripted-teacher-v1"), n=2, params=SamplingParams(n=2, seed=0)
        )
        verify(cat)
        export(cat, HERE.parents[1] / "recipes" / "demo.yaml", out_dir=root / "export")
    return root / "export"
