"""Ray replicas: scaling of `generate()` over 1, 2, 4 replicas, and the driver's commit cost per 100k traces.

1. Latency-bound scaling. The scripted stand-in teacher with a fixed per-request latency (``delay_s``,
   a sleep per problem: what a remote GPU engine looks like to the driver) runs as 1, 2 and 4 Ray actors
   on a local cluster (``ray.init``, each actor 0.25 CPU: they sleep, they do not compute), through the
   whole run loop: the driver plans, feeds the pool, receives completions and commits them to a real
   catalog. Each replica count gets a fresh run id, same problems. Reported: traces/s, speed-up over 1
   replica, scaling efficiency (speed-up / replicas, goal >= 0.85), and the ideal (replicas / latency).
2. Commit cost. The driver is the only catalog writer, so its commit time bounds the cluster: seconds to
   write 100k traces through ``run.write_traces`` in commits of ``--commit-traces`` (the default
   ``--batch-size 64`` x n 8 = 512), into a catalog that already holds them for other runs, with
   ``--text-bytes`` per trace (long-CoT traces are 10-40 kB).

Run: .venv/bin/python benchmarks/generate_ray.py [--problems 192] [--n 2] [--latency 0.1] [--chunk 4]
     [--batch-size 64] [--replicas 1 2 4]
     [--commit-total 100000] [--commit-traces 512] [--text-bytes 4000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results" / "generate_ray.json"


def _add_problems(cat, n: int) -> None:
    import pyarrow as pa

    from redstar_data.ids import problem_id

    texts = [f"What is {i} + {i}?" for i in range(n)]
    cat.insert_new(
        "problems",
        pa.table(
            {
                "problem_id": [problem_id(t) for t in texts],
                "source_id": ["bench"] * n,
                "domain": ["math"] * n,
                "problem": texts,
                "answer": [str(2 * i) for i in range(n)],
                "level": ["3"] * n,
            }
        ),
        ["problem_id"],
    )


def scaling(args: argparse.Namespace, work: Path) -> list[dict]:
    import ray

    from redstar_data.catalog import Catalog
    from redstar_data.generate.backends.base import SamplingParams
    from redstar_data.generate.ray_pool import ray_pool
    from redstar_data.generate.run import generate

    ray.init(num_cpus=max(2, max(args.replicas)), include_dashboard=False, log_to_driver=False)
    out = []
    try:
        with Catalog.open(work / "scale.duckdb") as cat:
            _add_problems(cat, args.problems)
            for k in args.replicas:
                pool = ray_pool(
                    "scripted",
                    {"model": "scripted-teacher-v1", "delay_s": args.latency},
                    replicas=k,
                    address="local",
                    num_cpus=0.25,
                    chunk_size=args.chunk,
                )
                try:  # actors are up (pool waits for their info); time the run loop only
                    t0 = time.perf_counter()
                    rep = generate(
                        cat,
                        pool,
                        n=args.n,
                        params=SamplingParams(max_tokens=4000, seed=1),
                        run_id=f"scale-{k}",
                        batch_size=args.batch_size,
                    )
                    wall = time.perf_counter() - t0
                finally:
                    pool.close()
                assert rep.n_generated == args.problems * args.n and rep.n_failed == 0
                out.append(
                    {
                        "replicas": k,
                        "traces": rep.n_generated,
                        "seconds": round(wall, 3),
                        "traces_per_s": round(rep.n_generated / wall, 2),
                        "ideal_traces_per_s": round(k * args.n / args.latency, 2),
                    }
                )
                print(out[-1], flush=True)
    finally:
        ray.shutdown()
    base = out[0]["traces_per_s"] / out[0]["replicas"]
    for r in out:
        r["speedup"] = round(r["traces_per_s"] / out[0]["traces_per_s"], 3)
        r["efficiency_vs_linear"] = round(r["traces_per_s"] / (base * r["replicas"]), 3)
        r["fraction_of_ideal"] = round(r["traces_per_s"] / r["ideal_traces_per_s"], 3)
    return out


def commit_cost(args: argparse.Namespace, work: Path) -> dict:
    from redstar_data.catalog import Catalog
    from redstar_data.generate.backends.base import Completion
    from redstar_data.generate.run import write_traces

    text = ("Let me think about this step by step. " * (args.text_bytes // 38 + 1))[: args.text_bytes]
    n_problems = args.commit_total // 8
    ids = [f"p{i:08d}" for i in range(n_problems)]
    comps = [Completion(p, j, text, "stop", 900, 60) for p in ids for j in range(8)]
    times = []
    with Catalog.open(work / "commit.duckdb") as cat:
        for run in ("warm", "measured"):  # the second run writes into a catalog already holding the first
            t0 = time.perf_counter()
            for s in range(0, len(comps), args.commit_traces):
                write_traces(cat, run, comps[s : s + args.commit_traces], seed=0)
            times.append(time.perf_counter() - t0)
        n = cat.scalar("SELECT count(*) FROM traces")
    assert n == 2 * len(comps)
    secs = times[1]
    return {
        "traces": len(comps),
        "commit_traces": args.commit_traces,
        "commits": -(-len(comps) // args.commit_traces),
        "text_bytes": args.text_bytes,
        "seconds_per_100k_traces": round(secs * 100_000 / len(comps), 2),
        "ms_per_commit": round(1000 * secs / -(-len(comps) // args.commit_traces), 2),
        "empty_catalog_seconds_per_100k": round(times[0] * 100_000 / len(comps), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--problems", type=int, default=192)
    ap.add_argument("--n", type=int, default=2)
    ap.add_argument("--latency", type=float, default=0.1, help="seconds per request (per problem)")
    ap.add_argument("--chunk", type=int, default=4, help="problems per call to a replica")
    ap.add_argument(
        "--batch-size", type=int, default=64, help="finished problems per commit (the CLI default)"
    )
    ap.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--commit-total", type=int, default=100_000)
    ap.add_argument("--commit-traces", type=int, default=512)
    ap.add_argument("--text-bytes", type=int, default=4000)
    ap.add_argument("--only", choices=["scaling", "commit"], default=None)
    args = ap.parse_args()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    res: dict = {
        "benchmark": "generate_ray",
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "args": vars(args),
    }
    with tempfile.TemporaryDirectory() as d:
        if args.only in (None, "scaling"):
            res["scaling"] = scaling(args, Path(d))
        if args.only in (None, "commit"):
            res["commit_cost"] = commit_cost(args, Path(d))
            print(res["commit_cost"], flush=True)
    RESULTS.parent.mkdir(exist_ok=True)
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() and args.only else {}
    RESULTS.write_text(json.dumps({**old, **res}, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
