"""A/B of the code verifier alone (no plain runner) between two checkouts, on the same traces as
``code_verify.py``, 2 worker threads: tests/s, traces/s and the per-test overhead distribution.

Usage (alternate the two, same session; the redstar_data imported is the one on PYTHONPATH):
    git worktree add /tmp/old <commit>
    for k in 1 2; do for root in /tmp/old $PWD; do
        nice -n -5 env PYTHONPATH=$root .venv/bin/python benchmarks/code_verify_ab.py $root; done; done
Overhead per test: ``cycle_s - run_s`` where the harness reports its cycle (SANDBOX_VERSION 2), else the
older lockstep measure ``host_s - run_s`` (from asking for a result to having it). ``amortised`` is the
same for both: per trace, (wall - sandbox start - the programs' run time) / tests. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import code_verify as cv  # noqa: E402  (the traces, from ../shared/data)

from redstar_data.verify.code.judge import run_spec  # noqa: E402
from redstar_data.verify.code.sandbox import Limits  # noqa: E402


def main() -> None:
    items = cv.traces(60)
    per_test: list[float] = []
    amort: list[float] = []
    lock = threading.Lock()

    def one(item: tuple) -> int:
        _, code, spec, _ = item
        runs: list[float] = []
        over: list[float] = []

        def hook(r) -> None:  # noqa: ANN001
            cycle = getattr(r, "cycle_s", None)
            if r.run_s is not None:
                over.append((cycle if cycle is not None else r.host_s) - r.run_s)
            runs.append(r.run_s if r.run_s is not None else r.wall_s)

        t0 = time.perf_counter()
        o = run_spec(code, spec, limits=Limits(), on_result=hook)
        wall = time.perf_counter() - t0
        n = int(o.details.get("tests_run", 0))
        with lock:
            per_test.extend(over)
            if n:
                amort.append((wall - float(o.details.get("start_s", 0)) - sum(runs)) / n)
        return n

    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as ex:
        tests = sum(ex.map(one, items))
    wall = time.perf_counter() - t0

    def q(xs: list[float], p: float) -> float:
        return round(1000 * sorted(xs)[min(len(xs) - 1, int(p * len(xs)))], 2)

    print(json.dumps({
        "code": sys.argv[1] if len(sys.argv) > 1 else "?",
        "tests_per_s": tests / wall, "traces_per_s": len(items) / wall,
        "overhead_ms": {"p50": q(per_test, 0.5), "p95": q(per_test, 0.95), "p99": q(per_test, 0.99)},
        "amortised_ms": {"p50": q(amort, 0.5), "p95": q(amort, 0.95), "p99": q(amort, 0.99),
                         "mean": round(1000 * statistics.fmean(amort), 2)},
        "load_before": load, "load_after": os.getloadavg()[0],
    }))  # fmt: skip


if __name__ == "__main__":
    main()
