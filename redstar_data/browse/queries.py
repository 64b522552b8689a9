"""The viewer's reads: fixed, parameterised SELECTs on a read-only catalog, each bounded (LIMIT or one id).

User input only ever reaches SQL as a bound parameter. Long texts are cut in SQL where a page shows a
part (search hits, duplicate members, trace tails), so a page never pulls megabytes it does not show.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from redstar_data.catalog import Catalog

PAGE = 25  # search hits per page
ROWS_PAGE = 20  # export rows per page
SNIPPET = 240  # characters of a problem shown in lists
TAIL = 1200  # characters of a trace's end shown before it is expanded


# Problem-keyed tables the bulk ingest writes: no index on disk (its upkeep would slow the million-row
# ingest, see migration 0009); the viewer finds their rows through a map it builds when it opens the
# catalog (``prepare``): hash(problem_id) -> rowid, sorted by hash, so a lookup reads one row group of the
# map (zonemap) and then only the rows it names (a rowid filter), never the whole table.
MAPPED = ("problems", "problem_sources", "difficulty")


def _rows(cat: Catalog, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return cat.arrow(sql, params).to_pylist()


def prepare(cat: Catalog) -> None:
    """Build the viewer's lookup maps (temp tables: the catalog itself stays read-only and untouched).
    About a second per million rows, once per ``redstar browse``."""
    for t in MAPPED:
        cat.execute(
            f"CREATE OR REPLACE TEMP TABLE rs_map_{t} AS "
            f"SELECT hash(problem_id) AS h, rowid AS rid FROM {t} ORDER BY h"
        )


def _by_problem(
    cat: Catalog, table: str, select: str, pids: list[str], *, join: str = "", order: str = ""
) -> list[dict[str, Any]]:
    """``SELECT select FROM table t join`` over the rows of the problems ``pids`` (``table`` in MAPPED):
    their rowids from the table's map, then those rows by rowid. Two statements on purpose: as one (a
    semi-join on rowid) DuckDB may build the join on the wrong side and scan the table. A hash may
    collide, so the rows are filtered on problem_id as well."""
    rids = cat.scalar(
        f"SELECT coalesce(list(rid), []) FROM rs_map_{table} WHERE h IN (SELECT hash(unnest(?::VARCHAR[])))",
        [pids],
    )
    return _rows(
        cat,
        f"SELECT {select} FROM (SELECT * FROM {table} WHERE rowid = ANY(?::BIGINT[])) t {join} "
        f"WHERE list_contains(?::VARCHAR[], t.problem_id) {order}",
        [list(rids or []), pids],
    )


def sources(cat: Catalog) -> list[str]:
    return [r["source_id"] for r in _rows(cat, "SELECT source_id FROM sources ORDER BY source_id", [])]


def search(cat: Catalog, text: str, source: str, page: int) -> tuple[list[dict[str, Any]], bool]:
    """Problems whose text contains ``text`` (case-insensitive, literal) or whose id starts with it.

    Returns one page of hits and whether there is a next page.
    """
    rows = _rows(
        cat,
        f"""SELECT problem_id, source_id, domain, level, left(problem, {SNIPPET}) AS snippet,
                   length(problem) AS chars, answer
            FROM problems
            WHERE (? = '' OR contains(lower(problem), lower(?)) OR starts_with(problem_id, lower(?)))
              AND (? = '' OR source_id = ?)
            ORDER BY source_id, row_number, problem_id LIMIT ? OFFSET ?""",
        [text, text, text, source, source, PAGE + 1, page * PAGE],
    )
    return rows[:PAGE], len(rows) > PAGE


def problem(cat: Catalog, pid: str) -> dict[str, Any] | None:
    rows = _by_problem(
        cat,
        "problems",
        "problem_id, source_id, source_key, row_number, domain, problem, answer, solution, level, "
        "CAST(tests AS VARCHAR) AS tests",
        [pid],
    )
    return rows[0] if rows else None


def memberships(cat: Catalog, pid: str) -> list[dict[str, Any]]:
    return _by_problem(
        cat,
        "problem_sources",
        "t.source_id, t.source_key, t.row_number, coalesce(s.is_benchmark, FALSE) AS benchmark",
        [pid],
        join="LEFT JOIN sources s USING (source_id)",
        order="ORDER BY 1",
    )


def stats(cat: Catalog, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts over the problem's traces as ``traces()`` returned them (newest labels), and their pass rate by
    the catalog's own ``pass_rate()`` rule (run over these labels, not re-defined here)."""
    labels = [r.get("label") for r in rows]
    rate = (
        cat.scalar("SELECT pass_rate(label) FROM unnest(?::VARCHAR[]) AS t(label)", [labels])
        if rows
        else None
    )
    return {
        "n_traces": len(rows),
        "n_verified": sum(1 for x in labels if x is not None),
        "n_correct": sum(1 for x in labels if x == "correct"),
        "pass_rate": rate,
    }


