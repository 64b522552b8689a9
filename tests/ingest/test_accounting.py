"""Every input row is accounted for, for every reader: read = new + already present + rejected (+ skipped
blank lines), and every good row of a response source gives a new trace, an already present one, or a named
skip kept in `rejects` (issue 15, finding 2: empty responses were dropped without a word)."""

from __future__ import annotations

import csv
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from redstar_data.ingest.run import ingest

N = 30


def _rows() -> list[dict]:
    rows = []
    for i in range(N):
        resp = f"The sum is {i}. \\boxed{{{i}}}"
        if i % 3 == 1:
            resp = "" if i % 2 else "   \n "  # empty and white-space-only responses
        problem = f"What is {i % 25} + 0?"  # rows 25..29 repeat problems 0..4
        if i == 7:
            problem = ""  # rejected: no problem text
        rows.append({"problem": problem, "answer": str(i % 25), "response": resp, "model": "m"})
    return rows


def _write(fmt: str, path) -> str:
    rows = _rows()
    if fmt == "jsonl":
        path = path / "r.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    elif fmt == "json":
        path = path / "r.json"
        path.write_text(json.dumps(rows))
    elif fmt == "csv":
        path = path / "r.csv"
        with path.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    elif fmt == "parquet":
        path = path / "r.parquet"
        pq.write_table(pa.Table.from_pylist(rows), path)
    else:
        import datasets

        path = path / "r_hf"
        datasets.Dataset.from_list(rows).save_to_disk(str(path))
    return str(path)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "parquet", "hf_disk"])
def test_every_row_is_accounted_for_and_empty_responses_are_named(catalog, tmp_path, fmt):
    src = _write(fmt, tmp_path)
    rep = ingest(catalog, src, name="r")
    skipped_lines = getattr(rep, "n_skipped", 0)
    assert rep.n_read == N
    assert rep.n_read == rep.n_new + rep.n_present + rep.n_rejected + skipped_lines
    assert rep.n_rejected == 1
    good = rep.n_read - rep.n_rejected - skipped_lines
    n_empty = sum(1 for i in range(N) if i % 3 == 1 and i != 7)
    assert rep.traces_skipped == {"empty_response": n_empty}
    assert good == rep.n_traces + rep.n_traces_present + sum(rep.traces_skipped.values())
    assert rep.n_traces == good - n_empty
    tbl = catalog.arrow("SELECT row_number, field FROM rejects WHERE reason = 'empty_response' ORDER BY 1")
    assert tbl["row_number"].to_pylist() == [i + 1 for i in range(N) if i % 3 == 1 and i != 7]
    assert set(tbl["field"].to_pylist()) == {"response"}

    again = ingest(catalog, src, name="r")  # idempotent: the same rows, all present, the same skips
    assert (again.n_new, again.n_traces, again.n_traces_present) == (0, 0, rep.n_traces)
    assert again.traces_skipped == rep.traces_skipped
    assert catalog.scalar("SELECT count(*) FROM rejects WHERE reason = 'empty_response'") == n_empty
