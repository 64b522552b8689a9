"""The report's aggregates: every number the page plots, computed in DuckDB as a few small result sets.

No raw rows reach the page: each query returns at most a few hundred rows (histogram bins, counts per
source/run/label), whatever the catalog's size. Curation rules (newest label, pass rate, clusters) come
from the catalog's views, never re-defined here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redstar_data.catalog import Catalog

BINS = 40  # histogram bins for continuous values (token counts, scores with many distinct values)
EXAMPLES_PER_BENCHMARK = 3
EXAMPLE_CHARS = 300


def histogram_sql(source: str, value: str, group: str, *, bins: int = BINS) -> str:
    """Equal-width histogram of ``value`` per ``group`` over ``source``: rows (g, lo, width, n).

    A group with at most ``bins`` distinct values keeps them as they are (width 0: a difficulty label
    of 1..5 stays five bars, not forty with gaps).
    """
    return f"""
WITH v AS (SELECT CAST({group} AS VARCHAR) AS g, CAST({value} AS DOUBLE) AS x FROM {source}
           WHERE {value} IS NOT NULL),
r AS (SELECT g, min(x) AS lo, max(x) AS hi, approx_count_distinct(x) AS nd FROM v GROUP BY g),
b AS (SELECT v.g, CASE WHEN r.nd <= {bins} OR r.hi = r.lo THEN v.x
                       ELSE r.lo + (r.hi - r.lo) / {bins} * least(floor((v.x - r.lo) / ((r.hi - r.lo) / {bins})), {bins} - 1)
                  END AS lo,
             CASE WHEN r.nd <= {bins} OR r.hi = r.lo THEN 0.0 ELSE (r.hi - r.lo) / {bins} END AS width
      FROM v JOIN r USING (g))
SELECT g, lo, any_value(width) AS width, count(*) AS n FROM b GROUP BY g, lo ORDER BY g, lo
"""


# name -> SQL. Order is the page's order. Each returns a small table.
QUERIES: dict[str, str] = {
    "overview": """
SELECT (SELECT count(*) FROM problems) AS problems,
       (SELECT count(*) FROM sources) AS sources,
       (SELECT count(*) FROM runs) AS runs,
       (SELECT count(*) FROM traces) AS traces,
       (SELECT count(*) FROM verifications) AS verifications,
       (SELECT count(*) FROM contamination) AS contamination_rows,
       (SELECT count(*) FROM exports) AS exports
""",
    "problems_by_source": """
SELECT s.source_id AS source, p.domain, coalesce(any_value(src.is_benchmark), FALSE) AS benchmark,
       count(*) AS n
FROM problem_sources s JOIN problems p USING (problem_id) LEFT JOIN sources src ON src.source_id = s.source_id
GROUP BY s.source_id, p.domain ORDER BY s.source_id, p.domain
""",
    "difficulty_hist": histogram_sql("difficulty", "score", "method"),
    "tokens_by_run": histogram_sql(
        "traces t LEFT JOIN runs r USING (run_id)",
        "t.n_tokens",
        "t.run_id || coalesce(' · ' || r.model, '')",
    ),
    # pass rates use the catalog's pass_rate() rule over newest labels (trace_labels), pooled per group
    "pass_rate_by_difficulty": """
WITH d AS (SELECT method, problem_id, avg(score) AS score FROM difficulty WHERE score IS NOT NULL
           GROUP BY method, problem_id),
r AS (SELECT method, min(score) AS lo, max(score) AS hi, approx_count_distinct(score) AS nd FROM d GROUP BY method),
b AS (SELECT d.method, d.problem_id,
             CASE WHEN r.nd <= 20 OR r.hi = r.lo THEN d.score
                  ELSE r.lo + (r.hi - r.lo) / 20 * least(floor((d.score - r.lo) / ((r.hi - r.lo) / 20)), 19)
             END AS score_bin
      FROM d JOIN r USING (method))
SELECT b.method, b.score_bin, count(DISTINCT b.problem_id) AS problems, count(t.label) AS verified,
       count(*) FILTER (WHERE t.label = 'correct') AS correct, pass_rate(t.label) AS pass_rate
FROM b JOIN trace_labels t USING (problem_id)
GROUP BY b.method, b.score_bin HAVING count(t.label) > 0 ORDER BY b.method, b.score_bin
""",
    "pass_rate_by_source": """
SELECT p.source_id AS source, count(DISTINCT p.problem_id) AS problems, count(t.label) AS verified,
       count(*) FILTER (WHERE t.label = 'correct') AS correct, pass_rate(t.label) AS pass_rate
FROM trace_labels t JOIN problems p USING (problem_id)
GROUP BY p.source_id HAVING count(t.label) > 0 ORDER BY p.source_id
""",
    "labels_by_run": """
SELECT run_id, coalesce(label, 'unverified') AS label, count(*) AS n
FROM trace_labels GROUP BY ALL ORDER BY run_id, label
""",
    "flags_by_run": """
SELECT run_id, flag, count(*) AS n
FROM (SELECT run_id, unnest(flags) AS flag FROM trace_labels)
GROUP BY ALL ORDER BY run_id, flag
""",
    "dedup_sizes": """
SELECT n_members, CASE WHEN has_near_duplicates THEN 'near (minhash)' ELSE 'exact' END AS kind,
       count(*) AS clusters
FROM dedup_clusters GROUP BY ALL ORDER BY n_members, kind
""",
    "contamination": """
