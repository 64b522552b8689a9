"""Migrations: a catalog made at schema version 1 opens with the current code, migrated, data intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from redstar_data.catalog import Catalog, migrate
from redstar_data.catalog.sql_files import migrations, named_queries, views
from redstar_data.errors import CatalogError, SqlError


def _v1_catalog(path: Path) -> None:
    cat = Catalog.open(path, migrate_to=1)
    assert cat.schema_version == 1
    cat.execute("INSERT INTO sources (source_id, kind, uri) VALUES ('old', 'jsonl', 'old.jsonl')")
    cat.execute("INSERT INTO problems (problem_id, source_id, domain, problem, answer) "
                    "VALUES ('p1', 'old', 'math', 'What is 1+1?', '2')")  # fmt: skip
    cat.execute(
        "INSERT INTO rejects (source_id, row_number, reason, raw) VALUES ('old', 7, 'invalid_json', '{')"
    )
    cat.execute("INSERT INTO traces (trace_id, problem_id, run_id, sample_index, text) "
                    "VALUES ('t1', 'p1', 'r1', 0, 'two')")  # fmt: skip
    tables = set(cat.tables())
    cat.close()
    assert "trace_flags" not in tables and "problems" in tables


def test_v1_catalog_migrates_forward_with_data_intact(catalog_path: Path) -> None:
    _v1_catalog(catalog_path)
    with pytest.raises(CatalogError, match="older schema version"):
        Catalog.open(catalog_path, read_only=True)
    with Catalog.open(catalog_path) as cat:
        assert cat.schema_version == migrate.latest_version() >= 3
        assert cat.arrow("SELECT problem_id, problem, answer FROM problems").to_pylist() == [
            {"problem_id": "p1", "problem": "What is 1+1?", "answer": "2"}
        ]
        rej = cat.arrow("SELECT row_number, reason, raw, detail FROM rejects").to_pylist()
        assert rej == [{"row_number": 7, "reason": "invalid_json", "raw": "{", "detail": None}]
        assert cat.scalar("SELECT text FROM traces WHERE trace_id = 't1'") == "two"
        assert {"trace_flags", "eval_results"} <= set(cat.tables())
        assert cat.scalar("SELECT n_traces FROM problem_stats WHERE problem_id = 'p1'") == 1
        applied = migrate.applied(cat._con)
    assert applied == [m.version for m in migrations()]
    with Catalog.open(catalog_path, read_only=True) as ro:  # now current: read-only works
        assert ro.count("problems") == 1


def test_migrations_cannot_go_back(catalog_path: Path) -> None:
    Catalog.open(catalog_path).close()
    with pytest.raises(CatalogError, match="cannot go back"):
        Catalog.open(catalog_path, migrate_to=1)


def test_reopening_applies_nothing(catalog_path: Path) -> None:
    Catalog.open(catalog_path).close()
    with Catalog.open(catalog_path) as cat:
        assert migrate.pending(cat._con) == [] and migrate.apply(cat._con) == []


def test_sql_files_are_well_formed() -> None:
    ms = migrations()
    assert [m.version for m in ms] == sorted({m.version for m in ms}) and ms[0].version == 1
    assert views() and "problems_by_source" in named_queries()


def test_named_queries_run_on_an_empty_catalog(catalog) -> None:
    for name, q in named_queries().items():
        assert catalog.sql(q, where=name).fetchall() == [], name


def test_v7_rebuilds_problems_with_zstd_text_and_keeps_every_column(catalog_path: Path) -> None:
    cat = Catalog.open(catalog_path, migrate_to=6)
    cat.execute("INSERT INTO sources (source_id, kind, uri) VALUES ('s', 'jsonl', 's.jsonl')")
    cat.execute("""
        INSERT INTO problems (problem_id, source_id, source_key, row_number, domain, problem, answer, solution,
                              tests, images, level, meta)
        VALUES ('p1', 's', 'k1', 3, 'code', 'Sum two numbers.', '5', 'Add them.', '{"inputs": ["2 3"]}',
                '["a.png"]', 'EASY', '{"family": "sum"}')
    """)  # fmt: skip
    v7_columns = ", ".join(r[0] for r in cat.rows("SELECT column_name FROM (DESCRIBE problems)"))
    before = cat.rows(f"SELECT {v7_columns} FROM problems")
    cat.close()
    with Catalog.open(catalog_path) as cat:
        assert cat.schema_version == migrate.latest_version() >= 7
        assert cat.rows(f"SELECT {v7_columns} FROM problems") == before  # later migrations may add columns
        ddl = cat.scalar("SELECT sql FROM duckdb_tables() WHERE table_name = 'problems'")
        assert "solution VARCHAR USING COMPRESSION ZSTD" in ddl and "meta JSON USING COMPRESSION ZSTD" in ddl
        assert "problem VARCHAR NOT NULL," in ddl  # the short, filtered columns keep the default


def test_v10_stores_image_bytes_uncompressed_and_keeps_images_and_the_key(catalog_path: Path) -> None:
    from redstar_data.images import put_images
    from tests.images.samples import png

    cat = Catalog.open(catalog_path, migrate_to=9)
    infos = put_images(cat, [png(1), png(2)])
    before = cat.rows("SELECT * FROM images ORDER BY image_id")
    cat.close()
    with Catalog.open(catalog_path) as cat:
        assert cat.rows("SELECT * FROM images ORDER BY image_id") == before
        ddl = cat.scalar("SELECT sql FROM duckdb_tables() WHERE table_name = 'images'")
        assert "bytes BLOB USING COMPRESSION uncompressed" in ddl.replace("Uncompressed", "uncompressed")
        assert "image_id VARCHAR PRIMARY KEY" in ddl
        assert put_images(cat, [png(1), png(3)])[0] == infos[0]  # the key still dedups
        assert cat.count("images") == 3
        with pytest.raises(SqlError):  # and still refuses a second row for the same bytes
            cat.execute("INSERT INTO images SELECT * FROM images LIMIT 1")


# The migration files as they stood when this guard was added (issue 12). A new file must be numbered above
# all of these; once it lands, add it here, so the next one has to go above it too.
EXISTING_MIGRATIONS = [
    "0001_init.sql",
    "0002_quality_and_eval.sql",
    "0003_rejects_detail.sql",
    "0006_dedup_index.sql",
    "0007_problems_zstd_text.sql",
    "0008_images.sql",
    "0009_lookup_indexes.sql",
    "0010_images_uncompressed.sql",
]


def test_new_migrations_are_numbered_above_all_existing_ones() -> None:
    from redstar_data.catalog.sql_files import sql_root

    files = sorted(p.name for p in (sql_root() / "migrations").glob("*.sql"))
    assert set(EXISTING_MIGRATIONS) <= set(files), "migrations are never deleted or renamed"
    top = max(int(n[:4]) for n in EXISTING_MIGRATIONS)
    late = [n for n in files if n not in EXISTING_MIGRATIONS and int(n[:4]) <= top]
    assert not late, f"number these above {top:04d} (0004/0005 were never used and must stay unused): {late}"


def test_a_pending_migration_below_the_applied_ones_is_refused(
    catalog_path: Path, tmp_path: Path, monkeypatch
) -> None:
    """A 0004 that appears after 0007 was applied would run out of order on existing catalogs: refuse it."""
    import shutil

    from redstar_data.catalog import sql_files

    Catalog.open(catalog_path).close()
    root = tmp_path / "sql"
    shutil.copytree(sql_files.sql_root(), root)
    (root / "migrations" / "0004_late.sql").write_text("CREATE TABLE late_table (x INTEGER);\n")
    monkeypatch.setattr(sql_files, "sql_root", lambda: root)
    with pytest.raises(CatalogError, match="0004_late is numbered below this catalog's schema version") as e:
        Catalog.open(catalog_path)
    assert "renumber" in (e.value.hint or "")
    monkeypatch.undo()
    with Catalog.open(catalog_path) as cat:  # nothing was applied
        assert "late_table" not in cat.tables()
