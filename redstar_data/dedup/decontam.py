"""Decontamination: flag training problems that contain (part of) a benchmark problem.

Three checks, all on the dedup normaliser's tokens (``normalize.tokens``: lowercase, LaTeX markup gone,
numbers canonical), so ``$\\frac{3}{4}$`` in a benchmark matches ``\\dfrac34`` in a training problem:

* ``exact``: the normalised texts are equal;
* ``ngram``: the training problem shares at least ``min_matches`` word n-grams with a benchmark problem.
  A benchmark problem embedded in a longer training problem shares all its n-grams, so it is caught
  wherever it sits. The stored ``overlap`` is the training problem's span from its first to its last
  matched n-gram (normalised tokens), ``matched_ngrams`` the number of distinct benchmark n-grams found.
* ``contain``: a benchmark problem too short to have an n-gram (fewer than ``ngram`` tokens) but with at
  least ``min_tokens`` tokens is flagged where its whole token sequence appears contiguously in a training
  problem. Without it a short problem ("Find the units digit of $18^6$.") copied into a longer training
  problem was never caught, because the exact check needs the whole texts to be equal. The stored row has
  ``ngram`` = the benchmark problem's length (it is one n-gram of that size), ``matched_ngrams`` = 1 and
  ``overlap`` = the matched span. ``min_tokens`` (default 6, see docs/dedup.md) keeps generic snippets
  such as "compute 2 + 2" from flagging every training problem that happens to contain them; shorter
  benchmark problems still get the exact check.

Boilerplate is not evidence (issue 15, finding 9): an n-gram found in ``boilerplate_df`` (5) or more distinct
benchmark problems -- counted over every benchmark source in the catalog -- is a phrase of the genre ("\\frac m
n where m and n are relatively prime positive integers what is m + n", "please format your answer as n
\\times 10 ^ x where n is to 2 decimal places", "an arithmetic sequence is a sequence in which each term
after the first ..."), and matching it says nothing about contamination. Such n-grams are left out of the
match, unless they lie in a shared passage: a run of at least ``SHARED_PASSAGE`` (24) consecutive common
n-grams in one benchmark problem, which is the context several sub-questions of one problem share
(OlympiadBench's escape-room puzzle: 191 n-grams in 9 problems); copying that is contamination. And a match
must cover at least ``MIN_NOVEL_TOKENS`` (7) tokens of the benchmark problem that none of its boilerplate
n-grams covers: the n-grams straddling a boilerplate phrase ("as \\frac m n where m and n are relatively prime
positive integers") are rare each but boilerplate all the same. Measured on
the six benchmark sets in ``shared/data/benchmarks`` (2,836 distinct problems, 112,771 13-grams): docs/dedup.md
("Boilerplate") and ``benchmarks/decontam_boilerplate.py``.

The n-gram hashes are computed for a whole batch of problems at once in numpy and looked up with one
``np.isin`` against the benchmark set; Python touches only the few problems that match. Containment uses
polynomial rolling hashes from one prefix sum per batch (a few numpy operations per distinct short length)
and confirms every hash hit by comparing the tokens, so a hash collision can never raise a flag.
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
# Shortest benchmark problem (in normalised tokens) that the containment check looks for; see docs/dedup.md
# ("Short benchmark problems") for the measurement behind 6.
DEFAULT_MIN_TOKENS = 6
# An n-gram in this many distinct benchmark problems or more is boilerplate (not evidence) unless it lies in
# a shared passage of at least SHARED_PASSAGE consecutive such n-grams; both measured, see the module docstring.
DEFAULT_BOILERPLATE_DF = 5
SHARED_PASSAGE = 24
# A match must cover at least this many tokens of the benchmark problem outside its boilerplate: an n-gram
# that straddles a boilerplate phrase and a word or two around it ("as \frac m n where m and n are relatively
# prime positive integers", in 2 benchmark problems only) is boilerplate too. Measured with the threshold.
MIN_NOVEL_TOKENS = 7
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
    min_tokens: int = DEFAULT_MIN_TOKENS
    n_short_checked: int = 0  # benchmark problems checked by containment (min_tokens <= length < ngram)
    boilerplate_df: int = DEFAULT_BOILERPLATE_DF
    n_boilerplate_ngrams: int = 0  # benchmark n-grams left out of the match as boilerplate
    boilerplate_examples: list[str] = field(default_factory=list)  # the most widespread ones, as text
    seconds: float = 0.0


@dataclass
class Encoded:
    """A batch of token lists as one array of token codes: ``codes[i]`` belongs to doc ``doc[i]``, and doc
    ``d`` starts at ``codes[offset[d]]``."""

    codes: np.ndarray
    doc: np.ndarray
    offset: np.ndarray
    rolling: tuple[np.ndarray, np.ndarray] | None = None  # (prefix sums, powers of B), made on first use


_EMPTY = np.empty(0, dtype=np.int64)
# base of the rolling hash (odd, so invertible modulo 2^64) and its inverse
_B = 0x100000001B3
_B_INV = pow(_B, -1, 2**64)


class NgramHasher:
    """64-bit hashes of every word n-gram of token lists, vectorised over a batch; plus rolling hashes of
    windows of any length (for the containment check), from the same token codes."""

    def __init__(self, n: int, seed: int = 13) -> None:
        self.n = n
        rng = np.random.default_rng(seed)
        self._pos = rng.integers(1, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self._tok: dict[str, int] = {}

    def encode(self, docs: list[list[str]]) -> Encoded:
        """Token codes of ``docs`` (the only per-token Python loop; encode a batch once, hash it often)."""
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
        lengths = np.asarray([len(t) for t in docs], dtype=np.int64)
        offset = np.zeros(len(docs), dtype=np.int64)
        if len(docs) > 1:
            offset[1:] = np.cumsum(lengths)[:-1]
        return Encoded(np.asarray(ids, dtype=np.uint64), np.asarray(doc_of, dtype=np.int64), offset)

    def hashes(self, docs: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hash, doc index, start token position) of each n-gram of each doc."""
        return self.ngram_hashes(self.encode(docs))

    def ngram_hashes(self, enc: Encoded) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``hashes`` on an already encoded batch."""
        n = self.n
        arr, doc = enc.codes, enc.doc
        starts = _window_starts(doc, n)
        if len(starts) == 0:
            return _EMPTY.astype(np.uint64), _EMPTY, _EMPTY
        h = np.zeros(len(starts), dtype=np.uint64)
        for k in range(n):
            h += arr[starts + k] * self._pos[k]
        return h, doc[starts], starts - enc.offset[doc[starts]]

    def window_hashes(self, enc: Encoded, length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hash, doc index, start) of every window of ``length`` tokens: a polynomial hash modulo 2^64,
        ``sum codes[j] * B^(length-1-(j-start))``, read off one prefix sum, so each extra length costs a
        few array operations instead of ``length`` of them. Equal windows get equal hashes wherever they
        sit; callers confirm hits on the tokens themselves."""
        starts = _window_starts(enc.doc, length)
        if len(starts) == 0:
            return _EMPTY.astype(np.uint64), _EMPTY, _EMPTY
        if enc.rolling is None:
            m = len(enc.codes)
            pows = np.full(m, _B, dtype=np.uint64)
            inv = np.full(m, _B_INV, dtype=np.uint64)
            pows[0] = inv[0] = 1
            pows = np.cumprod(pows, dtype=np.uint64)  # B^j, wrapping modulo 2^64
            inv = np.cumprod(inv, dtype=np.uint64)  # B^-j
            pre = np.zeros(m + 1, dtype=np.uint64)
            pre[1:] = np.cumsum(enc.codes * inv, dtype=np.uint64)
            enc.rolling = (pre, pows)
        pre, pows = enc.rolling
        end = starts + length
        h = (pre[end] - pre[starts]) * pows[end - 1]
        return h, enc.doc[starts], starts - enc.offset[enc.doc[starts]]


