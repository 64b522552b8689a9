"""Hostile responses against every verifier path (issue 13), and ``redstar verify`` on a run of them.

Usage: .venv/bin/python benchmarks/verifier_hostile.py [--mb 5]

1. Per case (a family of degenerate responses): calls ``extract_answer``, ``flag_trace``, ``check``,
   ``math_reward`` on each response in this process and ``check_many`` over all of them; records cases tried,
   handled (returned a label / flags without raising) and the maximum seconds of one call.
2. Writes the issue's degenerate traces (10,000x ``\\boxed{``, ``'Wait, \\boxed{'*20000``,
   ``'<answer>'*100000``, 130 KB loops, 46 traces in all plus ordinary ones) into a fresh catalog and times
   the ``redstar verify`` command on that run end to end (a subprocess, worker start-up included).
Results: benchmarks/results/verifier_hostile.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cases(mb: float) -> dict[str, list[object]]:
    big = int(mb * 1_000_000)
    reps = [
        "\\boxed{",
        "Wait, \\boxed{",
        "<answer>",
        "</answer>",
        "\\boxed{1}",
        "{",
        "$",
        "\\(",
        "<think>",
        "所以",
    ]
    return {
        "issue 13 traces": [
            "\\boxed{" * 10_000,
            "Wait, \\boxed{" * 20_000,
            "<answer>" * 100_000,
            ("Wait, let me check \\boxed{" + "x" * 40 + " and {") * 2000,
        ],
        f"{mb:g} MB repeated markers": [m * (big // len(m)) for m in reps],
        "unbalanced / nested braces": ["{" * 100_000 + "\\boxed{1", "\\boxed{" + "{" * 50_000 + "}" * 50_000],
        "odd types (bytes, int, None)": [b"\\boxed{4}", 4, None, b"\xff\xfe\\boxed{4}"],
        "long answer inside a box": ["\\boxed{" + "1+" * 500_000 + "1}"],
    }


def _time(fn) -> tuple[object, float]:  # noqa: ANN001
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _cpu(fn) -> tuple[float, float]:  # noqa: ANN001
    """(wall, CPU) seconds of one in-process call."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def paths_table(mb: float) -> list[dict]:
    from redstar_data.verify.base import LABELS
    from redstar_data.verify.extract import extract_answer
    from redstar_data.verify.filters import flag_trace
    from redstar_data.verify.math import check, check_many
    from redstar_train.rewards import math_reward

    rows = []
    for name, items in cases(mb).items():
        tried = handled = 0
        worst = worst_cpu = 0.0
        for resp in items:
            for fn in (
                lambda r=resp: extract_answer(r),  # type: ignore[arg-type]
                lambda r=resp: flag_trace(r, None),  # type: ignore[arg-type]
                lambda r=resp: check(r, "4"),  # type: ignore[arg-type]
                lambda r=resp: math_reward([r], answer=[4]),
            ):
                tried += 1
                try:
                    s, c = _cpu(fn)
                    handled += 1
                    worst, worst_cpu = max(worst, s), max(worst_cpu, c)
                except Exception:  # noqa: BLE001 - counted as not handled
                    pass
        verdicts, s = _time(lambda it=items: check_many([(r, "4") for r in it], workers=2))
        tried += len(items)
        handled += sum(v.label in LABELS for v in verdicts)  # type: ignore[attr-defined]
        rows.append(
            {
                "case": name,
                "tried": tried,
                "handled": handled,
                "max_s": round(worst, 3),
                "max_cpu_s": round(worst_cpu, 3),
                "check_many_s": s,
            }
        )
    return rows


def catalog_run() -> dict:
    import pyarrow as pa

    from redstar_data.catalog import Catalog
    from redstar_data.ids import problem_id, trace_id

    traces = cases(0.26)["issue 13 traces"] * 10 + ["So \\boxed{4}. " * 10] * 6  # 46 traces
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalog.duckdb"
        cat = Catalog.open(path)
        pid = problem_id("What is 2+2?", None)
        cat.append(
            "problems",
            pa.table(
                {
                    "problem_id": [pid],
                    "source_id": ["hostile"],
                    "domain": ["math"],
                    "problem": ["What is 2+2?"],
                    "answer": ["4"],
                }
            ),
        )
        cat.append(
            "traces",
            pa.table(
                {
                    "trace_id": [trace_id(pid, "hostile", i) for i in range(len(traces))],
                    "problem_id": [pid] * len(traces),
                    "run_id": ["hostile"] * len(traces),
                    "sample_index": pa.array(range(len(traces)), pa.int32()),
                    "text": traces,
                    "finish_reason": ["stop"] * len(traces),
                }
            ),
        )
        cat.close()
        cmd = [
            sys.executable,
            "-m",
            "redstar_data.cli.app",
            "verify",
            "--catalog",
            str(path),
            "--run",
            "hostile",
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc, secs = _time(lambda: subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        cat = Catalog.open(path)
        labels = dict(cat.rows("SELECT label, count(*) FROM verifications GROUP BY 1"))
        flags = dict(cat.rows("SELECT flag, count(*) FROM trace_flags GROUP BY 1"))
        cat.close()
    return {
        "command": " ".join(["redstar", *cmd[3:]]),
        "traces": len(traces),
        "bytes": sum(len(t) for t in traces),
        "seconds": round(secs, 2),
        "cpu_seconds": round(cpu, 2),  # the command and its workers: what a quiet machine's wall time tracks
        "load_average": os.getloadavg()[0],
        "exit_code": proc.returncode,  # type: ignore[attr-defined]
        "labels": labels,
        "flags": flags,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=5.0)
    args = ap.parse_args()
    table = paths_table(args.mb)
    print("| case | tried | handled | max s (wall) | max s (CPU) | check_many s |\n|---|---|---|---|---|---|")
    for r in table:
        print(
            f"| {r['case']} | {r['tried']} | {r['handled']} | {r['max_s']:.3f} | {r['max_cpu_s']:.3f} |"
            f" {r['check_many_s']:.2f} |"
        )
    run = catalog_run()
    print(
        f"\n{run['command']}: {run['traces']} traces, {run['bytes'] / 1e6:.1f} MB, {run['seconds']} s wall,"
    )
    print(f"{run['cpu_seconds']} s CPU (load average {run['load_average']:.1f} during the run),")
    print(f"exit {run['exit_code']}, labels {run['labels']}, flags {run['flags']}")
    out = ROOT / "benchmarks" / "results" / "verifier_hostile.json"
    out.write_text(json.dumps({"paths": table, "redstar_verify": run}, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
