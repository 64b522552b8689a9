"""`redstar sql` (ad-hoc and named queries on a read-only connection) and `redstar stats` (catalog overview)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from redstar_data.cli._options import CatalogOpt
from redstar_data.errors import ConfigError

FORMATS = ("table", "csv", "json", "parquet")
MAX_CELL = 80

# `redstar stats` = these named queries (catalog/queries/NAME.sql, also `redstar sql --named NAME`), in order.
STATS_QUERIES: tuple[tuple[str, str], ...] = (
    ("problems per source and domain", "problems_by_source"),
    ("images per format", "images_by_format"),
    ("traces per run", "traces_by_run"),
    ("labels per verifier (latest label per trace)", "labels_by_verifier"),
    ("rejects per reason", "rejects_by_reason"),
    ("dedup", "dedup_summary"),
    ("contamination", "contamination_by_benchmark"),
    ("difficulty", "difficulty_by_method"),
)


def _cell(v: Any) -> str:
    s = "" if v is None else str(v)
    s = s.replace("\n", "⏎")
    return s if len(s) <= MAX_CELL else s[: MAX_CELL - 1] + "…"


def _write(rel: Any, fmt: str, out: Path | None, max_rows: int) -> None:
    from redstar_data.cli._output import console, print_table

    if fmt == "table":
        cols = list(rel.columns)
        rows = rel.limit(max_rows + 1).fetchall()
        print_table(None, cols, [[_cell(v) for v in r] for r in rows[:max_rows]])
        if len(rows) > max_rows:
            console.print(f"(first {max_rows} rows; use --max-rows N or --format csv --out FILE for all)")
        return
    if out is None:
        if fmt == "parquet":
            raise ConfigError("--format parquet needs --out FILE", key="--out")
        import sys

        tbl = rel.to_arrow_table()
        if fmt == "csv":
            import pyarrow.csv as pacsv

            pacsv.write_csv(tbl, sys.stdout.buffer)
        else:
            import json

            sys.stdout.write(json.dumps(tbl.to_pylist(), default=str, ensure_ascii=False, indent=1) + "\n")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    # streamed in Arrow batches by this process (no full materialisation), not by DuckDB's COPY: the
    # connection has no file access (see --external-access)
    reader = rel.to_arrow_reader(65_536)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(out, reader.schema) as w:
            for b in reader:
                w.write_batch(b)
    elif fmt == "csv":
        import pyarrow.csv as pacsv

        with pacsv.CSVWriter(out, reader.schema) as w:
            for b in reader:
                w.write_batch(b)
    else:
        import json

        with out.open("w", encoding="utf-8") as f:
            f.write("[")
            sep = "\n"
            for b in reader:
                for row in b.to_pylist():
                    f.write(sep + json.dumps(row, default=str, ensure_ascii=False))
                    sep = ",\n"
            f.write("\n]\n")
    console.print(f"wrote {out}")


def sql(
    query: Annotated[str | None, typer.Argument(help="SQL to run (read-only connection).")] = None,
    named: Annotated[str | None, typer.Option("--named", help="Run catalog/queries/NAME.sql.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the named queries and exit.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json | parquet.")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="Write the result to this file.")] = None,
    max_rows: Annotated[int, typer.Option("--max-rows", help="Rows shown in table format.")] = 100,
    external_access: Annotated[
        bool,
        typer.Option(
            "--external-access",
            help="Let the SQL read and write files, ATTACH databases and load extensions (off by default).",
        ),
    ] = False,
    catalog: CatalogOpt = None,
) -> None:
    """Run SQL over the catalog (read-only): a rich table, or CSV / JSON / parquet output.

    Read-only means: the catalog file is opened read-only, and the SQL has no access outside it: no
    ATTACH (of another file, or of the catalog again for writing), no COPY TO/FROM or read_csv/read_json
    of files, no extensions, and no SET to undo this. --external-access lifts the second part (the catalog
    file itself stays read-only); --out is written by redstar, not by the SQL, so it works either way.

    Tables: sources, problems, problem_sources, rejects, runs, traces, verifications, trace_flags, dedup,
    contamination, difficulty, exports, eval_results; views: latest_labels, trace_labels, problem_stats,
    shortest_correct, canonical_problems. A SQL error prints DuckDB's message and the query.

    Example:

      redstar sql "SELECT source_id, count(*) FROM problems GROUP BY ALL"
      redstar sql --named pass_rate_by_source
      redstar sql --list
      redstar sql "SELECT * FROM problems" --format parquet --out problems.parquet
    """
    from redstar_data.catalog import Catalog
    from redstar_data.catalog.sql_files import named_queries
    from redstar_data.cli._output import print_table

    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}", key="--format", allowed=FORMATS)
    queries = named_queries()
    if list_:
        rows = [
            (n, next((ln[2:].strip() for ln in q.splitlines() if ln.startswith("--")), ""))
            for n, q in queries.items()
        ]
        print_table("named queries (catalog/queries/)", ["name", "what"], rows)
        return
    if named is not None:
        if query is not None:
            raise ConfigError("give either a query or --named, not both", key="--named")
        if named not in queries:
            import difflib

            close = difflib.get_close_matches(named, list(queries), n=1)
            raise ConfigError(f"no named query {named!r}", key="--named", allowed=sorted(queries),
                              hint=f"did you mean {close[0]!r}?" if close else "see: redstar sql --list")  # fmt: skip
        query = queries[named]
    if not query or not query.strip():
        raise ConfigError(
            "no query given", hint='redstar sql "SELECT count(*) FROM problems" (or --named NAME)'
        )
    with Catalog.open(catalog, read_only=True) as cat:
        if not external_access:
            cat.lock_down()
        rel = cat.sql(query, where=f"named query {named}" if named else None)
        if rel is None:
            return
        _write(rel, fmt, out, max_rows)


def stats(catalog: CatalogOpt = None) -> None:
    """Overview of the catalog: problems per source and domain (with images), images per format, traces per
    run, labels, rejects, dedup, contamination and difficulty counts.

    Example:

      redstar stats
      redstar stats --catalog runs/big.duckdb
    """
    from redstar_data.catalog import Catalog
    from redstar_data.catalog.sql_files import named_queries
    from redstar_data.cli._output import console, print_table

    queries = named_queries()
    with Catalog.open(catalog, read_only=True) as cat:
        cat.lock_down()
        n_img, img_bytes = cat.one("SELECT count(*), coalesce(sum(n_bytes), 0) FROM images") or (0, 0)
        console.print(f"catalog {cat.path} (schema v{cat.schema_version}): "
                      + ", ".join(f"{t} {cat.count(t):,}" for t in ("problems", "traces", "verifications", "rejects"))
                      + f", images {n_img:,} ({img_bytes / 1e6:,.1f} MB)")  # fmt: skip
        for title, name in STATS_QUERIES:
            rel = cat.sql(queries[name], where=f"stats: {title} (named query {name})")
            rows = rel.fetchall() if rel is not None else []
            if rows:
                print_table(title, list(rel.columns), [[_cell(v) for v in r] for r in rows])
            else:
                console.print(f"[dim]{title}: none yet[/]")


def register(app: typer.Typer) -> None:
    app.command("sql")(sql)
    app.command("stats")(stats)
