"""Hostile input to every reader: malformed files end in one line naming the file and the position; bad rows
are rejected with a detail; blank lines are counted skips; columns first seen late are mapped (or kept in
meta) under the same size limit; and nothing is lost: read = new + present + rejected + skipped."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from redstar_data.catalog import Catalog
from redstar_data.errors import ConfigError
from redstar_data.ingest.run import ingest

from .conftest import one_line_error, snapshot


def _lines(rows: list[dict]) -> str:
    return "".join(json.dumps(x) + "\n" for x in rows)


# -- columns first seen late -------------------------------------------------------------------------------
LATE_AT = 20_000


def _late_file(tmp_path: Path, late: dict) -> Path:
    rows = [{"id": f"r{i}", "problem": f"What is {i} + 1?", "answer": str(i + 1)} for i in range(LATE_AT + 5)]
    rows[LATE_AT - 1].update(late)  # row numbers are 1-based: this is row 20,000
    p = tmp_path / "late.jsonl"
    p.write_text(_lines(rows), encoding="utf-8")
    return p


def test_a_response_first_seen_at_row_20000_becomes_a_trace(accounted, catalog, tmp_path):
    p = _late_file(tmp_path, {"response": "1 + 19999 = 20000. \\boxed{20000}", "model": "m"})
    r = ingest(catalog, str(p))
    accounted(r)
    assert r.n_traces == 1 and r.mapping.get("response") == "response"
    assert any("response" in n and "20,000" in n for n in r.notes), r.notes
    got = catalog.arrow(
        "SELECT t.text, p.row_number FROM traces t JOIN problems p USING (problem_id)"
    ).to_pylist()
    assert got == [{"text": "1 + 19999 = 20000. \\boxed{20000}", "row_number": LATE_AT}]
    meta = catalog.scalar("SELECT meta FROM problems WHERE row_number = ?", [LATE_AT])
    assert meta is None or "response" not in json.loads(meta)


@pytest.mark.parametrize("column", ["solution", "notes_blob"])  # a late mapped field, a late meta column
def test_a_10mb_late_value_is_rejected_by_the_field_limit_not_stored(accounted, catalog, tmp_path, column):
    p = _late_file(tmp_path, {column: "x" * 10_000_000})
    r = ingest(catalog, str(p))
    accounted(r)
    assert r.n_rejected == 1 and r.rejects_by_reason == {"oversize_field": 1}
    rej = catalog.arrow("SELECT row_number, field, detail, length(raw) AS n FROM rejects").to_pylist()[0]
    assert rej["row_number"] == LATE_AT and rej["field"] == column and "1000000 bytes" in rej["detail"]
    assert rej["n"] <= 1000  # the reject keeps a bounded sample, not 10 MB
    biggest = catalog.scalar(
        "SELECT max(strlen(coalesce(meta::VARCHAR, '')) + strlen(coalesce(solution, ''))) FROM problems"
    )
    assert biggest < 1_000_000


def test_a_late_column_for_a_field_already_mapped_stays_in_meta(accounted, catalog, tmp_path):
    # the sample maps problem <- problem; a late 'question' is another column, kept in meta
    p = _late_file(tmp_path, {"question": "an alias that came late"})
    r = ingest(catalog, str(p))
    accounted(r)
    assert r.mapping["problem"] == "problem" and r.n_new == LATE_AT + 5
    meta = json.loads(catalog.scalar("SELECT meta FROM problems WHERE row_number = ?", [LATE_AT]))
    assert meta == {"question": "an alias that came late"}


# -- small gaps ----------------------------------------------------------------------------------------------
def test_bom_blank_and_white_space_lines_in_jsonl(accounted, catalog, tmp_path):
    p = tmp_path / "bom.jsonl"
    p.write_bytes(b'\xef\xbb\xbf{"problem": "p1"}\r\n   \r\n\t\n\n{"problem": "p2"}\n \n{"problem": "p3"}')
    r = ingest(catalog, str(p))
    accounted(r)
    assert (r.n_read, r.n_new, r.n_rejected, r.n_skipped) == (7, 3, 0, 4)
    assert catalog.arrow("SELECT row_number FROM problems ORDER BY 1").column(0).to_pylist() == [1, 5, 7]


def test_csv_fields_up_to_the_limit_are_read_and_over_it_rejected(accounted, catalog, tmp_path):
    p = tmp_path / "big.csv"
    p.write_text(
        "problem,answer,extra\n"
        f"{'a' * 500_000},1,\n"  # 500 KB: over the csv module's 128 KiB, under the 1 MB limit
        f"short,2,{'b' * 1_200_000}\n"  # over 1 MB in a meta column
        f"{'c' * 1_100_000},3,\n"
        "\n"
        "fine,4,\n",
        encoding="utf-8",
    )
    r = ingest(catalog, str(p))
    accounted(r)
    assert (r.n_new, r.n_rejected, r.n_skipped) == (2, 2, 1)
    got = catalog.arrow("SELECT row_number, field, reason FROM rejects ORDER BY 1").to_pylist()
    assert got == [
        {"row_number": 2, "field": "extra", "reason": "oversize_field"},
        {"row_number": 3, "field": "problem", "reason": "oversize_field"},
    ]


def test_a_lone_surrogate_is_rejected_with_a_detail(accounted, catalog, tmp_path):
    p = tmp_path / "s.jsonl"
    p.write_text('{"problem": "a\\ud800b"}\n{"problem": "pair \\ud83d\\ude00 ok"}\n', encoding="utf-8")
    r = ingest(catalog, str(p))
    accounted(r)
    rej = catalog.arrow("SELECT row_number, reason, detail FROM rejects").to_pylist()
    assert len(rej) == 1 and rej[0]["row_number"] == 1 and rej[0]["reason"] == "invalid_json"
    assert "\\ud800" in rej[0]["detail"] and "surrogate" in rej[0]["detail"]
    assert catalog.scalar("SELECT problem FROM problems") == "pair \U0001f600 ok"


@pytest.mark.parametrize("mb", ["-1", "0", "0.0000001", "nan"])
def test_max_field_mb_must_be_positive(tmp_path, run_cli, mb):
    p = tmp_path / "x.jsonl"
    p.write_text('{"problem": "p"}\n')
    res = run_cli(["ingest", p, "--max-field-mb", mb, "--catalog", tmp_path / "c.duckdb"])
    err = one_line_error(res)
    assert "--max-field-mb" in err and "must be positive" in err
    with Catalog.open(tmp_path / "c.duckdb") as cat:
        with pytest.raises(ConfigError):
            ingest(cat, str(p), max_field_bytes=-1)
        assert cat.count("problems") == 0


# -- malformed files: one line naming the file and the position --------------------------------------------
def _malformed(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (source, text the one error line must hold besides the file name)."""
    out: dict[str, tuple[Path, str]] = {}
    good = [{"problem": f"problem {i}"} for i in range(3)]
    p = tmp_path / "trunc.json"
    p.write_text(json.dumps(good)[:-5])
    out["json array truncated"] = (p, "at byte")
    p = tmp_path / "after.json"
    p.write_text(json.dumps(good) + " and some text")
    out["json text after the array"] = (p, "at byte")
    p = tmp_path / "neither.json"
    p.write_text("hello")
    out["json neither array nor lines"] = (p, "neither a JSON array")
    p = tmp_path / "gz.jsonl"
    p.write_bytes(gzip.compress(b'{"problem": "x"}\n' * 50))
    out["jsonl that is gzip bytes"] = (p, "all rejected (the first, row 1: ")
    p = tmp_path / "notparquet.parquet"
    p.write_bytes(b"PAR1 this is not parquet PAR1")
    out["parquet footer corrupt"] = (p, "not a readable parquet")
    t = pa.table({"problem": [f"problem {i} " * 20 for i in range(20_000)]})
    pq.write_table(t, tmp_path / "ok.parquet", row_group_size=5_000)
    b = bytearray((tmp_path / "ok.parquet").read_bytes())
    mid = len(b) // 2
    b[mid : mid + 2000] = b"\x00" * 2000
    p = tmp_path / "pages.parquet"
    p.write_bytes(bytes(b))
    out["parquet data pages corrupt"] = (p, "cannot read the rows after row")
    p = tmp_path / "dup.csv"
    p.write_text("problem,answer,Problem\na,1,b\n")
    out["csv duplicate column"] = (p, "columns 1 ('problem') and 3 ('Problem')")
    p = tmp_path / "hdr.csv"
    p.write_bytes(b'"problem\n')
    out["csv header unterminated"] = (p, "")
    return out


