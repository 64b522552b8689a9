"""The catalog boundary: parameters, scopes, streaming while writing, and DuckDB failures as SqlError."""

from __future__ import annotations

import pyarrow as pa
import pytest

from redstar_data.catalog import quote
from redstar_data.errors import SqlError


def _probs(ids: list[str], source: str = "s") -> pa.Table:
    return pa.table({"problem_id": ids, "source_id": [source] * len(ids), "domain": ["math"] * len(ids),
                     "problem": [f"text {i}" for i in ids]})  # fmt: skip


def test_named_and_positional_parameters(catalog) -> None:
    catalog.append("problems", _probs(["a", "b"]))
    assert (
        catalog.scalar(
            "SELECT count(*) FROM problems WHERE problem_id = $id OR problem_id = $id", {"id": "a"}
        )
        == 1
    )
    assert catalog.rows("SELECT problem_id FROM problems WHERE problem_id <> ? ORDER BY 1", ["a"]) == [("b",)]


def test_duckdb_failures_become_sql_errors_naming_the_query(catalog) -> None:
    for call in (catalog.execute, catalog.rows, catalog.arrow, catalog.scalar):
        with pytest.raises(SqlError, match="no_such_table") as e:
            call("SELECT * FROM no_such_table")
        assert e.value.query == "SELECT * FROM no_such_table"
    with pytest.raises(SqlError):
        list(catalog.stream("SELECT * FROM no_such_table"))


def test_temp_table_and_registration_are_scoped(catalog) -> None:
    with catalog.temp_table("__t", "SELECT range AS i FROM range(3)") as t:
        assert catalog.scalar(f"SELECT sum(i) FROM {t}") == 3
    with catalog.registered("__r", pa.table({"x": [1, 2]})):
        assert catalog.scalar("SELECT max(x) FROM __r") == 2
    with pytest.raises(RuntimeError), catalog.temp_table("__t2", "SELECT 1 AS i"):
        raise RuntimeError("boom")
    for name in ("__t", "__r", "__t2"):
        with pytest.raises(SqlError):
            catalog.scalar(f"SELECT count(*) FROM {name}")


def test_settings_are_restored(catalog) -> None:
    catalog.execute("SET max_vacuum_tasks = 7")
    with catalog.settings(max_vacuum_tasks=0, preserve_insertion_order=False):
        assert catalog.scalar("SELECT current_setting('max_vacuum_tasks')") == 0
    assert catalog.scalar("SELECT current_setting('max_vacuum_tasks')") == 7
    assert catalog.scalar("SELECT current_setting('preserve_insertion_order')") is True


def test_stream_while_writing_sees_its_snapshot(catalog) -> None:
    catalog.append("problems", _probs([f"p{i:03d}" for i in range(50)]))
    seen = 0
    for batch in catalog.stream("SELECT problem_id FROM problems", batch_size=10):
        assert batch.num_rows <= 10
        seen += batch.num_rows
        with catalog.transaction():  # a write per batch, like verify's commit per batch
            catalog.append("problems", _probs([f"new-{seen}"]))
    assert seen == 50 and catalog.count("problems") == 55


def test_insert_new_scope_limits_the_compared_rows(catalog) -> None:
    catalog.append("problems", _probs(["a"], source="s1"))
    # scoped to source s2, the existing "a" of s1 is not compared against: the row goes in
    assert (
        catalog.insert_new("problems", _probs(["a"], source="s2"), ["problem_id"], scope={"source_id": "s2"})
        == 1
    )
    assert (
        catalog.insert_new("problems", _probs(["a"], source="s2"), ["problem_id"], scope={"source_id": "s2"})
        == 0
    )


def test_quoting() -> None:
    assert quote.literal("it's") == "'it''s'"
    assert quote.ident('my "col"') == '"my ""col"""'


def test_insert_new_distinct_skips_existing_keys(catalog) -> None:
    catalog.append("problems", _probs(["a"]))
    assert catalog.insert_new("problems", _probs(["a", "b"]), ["problem_id"], distinct=True) == 1
    assert sorted(r[0] for r in catalog.rows("SELECT problem_id FROM problems")) == ["a", "b"]
