"""DuckDB at one boundary: connecting, transactions, and turning duckdb errors into redstar errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from redstar_data.errors import CatalogError, SqlError

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


def run_user_sql(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    where: str | None = None,
    params: list[object] | None = None,
) -> duckdb.DuckDBPyRelation | None:
    """Run SQL that a user wrote; a DuckDB failure becomes SqlError with the message and the query."""
    try:
        return con.sql(query, params=params) if params else con.sql(query)
    except duckdb.Error as e:
        raise SqlError(str(e), query, where=where) from e


def fetch_one(con: duckdb.DuckDBPyConnection, query: str, params: list[object] | None = None) -> tuple | None:
    """The first row of a query, with the result fully consumed.

    DuckDB 2 refuses new work on a connection while a result from ``execute()`` is unfinished, and
    ``fetchone()`` leaves it unfinished; always use this (or ``fetchall()``/``con.sql()``) instead.
    """
    rows = con.execute(query, params or []).fetchall()
    return rows[0] if rows else None