def _window_starts(doc: np.ndarray, length: int) -> np.ndarray:
    """Positions where a window of ``length`` tokens starts and ends inside one doc."""
    m = len(doc) - length + 1
    if m <= 0 or length < 1:
        return _EMPTY
    starts = np.arange(m, dtype=np.int64)
    return starts[doc[starts] == doc[starts + length - 1]]


def _benchmark_sources(catalog: Catalog, against: list[str]) -> dict[str, str]:
    """{name: source_id} of benchmark sources already in the catalog. Ingesting benchmark files is the
    ingest stage's job (``ingest.benchmarks.ensure_benchmarks``, which ``redstar decontam`` calls first),
    so dedup never imports ingest."""
    found = {
        r[0]
        for r in catalog.sql(
            "SELECT source_id FROM sources WHERE is_benchmark AND source_id IN (SELECT unnest(?::VARCHAR[]))",
            [against],
        ).fetchall()
    }
    missing = [a for a in against if a not in found]
    if missing:
        raise ConfigError(
            f"benchmark source(s) not in the catalog: {', '.join(missing)}",
            key="--against",
            hint="ingest them first: `redstar decontam` does it for files in the benchmark folder; in code, "
            "call redstar_data.ingest.benchmarks.ensure_benchmarks(catalog, names)",
        )
    return {a: a for a in against}


