"""The bulk dedup engine on plain arrays: sketch every text, band, check candidates, cluster, pick canonicals.

It knows nothing about the catalog: ``redstar_data.dedup.run`` feeds it problems and stores its output,
and ``benchmarks/dedup.py`` feeds it a million synthetic problems, so both measure the same code.
Sketching (Python tokenisation + numpy signatures) is split over ``workers`` processes; everything after
it is whole-array numpy in this process.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context

import numpy as np

from redstar_data.dedup import clusters
from redstar_data.dedup.minhash import MinHashParams, Sketcher, Sketches
from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress

BATCH = 4096
_WORKER: Sketcher | None = None


def _worker_sketch(params: MinHashParams, texts: list[str]) -> Sketches:
    global _WORKER
    if _WORKER is None or _WORKER.params != params:
        _WORKER = Sketcher(params)
    return _WORKER.sketch(texts)


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def sketch_all(
    texts: Sequence[str],
    params: MinHashParams,
    *,
    workers: int | None = None,
    progress: ProgressCallback = null_progress,
    stage: str = "dedup: sketch",
) -> Sketches:
    """Sketches of all ``texts`` in order. Small inputs stay in this process (no pool start-up cost)."""
    n = len(texts)
    workers = default_workers() if workers is None else workers
    parts: list[Sketches] = []
    progress(ProgressEvent(stage, 0, n))
    batches = [list(texts[s : s + BATCH]) for s in range(0, n, BATCH)]
    done = 0
    if workers > 1 and n >= 4 * BATCH:
        try:
            with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                for part in pool.map(_worker_sketch, [params] * len(batches), batches):
                    parts.append(part)
                    done += len(part)
                    progress(ProgressEvent(stage, done, n))
        except BrokenProcessPool:
            # spawn cannot start workers when __main__ is not importable (python - < script, some
            # embedders): same result in this process, only slower
            parts, done = [], 0
    if len(parts) < len(batches):
        sk = Sketcher(params)
        for b in batches:
            parts.append(sk.sketch(b))
            done += len(b)
            progress(ProgressEvent(stage, done, n))
    if not parts:
        return Sketches([], np.empty(0, np.uint64), np.empty((0, params.num_perm), np.uint32))
    return Sketches(
        [h for p in parts for h in p.exact_hash],
        np.concatenate([p.numbers for p in parts]),
        np.concatenate([p.sig for p in parts]),
    )


@dataclass
class ClusterResult:
    """Per input row: ``canonical`` (row index of its cluster's canonical member) and ``method``
    (``exact`` when every member of the cluster has the same normalised text, else ``minhash``)."""

    canonical: np.ndarray
    method: np.ndarray
    stats: dict[str, int] = field(default_factory=dict)


def _codes(strings: Sequence[str]) -> np.ndarray:
    """int64 codes equal iff the strings are equal (Python's string hash; used within one process only,
    a 64-bit collision among a million hashes has odds of about 1 in 30 million)."""
    return np.fromiter(map(hash, strings), dtype=np.int64, count=len(strings))


def exact_edges(exact_hash: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Edges joining every row to the first row (in sorted order) with the same exact hash."""
    codes = _codes(exact_hash)
    order = np.argsort(codes, kind="stable")
    c = codes[order]
    same = np.r_[False, c[1:] == c[:-1]]
    head = order[np.maximum.accumulate(np.where(same, 0, np.arange(len(c))))]
    return head[same].astype(np.int64), order[same].astype(np.int64)


def cluster(
    ids: Sequence[str],
    sk: Sketches,
    params: MinHashParams,
    priority: np.ndarray,
    has_answer: np.ndarray,
    *,
    extra_edges: tuple[np.ndarray, np.ndarray] | None = None,
    progress: ProgressCallback = null_progress,
) -> ClusterResult:
    """Exact groups + checked LSH candidates -> components -> canonical member of each."""
    n = len(ids)
    stats: dict[str, int] = {"n": n}
    ei, ej = exact_edges(sk.exact_hash)
    stats["exact_edges"] = len(ei)
    # band only one representative per exact group: copies add nothing but bucket size
    rep = np.ones(n, dtype=bool)
    rep[ej] = False
    rep_idx = np.flatnonzero(rep)
    keys = Sketcher(params).band_keys(sk.sig[rep_idx], sk.numbers[rep_idx])
    progress(ProgressEvent("dedup: candidates", 0, None))
    ci, cj = clusters.candidate_pairs(keys)
    ci, cj = rep_idx[ci], rep_idx[cj]
    stats["candidates"] = len(ci)
    keep, _ = clusters.verify_pairs(sk.sig[ci], sk.sig[cj], sk.numbers[ci], sk.numbers[cj], params.threshold)
    ni, nj = ci[keep], cj[keep]
    stats["near_edges"] = len(ni)
    parts_i = [ei, ni]
    parts_j = [ej, nj]
    if extra_edges is not None:
        parts_i.append(extra_edges[0])
        parts_j.append(extra_edges[1])
    labels = clusters.components(n, np.concatenate(parts_i), np.concatenate(parts_j))
    canon = clusters.canonical_members(labels, priority, has_answer, np.asarray(ids))
    # a cluster is "exact" when all its members share the canonical's exact hash
    eh = _codes(sk.exact_hash)
    differs = eh != eh[canon]
    mixed = np.zeros(n, dtype=bool)
    mixed[labels[differs]] = True
    method = np.where(mixed[labels], "minhash", "exact")
    stats["clusters"] = int(len(np.unique(labels)))
    stats["duplicates"] = int((canon != np.arange(n)).sum())
    return ClusterResult(canon, method, stats)
