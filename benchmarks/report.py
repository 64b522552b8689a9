"""`redstar report` vs its own DuckDB aggregation queries, and the viewer's problem page, on a big catalog.

1. Build a synthetic catalog with bulk SQL (seconds): N problems (default 1,000,000) in 4 sources and 2
   domains, 4 traces each from 2 teacher runs (4N traces, short texts: the report never reads text),
   newest labels, ~5% quality flags, label and pass_rate difficulty, dedup clusters, contamination rows for
   3 benchmarks, one real SFT export (ladder 10k/100k, through ``export()``), and one problem with 16
   traces of 100,000 characters for the viewer.
2. Anchor: ``collect()`` — exactly the DuckDB aggregation queries the report runs (the catalog's views,
   the export files' per-teacher counts and length bins), results fetched, nothing rendered.
3. redstar: ``report()`` end to end (the same queries, Plotly figures, the HTML file written).
   Each runs in a fresh process (peak RSS per phase), alternating, ``--rounds`` times; DuckDB is held to
   ``--memory-limit`` and 2 threads. Goal: report ≤ 1.5x the queries' time, file < 10 MB.
4. The viewer: a real uvicorn on a loopback socket; ``/problem/ID`` of the 16 x 100k-character problem
   fetched ``--page-repeats`` times with httpx; the server time comes from its ``Server-Timing`` header.
   Goal: < 300 ms. Also timed: expanding one of those traces (its link ``/trace/ID?p=PID``, 100k
   characters escaped). The server builds its lookup maps when it starts (``browse.queries.prepare``):
   ``prepare_s`` in the results.

Run: .venv/bin/python benchmarks/report.py [--n 1000000] [--rounds 3] [--memory-limit 2GB]
"""

from __future__ import annotations

import argparse
import html
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "report.json"
ROOT = Path(__file__).resolve().parents[1]
LONG_CHARS = 100_000
LONG_TRACES = 16

RECIPE = """name: bench_sft
kind: sft
sizes: [10000, 100000]
select: {domains: [math]}
traces: {pick: shortest_correct}
allow_smaller: true
output: {row_group_size: 10000}
"""


