"""Migrations: a catalog made at schema version 1 opens with the current code, migrated, data intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from redstar_data.catalog import Catalog, migrate
from redstar_data.catalog.sql_files import migrations, named_queries, views
from redstar_data.errors import CatalogError


def _v1_catalog(path: Path) -> None:
    cat = Catalog.open(path, migrate_to=1)
    assert cat.schema_version == 1
    cat.con.execute("INSERT INTO sources (source_id, kind, uri) VALUES ('old', 'jsonl', 'old.jsonl')")
    cat.con.execute("INSERT INTO problems (problem_id, source_id, domain, problem, answer) "
                    "VALUES ('p1', 'old', 'math', 'What is 1+1?', '2')")  # fmt: skip
    cat.con.execute(
        "INSERT INTO rejects (source_id, row_number, reason, raw) VALUES ('old', 7, 'invalid_json', '{')"
    )
    cat.con.execute("INSERT INTO traces (trace_id, problem_id, run_id, sample_index, text) "
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
        applied = migrate.applied(cat.con)
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
        assert migrate.pending(cat.con) == [] and migrate.apply(cat.con) == []


def test_sql_files_are_well_formed() -> None:
    ms = migrations()
    assert [m.version for m in ms] == sorted({m.version for m in ms}) and ms[0].version == 1
    assert views() and "problems_by_source" in named_queries()


def test_named_queries_run_on_an_empty_catalog(catalog) -> None:
    for name, q in named_queries().items():
        assert catalog.sql(q, where=name).fetchall() == [], name


def test_v7_rebuilds_problems_with_zstd_text_and_keeps_every_column(catalog_path: Path) -> None:
    cat = Catalog.open(catalog_path, migrate_to=6)
    cat.con.execute("INSERT INTO sources (source_id, kind, uri) VALUES ('s', 'jsonl', 's.jsonl')")
    cat.con.execute("""
        INSERT INTO problems (problem_id, source_id, source_key, row_number, domain, problem, answer, solution,
                              tests, images, level, meta)
        VALUES ('p1', 's', 'k1', 3, 'code', 'Sum two numbers.', '5', 'Add them.', '{"inputs": ["2 3"]}',
                '["a.png"]', 'EASY', '{"family": "sum"}')
    """)  # fmt: skip
    before = cat.con.sql("SELECT * FROM problems").fetchall()
    cat.close()
    with Catalog.open(catalog_path) as cat:
        assert cat.schema_version == migrate.latest_version() >= 7
        assert cat.con.sql("SELECT * FROM problems").fetchall() == before
        ddl = cat.scalar("SELECT sql FROM duckdb_tables() WHERE table_name = 'problems'")
        assert "solution VARCHAR USING COMPRESSION ZSTD" in ddl and "meta JSON USING COMPRESSION ZSTD" in ddl
        assert "problem VARCHAR NOT NULL," in ddl  # the short, filtered columns keep the default
