"""DuckDB at one boundary: connecting, transactions, and turning duckdb errors into redstar errors."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from redstar_data.errors import CatalogError, SqlError

Params = Sequence[Any] | Mapping[str, Any] | None
"""Query parameters: a sequence for ``?`` placeholders, a mapping for DuckDB's native ``$name`` ones."""

DEFAULT_CATALOG = Path("catalog") / "redstar.duckdb"
ENV_VAR = "REDSTAR_CATALOG"


def resolve_path(path: str | os.PathLike[str] | None = None) -> Path:
    """``path`` if given, else ``$REDSTAR_CATALOG``, else ``catalog/redstar.duckdb`` under the cwd."""
    if path is not None and str(path) != "":
        return Path(path)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_CATALOG


def connect(
    path: str | os.PathLike[str], *, read_only: bool = False, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the catalog file with UTC time and a bounded thread count."""
    p = Path(path)
    if read_only and not p.exists():
        raise CatalogError(
            f"catalog {p} does not exist", hint="create it with `redstar ingest ...` or pass --catalog PATH"
        )
    if not read_only:
        p.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(p), read_only=read_only)
    except duckdb.IOException as e:
        raise CatalogError(
            f"cannot open catalog {p}: {e}", hint="another redstar process may hold it open for writing"
        ) from e
    con.execute("SET TimeZone = 'UTC'")
    # the library never prints: DuckDB's own bar would draw on stdout during any statement over 2 s
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, rolling back on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def params_of(params: Params) -> list[Any] | dict[str, Any] | None:
    """``params`` in the shape DuckDB takes: a list, a dict, or None for none."""
    if params is None:
        return None
    if isinstance(params, Mapping):
        return dict(params)
    return list(params)


@contextmanager
def sql_errors(query: str, *, where: str | None = None) -> Iterator[None]:
    """The one place a ``duckdb.Error`` becomes a redstar error: SqlError with DuckDB's message and the query.

    Every query the catalog runs goes through here, so no stage needs to import duckdb to handle failure.
    """
    try:
        yield
    except duckdb.Error as e:
        raise SqlError(str(e), query, where=where) from e


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """No files, no other databases, no extensions and no settings changes on ``con`` from now on.

    A read-only connection cannot write the catalog, but DuckDB SQL can still ``ATTACH`` another file (or the
    same one) for writing, ``COPY`` to any path and read any file; for user SQL that is not read-only.
    ``lock_configuration`` stops a query from turning it back on."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def run_user_sql(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    where: str | None = None,
    params: list[object] | None = None,
) -> duckdb.DuckDBPyRelation | None:
    """Run SQL that a user wrote; a DuckDB failure becomes SqlError with the message and the query."""
    with sql_errors(query, where=where):
        return con.sql(query, params=params) if params else con.sql(query)


def fetch_one(con: duckdb.DuckDBPyConnection, query: str, params: Params = None) -> tuple | None:
    """The first row of a query, with the result fully consumed.

    DuckDB 2 refuses new work on a connection while a result from ``execute()`` is unfinished, and
    ``fetchone()`` leaves it unfinished; always use this (or ``fetchall()``/``con.sql()``) instead.
    """
    with sql_errors(query):
        rows = con.execute(query, params_of(params) or []).fetchall()
    return rows[0] if rows else None


def scratch_batches(query: str, params: Params = None, batch_size: int = 100_000) -> Iterator[pa.RecordBatch]:
    """Stream a query on a private in-memory DuckDB (no catalog), e.g. to read a file with DuckDB's readers.

    Failures, including ones met while streaming, arrive as SqlError.
    """
    con = duckdb.connect()
    try:
        with sql_errors(query):
            yield from con.sql(query, params=params_of(params)).to_arrow_reader(batch_size)
    finally:
        con.close()
