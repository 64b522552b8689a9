"""Benchmark evaluation: generate n samples per benchmark problem with any backend, verify, score, store.

``evaluate(catalog, backend, benches=[...], n=8)`` runs the data side's own stages in order (nothing
here re-implements them): ``ensure_benchmarks`` ingests the benchmark JSONL files as benchmark sources,
``generate(kind="eval")`` samples into one eval run (resumable; re-running fills in what is missing),
``verify`` labels the traces with the math verifier, then per benchmark we compute

- pass@1: mean over problems of (correct samples / n), i.e. the mean over samples of the fraction
  correct; a sample that is missing (failed generation) counts as incorrect, so failures never inflate it;
- maj@n: majority vote over the samples' *extracted* answers. Answers are grouped by a normalised string
  (trimmed, whitespace removed, lower-cased; samples without an extracted answer do not vote); the largest
  group wins, ties go to the group whose first sample index is smallest (deterministic). The vote is
  correct when that group's traces are labelled correct. Grouping by string rather than by pairwise
  verifier equivalence keeps it O(n) and deterministic; equivalent spellings (``1/2`` vs ``0.5``) then
  split their votes, which can only lower maj@n, never raise it;
- pass@n: fraction of problems with at least one correct sample.

A benchmark with multiple-choice problems (``problems.choices``, e.g. the ``geometry`` dev set) is also
scored per answer kind, as ``<bench>:choice`` (choice accuracy: the choice-aware verifier takes the right
letter or the right value, never another option) and ``<bench>:value`` (free-form value accuracy).

Results go to ``eval_results`` (one row per run and benchmark, replaced on re-run) and ``compare`` reads
two runs back. This module imports no torch: the backend does.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from redstar_data.catalog import Catalog
from redstar_data.errors import CatalogError, ConfigError
from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress

METRICS = ("pass_at_1", "maj_at_n", "pass_at_n")

_SCORE_SQL = """
WITH probs AS (
    SELECT DISTINCT problem_id FROM problem_sources WHERE source_id = ? AND problem_id IN (SELECT unnest(?))
), t AS (
    SELECT tl.problem_id, tl.sample_index, tl.label, tl.verifier_version,
           nullif(lower(regexp_replace(trim(tl.extracted), '\\s+', '', 'g')), '') AS ans
    FROM trace_labels tl JOIN probs USING (problem_id)
    WHERE tl.run_id = ? AND tl.sample_index < ?
), groups AS (
    SELECT problem_id, ans, count(*) AS votes, min(sample_index) AS first_idx,
           bool_or(label = 'correct') AS ok
    FROM t WHERE ans IS NOT NULL GROUP BY problem_id, ans
), maj AS (
    SELECT problem_id, arg_max(ok, (votes, -first_idx)) AS maj_ok FROM groups GROUP BY problem_id
), per AS (
    SELECT p.problem_id,
           coalesce(count(*) FILTER (WHERE t.label = 'correct'), 0) AS n_correct,
           count(t.sample_index) AS n_have
    FROM probs p LEFT JOIN t USING (problem_id) GROUP BY p.problem_id
)
SELECT count(*) AS n_problems,
       avg(per.n_correct / ?::DOUBLE) AS pass_at_1,
       avg(CASE WHEN coalesce(maj.maj_ok, false) THEN 1.0 ELSE 0.0 END) AS maj_at_n,
       avg(CASE WHEN per.n_correct > 0 THEN 1.0 ELSE 0.0 END) AS pass_at_n,
       sum(per.n_have) AS n_traces,
       (SELECT arg_max(verifier_version, version_key(verifier_version)) FROM t) AS verifier_version
