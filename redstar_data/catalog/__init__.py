"""The DuckDB catalog: one file holding problems, traces, labels, dedup, difficulty and exports.

``Catalog.open(path)`` creates or migrates the file; bulk reads return Arrow, bulk writes take Arrow.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from redstar_data.catalog import migrate, store
from redstar_data.catalog.connection import connect, fetch_one, resolve_path, run_user_sql, transaction
from redstar_data.errors import CatalogError

FINGERPRINT_TABLES = (
    "problems",
    "problem_sources",
    "traces",
    "verifications",
    "trace_flags",
    "dedup",
    "contamination",
    "difficulty",
)


class Catalog:
    """An open catalog file. Use as a context manager, or call ``close()``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self.con = con
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
        self.con.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with transaction(self.con) as con:
            yield con

    # -- reads -------------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return migrate.current_version(self.con)

    def sql(self, query: str, params: Sequence[Any] | None = None, *, where: str | None = None) -> Any:
        """Run user SQL; errors become SqlError carrying DuckDB's message and the query."""
        return run_user_sql(self.con, query, where=where, params=list(params) if params else None)

    def arrow(self, query: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a query and return an Arrow table."""
        return self.con.sql(query, params=list(params) if params else None).to_arrow_table()

    def batches(
        self, query: str, params: Sequence[Any] | None = None, batch_size: int = 100_000
    ) -> pa.RecordBatchReader:
        """Stream a query's result as Arrow record batches (bounded memory)."""
        return self.con.sql(query, params=list(params) if params else None).to_arrow_reader(batch_size)

    def scalar(self, query: str, params: Sequence[Any] | None = None) -> Any:
        row = fetch_one(self.con, query, list(params) if params else [])
        return row[0] if row else None

    def count(self, table: str) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {table}"))

    # -- writes ------------------------------------------------------------------------------------
    def append(self, table: str, data: store.ArrowLike) -> int:
        return store.append(self.con, table, data)

    def insert_new(self, table: str, data: store.ArrowLike, key: Sequence[str]) -> int:
        return store.insert_new(self.con, table, data, key)

    def upsert(self, table: str, data: store.ArrowLike, key: Sequence[str]) -> int:
        return store.upsert(self.con, table, data, key)

    # -- lineage -----------------------------------------------------------------------------------
    def fingerprint(self) -> str:
        """A content hash of the catalog's data tables (timestamps excluded): same data, same fingerprint."""
        parts: dict[str, Any] = {"schema": self.schema_version}
        for t in FINGERPRINT_TABLES:
            cols = [
                r[0]
                for r in self.con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                    [t],
                ).fetchall()
                if r[0] not in ("created_at", "updated_at")
            ]
            row = fetch_one(
                self.con, f"SELECT count(*), coalesce(bit_xor(hash({', '.join(cols)})), 0) FROM {t}"
            )
            parts[t] = [int(row[0]), str(row[1])] if row else [0, "0"]
        from redstar_data.ids import stable_hash

        return stable_hash(parts)

    def tables(self) -> list[str]:
        return [
            r[0]
            for r in self.con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema='main' ORDER BY 1"
            ).fetchall()
        ]

    def to_json(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


__all__ = ["Catalog", "resolve_path", "transaction"]
