"""Catalog side of dedup: which problems take part, their canonical-rule attributes, the stored index."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from redstar_data.catalog import Catalog

# A problem takes part in dedup when it belongs to at least one non-benchmark source (its own source_id or
# any problem_sources membership). Benchmark-only problems are decontamination's business.
MEMBERSHIP_SQL = """
    SELECT problem_id, source_id FROM problems
    UNION SELECT problem_id, source_id FROM problem_sources
"""


def eligible_sql(source_priority: Sequence[str]) -> tuple[str, list[object]]:
    """SQL (and params) giving problem_id, problem, priority (best rank over memberships), has_answer."""
    last = len(source_priority)
    sql = f"""
        WITH m AS ({MEMBERSHIP_SQL}),
        pr AS (
            SELECT m.problem_id,
                   min(coalesce(list_position(?::VARCHAR[], m.source_id) - 1, {last})) AS priority
            FROM m JOIN sources s USING (source_id)
            WHERE NOT s.is_benchmark
            GROUP BY m.problem_id
        )
        SELECT p.problem_id, p.problem, pr.priority::INTEGER AS priority,
               (p.answer IS NOT NULL AND trim(p.answer) <> '') AS has_answer
        FROM problems p JOIN pr USING (problem_id)
    """
    return sql, [list(source_priority)]


def signature_column(sig: np.ndarray) -> pa.Array:
    """uint32 [n, num_perm] -> one fixed-size binary value per row (little-endian)."""
    sig = np.ascontiguousarray(sig, dtype="<u4")
    width = sig.shape[1] * 4
    arr = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), sig.shape[0], [None, pa.py_buffer(sig)])
    return arr.cast(pa.binary())


def signatures_from(column: pa.ChunkedArray | pa.Array, num_perm: int) -> np.ndarray:
    """Inverse of ``signature_column``."""
    if len(column) == 0:
        return np.empty((0, num_perm), dtype=np.uint32)
    raw = b"".join(v.as_py() for v in column) if len(column) < 1000 else _join_binary(column)
    return np.frombuffer(raw, dtype="<u4").reshape(-1, num_perm).astype(np.uint32)


def _join_binary(column: pa.ChunkedArray | pa.Array) -> bytes:
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    out = []
    for c in chunks:
        c = c.cast(pa.binary())
        offs = np.frombuffer(c.buffers()[1], dtype=np.int32)[c.offset : c.offset + len(c) + 1]
        out.append(bytes(c.buffers()[2])[offs[0] : offs[-1]])
    return b"".join(out)


def index_table(
    problem_ids: Sequence[str], params_key: str, numbers: np.ndarray, sig: np.ndarray, keys: np.ndarray
) -> pa.Table:
    bands = keys.shape[1]
    key_list = pa.FixedSizeListArray.from_arrays(pa.array(keys.ravel(), pa.uint64()), bands)
    return pa.table(
        {
            "problem_id": pa.array(problem_ids, pa.string()),
            "params_key": pa.array([params_key] * len(problem_ids), pa.string()),
            "numbers_hash": pa.array(numbers, pa.uint64()),
            "signature": signature_column(sig),
            "band_keys": key_list.cast(pa.list_(pa.uint64())),
        }
    )


def dedup_rows(
    problem_ids: Sequence[str],
    exact_hash: Sequence[str],
    cluster_id: Sequence[str],
    is_canonical: np.ndarray,
    method: Sequence[str],
    params: dict[str, object],
) -> pa.Table:
    p = json.dumps(params, sort_keys=True)
    return pa.table(
        {
            "problem_id": pa.array(problem_ids, pa.string()),
            "exact_hash": pa.array(exact_hash, pa.string()),
            "cluster_id": pa.array(cluster_id, pa.string()),
            "is_canonical": pa.array(np.asarray(is_canonical, dtype=bool)),
            "method": pa.array(method, pa.string()),
            "params": pa.array([p] * len(problem_ids), pa.string()),
        }
    )


def stored_params(cat: Catalog) -> list[str]:
    """Distinct ``params`` JSON texts in ``dedup`` (more than one, or another one, means rebuild)."""
    return [r[0] for r in cat.rows("SELECT DISTINCT params::VARCHAR FROM dedup")]
