"""Catalog writes: insert_new is idempotent (first occurrence wins), upsert replaces, fingerprints are stable."""

from __future__ import annotations

import pyarrow as pa
import pytest

from redstar_data.catalog import Catalog
from redstar_data.errors import CatalogError, SqlError


def _probs(ids: list[str], text: str = "t") -> pa.Table:
    return pa.table({"problem_id": ids, "source_id": ["s"] * len(ids), "domain": ["math"] * len(ids),
                     "problem": [f"{text}{i}" for i in ids]})  # fmt: skip


def test_insert_new_is_idempotent_and_first_wins(catalog) -> None:
    assert catalog.insert_new("problems", _probs(["a", "b", "a"], "first"), ["problem_id"]) == 2
    assert catalog.insert_new("problems", _probs(["a", "c"], "second"), ["problem_id"]) == 1
    rows = dict(catalog.rows("SELECT problem_id, problem FROM problems"))
    assert rows == {"a": "firsta", "b": "firstb", "c": "secondc"}


def test_upsert_replaces_by_key(catalog) -> None:
    catalog.append("problems", _probs(["a", "b"], "old"))
    catalog.upsert("problems", _probs(["b", "c"], "new"), ["problem_id"])
    rows = dict(catalog.rows("SELECT problem_id, problem FROM problems"))
    assert rows == {"a": "olda", "b": "newb", "c": "newc"}


def test_transaction_rolls_back(catalog) -> None:
    with pytest.raises(RuntimeError), catalog.transaction():
        catalog.append("problems", _probs(["x"]))
        raise RuntimeError("boom")
    assert catalog.count("problems") == 0


def test_fingerprint_tracks_data_not_time(catalog_path) -> None:
    with Catalog.open(catalog_path) as cat:
        empty = cat.fingerprint()
        cat.append("problems", _probs(["a"]))
        one = cat.fingerprint()
    with Catalog.open(catalog_path) as cat:
        assert cat.fingerprint() == one != empty


def test_read_only_and_user_sql_errors(catalog_path) -> None:
    with pytest.raises(CatalogError, match="does not exist"):
        Catalog.open(catalog_path, read_only=True)
    Catalog.open(catalog_path).close()
    with Catalog.open(catalog_path, read_only=True) as ro:
        with pytest.raises(SqlError, match="read-only"):
            ro.sql("DELETE FROM problems")
        with pytest.raises(SqlError) as e:
            ro.sql("SELECT nope FROM problems")
        assert "nope" in e.value.duckdb_message and e.value.query == "SELECT nope FROM problems"