SELECT benchmark, method, count(DISTINCT problem_id) AS problems
FROM contamination GROUP BY ALL ORDER BY benchmark, method
""",
    "contamination_examples": f"""
SELECT benchmark, method, problem_id, source_id, left(problem, {EXAMPLE_CHARS}) AS problem,
       left(overlap, {EXAMPLE_CHARS}) AS overlap, left(benchmark_problem, {EXAMPLE_CHARS}) AS benchmark_problem
FROM (
    SELECT c.benchmark, c.method, c.problem_id, p.source_id, p.problem, c.overlap, b.problem AS benchmark_problem,
           row_number() OVER (PARTITION BY c.benchmark ORDER BY c.matched_ngrams DESC NULLS LAST, c.problem_id) AS rn
    FROM contamination c JOIN problems p USING (problem_id)
    LEFT JOIN problems b ON b.problem_id = c.benchmark_problem_id
) WHERE rn <= {EXAMPLES_PER_BENCHMARK}
ORDER BY benchmark, rn
""",
    "exports": """
SELECT export_id, name, n_rows, counts, path, created_at FROM exports ORDER BY created_at DESC, export_id
""",
}


@dataclass
class ExportAggregates:
    """One export: its recorded counts, plus per-teacher counts and length histograms read from its files."""

    export_id: str
    name: str
    kind: str | None
    n_rows: int
    available: int | None
    rungs: list[dict[str, Any]]
    by_teacher: list[dict[str, Any]] = field(default_factory=list)  # rung, teacher, n
    tokens: list[dict[str, Any]] = field(default_factory=list)  # g (column), lo, width, n
    files_found: bool = False


@dataclass
class Aggregates:
    """Everything the report plots."""

    tables: dict[str, list[dict[str, Any]]]
    exports: list[ExportAggregates]
    candidates: int  # non-benchmark problems now: the top of every export's funnel


def _rows(cat: Catalog, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return cat.arrow(sql, params).to_pylist()


# per export kind: (trace id column for the teacher, token columns)
_EXPORT_COLUMNS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "sft": ("trace_id", ("n_tokens",)),
    "dpo": ("chosen_trace_id", ("chosen_tokens", "rejected_tokens")),
    "rl": (None, ()),
}


def _export_files(path: str | None, rung: dict[str, Any]) -> list[str]:
    """The parquet files of one rung, as the manifest names them (only those still on disk)."""
    if not path:
        return []
    root = Path(path)
    return [
        str(root / f)
        for f in rung.get("files", {}).values()
        if f.endswith(".parquet") and (root / f).is_file()
    ]


def export_aggregates(cat: Catalog, row: dict[str, Any]) -> ExportAggregates:
    """Counts from the `exports` row; per-teacher counts and lengths from the export's parquet files if present."""
    counts = json.loads(row["counts"]) if row.get("counts") else {}
    manifest: dict[str, Any] = {}
    if row.get("path"):
        mpath = Path(row["path"]) / "manifest.json"
        if mpath.is_file():
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
    kind = manifest.get("kind")
    agg = ExportAggregates(
        export_id=row["export_id"],
        name=row["name"] or row["export_id"],
        kind=kind,
        n_rows=int(row["n_rows"] or 0),
        available=counts.get("available"),
        rungs=list(counts.get("rungs", [])),
    )
    trace_col, token_cols = _EXPORT_COLUMNS.get(kind or "", (None, ()))
    mrungs = manifest.get("rungs", [])
    largest: list[str] = []
    for r in mrungs:
        files = _export_files(row.get("path"), r)
        if not files:
            continue
        agg.files_found = True
        if len(files) > len(largest) or not largest:
            largest = files
        if trace_col:
            agg.by_teacher += _rows(
                cat,
                f"SELECT ? AS rung, coalesce(r.model, t.run_id, 'unknown') AS teacher, count(*) AS n "
                f"FROM read_parquet(?::VARCHAR[]) e LEFT JOIN traces t ON t.trace_id = e.{trace_col} "
                "LEFT JOIN runs r ON r.run_id = t.run_id GROUP BY ALL ORDER BY teacher",
                [r.get("config", "default"), files],
            )
    if mrungs:
        # the largest rung holds every smaller one (ladders are prefixes): its lengths describe the set
        largest = _export_files(row.get("path"), mrungs[-1]) or largest
    if largest and token_cols:
        union = " UNION ALL ".join(
            f"SELECT '{c}' AS col, {c} AS v FROM read_parquet(?::VARCHAR[])" for c in token_cols
        )
        agg.tokens = _rows(cat, histogram_sql(f"({union})", "v", "col"), [largest] * len(token_cols))
    return agg


def collect(cat: Catalog, *, on_query: Callable[[str], None] | None = None) -> Aggregates:
    """Run every aggregate query; ``on_query(name)`` is called before each (progress)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for name, sql in QUERIES.items():
        if on_query:
            on_query(name)
        tables[name] = _rows(cat, sql)
    exports = []
    for row in tables["exports"]:
        if on_query:
            on_query(f"export {row['export_id']}")
        exports.append(export_aggregates(cat, row))
    candidates = int(
        cat.scalar(
            "SELECT count(*) FROM problems p WHERE NOT EXISTS (SELECT 1 FROM problem_sources ps "
            "JOIN sources s USING (source_id) WHERE ps.problem_id = p.problem_id AND s.is_benchmark)"
        )
    )
    return Aggregates(tables=tables, exports=exports, candidates=candidates)