def decontaminate(
    catalog: Catalog,
    *,
    against: list[str],
    ngram: int = DEFAULT_NGRAM,
    min_matches: int = 1,
    min_tokens: int = DEFAULT_MIN_TOKENS,
    boilerplate_df: int = DEFAULT_BOILERPLATE_DF,
    progress: ProgressCallback = null_progress,
) -> DecontamReport:
    """Flag contaminated training problems in ``contamination`` (idempotent: existing flags are kept).

    ``min_tokens``: benchmark problems with ``min_tokens <= length < ngram`` normalised tokens are also
    looked for whole inside training problems (method ``contain``); see the module docstring.
    ``boilerplate_df``: n-grams in at least this many distinct benchmark problems are not evidence (0: every
    n-gram counts); see the module docstring.
    """
    t0 = time.perf_counter()
    if not against:
        raise ConfigError("no benchmark given", key="--against", hint="e.g. --against math500,aime24")
    if ngram < 1:
        raise ConfigError(f"ngram must be at least 1, got {ngram}", key="--ngram")
    if min_tokens < 1:
        raise ConfigError(f"min_tokens must be at least 1, got {min_tokens}", key="--min-tokens")
    if boilerplate_df < 0:
        raise ConfigError(
            f"boilerplate_df must be 0 (off) or more, got {boilerplate_df}", key="--boilerplate-df"
        )
    report = DecontamReport(ngram=ngram, min_tokens=min_tokens, boilerplate_df=boilerplate_df)
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
    bh, bdoc, bstart = hasher.hashes(b_toks)
    boiler = _boilerplate(catalog, hasher, boilerplate_df, report) if boilerplate_df else set()
    owners: dict[int, set[int]] = {}
    # per benchmark problem: where each of its n-grams starts, and where its boilerplate n-grams start (the
    # tokens those cover are no evidence, whatever n-gram of a training problem covers them)
    b_start: dict[int, dict[int, int]] = {}
    b_boiler: dict[int, list[int]] = {}
    for h, d, st in zip(bh.tolist(), bdoc.tolist(), bstart.tolist(), strict=True):
        if h in boiler:
            b_boiler.setdefault(d, []).append(st)
        else:
            owners.setdefault(h, set()).add(d)
            b_start.setdefault(d, {}).setdefault(h, st)
    bset = np.fromiter(owners, dtype=np.uint64, count=len(owners))
    short = _short_index(hasher, b_toks, min_tokens, ngram)
    report.n_short_checked = sum(len(ks) for by_hash in short.values() for ks in by_hash.values())

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
        enc = hasher.encode(docs)
        for length, by_hash in short.items():
            rows.extend(_contained(hasher, enc, length, by_hash, docs, pids, bench, b_toks))
        h, doc, start = hasher.ngram_hashes(enc)
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
                if k in b_boiler and _novel(found, b_start[k], b_boiler[k], ngram) < MIN_NOVEL_TOKENS:
                    continue  # an n-gram straddling boilerplate ("as \frac m n where m and n ..."): no evidence
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


def _novel(found: list[tuple[int, int]], starts: dict[int, int], boiler_starts: list[int], n: int) -> int:
    """Tokens of a benchmark problem that its matched n-grams (``found``: (hash, start in the training
    problem); ``starts``: hash -> start in the benchmark problem) cover outside its boilerplate n-grams."""
    covered: set[int] = set()
    for hv, _ in found:
        st = starts[hv]
        covered.update(range(st, st + n))
    for st in boiler_starts:
        covered.difference_update(range(st, st + n))
    return len(covered)