def difficulty(cat: Catalog, pid: str) -> list[dict[str, Any]]:
    return _by_problem(
        cat,
        "difficulty",
        "method, model, score, CAST(details AS VARCHAR) AS details",
        [pid],
        order="ORDER BY method, model",
    )


def duplicates(cat: Catalog, pid: str) -> list[dict[str, Any]]:
    """The members of the problem's dedup cluster (itself included), canonical first: the members through
    the dedup indexes (migration 0009), then their problems through the map."""
    members = _rows(
        cat,
        """SELECT problem_id, is_canonical, method FROM dedup
           WHERE cluster_id = (SELECT cluster_id FROM dedup WHERE problem_id = ?)
           ORDER BY is_canonical DESC, problem_id LIMIT 100""",
        [pid],
    )
    if not members:
        return []
    ids = [m["problem_id"] for m in members]
    select = f"problem_id, source_id, left(problem, {SNIPPET}) AS snippet"
    text = {r["problem_id"]: r for r in _by_problem(cat, "problems", select, ids)}
    return [{**m, **text[m["problem_id"]]} for m in members if m["problem_id"] in text]


def contamination(cat: Catalog, pid: str) -> list[dict[str, Any]]:
    """Evidence both ways: benchmarks this problem overlaps, and training problems overlapping it; the
    other problems' text through the map (``MAPPED``)."""
    rows = _rows(
        cat,
        """SELECT 'overlaps benchmark' AS direction, benchmark, benchmark_problem_id AS other_id,
                  method, ngram, matched_ngrams, overlap
           FROM contamination WHERE problem_id = ?
           UNION ALL
           SELECT 'training problem overlapping it', benchmark, problem_id, method, ngram, matched_ngrams, overlap
           FROM contamination WHERE benchmark_problem_id = ?
           ORDER BY 1, 2, 3 LIMIT 200""",
        [pid, pid],
    )
    ids = sorted({r["other_id"] for r in rows if r["other_id"]})
    select = f"problem_id, left(problem, {SNIPPET}) AS snippet"
    text = {r["problem_id"]: r["snippet"] for r in _by_problem(cat, "problems", select, ids)} if ids else {}
    # a training problem's row (second half) exists only with its problem: the old inner join, kept
    return [
        {**r, "other": text.get(r["other_id"])}
        for r in rows
        if r["direction"] == "overlaps benchmark" or r["other_id"] in text
    ]


def traces(cat: Catalog, pid: str) -> list[dict[str, Any]]:
    """The problem's traces with their newest label and flags; text as length and tail.

    The full text is not read here, only its last ``TAIL`` characters: the rest is fetched per trace when
    its card is expanded (``trace_text``), so 16 traces of 100k characters make a small page. Two lookups,
    each an ART index scan (migration 0009), never a table scan: the traces of the problem
    (``traces_problem_id``), then their labels from ``labels_of('math', NULL)`` (the catalog's newest-label
    rule) and flags, filtered by the list of trace ids: DuckDB pushes that filter through the rule's window
    into the scan, where ``verifications_trace_id`` / ``trace_flags_trace_id`` serve it, so only these
    traces' labels are read and ranked (a join would rank every label in the catalog).
    """
    rows = _rows(
        cat,
        f"""SELECT t.trace_id, t.problem_id, t.run_id, r.model, t.sample_index, t.finish_reason, t.n_tokens,
                   length(t.text) AS chars, right(t.text, {TAIL}) AS tail
            FROM traces t LEFT JOIN runs r USING (run_id) WHERE t.problem_id = ?
            ORDER BY t.run_id, t.sample_index""",
        [pid],
    )
    if not rows:
        return []
    ids = [r["trace_id"] for r in rows]
    extra = {
        r["trace_id"]: r
        for r in _rows(
            cat,
            """WITH l AS (SELECT trace_id, label, extracted, verifier, verifier_version FROM labels_of('math', NULL)
                          WHERE list_contains(?::VARCHAR[], trace_id)),
                    f AS (SELECT trace_id, list(DISTINCT flag ORDER BY flag) AS flags FROM trace_flags
                          WHERE list_contains(?::VARCHAR[], trace_id) GROUP BY trace_id)
               SELECT trace_id, l.label, l.extracted, l.verifier, l.verifier_version, f.flags
               FROM l FULL JOIN f USING (trace_id)""",
            [ids, ids],
        )
    }
    for r in rows:
        e = extra.get(r["trace_id"], {})
        for k in ("label", "extracted", "verifier", "verifier_version"):
            r[k] = e.get(k)
        r["flags"] = e.get("flags") or []
    return rows


