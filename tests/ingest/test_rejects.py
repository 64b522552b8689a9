"""Bad rows land in `rejects` with row number, field and reason; the good rows around them are kept."""

from __future__ import annotations

import json
from pathlib import Path

from redstar_data.ingest.run import ingest

GOOD = {"id": "g", "problem": "A good problem {}", "answer": "1"}


def _good(i: int) -> bytes:
    return json.dumps({**GOOD, "id": f"g{i}", "problem": GOOD["problem"].format(i)}).encode() + b"\n"


def test_each_kind_of_bad_jsonl_row_is_rejected_with_its_reason(catalog, tmp_path: Path) -> None:
    bad = [
        (b'{"id": "b1", "problem": "unterminated\n', "invalid_json", None),
        (b'{"id": "b2", "answer": "5"}\n', "missing_problem", "problem"),
        (b'{"id": "b3", "problem": "   ", "answer": "5"}\n', "empty_problem", "problem"),
        (b'{"id": "b3b", "problem": "\\n\\t "}\n', "empty_problem", "problem"),
        (b'{"id": "b4", "problem": ["a", "list"]}\n', "wrong_type", "problem"),
        (b'{"id": "b5", "problem": 42}\n', "wrong_type", "problem"),
        (b'{"id": "b6", "problem": "' + b"x" * 2000 + b'"}\n', "oversize_field", "problem"),
        (b'{"id": "b7", "problem": "caf\xe9 latin-1"}\n', "undecodable_text", None),
        (b'{"id": "b8", "problem": "one", "problem": "two"}\n', "duplicate_keys", "problem"),
        (b'{"id": "g1", "problem": "another text, same id as row 2"}\n', "duplicate_source_key", "id"),
        (b"[1, 2, 3]\n", "not_an_object", None),
        (b'"just a string"\n', "not_an_object", None),
        (b'{"id": "b9", "problem": "ok", "solution": {"not": "text"}}\n', "wrong_type", "solution"),
    ]
    lines = [_good(0), _good(1)]
    expect = {}
    for i, (line, reason, field) in enumerate(bad):
        lines.append(line)
        expect[len(lines)] = (reason, field)
        lines.append(_good(i + 2))
    p = tmp_path / "mixed.jsonl"
    p.write_bytes(b"".join(lines))
    r = ingest(catalog, str(p), max_field_bytes=1000)
    n_good = len(lines) - len(bad)
    assert (r.n_read, r.n_new, r.n_rejected) == (len(lines), n_good, len(bad))
    got = {
        row["row_number"]: row
        for row in catalog.arrow("SELECT * FROM rejects ORDER BY row_number").to_pylist()
    }
    assert set(got) == set(expect)
    for rn, (reason, field) in expect.items():
        assert got[rn]["reason"] == reason, (rn, got[rn])
        assert got[rn]["field"] == field, (rn, got[rn])
        assert got[rn]["source_id"] == "mixed" and got[rn]["file"] == str(p)
    assert "Expecting" in got[3]["detail"] or "Unterminated" in got[3]["detail"]  # json's own message
    assert "\\xe9" in got[expect_row(expect, "undecodable_text")]["raw"]  # raw kept, bytes escaped
    assert len(set(r.rejects_by_reason)) >= 8
    # the good rows around them are all kept
    kept = catalog.arrow("SELECT row_number FROM problem_sources ORDER BY 1").column(0).to_pylist()
    assert len(kept) == n_good and not set(kept) & set(expect)
    # re-ingest adds no duplicate rejects
    r2 = ingest(catalog, str(p), max_field_bytes=1000)
    assert (r2.n_new, r2.n_present, r2.n_rejected) == (0, n_good, len(bad))
    assert catalog.count("rejects") == len(bad)


def expect_row(expect: dict, reason: str) -> int:
    return next(rn for rn, (r, _) in expect.items() if r == reason)


def test_csv_wrong_column_count_and_undecodable(catalog, tmp_path: Path) -> None:
    p = tmp_path / "rows.csv"
    p.write_bytes(
        b'id,problem,answer\n1,"What is 1+1?",2\n2,too,many,cols\n3,"multi\nline ok",5\n'
        b"4,bad \xff bytes,6\n5,short\n6,fine,7\n"
    )
    r = ingest(catalog, str(p))
    assert (r.n_read, r.n_new, r.n_rejected) == (6, 3, 3)
    rej = catalog.arrow("SELECT row_number, reason, field FROM rejects ORDER BY 1").to_pylist()
    assert rej == [
        {"row_number": 2, "reason": "wrong_column_count", "field": None},
        {"row_number": 4, "reason": "undecodable_text", "field": "problem"},
        {"row_number": 5, "reason": "wrong_column_count", "field": None},
    ]
    assert catalog.arrow("SELECT row_number FROM problem_sources ORDER BY 1").column(0).to_pylist() == [
        1,
        3,
        6,
    ]


def test_taco_tests_that_are_not_json_are_rejected(catalog, tmp_path: Path) -> None:
    p = tmp_path / "taco.jsonl"
    rows = [
        {
            "question": "Add two numbers.",
            "input_output": json.dumps({"inputs": ["1 2"], "outputs": ["3"]}),
            "difficulty": "EASY",
        },
        {"question": "Broken tests.", "input_output": "{not json", "difficulty": "HARD"},
    ]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = ingest(catalog, str(p))
    assert r.preset == "taco" and r.n_new == 1
    assert catalog.scalar("SELECT reason FROM rejects") == "invalid_tests"
    row = catalog.arrow("SELECT domain, tests, level FROM problems").to_pylist()[0]
    assert row["domain"] == "code" and json.loads(row["tests"]) == {"inputs": ["1 2"], "outputs": ["3"]}
    assert catalog.scalar("SELECT score FROM difficulty WHERE method = 'label'") == 1.0


def test_all_rows_bad_reports_zero_good(catalog, tmp_path: Path) -> None:
    p = tmp_path / "allbad.jsonl"
    p.write_text("not json\n{also not\n")
    r = ingest(catalog, str(p))
    assert (r.n_read, r.n_good, r.rejects_by_reason) == (2, 0, {"invalid_json": 2})
