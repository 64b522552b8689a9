"""Every source form lands the same problems, with mapping, and re-ingest adds nothing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from redstar_data.errors import IngestError
from redstar_data.ids import problem_id
from redstar_data.ingest.run import ingest

MAP = {"problem": "question", "answer": "gt"}


def _check_three(catalog, source_id: str) -> None:
    got = catalog.arrow(
        "SELECT p.problem_id, p.problem, p.answer, p.level, ps.row_number, ps.source_key FROM problem_sources ps "
        "JOIN problems p USING (problem_id) WHERE ps.source_id = ? ORDER BY ps.row_number",
        [source_id],
    ).to_pylist()
    assert [g["row_number"] for g in got] == [1, 2, 3]
    assert [g["answer"] for g in got] == ["2", "3", "\\frac{3}{4}"]
    assert [g["source_key"] for g in got] == ["q1", "q2", "q3"]
    assert got[0]["problem_id"] == problem_id("What is $1+1$?")
    assert got[1]["level"] == "Level 2"


def test_jsonl_with_mapping_and_idempotent_reingest(catalog, jsonl_file: Path) -> None:
    r = ingest(catalog, str(jsonl_file), mapping=MAP)
    assert (r.source_id, r.n_read, r.n_new, r.n_present, r.n_rejected) == ("qa", 3, 3, 0, 0)
    _check_three(catalog, "qa")
    again = ingest(catalog, str(jsonl_file), mapping=MAP)
    assert (again.n_new, again.n_present, again.n_rejected) == (0, 3, 0)
    assert catalog.count("problems") == 3
    assert catalog.count("problem_sources") == 3
    assert catalog.count("difficulty") == 3
    src = catalog.arrow("SELECT * FROM sources").to_pylist()[0]
    assert src["kind"] == "jsonl" and src["n_rows"] == 3 and src["n_new"] == 0 and not src["is_benchmark"]


def test_meta_keeps_unmapped_columns(catalog, jsonl_file: Path) -> None:
    ingest(catalog, str(jsonl_file), mapping=MAP)
    meta = json.loads(catalog.scalar("SELECT meta FROM problems WHERE source_key = 'q1'"))
    assert meta == {"subject": "arith"}


def test_parquet(catalog, tmp_path: Path, rows) -> None:
    for r in rows:
        r["gt"] = str(r["gt"])
    p = tmp_path / "qa_parquet.parquet"
    pq.write_table(pa.Table.from_pylist(rows), p, row_group_size=2)
    r = ingest(catalog, str(p), mapping=MAP)
    assert (r.kind, r.n_read, r.n_new) == ("parquet", 3, 3)
    _check_three(catalog, "qa_parquet")


def test_csv(catalog, tmp_path: Path, rows) -> None:
    p = tmp_path / "qa_csv.csv"
    with p.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    r = ingest(catalog, str(p), mapping=MAP)
    assert (r.kind, r.n_read, r.n_new, r.n_rejected) == ("csv", 3, 3, 0)
    _check_three(catalog, "qa_csv")


def test_datasets_save_to_disk_with_split(catalog, tmp_path: Path, rows) -> None:
    import datasets

    for r in rows:
        r["gt"] = str(r["gt"])
    d = tmp_path / "qa_hf"
    datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)}).save_to_disk(str(d))
    r = ingest(catalog, f"{d}:test", mapping=MAP)
    assert (r.kind, r.source_id, r.n_new) == ("hf_disk", "qa_hf", 3)
    _check_three(catalog, "qa_hf")
    with pytest.raises(IngestError, match="no split 'train'"):
        ingest(catalog, f"{d}:train", mapping=MAP)


def test_json_array(catalog, tmp_path: Path, rows) -> None:
    p = tmp_path / "qa_arr.json"
    p.write_text(json.dumps(rows))
    r = ingest(catalog, str(p), mapping=MAP)
    assert (r.kind, r.n_new) == ("json", 3)
    _check_three(catalog, "qa_arr")


def test_same_problem_from_two_sources_is_one_problem_two_memberships(
    catalog, jsonl_file, tmp_path, rows
) -> None:
    ingest(catalog, str(jsonl_file), mapping=MAP)
    other = tmp_path / "other.jsonl"
    other.write_text(
        json.dumps({"problem": "What is  $1+1$?\n", "answer": "2"}) + "\n"
    )  # same after normalising
    r = ingest(catalog, str(other))
    assert (r.n_new, r.n_present) == (0, 1)
    assert (
        catalog.scalar("SELECT source_id FROM problems WHERE problem_id = ?", [problem_id("What is $1+1$?")])
        == "qa"
    )
    assert (
        catalog.scalar(
            "SELECT count(*) FROM problem_sources WHERE problem_id = ?", [problem_id("What is $1+1$?")]
        )
        == 2
    )


def test_hub_offline_fails_fast_with_clear_error(catalog, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(IngestError, match="Hugging Face Hub is unreachable"):
        ingest(catalog, "hf:openai/gsm8k:test")


def test_missing_file_and_unknown_format(catalog, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        ingest(catalog, str(tmp_path / "nope.jsonl"))
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(IngestError, match="cannot tell the format"):
        ingest(catalog, str(tmp_path / "x.txt"))


def test_bad_mapping_names_the_columns(catalog, jsonl_file: Path) -> None:
    with pytest.raises(IngestError, match="no column 'nope'"):
        ingest(catalog, str(jsonl_file), mapping={"problem": "nope"})
    with pytest.raises(IngestError, match="unknown field"):
        ingest(catalog, str(jsonl_file), mapping={"questionz": "question"})


def test_benchmark_flag_and_name(catalog, jsonl_file: Path) -> None:
    ingest(catalog, str(jsonl_file), mapping=MAP, name="mybench", benchmark=True)
    assert catalog.scalar("SELECT is_benchmark FROM sources WHERE source_id = 'mybench'") is True


def test_streams_in_batches(catalog, tmp_path: Path, monkeypatch) -> None:
    """A file larger than one chunk is read in several batches, rows numbered across them."""
    import redstar_data.ingest.readers as readers

    monkeypatch.setattr(readers, "DEFAULT_CHUNK_BYTES", 4096)
    p = tmp_path / "many.jsonl"
    p.write_text(
        "".join(json.dumps({"problem": f"Problem number {i} " + "x" * 50}) + "\n" for i in range(500))
    )
    from redstar_data.progress import RecordingProgress

    rec = RecordingProgress()
    r = ingest(catalog, str(p), progress=rec)
    assert r.n_new == 500 and len(rec.events) > 5
    assert catalog.scalar("SELECT max(row_number) FROM problem_sources") == 500
    assert catalog.scalar("SELECT row_number FROM problems WHERE problem LIKE 'Problem number 321 %'") == 322
