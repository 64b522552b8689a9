"""`redstar dedup` / `redstar decontam` entry points: exact + MinHash LSH near-duplicate clusters in the catalog.

``dedup`` is incremental. Problems that already have a ``dedup`` row keep their stored signature and band
keys (table ``dedup_index``); a run sketches only problems without a row (``report.n_processed``), finds
their candidates among themselves in numpy and among the indexed problems with one DuckDB join on band keys,
and rewrites the rows of the existing clusters they join (the canonical member may change). Changing the
options (threshold, permutations, n-gram, bands, source priority) rebuilds everything, since clusters made
under other options are not comparable.

The source priority is a setting of the catalog, not of one run: when given it is saved in ``catalog_meta``
(key ``dedup.source_priority``) and a later run without it reuses the saved one, so a plain ``redstar dedup``
after ``redstar dedup --source-priority a,b`` keeps the same canonicals instead of silently rebuilding
without priority. Giving a priority again (``[]`` clears it) replaces the saved one.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from redstar_data.catalog import Catalog
from redstar_data.dedup import clusters, engine, index
from redstar_data.dedup.decontam import DecontamReport, decontaminate
from redstar_data.dedup.minhash import MinHashParams, Sketcher, resolve_params
from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress

# catalog_meta key of the saved source priority (a JSON list): a catalog-wide key/value table that every
# catalog has, so keeping one setting needs no migration
PRIORITY_KEY = "dedup.source_priority"


@dataclass
class DedupReport:
    """What a dedup run did. ``n_processed``: problems sketched this run (only new ones when incremental).

    ``priority_source``: where ``source_priority`` came from: ``given`` (this call; saved for later runs),
    ``saved`` (an earlier run's, reused because none was given) or ``none``. ``priority_changed``: a given
    priority differed from the saved one and replaced it; ``previous_priority`` is what it replaced
    (``None`` when no priority had been saved)."""

    n_problems: int = 0
    n_processed: int = 0
    n_clusters: int = 0
    n_duplicates: int = 0
    n_exact_duplicates: int = 0
    n_near_duplicates: int = 0
    n_rows_written: int = 0
    incremental: bool = False
    rebuilt: bool = False
    source_priority: list[str] = field(default_factory=list)
    priority_source: str = "none"
    priority_changed: bool = False
    previous_priority: list[str] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def dedup(
    catalog: Catalog,
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    ngram: int = 5,
    bands: int | None = None,
    rows: int | None = None,
    source_priority: list[str] | None = None,
    workers: int | None = None,
    progress: ProgressCallback = null_progress,
) -> DedupReport:
    """Give every non-benchmark problem a ``dedup`` row (cluster + canonical flag); see the module docstring.

    ``source_priority=None`` reuses the saved priority (if any); a list (even empty) replaces it.
    """
    t0 = time.perf_counter()
    params = resolve_params(threshold, num_perm, ngram, bands, rows)
    report = DedupReport()
    priority_list = _resolve_priority(catalog, source_priority, report)
    run_params = {**params.to_dict(), "source_priority": priority_list}
    report.params = run_params

    stored = {json.dumps(json.loads(p), sort_keys=True) for p in index.stored_params(catalog)}
    current = json.dumps(run_params, sort_keys=True)
    stale_index = bool(
        catalog.scalar("SELECT count(*) FROM dedup_index WHERE params_key <> ?", [params.key()])
    )
    if (stored and stored != {current}) or stale_index:
        with catalog.transaction():
            catalog.execute("DELETE FROM dedup")
            catalog.execute("DELETE FROM dedup_index")
        report.rebuilt = True

    sql, sql_params = index.eligible_sql(priority_list)
    catalog.execute(f"CREATE OR REPLACE TEMP TABLE __dd_elig AS {sql}", sql_params)
    report.n_problems = int(catalog.scalar("SELECT count(*) FROM __dd_elig"))
    new = catalog.arrow(
        "SELECT e.* FROM __dd_elig e WHERE NOT EXISTS (SELECT 1 FROM dedup d WHERE d.problem_id = e.problem_id) "
        "ORDER BY e.problem_id"
    )
    n_old = int(catalog.scalar("SELECT count(*) FROM dedup_index"))
    report.n_processed = new.num_rows
    if new.num_rows == 0:
        _finish(catalog, report, t0)
        return report

    ids = new.column("problem_id").to_pylist()
    sk = engine.sketch_all(new.column("problem").to_pylist(), params, workers=workers, progress=progress)
    keys = Sketcher(params).band_keys(sk.sig, sk.numbers)
    index_rows = index.index_table(ids, params.key(), sk.numbers, sk.sig, keys)

    if n_old == 0:
        res = engine.cluster(
            ids,
            sk,
            params,
            np.asarray(new.column("priority").to_numpy(zero_copy_only=False), dtype=np.int64),
            np.asarray(new.column("has_answer").to_numpy(zero_copy_only=False), dtype=bool),
            progress=progress,
        )
        ids_arr = np.asarray(ids, dtype=object)
        rows_tbl = index.dedup_rows(
            ids,
            sk.exact_hash,
            ids_arr[res.canonical].tolist(),
            res.canonical == np.arange(len(ids)),
            res.method.tolist(),
            run_params,
        )
        report.stats = res.stats
    else:
        report.incremental = True
        rows_tbl = _incremental(catalog, ids, sk, keys, params, run_params, report)

    progress(ProgressEvent("dedup: write", 0, rows_tbl.num_rows))
    with catalog.transaction():
        report.n_rows_written = catalog.upsert("dedup", rows_tbl, ["problem_id"])
        catalog.insert_new("dedup_index", index_rows, ["problem_id"])
    progress(ProgressEvent("dedup: write", rows_tbl.num_rows, rows_tbl.num_rows))
    _finish(catalog, report, t0)
    return report


def _incremental(
    catalog: Catalog,
    ids: list[str],
    sk: Any,
    keys: np.ndarray,
    params: MinHashParams,
    run_params: dict[str, Any],
    report: DedupReport,
) -> pa.Table:
    """Cluster new problems together with the indexed ones they touch; returns the rows to upsert."""
    n_new = len(ids)
    # new-vs-old candidates: one join of the new band keys against the stored ones
    probe = pa.table(
        {
            "i": pa.array(np.repeat(np.arange(n_new), keys.shape[1]), pa.int64()),
            "k": pa.array(keys.ravel(), pa.uint64()),
        }
    )
    ex = pa.table({"i": pa.array(np.arange(n_new), pa.int64()), "h": pa.array(sk.exact_hash, pa.string())})
    with catalog.registered("__dd_probe", probe), catalog.registered("__dd_exact", ex):
        cand = catalog.arrow(
            """SELECT DISTINCT p.i, x.problem_id FROM __dd_probe p
               JOIN (SELECT problem_id, unnest(band_keys) AS k FROM dedup_index) x USING (k)"""
        )
        exact = catalog.arrow(
            "SELECT DISTINCT e.i, d.problem_id FROM __dd_exact e JOIN dedup d ON d.exact_hash = e.h"
        )
    touched = sorted(set(cand.column("problem_id").to_pylist()) | set(exact.column("problem_id").to_pylist()))
    with catalog.registered("__dd_touched", pa.table({"problem_id": pa.array(touched, pa.string())})):
        # every member of every cluster a candidate belongs to, with its canonical-rule attributes
        old = catalog.arrow(
            """SELECT d.problem_id, d.exact_hash, d.cluster_id, e.priority, e.has_answer,
                      x.signature, x.numbers_hash
               FROM dedup d
               JOIN __dd_elig e USING (problem_id)
               LEFT JOIN dedup_index x USING (problem_id)
               WHERE d.cluster_id IN (SELECT d2.cluster_id FROM dedup d2 JOIN __dd_touched t USING (problem_id))
               ORDER BY d.problem_id"""
        )
    old_ids = old.column("problem_id").to_pylist()
    pos = {pid: n_new + k for k, pid in enumerate(old_ids)}
    n = n_new + len(old_ids)
    old_sig = index.signatures_from(old.column("signature"), params.num_perm)
    old_num = np.asarray(old.column("numbers_hash").to_numpy(zero_copy_only=False), dtype=np.uint64)

    # edges among new: same engine as the bulk path, on the new rows only
    new_sk_res_i, new_sk_res_j = engine.exact_edges(sk.exact_hash)
    ci, cj = clusters.candidate_pairs(keys)
    keep, _ = clusters.verify_pairs(sk.sig[ci], sk.sig[cj], sk.numbers[ci], sk.numbers[cj], params.threshold)
    ei = [new_sk_res_i, ci[keep]]
    ej = [new_sk_res_j, cj[keep]]
    # new-vs-old candidates, checked like the others
    qi = np.asarray(cand.column("i").to_numpy(), dtype=np.int64)
    qo = np.asarray([pos[p] - n_new for p in cand.column("problem_id").to_pylist()], dtype=np.int64)
    if len(qi):
        keep, _ = clusters.verify_pairs(
            sk.sig[qi], old_sig[qo], sk.numbers[qi], old_num[qo], params.threshold
        )
        ei.append(qi[keep])
        ej.append(qo[keep] + n_new)
    xi = np.asarray(exact.column("i").to_numpy(), dtype=np.int64)
    ei.append(xi)
    ej.append(np.asarray([pos[p] for p in exact.column("problem_id").to_pylist()], dtype=np.int64))
    # old clusters stay whole: each old member is tied to its stored canonical
    old_cluster = old.column("cluster_id").to_pylist()
    tie = [(pos[p], pos[c]) for p, c in zip(old_ids, old_cluster, strict=True) if c in pos and c != p]
    if tie:
        ei.append(np.asarray([a for a, _ in tie], dtype=np.int64))
        ej.append(np.asarray([b for _, b in tie], dtype=np.int64))

    all_ids = ids + old_ids
    elig_new = catalog.arrow(
        "SELECT problem_id, priority, has_answer FROM __dd_elig WHERE problem_id IN "
        "(SELECT unnest(?::VARCHAR[]))",
        [ids],
    )
    attr = {r["problem_id"]: (r["priority"], r["has_answer"]) for r in elig_new.to_pylist()}
    priority = np.asarray([attr[p][0] for p in ids] + old.column("priority").to_pylist(), dtype=np.int64)
    has_answer = np.asarray([attr[p][1] for p in ids] + old.column("has_answer").to_pylist(), dtype=bool)
    labels = clusters.components(n, np.concatenate(ei), np.concatenate(ej))
    canon = clusters.canonical_members(
        labels, priority, has_answer, np.asarray(all_ids, dtype=object).astype(str)
    )
    eh = np.asarray(sk.exact_hash + old.column("exact_hash").to_pylist(), dtype=object)
    mixed = np.zeros(n, dtype=bool)
    mixed[labels[eh != eh[canon]]] = True
    method = np.where(mixed[labels], "minhash", "exact")
    ids_arr = np.asarray(all_ids, dtype=object)
    report.stats = {
        "n": n_new,
        "touched_existing": len(old_ids),
        "candidates_existing": len(qi),
        "candidates_new": len(ci),
    }
    return index.dedup_rows(
        all_ids, eh.tolist(), ids_arr[canon].tolist(), canon == np.arange(n), method.tolist(), run_params
    )


def saved_priority(catalog: Catalog) -> list[str] | None:
    """The saved source priority, or ``None`` when none was ever given.

    Catalogs deduplicated before the priority was saved carry it only in ``dedup.params``; when all rows
    agree, that one is used, so upgrading does not silently rebuild them without priority.
    """
    row = catalog.rows("SELECT value FROM catalog_meta WHERE key = ?", [PRIORITY_KEY])
    if row:
        return [str(x) for x in json.loads(row[0][0])]
    stored = index.stored_params(catalog)
    if len(stored) == 1:
        old = json.loads(stored[0]).get("source_priority")
        if isinstance(old, list):
            return [str(x) for x in old]
    return None


def _resolve_priority(catalog: Catalog, given: list[str] | None, report: DedupReport) -> list[str]:
    """The priority this run uses: the given one (saved when it differs from the saved one) or the saved one."""
    saved = saved_priority(catalog)
    if given is None:
        report.source_priority = list(saved or [])
        report.priority_source = "saved" if saved is not None else "none"
        return report.source_priority
    report.source_priority = list(given)
    report.priority_source = "given"
    if saved != report.source_priority:
        report.priority_changed = True
        report.previous_priority = saved
        with catalog.transaction():
            catalog.execute(
                "INSERT OR REPLACE INTO catalog_meta (key, value) VALUES (?, ?)",
                [PRIORITY_KEY, json.dumps(report.source_priority)],
            )
    return report.source_priority


def _finish(catalog: Catalog, report: DedupReport, t0: float) -> None:
    row = catalog.one(
        """SELECT count(DISTINCT cluster_id),
                  count(*) FILTER (WHERE NOT is_canonical),
                  count(*) FILTER (WHERE NOT is_canonical AND method = 'exact'),
                  count(*) FILTER (WHERE NOT is_canonical AND method = 'minhash')
           FROM dedup"""
    )
    assert row is not None
    report.n_clusters, report.n_duplicates, report.n_exact_duplicates, report.n_near_duplicates = (
        int(x or 0) for x in row
    )
    catalog.execute("DROP TABLE IF EXISTS __dd_elig")
    report.seconds = time.perf_counter() - t0


__all__ = ["DecontamReport", "DedupReport", "decontaminate", "dedup", "saved_priority"]
