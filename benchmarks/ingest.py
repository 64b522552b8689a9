"""Ingest benchmark: N synthetic problems from one JSONL file, against DuckDB's own read_json, same run.

    .venv/bin/python benchmarks/ingest.py               # 1,000,000 rows (the issue's figure)
    .venv/bin/python benchmarks/ingest.py --n 200000    # quicker, while developing

Each contender runs in a fresh subprocess on a fresh catalog file so that peak RSS (ru_maxrss of
that process) is its own; "seconds" stops when the call returns, "seconds_with_close" when the
connection is closed (its checkpoint included). The anchor is ``CREATE TABLE t AS SELECT * FROM read_json('file.jsonl')``:
parsing only, no validation, hashing, dedup or rejects. Goal: redstar ingest at >= 0.5x the anchor's
speed and peak RSS < 2 GB. Also timed: the idempotent re-ingest of the same file ("0 new").
Each contender runs ``--repeat`` times (default 3), interleaved; the median run is reported and every
time is kept in the JSON (the machine is shared, so one run can be off by 30%).
Writes benchmarks/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD_ANCHOR = """
import duckdb, json, resource, sys, time
db, path = sys.argv[1], sys.argv[2]
con = duckdb.connect(db)
t = time.perf_counter()
con.execute(f"CREATE TABLE t AS SELECT * FROM read_json('{path}')")
n = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
dt = time.perf_counter() - t
con.close()
dc = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": dt, "seconds_with_close": dc, "rows": n, "cpu_s": ru.ru_utime + ru.ru_stime,
                  "peak_rss_mb": ru.ru_maxrss / 1024}))
"""

CHILD_REDSTAR = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
from redstar_data.catalog import Catalog
from redstar_data.ingest.run import ingest
db, path = sys.argv[1], sys.argv[2]
cat = Catalog.open(db)
t = time.perf_counter()
r = ingest(cat, path, name="bench")
dt = time.perf_counter() - t
cat.close()
dc = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": dt, "seconds_with_close": dc, "rows": r.n_read, "new": r.n_new, "present": r.n_present,
                  "rejected": r.n_rejected, "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mb": ru.ru_maxrss / 1024}))
"""


def _child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(results: list[dict]) -> dict:
    """The run with the median time (its own RSS and counts), so the figures belong to one real run."""
    return sorted(results, key=lambda r: r["seconds"])[len(results) // 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="rows (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ingest.json")
    ap.add_argument("--keep", type=Path, default=None, help="reuse/keep the JSONL file at this path")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each contender; the median is reported")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from redstar_data.ingest.synthetic import write_jsonl

    with tempfile.TemporaryDirectory(prefix="redstar-bench-") as tmp:
        path = args.keep or Path(tmp) / "synthetic.jsonl"
        t = time.perf_counter()
        reused = path.exists()
        if not reused:
            write_jsonl(path, args.n, args.seed)
        gen_s = None if reused else round(time.perf_counter() - t, 2)
        size_mb = path.stat().st_size / 2**20
        runs: dict[str, list[dict]] = {"anchor": [], "ours": [], "again": []}
        for i in range(args.repeat):  # interleaved, so that a busy spell on the machine hits all three
            runs["anchor"].append(_child(CHILD_ANCHOR, str(Path(tmp) / f"anchor{i}.duckdb"), str(path)))
            db = str(Path(tmp) / f"catalog{i}.duckdb")
            runs["ours"].append(_child(CHILD_REDSTAR, db, str(path), str(ROOT)))
            runs["again"].append(_child(CHILD_REDSTAR, db, str(path), str(ROOT)))
            for f in Path(tmp).glob("*.duckdb*"):
                f.unlink()
    anchor, ours, again = (_median(runs[k]) for k in ("anchor", "ours", "again"))
    res = {
        "repeat": args.repeat,
        "all_seconds": {k: [round(r["seconds"], 3) for r in v] for k, v in runs.items()},
        "n": args.n,
        "file_mb": round(size_mb, 1),
        "generate_seconds": gen_s,  # None: the --keep file was reused
        "anchor_duckdb_read_json": anchor,
        "redstar_ingest": ours,
        "redstar_reingest": again,
        "rows_per_s": round(ours["rows"] / ours["seconds"]),
        "anchor_rows_per_s": round(anchor["rows"] / anchor["seconds"]),
        "speed_ratio_vs_duckdb": round(anchor["seconds"] / ours["seconds"], 3),
        # each round runs both back to back: the median of the per-round ratios resists load drift
        "speed_ratio_paired_median": round(
            sorted(a["seconds"] / o["seconds"] for a, o in zip(runs["anchor"], runs["ours"], strict=True))[
                args.repeat // 2
            ],
            3,
        ),
        # process CPU seconds (all threads, imports and start-up included): what the work costs, whatever the load
        "cpu_ratio_vs_duckdb": round(anchor["cpu_s"] / ours["cpu_s"], 3),
        # closing the connection checkpoints what is still in the WAL / in memory: the time until the data
        # is settled on disk, for both contenders
        "speed_ratio_with_close": round(anchor["seconds_with_close"] / ours["seconds_with_close"], 3),
        "goal": {"speed_ratio_min": 0.5, "peak_rss_mb_max": 2048},
        "machine": {
            "python": platform.python_version(),
            "cpus": __import__("os").cpu_count(),
            "duckdb": __import__("duckdb").__version__,
        },  # fmt: skip
    }
    rows = [
        (
            "duckdb read_json → table (anchor)",
            anchor["seconds"],
            anchor["rows"] / anchor["seconds"],
            anchor["peak_rss_mb"],
        ),
        ("redstar ingest", ours["seconds"], ours["rows"] / ours["seconds"], ours["peak_rss_mb"]),
        (
            "redstar re-ingest (0 new)",
            again["seconds"],
            again["rows"] / again["seconds"],
            again["peak_rss_mb"],
        ),
    ]
    print(f"{args.n:,} synthetic problems, {size_mb:.0f} MB JSONL ({'reused' if gen_s is None else f'generated in {gen_s}s'}); "
          f"median of {args.repeat} interleaved runs")  # fmt: skip
    print(f"{'contender':36} {'seconds':>8} {'rows/s':>11} {'peak RSS MB':>12}")
    for name, s, rps, rss in rows:
        print(f"{name:36} {s:8.2f} {rps:11,.0f} {rss:12.0f}")
    print(f"with the closing checkpoint: anchor {anchor['seconds_with_close']:.2f}s, ingest "
          f"{ours['seconds_with_close']:.2f}s, re-ingest {again['seconds_with_close']:.2f}s, "
          f"ratio {res['speed_ratio_with_close']:.2f}")  # fmt: skip
    print(f"median of the per-round ratios {res['speed_ratio_paired_median']:.2f}; "
          f"CPU-seconds ratio {res['cpu_ratio_vs_duckdb']:.2f}")  # fmt: skip
    print(f"speed ratio vs DuckDB read_json: {res['speed_ratio_vs_duckdb']:.2f} (goal >= 0.5); "
          f"new {ours['new']:,}, present {ours['present']:,}, rejected {ours['rejected']:,}")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
