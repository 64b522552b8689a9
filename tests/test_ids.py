"""The Python and DuckDB versions of each identity hash must agree, or bulk ingest and single-row code diverge."""

from __future__ import annotations

import duckdb
import pytest

from redstar_data import ids

TEXTS = [
    "What is 2+2?",
    "  What   is\t2+2?\n",
    "Caf\u0065\u0301 costs $3$.",  # decomposed é: NFC must compose it
    "Solve $x^2 = 4$.\r\n\r\nGive both roots.",
    "\u00a0non-breaking space stays",  # only ASCII whitespace collapses
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_problem_id_python_equals_sql(text: str) -> None:
    con = duckdb.connect()
    got = con.execute(f"SELECT {ids.problem_id_sql('t')} FROM (SELECT ?::VARCHAR AS t)", [text]).fetchall()[
        0
    ][0]
    assert got == ids.problem_id(text)


def test_problem_id_with_images_python_equals_sql() -> None:
    con = duckdb.connect()
    q = f"SELECT {ids.problem_id_sql('t', 'im')} FROM (SELECT ?::VARCHAR AS t, ?::VARCHAR[] AS im)"
    assert con.execute(q, ["Find the area.", ["img/a.png", "img/b.png"]]).fetchall()[0][0] == ids.problem_id(
        "Find the area.", ["img/a.png", "img/b.png"]
    )
    assert con.execute(q, ["Find the area.", []]).fetchall()[0][0] == ids.problem_id("Find the area.")
    assert ids.problem_id("Find the area.", ["x"]) != ids.problem_id("Find the area.")


def test_normalisation_merges_whitespace_but_not_case() -> None:
    assert ids.problem_id("  a  b ") == ids.problem_id("a b")
    assert ids.problem_id("A b") != ids.problem_id("a b")
    assert ids.problem_id("Cafe\u0301") == ids.problem_id("Caf\u00e9")


def test_trace_id_python_equals_sql() -> None:
    con = duckdb.connect()
    got = con.execute(
        f"SELECT {ids.trace_id_sql()} FROM (SELECT 'p1' AS problem_id, 'run-a' AS run_id, 3 AS sample_index)"
    ).fetchall()[0][0]
    assert got == ids.trace_id("p1", "run-a", 3)
    assert ids.trace_id("p1", "run-a", 3) != ids.trace_id("p1", "run-a", 4)


def test_stable_hash_ignores_key_order_and_seeded_rank_depends_on_seed() -> None:
    assert ids.stable_hash({"a": 1, "b": [1, 2]}) == ids.stable_hash({"b": [1, 2], "a": 1})
    assert ids.seeded_rank("k", 0) != ids.seeded_rank("k", 1)
    assert ids.seeded_rank("k", 0) == ids.seeded_rank("k", 0)