def build(path: Path, n: int, tmp: Path, memory_limit: str) -> str:
    """The catalog; returns the id of the problem with 16 long traces."""
    sys.path.insert(0, str(ROOT))
    from redstar_data.catalog import Catalog
    from redstar_data.export.run import export
    from redstar_data.ids import problem_id_sql, trace_id_sql

    with Catalog.open(path) as cat:
        cat.sql(f"SET memory_limit = '{memory_limit}'")
        cat.sql(
            "INSERT INTO sources (source_id, kind, uri, is_benchmark) VALUES "
            "('numina', 'synthetic', 's', FALSE), ('math_train', 'synthetic', 's', FALSE), "
            "('taco', 'synthetic', 's', FALSE), ('olympiads', 'synthetic', 's', FALSE), "
            "('math500', 'benchmark', 'b', TRUE), ('aime24', 'benchmark', 'b', TRUE), "
            "('gpqa', 'benchmark', 'b', TRUE)"
        )
        cat.sql(f"""
            INSERT INTO problems (problem_id, source_id, source_key, row_number, domain, problem, answer, level)
            SELECT {problem_id_sql("txt")}, ['numina', 'math_train', 'taco', 'olympiads'][1 + i % 4],
                   CAST(i AS VARCHAR), i, CASE WHEN i % 4 = 2 THEN 'code' ELSE 'math' END, txt,
                   CAST(i % 97 AS VARCHAR), 'Level ' || (1 + i % 5)
            FROM (SELECT i, 'Problem ' || i || ': compute the sum of the first ' || i || ' odd numbers.' AS txt
                  FROM range({n}) t(i))
        """)
        cat.sql(
            "INSERT INTO problem_sources (problem_id, source_id, row_number) SELECT problem_id, source_id, row_number FROM problems"
        )
        cat.sql(
            "INSERT INTO runs (run_id, kind, model, status) VALUES ('qwq-4x', 'teacher', 'Qwen/QwQ-32B', 'finished'), "
            "('r1-4x', 'teacher', 'deepseek-ai/DeepSeek-R1', 'finished'), ('long', 'teacher', 'long-stand-in', 'finished')"
        )
        cat.sql(f"""
            INSERT INTO traces (trace_id, problem_id, run_id, sample_index, text, finish_reason, n_tokens)
            SELECT {trace_id_sql("problem_id", "run", "s")}, problem_id, run, s,
                   'Thinking. The answer is \\boxed{{' || answer || '}}.', 'stop',
                   CASE WHEN run = 'qwq-4x' THEN 800 + (row_number * 37 + s * 101) % 9000
                        ELSE 1500 + (row_number * 53 + s * 211) % 14000 END
            FROM problems, (VALUES ('qwq-4x'), ('r1-4x')) r(run), range(2) x(s)
        """)
        cat.sql("""
            INSERT INTO verifications (trace_id, verifier, verifier_version, label, extracted)
            SELECT trace_id, 'math', '1.1.0',
                   CASE WHEN hash(trace_id) % 10 < 6 THEN 'correct' WHEN hash(trace_id) % 10 < 9 THEN 'incorrect'
                        ELSE 'no_answer' END, NULL
            FROM traces
        """)
        cat.sql("""
            INSERT INTO trace_flags (trace_id, flag, filter_version)
            SELECT trace_id, ['truncated', 'repetition', 'language_mixing', 'too_long'][1 + CAST(hash(trace_id) % 4 AS BIGINT)], '1'
            FROM traces WHERE hash(trace_id || 'f') % 20 = 0
        """)
        cat.sql("""
            INSERT INTO difficulty (problem_id, method, model, score)
            SELECT problem_id, 'label', source_id, CAST(right(level, 1) AS DOUBLE) FROM problems
            UNION ALL
            SELECT problem_id, 'pass_rate', 'qwq-4x', (hash(problem_id) % 5) / 4.0 FROM problems
        """)
        # clusters: every 50th problem heads a cluster of 2-5 (the next ones), minhash for some
        cat.sql("""
            INSERT INTO dedup (problem_id, exact_hash, cluster_id, is_canonical, method)
            SELECT problem_id, problem_id, head, problem_id = head,
                   CASE WHEN row_number % 3 = 0 THEN 'minhash' ELSE 'exact' END
            FROM (SELECT problem_id, row_number,
                         CASE WHEN row_number % 50 < 2 + (row_number // 50) % 4
                              THEN first_value(problem_id) OVER (PARTITION BY row_number // 50 ORDER BY row_number)
                              ELSE problem_id END AS head
                  FROM problems)
        """)
        cat.sql("""
            INSERT INTO contamination (problem_id, benchmark, method, ngram, matched_ngrams, overlap)
            SELECT problem_id, ['math500', 'aime24', 'gpqa'][1 + row_number % 3],
                   CASE WHEN row_number % 7 = 0 THEN 'exact' ELSE 'ngram' END, 13, 1 + row_number % 40,
                   'compute the sum of the first odd numbers'
            FROM problems WHERE row_number % 500 = 1
        """)
        long_pid = cat.scalar("SELECT problem_id FROM problems WHERE row_number = 7")
        cat.sql(
            f"""
            INSERT INTO traces (trace_id, problem_id, run_id, sample_index, text, finish_reason, n_tokens)
            SELECT {trace_id_sql("?", "'long'", "s")}, ?, 'long', s,
                   '<think>' || left(repeat('Let me check step ' || s || ' again, carefully <b>&amp;</b>. ', 2000),
                                     {LONG_CHARS} - 40) || '</think> so \\boxed{{42}}.', 'stop', 25000
            FROM range({LONG_TRACES}) t(s)
        """,
            [long_pid, long_pid],
        )
        cat.sql("""
            INSERT INTO verifications (trace_id, verifier, verifier_version, label, extracted)
            SELECT trace_id, 'math', '1.1.0', 'correct', '42' FROM traces WHERE run_id = 'long'
        """)
        cat.sql("CHECKPOINT")
        recipe = tmp / "bench_sft.yaml"
        recipe.write_text(RECIPE)
        export(cat, recipe, out_dir=tmp / "exports" / "bench_sft")
    return str(long_pid)


