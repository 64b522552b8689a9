"""Decontamination: flag training problems that contain (part of) a benchmark problem.

Two checks, both on the dedup normaliser's tokens (``normalize.tokens``: lowercase, LaTeX markup gone,
numbers canonical), so ``$\\frac{3}{4}$`` in a benchmark matches ``\\dfrac34`` in a training problem:

* ``exact``: the normalised texts are equal;
* ``ngram``: the training problem shares at least ``min_matches`` word n-grams with a benchmark problem.
  A benchmark problem embedded in a longer training problem shares all its n-grams, so it is caught
  wherever it sits. The stored ``overlap`` is the training problem's span from its first to its last
  matched n-gram (normalised tokens), ``matched_ngrams`` the number of distinct benchmark n-grams found.

Benchmark problems shorter than ``ngram`` tokens have no n-gram; only the exact check applies to them.
The n-gram hashes are computed for a whole batch of problems at once in numpy and looked up with one
``np.isin`` against the benchmark set; Python touches only the few problems that match.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from redstar_data.catalog import Catalog
from redstar_data.dedup import normalize
from redstar_data.dedup.index import eligible_sql
from redstar_data.errors import ConfigError
from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress

DEFAULT_NGRAM = 13
BATCH = 20_000
_MAX_OVERLAP = 1000


@dataclass
class DecontamReport:
    n_checked: int = 0
    n_benchmark_problems: int = 0
    n_flagged: int = 0
    n_rows_written: int = 0
    per_benchmark: dict[str, int] = field(default_factory=dict)
    ngram: int = DEFAULT_NGRAM
    seconds: float = 0.0


class NgramHasher:
    """64-bit hashes of every word n-gram of token lists, vectorised over a batch."""

    def __init__(self, n: int, seed: int = 13) -> None:
        self.n = n
        rng = np.random.default_rng(seed)
        self._pos = rng.integers(1, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self._tok: dict[str, int] = {}

    def hashes(self, docs: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hash, doc index, start token position) of each n-gram of each doc."""
        n = self.n
        tok = self._tok
        ids: list[int] = []
        doc_of: list[int] = []
        for d, toks in enumerate(docs):
            for t in toks:
                h = tok.get(t)
                if h is None:
                    h = tok[t] = len(tok) * 0x9E3779B97F4A7C15 % 2**64 or 1
                ids.append(h)
            doc_of.extend([d] * len(toks))
        if not ids:
            e = np.empty(0, dtype=np.int64)
            return e.astype(np.uint64), e, e
        arr = np.asarray(ids, dtype=np.uint64)
        doc = np.asarray(doc_of, dtype=np.int64)
        m = len(arr) - n + 1
        if m <= 0:
            e = np.empty(0, dtype=np.int64)
            return e.astype(np.uint64), e, e
        starts = np.arange(m, dtype=np.int64)
        ok = doc[starts] == doc[starts + n - 1]
        starts = starts[ok]
        h = np.zeros(len(starts), dtype=np.uint64)
        for k in range(n):
            h += arr[starts + k] * self._pos[k]
        first_tok = np.r_[0, np.flatnonzero(doc[1:] != doc[:-1]) + 1]
        doc_start = np.zeros(len(docs), dtype=np.int64)
        doc_start[doc[first_tok]] = first_tok
        return h, doc[starts], starts - doc_start[doc[starts]]


def _benchmark_sources(catalog: Catalog, against: list[str]) -> dict[str, str]:
    try:
        from redstar_data.ingest.benchmarks import ensure_benchmarks  # type: ignore[import-not-found]
    except ImportError:
        ensure_benchmarks = None
    if ensure_benchmarks is not None:
        return dict(ensure_benchmarks(catalog, against))
    rows = catalog.con.execute(
        "SELECT source_id FROM sources WHERE is_benchmark AND source_id IN (SELECT unnest(?::VARCHAR[]))",
        [against],
    ).fetchall()
    found = {r[0] for r in rows}
    missing = [a for a in against if a not in found]
    if missing:
        raise ConfigError(
            f"benchmark source(s) not in the catalog: {', '.join(missing)}",
            key="--against",
            hint="ingest them as benchmark sources first (sources.is_benchmark = TRUE)",
        )
    return {a: a for a in against}


