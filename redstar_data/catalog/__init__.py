"""The DuckDB catalog: one file holding problems, traces, labels, dedup, difficulty and exports.

``Catalog.open(path)`` creates or migrates the file. ``Catalog`` is the boundary every stage talks to:
parameterised queries (``?`` or DuckDB's native ``$name``), Arrow reads and streams, temp-table and
registration scopes, bulk idempotent writes (``store``); every DuckDB failure leaves it as SqlError.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from redstar_data.catalog import lineage, migrate, store
from redstar_data.catalog.connection import (
    Params,
    connect,
    lock_down,
    params_of,
    resolve_path,
    run_user_sql,
    sql_errors,
    transaction,
)
from redstar_data.errors import CatalogError


class Catalog:
    """An open catalog file. Use as a context manager, or call ``close()``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        read_only: bool = False,
        migrate_to: int | None = None,
        threads: int | None = None,
    ) -> Catalog:
        """Open (creating if needed) and migrate forward; ``read_only`` never writes and refuses old schemas."""
        p = resolve_path(path)
        con = connect(p, read_only=read_only, threads=threads)
        if read_only:
            if migrate.pending(con):
                con.close()
                raise CatalogError(
                    f"catalog {p} is at an older schema version",
                    hint="open it once for writing (any redstar command that writes) to migrate it",
                )
        else:
            migrate.apply(con, target=migrate_to)
        return cls(con, p, read_only)

    # -- lifecycle ---------------------------------------------------------------------------------
    def close(self) -> None:
        self._con.close()

    @contextmanager
    def cursor(self) -> Iterator[Catalog]:
        """A second connection to the same catalog for the block, for another thread (one connection must
        not run two statements at once). Its transactions are its own; it does not see this connection's
        temp tables or registrations. Closed after the block; the catalog stays open."""
        cur = self._con.cursor()
        try:
            yield Catalog(cur, self.path, self.read_only)
        finally:
            cur.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Catalog]:
        """BEGIN … COMMIT around the block, ROLLBACK on any error."""
        with sql_errors("BEGIN/COMMIT"), transaction(self._con):
            yield self

    def checkpoint(self) -> bool:
        """Write the WAL into the file; False when another connection's open transaction prevents it now."""
        try:
            self._con.execute("CHECKPOINT")
        except duckdb.Error:  # the data is committed all the same; a later checkpoint will fold it in
            return False
        return True

    @contextmanager
    def settings(self, **values: Any) -> Iterator[None]:
        """Set DuckDB settings for the block (``preserve_insertion_order=False``), then restore the old values."""
        old = {k: self.scalar(f"SELECT current_setting('{k}')") for k in values}
        try:
            for k, v in values.items():
                self.execute(f"SET {k} = {_setting(v)}")
            yield
        finally:
            for k, v in old.items():
                # RESET first: a default rendered as text ('18.8 GiB') does not round-trip exactly
                self.execute(f"RESET {k}")
                if self.scalar(f"SELECT current_setting('{k}')") != v:
                    self.execute(f"SET {k} = {_setting(v)}")

    def lock_down(self) -> None:
        """From now on: no files, no ATTACH, no extensions, no settings changes (see connection.lock_down)."""
        lock_down(self._con)

    # -- reads -------------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return migrate.current_version(self._con)

    def sql(self, query: str, params: Params = None, *, where: str | None = None) -> Any:
        """Run user SQL (a relation, or None for a statement); errors become SqlError naming ``where``."""
        return run_user_sql(self._con, query, where=where, params=params_of(params))

    def execute(self, query: str, params: Params = None) -> None:
        """Run one statement (DDL, INSERT, UPDATE, ...) whose result is not needed."""
        with sql_errors(query):
            self._con.execute(query, params_of(params) or [])

    def rows(self, query: str, params: Params = None) -> list[tuple[Any, ...]]:
        """Every row of a small result as tuples."""
        with sql_errors(query):
            return self._con.execute(query, params_of(params) or []).fetchall()

    def one(self, query: str, params: Params = None) -> tuple[Any, ...] | None:
        """The first row of a result (consumed fully), or None."""
        rows = self.rows(query, params)
        return rows[0] if rows else None

    def scalar(self, query: str, params: Params = None) -> Any:
        """The first column of the first row, or None."""
        row = self.one(query, params)
        return row[0] if row else None

    def arrow(self, query: str, params: Params = None) -> pa.Table:
        """Run a query and return an Arrow table."""
        with sql_errors(query):
            return self._con.sql(query, params=params_of(params)).to_arrow_table()

    def batches(self, query: str, params: Params = None, batch_size: int = 100_000) -> pa.RecordBatchReader:
        """Stream a query's result as Arrow record batches of at most ``batch_size`` rows (bounded memory).

        The reader holds the connection: finish it before the next query on this catalog (a stage that
        writes between batches uses ``stream``).
        """
        with sql_errors(query):
            return self._con.sql(query, params=params_of(params)).to_arrow_reader(batch_size)

    def stream(self, query: str, params: Params = None, batch_size: int = 10_000) -> Iterator[pa.RecordBatch]:
        """Stream a query's result in batches of at most ``batch_size`` rows on a cursor of its own.

        Unlike ``batches``, the caller may write to the catalog (and commit) between batches: the read
        sees the snapshot it started from, so rows it causes to be written never come back to it. The
        cursor does not see this connection's temp tables. Give no ORDER BY unless the order matters: a
        sort holds the whole result before the first batch, a plain scan streams in bounded memory.
        """
        cur = self._con.cursor()
        try:
            with sql_errors(query):
                yield from cur.sql(query, params=params_of(params)).to_arrow_reader(batch_size)
        finally:
            cur.close()

    def count(self, table: str) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {table}"))

    def tables(self) -> list[str]:
        return [
            r[0]
            for r in self.rows(
                "SELECT table_name FROM information_schema.tables WHERE table_schema='main' ORDER BY 1"
            )
        ]

    # -- scopes ------------------------------------------------------------------------------------
    @contextmanager
    def registered(self, name: str, data: store.ArrowLike) -> Iterator[str]:
        """Arrow data visible to SQL as ``name`` for the block (zero-copy), unregistered after."""
        with sql_errors(f"register {name}"):
            self._con.register(name, data)
        try:
            yield name
        finally:
            self._con.unregister(name)

    @contextmanager
    def temp_table(self, name: str, query: str, params: Params = None) -> Iterator[str]:
        """``CREATE OR REPLACE TEMP TABLE name AS query`` for the block, dropped after (also on error)."""
        self.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}", params)
        try:
            yield name
        finally:
            self.execute(f"DROP TABLE IF EXISTS {name}")

    # -- writes ------------------------------------------------------------------------------------
    def append(self, table: str, data: store.ArrowLike) -> int:
        with sql_errors(f"append into {table}"):
            return store.append(self._con, table, data)

    def insert_new(
        self,
        table: str,
        data: store.ArrowLike,
        key: Sequence[str],
        *,
        scope: dict[str, Any] | None = None,
        distinct: bool = False,
    ) -> int:
        """Insert rows whose ``key`` is new (see ``store.insert_new``: ``scope`` narrows the anti-join,
        ``distinct`` promises distinct non-NULL keys)."""
        with sql_errors(f"insert_new into {table}"):
            return store.insert_new(self._con, table, data, key, scope=scope, distinct=distinct)

    def upsert(self, table: str, data: store.ArrowLike, key: Sequence[str]) -> int:
        with sql_errors(f"upsert into {table}"):
            return store.upsert(self._con, table, data, key)

    # -- lineage -----------------------------------------------------------------------------------
    def fingerprint(self) -> str:
        """A content hash of the data tables (see ``lineage.fingerprint``)."""
        return lineage.fingerprint(self)


def _setting(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


__all__ = ["Catalog", "Params", "resolve_path", "transaction"]
