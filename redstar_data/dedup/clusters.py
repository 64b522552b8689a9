"""From band keys to duplicate clusters: candidate pairs, their check, connected components, canonical member.

All steps are whole-array numpy operations, so a million documents take seconds:

* candidates: per band, sort the keys; documents with equal keys are neighbours. Each document is paired
  with up to ``max_neighbors`` following documents of its bucket (all pairs for buckets up to that size, a
  connected chain for larger ones), so a bucket of 10,000 exact-format copies never produces 50M pairs.
* check: a candidate becomes an edge only when its estimated Jaccard (share of equal signature values) is
  at least ``threshold - slack`` and both documents mention the same numbers (``normalize.numbers_key``).
  The slack (two standard errors of the estimate) keeps pairs whose true Jaccard is at the threshold.
* components: min-label propagation with pointer jumping (deterministic, no Python loop per edge).
* canonical: per cluster the member with the best (source priority, has reference answer, problem id).
"""

from __future__ import annotations

import math

import numpy as np


def candidate_pairs(keys: np.ndarray, max_neighbors: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Unique (i, j), i < j, of rows that share at least one band key. ``keys``: uint64 [n, bands]."""
    n = keys.shape[0]
    codes: list[np.ndarray] = []
    for b in range(keys.shape[1]):
        order = np.argsort(keys[:, b], kind="stable")
        ks = keys[order, b]
        for d in range(1, max_neighbors + 1):
            if d >= n:
                break
            same = ks[d:] == ks[:-d]
            if not same.any():
                break
            i, j = order[:-d][same], order[d:][same]
            lo, hi = np.minimum(i, j), np.maximum(i, j)
            codes.append(lo.astype(np.int64) * n + hi)
    if not codes:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    u = np.unique(np.concatenate(codes))
    return u // n, u % n


def check_slack(threshold: float, num_perm: int) -> float:
    """Two standard errors of the Jaccard estimate at ``threshold`` with ``num_perm`` permutations."""
    return 2.0 * math.sqrt(threshold * (1.0 - threshold) / num_perm)


def verify_pairs(
    sig_i: np.ndarray,
    sig_j: np.ndarray,
    numbers_i: np.ndarray,
    numbers_j: np.ndarray,
    threshold: float,
    chunk: int = 200_000,
) -> tuple[np.ndarray, np.ndarray]:
    """(keep mask, estimated Jaccard) for candidate pairs given their signatures row by row."""
    n = len(sig_i)
    est = np.empty(n, dtype=np.float32)
    for s in range(0, n, chunk):
        est[s : s + chunk] = (sig_i[s : s + chunk] == sig_j[s : s + chunk]).mean(axis=1)
    cut = threshold - check_slack(threshold, sig_i.shape[1] if sig_i.ndim == 2 else 1)
    return (est >= cut) & (numbers_i == numbers_j), est


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n`` nodes (the smallest node index in its component)."""
    labels = np.arange(n, dtype=np.int64)
    if len(i) == 0:
        return labels
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    while True:
        m = np.minimum(labels[i], labels[j])
        before = labels.copy()
        np.minimum.at(labels, i, m)
        np.minimum.at(labels, j, m)
        # pointer jumping until labels are fixed points
        while True:
            nxt = labels[labels]
            if np.array_equal(nxt, labels):
                break
            labels = nxt
        if np.array_equal(before, labels):
            return labels


def canonical_members(
    labels: np.ndarray, priority: np.ndarray, has_answer: np.ndarray, ids: np.ndarray
) -> np.ndarray:
    """For each node, the index of its cluster's canonical node.

    Rule: lowest ``priority`` (source priority rank; unlisted sources share the last rank), then has a
    reference answer, then the smallest id (stable: the same data always picks the same member).
    """
    id_rank = np.argsort(np.argsort(ids, kind="stable"), kind="stable")
    order = np.lexsort((id_rank, ~has_answer.astype(bool), priority, labels))
    first = np.r_[True, labels[order][1:] != labels[order][:-1]]
    canon_of_label = np.empty(len(labels), dtype=np.int64)
    canon_of_label[labels[order][first]] = order[first]
    return canon_of_label[labels]