def decontaminate(
    catalog: Catalog,
    *,
    against: list[str],
    ngram: int = DEFAULT_NGRAM,
    min_matches: int = 1,
    progress: ProgressCallback = null_progress,
) -> DecontamReport:
    """Flag contaminated training problems in ``contamination`` (idempotent: existing flags are kept)."""
    t0 = time.perf_counter()
    if not against:
        raise ConfigError("no benchmark given", key="--against", hint="e.g. --against math500,aime24")
    if ngram < 1:
        raise ConfigError(f"ngram must be at least 1, got {ngram}", key="--ngram")
    report = DecontamReport(ngram=ngram)
    sources = _benchmark_sources(catalog, against)
    bench = catalog.arrow(
        """SELECT DISTINCT s.name AS benchmark, p.problem_id, p.problem
           FROM (SELECT unnest(?::VARCHAR[]) AS name, unnest(?::VARCHAR[]) AS source_id) s
           JOIN (SELECT problem_id, source_id FROM problems UNION SELECT problem_id, source_id FROM problem_sources)
                m USING (source_id)
           JOIN problems p USING (problem_id)
           ORDER BY 1, 2""",
        [list(sources), list(sources.values())],
    ).to_pylist()
    report.n_benchmark_problems = len(bench)
    hasher = NgramHasher(ngram)
    b_toks = [normalize.tokens(r["problem"]) for r in bench]
    b_exact: dict[str, list[int]] = {}
    for k, toks in enumerate(b_toks):
        b_exact.setdefault(" ".join(toks), []).append(k)
    bh, bdoc, _ = hasher.hashes(b_toks)
    owners: dict[int, set[int]] = {}
    for h, d in zip(bh.tolist(), bdoc.tolist(), strict=True):
        owners.setdefault(h, set()).add(d)
    bset = np.unique(bh)

    sql, params = eligible_sql([])
    total = int(catalog.scalar(f"SELECT count(*) FROM ({sql})", params))
    train = catalog.batches(f"SELECT problem_id, problem FROM ({sql}) ORDER BY problem_id", params, BATCH)
    rows: list[dict[str, object]] = []
    for batch in train:
        pids = batch.column("problem_id").to_pylist()
        docs = [normalize.tokens(t or "") for t in batch.column("problem").to_pylist()]
        for d, toks in enumerate(docs):
            for k in b_exact.get(" ".join(toks), ()):
                if toks:
                    rows.append(_row(pids[d], bench[k], "exact", None, None, " ".join(toks)))
        h, doc, start = hasher.hashes(docs)
        hit = np.flatnonzero(np.isin(h, bset))  # n-grams are in doc order, so hits group by doc
        bounds = np.flatnonzero(np.r_[True, doc[hit][1:] != doc[hit][:-1], True]) if len(hit) else []
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            sel = hit[a:b]
            d = int(doc[sel[0]])
            per: dict[int, list[tuple[int, int]]] = {}
            for hv, st in zip(h[sel].tolist(), start[sel].tolist(), strict=True):
                for k in owners[hv]:
                    per.setdefault(k, []).append((hv, st))
            for k, found in per.items():
                distinct = len({hv for hv, _ in found})
                if distinct < min_matches:
                    continue
                lo = min(st for _, st in found)
                hi = max(st for _, st in found) + ngram
                span = " ".join(docs[d][lo:hi])[:_MAX_OVERLAP]
                rows.append(_row(pids[d], bench[k], "ngram", ngram, distinct, span))
        report.n_checked += len(pids)
        progress(ProgressEvent("decontam", report.n_checked, total))
    if rows:
        tbl = pa.Table.from_pylist(rows)
        with catalog.transaction():
            report.n_rows_written = catalog.insert_new(
                "contamination", tbl, ["problem_id", "benchmark", "benchmark_problem_id", "method", "ngram"]
            )
    flagged: dict[str, set[str]] = {}
    for r in rows:
        flagged.setdefault(str(r["benchmark"]), set()).add(str(r["problem_id"]))
    report.per_benchmark = {b: len(flagged.get(b, set())) for b in sources}
    report.n_flagged = len({str(r["problem_id"]) for r in rows})
    report.seconds = time.perf_counter() - t0
    return report


def _row(
    pid: str, bench: dict[str, object], method: str, ngram: int | None, matched: int | None, overlap: str
) -> dict[str, object]:
    return {
        "problem_id": pid,
        "benchmark": bench["benchmark"],
        "benchmark_problem_id": bench["problem_id"],
        "method": method,
        "ngram": ngram,
        "matched_ngrams": matched,
        "overlap": overlap[:_MAX_OVERLAP],
    }
