"""Forward-only schema migrations: numbered SQL files, each applied in one transaction with its record.

Views are not migrations: they are re-created whenever their SQL changes (a checksum kept in
``catalog_meta``), inside the same transaction as any pending migrations.
"""

from __future__ import annotations

import hashlib

import duckdb

from redstar_data.catalog.connection import fetch_one, transaction
from redstar_data.catalog.sql_files import Migration, migrations, views
from redstar_data.errors import CatalogError

_BOOT = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp);
CREATE TABLE IF NOT EXISTS catalog_meta (key VARCHAR PRIMARY KEY, value VARCHAR);
"""


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = fetch_one(
        con,
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'",
        [name],
    )
    return bool(row and row[0])


def applied(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Versions already applied (read only)."""
    if not _has_table(con, "schema_migrations"):
        return []
    return [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]


def pending(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Migrations not yet applied (read only)."""
    done = set(applied(con))
    return [m for m in migrations() if m.version not in done]


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    done = applied(con)
    return max(done) if done else 0


def latest_version() -> int:
    return max(m.version for m in migrations())


def views_checksum() -> str:
    return hashlib.md5("".join(sql for _, sql in views()).encode()).hexdigest()


def apply(con: duckdb.DuckDBPyConnection, *, target: int | None = None) -> list[int]:
    """Apply pending migrations up to ``target`` (default: all) and refresh views; returns versions applied.

    Everything happens in one transaction, so a failing migration leaves the catalog as it was.
    """
    done = applied(con)
    if target is not None and done and target < max(done):
        raise CatalogError(
            f"catalog is at schema version {max(done)}; cannot go back to {target}",
            hint="migrations are forward-only",
        )
    todo = [m for m in pending(con) if target is None or m.version <= target]
    behind = [m for m in todo if done and m.version < max(done)]
    if behind:
        m = behind[0]
        raise CatalogError(
            f"migration {m.version:04d}_{m.name} is numbered below this catalog's schema version "
            f"{max(done)}: applying it now would run it after later migrations, out of order",
            hint=f"renumber it above the highest existing migration ({latest_version():04d}); "
            "migration numbers only ever grow",
        )
    new_views = views_checksum()
    need_views = target is None or target >= latest_version()
    with transaction(con):
        con.execute(_BOOT)
        for m in todo:
            try:
                con.execute(m.sql)
            except duckdb.Error as e:
                raise CatalogError(f"migration {m.version:04d}_{m.name} failed: {e}") from e
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [m.version, m.name])
        if need_views:
            row = fetch_one(con, "SELECT value FROM catalog_meta WHERE key = 'views_checksum'")
            if todo or row is None or row[0] != new_views:
                for name, sql in views():
                    try:
                        con.execute(sql)
                    except duckdb.Error as e:
                        raise CatalogError(f"view {name} failed: {e}") from e
                con.execute("INSERT OR REPLACE INTO catalog_meta VALUES ('views_checksum', ?)", [new_views])
    return [m.version for m in todo]