def _open(cat_path: Path, memory_limit: str):  # noqa: ANN202
    from redstar_data.catalog import Catalog

    cat = Catalog.open(cat_path, read_only=True, threads=2)
    cat.sql(f"SET memory_limit = '{memory_limit}'")
    return cat


def phase_queries(cat_path: Path, memory_limit: str) -> dict:
    from redstar_data.report.queries import collect

    t0 = time.perf_counter()
    with _open(cat_path, memory_limit) as cat:
        agg = collect(cat)
    rows = sum(len(v) for v in agg.tables.values())
    return {"seconds": time.perf_counter() - t0, "result_rows": rows}


def phase_report(cat_path: Path, memory_limit: str, out: Path) -> dict:
    from redstar_data.report.run import report

    t0 = time.perf_counter()
    with _open(cat_path, memory_limit) as cat:
        rep = report(cat, out)
    return {
        "seconds": time.perf_counter() - t0,
        "query_s": rep.query_s,
        "render_s": rep.render_s,
        "bytes": rep.n_bytes,
        "charts": len(rep.charts),
        "empty": rep.empty,
    }


def phase_viewer(cat_path: Path, memory_limit: str, pid: str, repeats: int) -> dict:
    import httpx
    import uvicorn

    from redstar_data.browse.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    t0 = time.perf_counter()
    app = create_app(cat_path)  # opens the catalog and builds the viewer's lookup maps
    prepare_s = time.perf_counter() - t0
    app.state.catalog.sql(f"SET memory_limit = '{memory_limit}'")
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    th = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    th.start()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"

    def timed(path: str) -> tuple[float, float, int, str]:
        t0 = time.perf_counter()
        r = c.get(path)
        wall = (time.perf_counter() - t0) * 1000
        assert r.status_code == 200, (path, r.status_code)
        server = float(r.headers["server-timing"].split("dur=")[1])
        return server, wall, len(r.content), r.text

    out: dict = {"prepare_s": round(prepare_s, 2)}
    with httpx.Client(base_url=base, timeout=120) as c:
        page = [timed(f"/problem/{pid}") for _ in range(repeats)]
        text = page[0][3]
        assert text.count('class="trace"') == LONG_TRACES + 4, "16 long traces + 4 short ones"
        # cards are ordered by run: 'long' comes first; its expand link as the page gives it (with ?p=PID)
        src = html.unescape(text.split('data-src="')[1].split('"')[0])
        frag = [timed(src) for _ in range(repeats)]
        assert '<mark class="answer">42</mark>' in frag[0][3]
        search = [timed("/?q=sum+of+the+first+12345+odd") for _ in range(3)]
    srv.should_exit = True
    th.join(timeout=30)
    for name, xs in (("problem_page", page), ("trace_expand", frag), ("search", search)):
        out[name] = {
            "server_ms_median": round(statistics.median(x[0] for x in xs), 1),
            "server_ms_max": round(max(x[0] for x in xs), 1),
            "server_ms_first": round(xs[0][0], 1),
            "wall_ms_median": round(statistics.median(x[1] for x in xs), 1),
            "bytes": xs[0][2],
        }
    return out


