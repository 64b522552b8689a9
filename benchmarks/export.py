"""SFT export of N rows (default 1,000,000) vs DuckDB's own COPY of the same selection to parquet.

1. Build a catalog with bulk SQL: N problems in 2 sources, 2 traces each (one correct, one incorrect),
   labels, synthetic text (~``--text-chars`` per trace).
2. Anchor: ``COPY (<the recipe's selection, shaped into messages, in ladder order>) TO 'x.parquet'`` —
   exactly the rows redstar writes, written by DuckDB itself.
3. redstar: ``export(catalog, recipe)`` end to end (validate, select, count, write parquet with fixed row
   groups, card, manifest, `exports` row).
Each phase runs in its own process (so peak RSS is per phase), alternating, ``--rounds`` times; we report
median seconds, the ratio (goal <= 1.3) and peak RSS.

Run: .venv/bin/python benchmarks/export.py [--n 1000000] [--rounds 2] [--text-chars 600]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "export.json"
ROOT = Path(__file__).resolve().parents[1]

RECIPE = """name: bench_sft
kind: sft
sizes: {n}
select: {{domains: [math]}}
traces: {{pick: shortest_correct}}
output: {{row_group_size: 10000}}
"""


def build(path: Path, n: int, text_chars: int) -> None:
    sys.path.insert(0, str(ROOT))
    from redstar_data.catalog import Catalog
    from redstar_data.ids import problem_id_sql, trace_id_sql

    with Catalog.open(path) as cat:
        con = cat
        con.execute(
            "INSERT INTO sources (source_id, kind, uri) VALUES ('s0', 'synthetic', 's0'), ('s1', 'synthetic', 's1')"
        )
        con.execute(f"""
            INSERT INTO problems (problem_id, source_id, source_key, row_number, domain, problem, answer, level)
            SELECT {problem_id_sql("txt")}, 's' || (i % 2), CAST(i AS VARCHAR), i, 'math', txt, CAST(i % 97 AS VARCHAR),
                   'Level ' || (1 + i % 5)
            FROM (SELECT i, 'Problem ' || i || ': compute the sum of the first ' || i || ' odd numbers.' AS txt
                  FROM range({n}) t(i))
        """)
        con.execute(
            "INSERT INTO problem_sources (problem_id, source_id) SELECT problem_id, source_id FROM problems"
        )
        con.execute("INSERT INTO runs (run_id, kind) VALUES ('teacher', 'teacher')")
        con.execute(f"""
            INSERT INTO traces (trace_id, problem_id, run_id, sample_index, text, finish_reason, n_tokens)
            SELECT {trace_id_sql("problem_id", "'teacher'", "s")}, problem_id, 'teacher', s,
                   '<think>' || repeat('Let me check step ' || s || ' again. ', {max(1, text_chars // 28)}) ||
                   '</think> The answer is \\boxed{{' || answer || '}}.',
                   'stop', 200 + (row_number * 7 + s * 13) % 900
            FROM problems, range(2) r(s)
        """)
        con.execute("""
            INSERT INTO verifications (trace_id, verifier, verifier_version, label)
            SELECT trace_id, 'math', '1.0.0', CASE WHEN sample_index = 0 THEN 'correct' ELSE 'incorrect' END
            FROM traces
        """)
        con.execute("CHECKPOINT")


def phase_copy(cat_path: Path, recipe: Path, out: Path) -> dict:
    from redstar_data.catalog import Catalog
    from redstar_data.export.formats import rows_sql
    from redstar_data.recipes.compile import selection_sql
    from redstar_data.recipes.load import load_recipe

    r, _, _ = load_recipe(recipe)
    t0 = time.perf_counter()
    with Catalog.open(cat_path) as cat:
        sel = selection_sql(r).selection
        shaped = rows_sql(r, "sel", r.size_list[0], None).replace("FROM sel s", f"FROM ({sel}) s")
        cat.execute(f"COPY ({shaped}) TO '{out}' (FORMAT parquet, ROW_GROUP_SIZE 10000)")
        rows = cat.scalar(f"SELECT count(*) FROM read_parquet('{out}')")
    return {"seconds": time.perf_counter() - t0, "rows": int(rows), "bytes": out.stat().st_size}


def phase_export(cat_path: Path, recipe: Path, out: Path) -> dict:
    from redstar_data.catalog import Catalog
    from redstar_data.export.run import export

    t0 = time.perf_counter()
    with Catalog.open(cat_path) as cat:
        rep = export(cat, recipe, out_dir=out)
    return {
        "seconds": time.perf_counter() - t0,
        "rows": rep.n_rows,
        "bytes": (out / "train.parquet").stat().st_size,
    }


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
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--text-chars", type=int, default=600)
    ap.add_argument("--phase")
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    if a.phase:
        sys.path.insert(0, str(ROOT))
        fn = {"copy": phase_copy, "export": phase_export}[a.phase]
        print(json.dumps(fn(*(Path(x) for x in a.args))))
        return
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        cat = tmp / "bench.duckdb"
        t0 = time.perf_counter()
        build(cat, a.n, a.text_chars)
        build_s = time.perf_counter() - t0
        recipe = tmp / "bench.yaml"
        recipe.write_text(RECIPE.format(n=a.n))
        res: dict[str, list[dict]] = {"copy": [], "export": []}
        for i in range(a.rounds):
            res["copy"].append(run_phase("copy", str(cat), str(recipe), str(tmp / f"copy{i}.parquet")))
            res["export"].append(run_phase("export", str(cat), str(recipe), str(tmp / f"export{i}")))
    med = {k: statistics.median(x["seconds"] for x in v) for k, v in res.items()}
    rss = {k: max(x["peak_rss_mb"] for x in v) for k, v in res.items()}
    assert res["copy"][0]["rows"] == res["export"][0]["rows"] == a.n
    ratio = med["export"] / med["copy"]
    print(f"catalog: {a.n:,} problems, {2 * a.n:,} traces, built in {build_s:.1f} s")
    print(f"{'phase':<28}{'median s':>10}{'peak RSS MB':>14}{'file MB':>10}")
    for k, label in (("copy", "DuckDB COPY (anchor)"), ("export", "redstar export")):
        print(f"{label:<28}{med[k]:>10.2f}{rss[k]:>14.0f}{res[k][0]['bytes'] / 1e6:>10.1f}")
    print(f"ratio export / COPY: {ratio:.2f}x (goal <= 1.3x)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "n_rows": a.n,
                "text_chars": a.text_chars,
                "rounds": a.rounds,
                "build_s": round(build_s, 2),
                "median_s": {k: round(v, 3) for k, v in med.items()},
                "ratio": round(ratio, 3),
                "peak_rss_mb": rss,
                "runs": res,
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
