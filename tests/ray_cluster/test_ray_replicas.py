"""Ray replicas on a local cluster: a replica killed mid-run, the driver killed mid-run; every trace once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from redstar_data.catalog import Catalog
from redstar_data.generate.backends.base import SamplingParams
from redstar_data.generate.ray_pool import ray_pool
from redstar_data.generate.run import generate
from tests.generate.conftest import add_problems
from tests.generate.test_gen_resume import run_until_held

pytestmark = pytest.mark.ray

PARAMS = SamplingParams(max_tokens=4000, seed=1)


def _state(cat: Catalog, run_id: str | None = None) -> tuple[int, int, int]:
    where = "WHERE run_id = ?" if run_id else ""
    row = cat.rows(
        "SELECT count(*), count(DISTINCT trace_id), count(DISTINCT (problem_id, sample_index)) "
        f"FROM traces {where}",
        [run_id] if run_id else [],
    )[0]
    return int(row[0]), int(row[1]), int(row[2])


def test_killing_a_replica_mid_run_requeues_its_work(ray_cluster, catalog):
    add_problems(catalog, 24)
    pool = ray_pool(
        "scripted",
        {"model": "scripted-teacher-v1", "delay_s": 0.05},
        replicas=2,
        address=ray_cluster,
        num_cpus=1,
        max_restarts=0,
        chunk_size=2,
        max_failures=1,
    )
    victim = pool.health[0].info["pid"]
    assert victim != pool.health[1].info["pid"] and victim != os.getpid()
    killed_at: list[int] = []

    def progress(ev):  # the first commit: r0 holds work now; kill its process
        if ev.done and not killed_at:
            killed_at.append(ev.done)
            os.kill(victim, signal.SIGKILL)

    try:
        rep = generate(
            catalog, pool, n=3, params=PARAMS, run_id="kill-replica", batch_size=1, progress=progress
        )
    finally:
        pool.close()
    assert killed_at and killed_at[0] < 72
    assert (rep.n_generated, rep.n_failed, rep.status) == (72, 0, "finished")
    assert _state(catalog, "kill-replica") == (72, 72, 72)  # nothing missing, no duplicate
    r0, r1 = rep.pool["replicas"]
    assert r0["status"] == "dropped" and r0["failures"] == 1 and "Actor" in r0["last_error"]
    assert r1["status"] == "ok" and r1["traces"] + r0["traces"] == 72
    assert rep.pool["requeued_units"] >= 1
    stats = json.loads(catalog.scalar("SELECT stats FROM runs WHERE run_id = 'kill-replica'"))
    assert stats["pool"]["replicas"][0]["status"] == "dropped"


def _driver(path: Path, address: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "redstar_data",
        "generate",
        "--backend",
        "scripted",
        "-n",
        "4",
        "--max-tokens",
        "4000",
        "--ray-address",
        address,
        "--replicas",
        "2",
        "--chunk-size",
        "1",
        "--batch-size",
        "1",
        "-o",
        "delay_s=0.05",
        "--run",
        "kill-driver",
        "--catalog",
        str(path),
    ]


def test_killing_the_driver_mid_run_then_resuming_is_exact(ray_cluster, tmp_path):
    path = tmp_path / "cat.duckdb"
    with Catalog.open(path) as cat:
        add_problems(cat, 30)
    env = {**os.environ, "COLUMNS": "200"}
    # the driver is killed inside its 4th commit's transaction (after the insert): an exact point, told
    # over a pipe, instead of watching the WAL grow
    assert run_until_held(_driver(path, ray_cluster)[3:], "insert:4")
    with Catalog.open(path) as cat:
        before = _state(cat)
        status = cat.scalar("SELECT status FROM runs")
    assert before[0] == before[1] == before[2] and 0 < before[0] < 120 and status == "running"
    done = subprocess.run(_driver(path, ray_cluster), capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    with Catalog.open(path) as cat:
        after = _state(cat)
        per = cat.arrow(
            "SELECT problem_id, list(sample_index ORDER BY sample_index) AS s FROM traces GROUP BY 1"
        ).to_pylist()
        stats = json.loads(cat.scalar("SELECT stats FROM runs"))
    assert after == (120, 120, 120)  # duplicates 0, missing 0
    assert len(per) == 30 and all(r["s"] == [0, 1, 2, 3] for r in per)
    assert stats["n_existing"] == before[0] and stats["n_generated"] == 120 - before[0]
    assert [r["status"] for r in stats["pool"]["replicas"]] == ["ok", "ok"]
    print(f"driver kill: before={before[0]} after={after[0]} duplicates=0 missing=0")


@pytest.mark.vllm
def test_tiny_vllm_model_as_a_ray_replica_through_the_cli(ray_cluster, tmp_path):
    """`redstar generate --backend vllm --ray-address ... --replicas 1`: a real vLLM engine (CPU build)
    inside a Ray actor, fed by a CLI driver; the run's traces carry the engine's token counts."""
    pytest.importorskip("vllm")
    from tests.generate.tiny_model import build_tiny_qwen2

    model = build_tiny_qwen2(
        tmp_path / "tiny64", hidden_size=128, num_attention_heads=2, num_key_value_heads=1
    )
    path = tmp_path / "cat.duckdb"
    with Catalog.open(path) as cat:
        add_problems(cat, 4)
    cmd = [
        sys.executable, "-m", "redstar_data", "generate", "--backend", "vllm", "--model", str(model),
        "-n", "3", "--max-tokens", "16", "--temperature", "1.0", "--ray-address", ray_cluster,
        "--replicas", "1", "-o", "gpu_memory_utilization=0.1", "-o", "max_model_len=512",
        "-o", "engine_kwargs={enforce_eager: true}", "--run", "ray-vllm", "--catalog", str(path),
    ]  # fmt: skip
    done = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}, timeout=1200
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with Catalog.open(path) as cat:
        assert _state(cat) == (12, 12, 12)
        rows = cat.arrow("SELECT finish_reason, n_tokens, prompt_tokens FROM traces").to_pylist()
        stats = json.loads(cat.scalar("SELECT stats FROM runs"))
        backend = cat.scalar("SELECT backend FROM runs")
    assert backend == "vllm" and stats["pool"]["replicas"][0]["status"] == "ok"
    assert all(0 < r["n_tokens"] <= 16 and r["prompt_tokens"] > 10 for r in rows)
    assert {r["finish_reason"] for r in rows} <= {"stop", "length"}
    assert stats["completion_tokens"] == sum(r["n_tokens"] for r in rows)


def test_transformers_backend_as_ray_replicas(ray_cluster, catalog, tmp_path):
    """The same mechanism for the transformers backend: a tiny local model in each of 2 actors."""
    pytest.importorskip("transformers")
    from tests.generate.tiny_model import build_tiny_qwen2

    model = build_tiny_qwen2(tmp_path / "tiny")
    add_problems(catalog, 6)
    pool = ray_pool(
        "transformers", {"model": str(model), "device": "cpu"}, replicas=2, address=ray_cluster, chunk_size=1
    )
    try:
        rep = generate(catalog, pool, n=2, params=SamplingParams(max_tokens=8, seed=3), run_id="hf")
    finally:
        pool.close()
    assert (rep.n_generated, rep.n_failed) == (12, 0) and _state(catalog, "hf") == (12, 12, 12)
    assert all(r["status"] == "ok" and r["traces"] > 0 for r in rep.pool["replicas"])
    assert 0 < rep.completion_tokens <= 12 * 8
