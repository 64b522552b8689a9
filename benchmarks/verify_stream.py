"""`redstar verify` streams: peak memory and time per 10k traces on a catalog of long traces.

Builds a catalog of ``--traces`` synthetic traces of about ``--chars`` characters each (default 200k x
20k = 4 GB of text) over ``--problems`` synthetic problems with integer answers, entirely in DuckDB SQL
(no Python loop), then runs the verify stage (labels + quality flags) in a FRESH process and reports
its peak RSS: ``ru_maxrss`` of the process, the largest verifier worker's, and the peak of the whole
process tree (psutil, sampled every 0.1 s). Time per 10k traces comes from the stage's own progress
events (label pass and flag pass separately). Goal: the tree stays under 2 GB whatever the catalog
holds: only ``batch_size`` traces' texts are in Python at a time.

Every 4th trace ends in a wrong answer and every 8th has no boxed answer, so all verifier paths run.

Run: .venv/bin/python benchmarks/verify_stream.py [--traces 200000] [--chars 20000] [--problems 20000]
     [--batch-size N] [--workers N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "verify_stream.json"


def build(path: Path, n_traces: int, chars: int, n_problems: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from redstar_data.catalog import Catalog
    from redstar_data.ids import trace_id_sql

    t0 = time.perf_counter()
    with Catalog.open(path) as cat:
        cat.execute("INSERT INTO sources (source_id, kind, uri) VALUES ('s', 'synthetic', 's')")
        cat.execute(f"""
            INSERT INTO problems (problem_id, source_id, source_key, row_number, domain, problem, answer)
            SELECT md5('p' || i), 's', CAST(i AS VARCHAR), i, 'math',
                   'What is ' || i || ' plus ' || (i * 7 % 1000) || '?', CAST(i + i * 7 % 1000 AS VARCHAR)
            FROM range({n_problems}) t(i)
        """)
        cat.execute("INSERT INTO runs (run_id, kind) VALUES ('teacher', 'teacher')")
        # a step line with the trace's own numbers, repeated to ~chars characters, then the final answer
        step = "'Step ' || k || ': we add ' || i || ' and check the carry digit by digit again. '"
        reps = max(1, chars // 64)
        cat.execute(f"""
            INSERT INTO traces (trace_id, problem_id, run_id, sample_index, text, finish_reason, n_tokens)
            SELECT {trace_id_sql("pid", "'teacher'", "k")}, pid, 'teacher', k,
                   '<think>' || repeat({step}, {reps}) || '</think> The answer is ' ||
                   CASE WHEN k % 8 = 7 THEN 'unclear.'
                        WHEN k % 4 = 3 THEN '\\boxed{{' || (CAST(answer AS BIGINT) + 1) || '}}.'
                        ELSE '\\boxed{{' || answer || '}}.' END,
                   'stop', {chars // 4}
            FROM (SELECT i, k, md5('p' || i) AS pid, CAST(i + i * 7 % 1000 AS VARCHAR) AS answer
                  FROM (SELECT j % {n_problems} AS i, j // {n_problems} AS k FROM range({n_traces}) t(j)))
        """)
        cat.checkpoint()
        got = cat.one("SELECT count(*), avg(length(text))::BIGINT, sum(length(text)) FROM traces")
    assert got is not None
    return {"seconds": round(time.perf_counter() - t0, 1), "traces": int(got[0]), "avg_chars": int(got[1]),
            "total_chars": int(got[2]), "file_mb": round(path.stat().st_size / 2**20, 1)}  # fmt: skip


def child(path: str, batch_size: int | None, workers: int | None) -> None:
    """Run the verify stage in this fresh process; print its figures as JSON."""
    sys.path.insert(0, str(ROOT))
    import psutil

    from redstar_data.catalog import Catalog
    from redstar_data.progress import ProgressEvent
    from redstar_data.verify.run import verify

    me = psutil.Process()
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.1):
            try:
                procs = [me, *me.children(recursive=True)]
                peak[0] = max(peak[0], sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass

    threading.Thread(target=sample, daemon=True).start()
    marks: dict[str, list[tuple[int, float]]] = {"verify": [], "flags": []}
    t0 = time.perf_counter()

    def progress(e: ProgressEvent) -> None:
        if e.stage in marks:
            marks[e.stage].append((e.done, time.perf_counter() - t0))

    kw = {"batch_size": batch_size} if batch_size else {}
    with Catalog.open(path) as cat:
        rep = verify(cat, workers=workers, progress=progress, **kw)
    wall = time.perf_counter() - t0
    stop.set()
    ru, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)

    # the label pass ends at its last progress event; the flag pass runs from there to its own last one
    label_end = marks["verify"][-1][1] if marks["verify"] else 0.0
    flag_end = marks["flags"][-1][1] if marks["flags"] else label_end
    n = max(rep.labelled, 1)

    print(json.dumps({
        "seconds": round(wall, 1), "labelled": rep.labelled, "labels": rep.labels,
        "flagged_traces": rep.flagged_traces, "flags": rep.flags,
        "s_per_10k_traces": round(wall / max(rep.labelled, 1) * 10_000, 2),
        "s_per_10k_label_pass": round(label_end / n * 10_000, 2),
        "s_per_10k_flag_pass": round((flag_end - label_end) / n * 10_000, 2),
        "peak_rss_mb": round(ru.ru_maxrss / 1024, 1), "peak_worker_rss_mb": round(kids.ru_maxrss / 1024, 1),
        "peak_tree_rss_mb": round(peak[0] / 2**20, 1),
    }))  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--traces", type=int, default=200_000)
    ap.add_argument("--chars", type=int, default=20_000)
    ap.add_argument("--problems", type=int, default=20_000)
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="build the catalog in this folder and keep it")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--build-child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child, a.batch_size, a.workers)
        return
    if a.build_child:
        print(json.dumps(build(Path(a.build_child), a.traces, a.chars, a.problems)))
        return
    with tempfile.TemporaryDirectory(dir=a.keep) as tmp:
        path = Path(tmp) / "verify_stream.duckdb"
        # the build runs in a process of its own: Linux carries a process's peak RSS across fork + exec
        # (ru_maxrss), so a build in this process (4 GB of DuckDB at 200k x 20k) would show up as the
        # verify child's peak
        sizes = ["--traces", str(a.traces), "--chars", str(a.chars), "--problems", str(a.problems)]
        built_out = subprocess.run(
            [sys.executable, __file__, "--build-child", str(path), *sizes],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        built = json.loads(built_out.strip().splitlines()[-1])
        print(f"built: {built}", file=sys.stderr)
        cmd = [sys.executable, __file__, "--child", str(path)]
        cmd += ["--batch-size", str(a.batch_size)] if a.batch_size else []
        cmd += ["--workers", str(a.workers)] if a.workers else []
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        run = json.loads(out.strip().splitlines()[-1])
    from redstar_data.verify.run import BATCH

    result = {
        "command": " ".join(["python benchmarks/verify_stream.py", *sys.argv[1:]]),
        "traces": a.traces, "chars": a.chars, "problems": a.problems, "batch_size": a.batch_size or BATCH,
        "build": built, "verify": run, "goal": "peak tree RSS < 2048 MB",
        "ok": run["peak_tree_rss_mb"] < 2048,
    }  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