FROM per LEFT JOIN maj USING (problem_id)
"""


@dataclass
class BenchResult:
    benchmark: str
    n_problems: int
    n_samples: int
    pass_at_1: float
    maj_at_n: float
    pass_at_n: float
    n_traces: int = 0
    verifier_version: str | None = None


@dataclass
class EvalReport:
    """One evaluation: the run id, per-benchmark scores, and what generation/verification did."""

    run_id: str
    results: list[BenchResult] = field(default_factory=list)
    generate: dict[str, Any] = field(default_factory=dict)
    verify: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def result(self, benchmark: str) -> BenchResult:
        return next(r for r in self.results if r.benchmark == benchmark)


def _ensure(catalog: Catalog, benches: Sequence[str], bench_dir: str | Path | None) -> dict[str, str]:
    """{benchmark name: source_id}: located and ingested once by the one definition on the data side."""
    from redstar_data.ingest.benchmarks import ensure_benchmarks

    return ensure_benchmarks(catalog, benches, bench_dir)


def benchmark_problems(catalog: Catalog, source_id: str, limit: int | None) -> list[str]:
    """Problem ids of one benchmark source, in a stable order (by source row). With ``limit``, a fixed spread of
    that many: the ``limit`` smallest problem ids (content hashes: a pseudo-random sample that is the same on
    every run and machine), still in source-row order. The first K rows would be one slice of a file sorted
    by kind or source (the geometry dev set's first rows are all FormalGeo, so no choice problem at all)."""
    rows = (
        "SELECT problem_id, min(row_number) AS first_row FROM problem_sources WHERE source_id = ? "
        "GROUP BY problem_id"
    )
    if limit is not None:
        rows = f"SELECT * FROM ({rows}) ORDER BY problem_id LIMIT {int(limit)}"
    sql = f"SELECT problem_id FROM ({rows}) ORDER BY first_row NULLS LAST, problem_id"
    return [r[0] for r in catalog.rows(sql, [source_id])]


def answer_kinds(catalog: Catalog, problem_ids: Sequence[str]) -> dict[str, list[str]]:
    """``{"choice": [...], "value": [...]}`` when a benchmark mixes multiple-choice problems (``choices``
    set) with free-form ones, ``{"choice": [...]}`` when all are multiple choice; ``{}`` for a benchmark
    without choices (nothing to split). Scored on their own, the choice part's pass@1 is the choice
    accuracy (Geometry3K's metric) and the value part's the value accuracy (FormalGeo/GeoQA free form)."""
    rows = catalog.rows(
        "SELECT problem_id, choices IS NOT NULL AND json_array_length(choices) > 0 FROM problems "
        "WHERE problem_id IN (SELECT unnest(?)) ORDER BY problem_id",
        [list(problem_ids)],
    )
    choice = [r[0] for r in rows if r[1]]
    if not choice:
        return {}
    value = [r[0] for r in rows if not r[1]]
    return {"choice": choice, "value": value} if value else {"choice": choice}


def score(
    catalog: Catalog, run_id: str, source_id: str, problem_ids: Sequence[str], n: int, benchmark: str
) -> BenchResult:
    """pass@1 / maj@n / pass@n of ``run_id`` on these problems (see the module docstring)."""
    row = catalog.one(_SCORE_SQL, [source_id, list(problem_ids), run_id, n, n])
    assert row is not None  # an aggregate without GROUP BY always returns one row
    return BenchResult(
        benchmark=benchmark,
        n_problems=int(row[0] or 0),
        n_samples=n,
        pass_at_1=float(row[1] or 0.0),
        maj_at_n=float(row[2] or 0.0),
        pass_at_n=float(row[3] or 0.0),
        n_traces=int(row[4] or 0),
        verifier_version=row[5],
    )


def store(catalog: Catalog, run_id: str, results: Sequence[BenchResult]) -> None:
    """Replace this run's rows in ``eval_results`` for these benchmarks."""
    table = pa.table(
        {
            "run_id": [run_id] * len(results),
            "benchmark": [r.benchmark for r in results],
            "n_problems": pa.array([r.n_problems for r in results], pa.int32()),
            "n_samples": pa.array([r.n_samples for r in results], pa.int32()),
            "pass_at_1": [r.pass_at_1 for r in results],
            "maj_at_n": [r.maj_at_n for r in results],
            "pass_at_n": [r.pass_at_n for r in results],
            "verifier_version": pa.array([r.verifier_version for r in results], pa.string()),
        }
    )
    with catalog.transaction():
        catalog.upsert("eval_results", table, ["run_id", "benchmark"])


def evaluate(
    catalog: Catalog,
    backend: Any,
    *,
    benches: Sequence[str],
    n: int = 8,
    limit: int | None = None,
    run_id: str | None = None,
    params: Any = None,
    bench_dir: str | Path | None = None,
    batch_size: int = 64,
    progress: ProgressCallback = null_progress,
) -> EvalReport:
    """Evaluate ``backend`` on ``benches`` with ``n`` samples per problem (``limit`` problems per bench)."""
    from redstar_data.generate.backends import SamplingParams
    from redstar_data.generate.run import generate
    from redstar_data.verify.run import verify

    if not benches:
        raise ConfigError("no benchmarks given", key="--bench", hint="e.g. --bench math500,aime24")
    if n < 1:
        raise ConfigError(f"n must be at least 1, got {n}", key="-n")
    t0 = time.perf_counter()
    sources = _ensure(catalog, benches, bench_dir)
    by_bench = {b: benchmark_problems(catalog, sid, limit) for b, sid in sources.items()}
    empty = [b for b, ids in by_bench.items() if not ids]
    if empty:
        raise ConfigError(f"benchmark(s) {empty} have no problems in the catalog", key="--bench")
    all_ids = sorted({p for ids in by_bench.values() for p in ids})
    params = params or SamplingParams(n=n, temperature=0.6, top_p=0.95, max_tokens=32768, seed=0)
    gen = generate(
        catalog,
        backend,
        n=n,
        params=params,
        run_id=run_id,
        problem_ids=all_ids,
        kind="eval",
        batch_size=batch_size,
        progress=progress,
    )
    ver = verify(catalog, run=gen.run_id)
    report = EvalReport(run_id=gen.run_id, generate=_as_dict(gen), verify=_as_dict(ver))
    for i, (b, sid) in enumerate(sources.items()):
        report.results.append(score(catalog, gen.run_id, sid, by_bench[b], n, b))
        for kind, ids in answer_kinds(catalog, by_bench[b]).items():
            report.results.append(score(catalog, gen.run_id, sid, ids, n, f"{b}:{kind}"))
        progress(ProgressEvent("score", i + 1, len(sources), message=b))
    store(catalog, gen.run_id, report.results)
    report.seconds = time.perf_counter() - t0
    return report


def _as_dict(obj: Any) -> dict[str, Any]:
    if hasattr(obj, "to_dict"):
        return dict(obj.to_dict())
    if hasattr(obj, "__dataclass_fields__"):
        return asdict(obj)
    return dict(obj) if isinstance(obj, dict) else {"value": str(obj)}


def compare(catalog: Catalog, run_a: str, run_b: str) -> list[dict[str, Any]]:
    """Per benchmark: both runs' scores and b − a (None where a run lacks that benchmark)."""
    runs = {r[0] for r in catalog.rows("SELECT DISTINCT run_id FROM eval_results")}
    missing = [r for r in (run_a, run_b) if r not in runs]
    if missing:
        raise CatalogError(
            f"no eval results for run(s) {missing}",
            hint=f"runs with results: {', '.join(sorted(runs)) or 'none'}",
        )
    sql = """
    WITH a AS (SELECT * FROM eval_results WHERE run_id = ? QUALIFY row_number() OVER (
                   PARTITION BY benchmark ORDER BY created_at DESC) = 1),
         b AS (SELECT * FROM eval_results WHERE run_id = ? QUALIFY row_number() OVER (
                   PARTITION BY benchmark ORDER BY created_at DESC) = 1)
    SELECT coalesce(a.benchmark, b.benchmark) AS benchmark,
           a.pass_at_1 AS a_pass_at_1, b.pass_at_1 AS b_pass_at_1, b.pass_at_1 - a.pass_at_1 AS d_pass_at_1,
           a.maj_at_n AS a_maj_at_n, b.maj_at_n AS b_maj_at_n, b.maj_at_n - a.maj_at_n AS d_maj_at_n,
           a.pass_at_n AS a_pass_at_n, b.pass_at_n AS b_pass_at_n, b.pass_at_n - a.pass_at_n AS d_pass_at_n,
           a.n_samples AS a_n, b.n_samples AS b_n
    FROM a FULL OUTER JOIN b USING (benchmark) ORDER BY benchmark
    """
    return catalog.arrow(sql, [run_a, run_b]).to_pylist()


__all__ = [
    "METRICS",
    "BenchResult",
    "EvalReport",
    "answer_kinds",
    "benchmark_problems",
    "compare",
    "evaluate",
    "score",
    "store",
]