def trace_text(cat: Catalog, tid: str, pid: str | None = None) -> dict[str, Any] | None:
    """One trace's full text and extracted answer. With ``pid`` (the problem page's expand links carry it)
    the trace is found among its problem's traces through the ``traces_problem_id`` index; the id alone
    costs a scan of every trace id (there is no index on it: one more index on the biggest table for a
    lookup the page never needs). The materialized CTE keeps DuckDB from merging the two conditions into
    one filter, which it would not serve from the index."""
    label = "(SELECT any_value(extracted) FROM labels_of('math', NULL) WHERE trace_id = ?) AS extracted"
    if pid:
        sql = (
            "WITH t AS MATERIALIZED (SELECT trace_id, problem_id, text FROM traces WHERE problem_id = ?) "
            f"SELECT t.trace_id, t.problem_id, t.text, {label} FROM t WHERE t.trace_id = ?"
        )
        rows = _rows(cat, sql, [pid, tid, tid])
    else:
        sql = f"SELECT t.trace_id, t.problem_id, t.text, {label} FROM traces t WHERE t.trace_id = ?"
        rows = _rows(cat, sql, [tid, tid])
    return rows[0] if rows else None


def exports(cat: Catalog) -> list[dict[str, Any]]:
    return _rows(
        cat,
        "SELECT export_id, name, n_rows, recipe_hash, path, hub_repo, created_at FROM exports "
        "ORDER BY created_at DESC, export_id",
        [],
    )


def export(cat: Catalog, export_id: str) -> dict[str, Any] | None:
    rows = _rows(cat, "SELECT * EXCLUDE (verifier_versions) FROM exports WHERE export_id = ?", [export_id])
    if not rows:
        return None
    row = rows[0]
    row["counts"] = json.loads(row["counts"]) if row.get("counts") else {}
    manifest = Path(row["path"]) / "manifest.json" if row.get("path") else None
    row["manifest"] = (
        json.loads(manifest.read_text(encoding="utf-8"))
        if manifest is not None and manifest.is_file()
        else None
    )
    return row


def export_files(row: dict[str, Any]) -> dict[tuple[str, str], Path]:
    """(rung config, split) -> parquet file, from the manifest (only files on disk). The viewer opens
    nothing else: a request names a (rung, split) key, never a path."""
    out: dict[tuple[str, str], Path] = {}
    if not row.get("manifest") or not row.get("path"):
        return out
    root = Path(row["path"])
    for rung in row["manifest"].get("rungs", []):
        for split, f in sorted(rung.get("files", {}).items()):
            if f.endswith(".parquet") and (root / f).is_file():
                out[(str(rung.get("config", "default")), split)] = root / f
    return out


def export_rows(cat: Catalog, file: Path, page: int) -> tuple[list[dict[str, Any]], int]:
    """One page of an export file's rows (in file order) and the file's row count."""
    rows = _rows(
        cat, "SELECT * FROM read_parquet(?) LIMIT ? OFFSET ?", [str(file), ROWS_PAGE, page * ROWS_PAGE]
    )
    total = int(cat.scalar("SELECT count(*) FROM read_parquet(?)", [str(file)]))
    return rows, total