def run_phase(name: str, *args: str) -> dict:
    """Run one phase in a fresh process; returns its result plus peak RSS (MB) from wait4."""
    with tempfile.TemporaryFile("w+") as f:
        p = subprocess.Popen([sys.executable, __file__, "--phase", name, *args], stdout=f, cwd=ROOT)
        _, status, ru = os.wait4(p.pid, 0)
        if status != 0:
            raise SystemExit(f"phase {name} failed ({status})")
        f.seek(0)
        out = json.loads(f.read().strip().splitlines()[-1])
    out["peak_rss_mb"] = round(ru.ru_maxrss / 1024, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--page-repeats", type=int, default=10)
    ap.add_argument("--memory-limit", default="2GB")
    ap.add_argument(
        "--viewer-only",
        action="store_true",
        help="build and time the viewer only; replace `viewer` in the results",
    )
    ap.add_argument("--phase")
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    if a.phase:
        sys.path.insert(0, str(ROOT))
        if a.phase == "queries":
            res = phase_queries(Path(a.args[0]), a.args[1])
        elif a.phase == "report":
            res = phase_report(Path(a.args[0]), a.args[1], Path(a.args[2]))
        else:
            res = phase_viewer(Path(a.args[0]), a.args[1], a.args[2], int(a.args[3]))
        print(json.dumps(res))
        return
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        cat = tmp / "bench.duckdb"
        t0 = time.perf_counter()
        pid = build(cat, a.n, tmp, a.memory_limit)
        build_s = time.perf_counter() - t0
        if a.viewer_only:
            viewer = run_phase("viewer", str(cat), a.memory_limit, pid, str(a.page_repeats))
            old = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
            old["viewer"] = viewer
            old["viewer_n_problems"] = a.n
            RESULTS.write_text(json.dumps(old, indent=2) + "\n")
            print(json.dumps(viewer, indent=1))
            return
        res: dict[str, list[dict]] = {"queries": [], "report": []}
        for i in range(a.rounds):
            res["queries"].append(run_phase("queries", str(cat), a.memory_limit))
            res["report"].append(run_phase("report", str(cat), a.memory_limit, str(tmp / f"r{i}.html")))
        viewer = run_phase("viewer", str(cat), a.memory_limit, pid, str(a.page_repeats))
        db_mb = cat.stat().st_size / 1e6
    med = {k: statistics.median(x["seconds"] for x in v) for k, v in res.items()}
    rss = {k: max(x["peak_rss_mb"] for x in v) for k, v in res.items()}
    ratio = med["report"] / med["queries"]
    paired = statistics.median(
        r["seconds"] / q["seconds"] for q, r in zip(res["queries"], res["report"], strict=True)
    )
    size_mb = res["report"][0]["bytes"] / 1e6
    print(
        f"catalog: {a.n:,} problems, {4 * a.n + LONG_TRACES:,} traces, {db_mb:.0f} MB, built in {build_s:.1f} s"
    )
    print(f"{'phase':<36}{'median s':>10}{'peak RSS MB':>14}")
    for k, label in (("queries", "aggregation queries alone (anchor)"), ("report", "redstar report")):
        print(f"{label:<36}{med[k]:>10.2f}{rss[k]:>14.0f}")
    print(
        f"ratio report / queries: {ratio:.2f}x (paired {paired:.2f}x; goal <= 1.5x); file {size_mb:.2f} MB (goal < 10 MB)"
    )
    pp = viewer["problem_page"]
    print(
        f"viewer /problem (16 x {LONG_CHARS:,} chars): server {pp['server_ms_median']:.0f} ms median, "
        f"{pp['server_ms_max']:.0f} ms max, first {pp['server_ms_first']:.0f} ms (goal < 300 ms); "
        f"page {pp['bytes'] / 1e3:.0f} KB; expand one trace: {viewer['trace_expand']['server_ms_median']:.0f} ms"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "n_problems": a.n,
                "n_traces": 4 * a.n + LONG_TRACES,
                "catalog_mb": round(db_mb, 1),
                "rounds": a.rounds,
                "memory_limit": a.memory_limit,
                "build_s": round(build_s, 2),
                "median_s": {k: round(v, 3) for k, v in med.items()},
                "ratio": round(ratio, 3),
                "paired_ratio": round(paired, 3),
                "file_mb": round(size_mb, 3),
                "peak_rss_mb": rss,
                "viewer": viewer,
                "runs": res,
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