def _boilerplate(catalog: Catalog, hasher: NgramHasher, min_df: int, report: DecontamReport) -> set[int]:
    """Hashes of the benchmark n-grams that are boilerplate: in ``min_df`` or more distinct (normalised)
    problems of all the catalog's benchmark sources, and in no run of ``SHARED_PASSAGE`` consecutive such
    n-grams (a passage several sub-questions share). Fills the report's count and examples."""
    texts = [
        r[0]
        for r in catalog.rows(
            """SELECT DISTINCT p.problem FROM problems p
               WHERE p.source_id IN (SELECT source_id FROM sources WHERE is_benchmark)
                  OR p.problem_id IN (SELECT problem_id FROM problem_sources
                                      WHERE source_id IN (SELECT source_id FROM sources WHERE is_benchmark))"""
        )
    ]
    docs = sorted({" ".join(normalize.tokens(t or "")): None for t in texts})  # distinct normalised texts
    toks = [d.split(" ") if d else [] for d in docs]
    h, doc, start = hasher.hashes(toks)
    if not len(h):
        return set()
    pairs = np.unique(np.stack([h, doc.astype(np.uint64)], axis=1), axis=0)  # each doc counts once
    uniq, df = np.unique(pairs[:, 0], return_counts=True)
    common = uniq[df >= min_df]
    if not len(common):
        return set()
    is_common = np.isin(h, common)
    passage: set[int] = set()
    # runs of consecutive common n-grams inside one doc (n-grams are in doc order, one per start position)
    brk = np.flatnonzero(
        ~is_common[1:] | ~is_common[:-1] | (doc[1:] != doc[:-1]) | (start[1:] != start[:-1] + 1)
    )
    for a, b in zip(np.r_[0, brk + 1], np.r_[brk + 1, len(h)], strict=True):
        if is_common[a] and b - a >= SHARED_PASSAGE:
            passage.update(h[a:b].tolist())
    boiler = set(common.tolist()) - passage
    report.n_boilerplate_ngrams = len(boiler)
    order = np.argsort(-df, kind="stable")
    seen: list[str] = []
    for i in order.tolist():
        hv = int(uniq[i])
        if hv in boiler:
            k = int(np.flatnonzero(h == uniq[i])[0])
            text = " ".join(toks[int(doc[k])][int(start[k]) : int(start[k]) + hasher.n])
            seen.append(f"{text} ({int(df[i])} problems)")
            if len(seen) == 3:
                break
    report.boilerplate_examples = seen
    return boiler


def _short_index(
    hasher: NgramHasher, b_toks: list[list[str]], min_tokens: int, ngram: int
) -> dict[int, dict[int, list[int]]]:
    """Benchmark problems too short for an n-gram but long enough for containment: length -> window hash of
    the whole problem -> benchmark indices (several when two benchmarks hold the same problem)."""
    out: dict[int, dict[int, list[int]]] = {}
    for k, toks in enumerate(b_toks):
        if min_tokens <= len(toks) < ngram:
            h, _, _ = hasher.window_hashes(hasher.encode([toks]), len(toks))
            out.setdefault(len(toks), {}).setdefault(int(h[0]), []).append(k)
    return out


def _contained(
    hasher: NgramHasher,
    enc: Encoded,
    length: int,
    by_hash: dict[int, list[int]],
    docs: list[list[str]],
    pids: list[str],
    bench: list[dict[str, object]],
    b_toks: list[list[str]],
) -> list[dict[str, object]]:
    """``contain`` rows: training problems of this batch holding a whole short benchmark problem of
    ``length`` tokens. Hash hits are confirmed on the tokens; one row per (problem, benchmark problem)."""
    h, doc, start = hasher.window_hashes(enc, length)
    keys = np.fromiter(by_hash, dtype=np.uint64, count=len(by_hash))
    out: list[dict[str, object]] = []
    seen: set[tuple[int, int]] = set()
    for i in np.flatnonzero(np.isin(h, keys)).tolist():
        d, st = int(doc[i]), int(start[i])
        span = docs[d][st : st + length]
        for k in by_hash[int(h[i])]:
            if (d, k) not in seen and span == b_toks[k]:
                seen.add((d, k))
                out.append(_row(pids[d], bench[k], "contain", length, 1, " ".join(span)))
    return out


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