def _hf_folders(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    import datasets

    ds = datasets.Dataset.from_dict({"problem": [f"problem {i}" for i in range(200)]})
    out = {}
    for name in ("noarrow", "corrupt", "badstate"):
        d = tmp_path / f"hf_{name}"
        ds.save_to_disk(str(d))
        arrow = next(d.glob("*.arrow"))
        if name == "noarrow":
            arrow.unlink()
        elif name == "corrupt":
            arrow.write_bytes(arrow.read_bytes()[: arrow.stat().st_size // 2])
        else:
            (d / "state.json").write_text("{not json")
        out[f"save_to_disk folder: {name}"] = (d, "cannot load the datasets folder")
    return out


def test_every_malformed_file_is_one_line_naming_file_and_position(tmp_path, run_cli, cases):
    files = {**_malformed(tmp_path), **_hf_folders(tmp_path)}
    cases(len(files))
    cat = tmp_path / "c.duckdb"
    Catalog.open(cat).close()
    before = snapshot(cat)
    for name, (src, says) in files.items():
        res = run_cli(["ingest", src, "--catalog", cat])
        err = " ".join(one_line_error(res).split())
        assert str(src) in err and says in err, (name, err)
        assert res.seconds < 30, name
    # the malformed sources left no rows behind except the all-rejected one's rejects
    after = snapshot(cat)
    for t in ("problems", "problem_sources", "traces"):
        assert after[t] == before[t], t


def test_one_damaged_parquet_keeps_nothing_half_counted(tmp_path):
    """A corrupt page after good row groups: the rows before it are in, and the count says so."""
    src = _malformed(tmp_path)["parquet data pages corrupt"][0]
    shutil.copy(src, tmp_path / "copy.parquet")
    with Catalog.open(tmp_path / "c.duckdb") as cat:
        with pytest.raises(Exception) as e:
            ingest(cat, str(tmp_path / "copy.parquet"))
        n_before = int(str(e.value).split("after row ")[1].split(":")[0].replace(",", ""))
        assert cat.count("problems") == n_before
