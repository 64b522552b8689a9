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


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "parquet", "hf_disk"])
def test_rows_with_images_are_accounted_for(catalog, tmp_path, fmt):
    """Issue 16: a row whose image is bad is a reject, a row whose image is new or known is new or present;
    read = new + present + rejected + skipped still holds, for every reader."""
    from tests.images.samples import png

    (tmp_path / "img").mkdir()
    for i in range(3):
        (tmp_path / "img" / f"{i}.png").write_bytes(png(i))
    (tmp_path / "img" / "copy.png").write_bytes(png(0))
    (tmp_path / "img" / "empty.png").write_bytes(b"")
    names = ["0.png", "1.png", "copy.png", "empty.png", "gone.png", "2.png", "0.png"]
    rows = [
        {"problem": "Find x." if i != 1 else "", "answer": str(i), "images": f"img/{n}"}
        for i, n in enumerate(names)
    ]
    path = tmp_path / f"r.{fmt}"
    if fmt in ("jsonl", "json"):
        path.write_text("".join(json.dumps(r) + "\n" for r in rows) if fmt == "jsonl" else json.dumps(rows))
    elif fmt == "csv":
        with path.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    elif fmt == "parquet":
        pq.write_table(pa.Table.from_pylist(rows), path)
    else:
        import datasets

        path = tmp_path / "r_hf"
        datasets.Dataset.from_list(rows).save_to_disk(str(path))
        for i in range(3):  # a save_to_disk folder's relative paths are read from the folder's own place
            (path / "img").mkdir(exist_ok=True)
            (path / "img" / f"{i}.png").write_bytes(png(i))
        (path / "img" / "copy.png").write_bytes(png(0))
        (path / "img" / "empty.png").write_bytes(b"")
    rep = ingest(catalog, str(path), name="r")
    assert rep.n_read == len(rows) == rep.n_new + rep.n_present + rep.n_rejected + rep.n_skipped
    # row 2: no problem text; rows 4, 5: bad images; rows 3 and 7 repeat row 1 (same text, same bytes)
    assert rep.rejects_by_reason == {"empty_problem": 1, "image_empty": 1, "image_missing": 1}
    assert (rep.n_new, rep.n_present) == (2, 2)
    assert catalog.count("images") == 2  # 0.png (= copy.png) and 2.png; 1.png's row was rejected first
    again = ingest(catalog, str(path), name="r")
    assert (again.n_new, again.n_present, again.n_rejected) == (0, 4, 3)
