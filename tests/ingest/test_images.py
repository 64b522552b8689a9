"""Ingest with images: JSONL with relative paths, `datasets` Image features (save_to_disk), parquet with
bytes; ids from the bytes' sha256, the same image under two names is one image, bad images are rejects."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from redstar_data.ids import problem_id
from redstar_data.ingest import images as ingest_images
from redstar_data.ingest.run import ingest
from tests.images.samples import png, png_claiming


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _geo_row(i: int, image: str | list | None, **kw) -> dict:
    row = {"id": f"p{i}", "problem": f"Find x in figure {i}.", "choices": ["1", "2", "3", "4"],
           "answer": "3", "answer_letter": "C", "images": [image] if isinstance(image, str) else image}  # fmt: skip
    row.update(kw)
    return row


def test_dev_set_whole(catalog, shared_data: Path) -> None:
    src = shared_data / "geo" / "problems.jsonl"
    rows = [json.loads(line) for line in src.read_text().splitlines()]
    rep = ingest(catalog, str(src))
    assert rep.preset == "geo" and rep.n_read == len(rows) == 248
    assert (rep.n_new, rep.n_rejected, rep.n_present) == (248, 0, 0)
    blobs = {r["id"]: (src.parent / r["images"][0]).read_bytes() for r in rows}
    assert catalog.count("images") == rep.n_images_new == len({_sha(b) for b in blobs.values()}) == 243
    got = {r[0]: r[1:] for r in catalog.rows(
        "SELECT source_key, problem_id, images->>'$[0]', domain, answer, answer_letter, choices FROM problems")}  # fmt: skip
    for r in rows:
        pid, img, domain, answer, letter, choices = got[r["id"]]
        sha = _sha(blobs[r["id"]])
        assert img == sha and pid == problem_id(r["problem"], [sha])  # bytes' hash, never the path
        assert (domain, answer, letter) == ("geometry", r["answer"], r["answer_letter"])
        assert (json.loads(choices) if choices else None) == r["choices"]
    again = ingest(catalog, str(src))
    assert (again.n_new, again.n_present, again.n_rejected, again.n_images_new) == (0, 248, 0, 0)
    assert catalog.count("images") == len({_sha(b) for b in blobs.values()})


# chunk_images=1: every image is a chunk of its own, so an image is looked up while the chunk before it is
# still being written (store_refs' pipeline); duplicates across chunks must still be stored once
@pytest.mark.parametrize("chunk_images", [8192, 1])
def test_same_image_under_two_names_is_one_image_and_one_problem(
    catalog, tmp_path: Path, monkeypatch, chunk_images: int
) -> None:
    monkeypatch.setattr(ingest_images, "CHUNK_IMAGES", chunk_images)
    (tmp_path / "img").mkdir()
    blob = png(1)
    (tmp_path / "img" / "a.png").write_bytes(blob)
    (tmp_path / "img" / "copy-of-a.png").write_bytes(blob)
    (tmp_path / "img" / "b.png").write_bytes(png(2))
    src = _write_jsonl(tmp_path / "g.jsonl", [_geo_row(1, "img/a.png"), _geo_row(2, "img/copy-of-a.png", id="q"),
                                              _geo_row(3, "img/b.png")])  # fmt: skip
    src.write_text(src.read_text().replace("figure 2", "figure 1"))  # row 2: same text, same bytes
    rep = ingest(catalog, str(src))
    assert (rep.n_new, rep.n_present) == (2, 1)
    assert catalog.count("images") == 2
    ids = catalog.rows("SELECT DISTINCT problem_id FROM problem_sources WHERE row_number IN (1, 2)")
    assert ids == [(problem_id("Find x in figure 1.", [_sha(blob)]),)]


@pytest.mark.parametrize("chunk_images", [8192, 2])
def test_bad_images_are_rejected_with_reasons_and_every_row_accounted(
    catalog, tmp_path: Path, monkeypatch, chunk_images: int
) -> None:
    monkeypatch.setattr(ingest_images, "CHUNK_IMAGES", chunk_images)
    d = tmp_path / "images"
    d.mkdir()
    files = {"ok.png": png(3), "empty.png": b"", "text.png": b"not an image", "big.png": png(4, size=(300, 300)),
             "bomb.png": png_claiming(20_000, 20_000), "cut.png": png(5)[:-40]}  # fmt: skip
    for name, b in files.items():
        (d / name).write_bytes(b)
    rows = [_geo_row(i, f"images/{n}") for i, n in enumerate([*files, "nowhere.png"])]
    rows.append(_geo_row(90, ["images/ok.png", "images/empty.png"]))  # the first bad image decides
    rows.append(_geo_row(91, None))  # no image at all: a text problem
    rows.append(_geo_row(92, ["", None]))  # empty references mean no image, as in a CSV's empty cell
    src = _write_jsonl(tmp_path / "bad.jsonl", rows)
    rep = ingest(catalog, str(src), max_image_bytes=len(files["big.png"]) - 1)
    assert rep.n_read == len(rows) == rep.n_new + rep.n_present + rep.n_rejected + rep.n_skipped
    want = {2: "image_empty", 3: "image_unreadable", 4: "image_too_large", 5: "image_bomb",
            6: "image_unreadable", 7: "image_missing", 8: "image_empty"}  # fmt: skip
    got = {r[0]: r[1:] for r in catalog.rows("SELECT row_number, reason, field, detail, raw FROM rejects")}
    assert {k: v[0] for k, v in got.items()} == want
    assert all(v[1] == "images" and v[2] for v in got.values())
    assert "nowhere.png" in got[7][2] and '"images/nowhere.png"' in got[7][3]  # detail and the raw row
    assert rep.n_new == 3 and catalog.count("images") == 1  # ok.png only: no bad image is stored
    no_img = catalog.one("SELECT problem_id, images FROM problems WHERE source_key = 'p92'")
    assert no_img == (problem_id("Find x in figure 92."), "[]")
    again = ingest(catalog, str(src), max_image_bytes=len(files["big.png"]) - 1)
    assert (again.n_new, again.n_rejected) == (0, len(want))
    assert catalog.count("rejects") == len(want)


def test_choices_letter_and_value(catalog, tmp_path: Path) -> None:
    rows = [
        {"problem": "q1", "choices": ["10", "20"], "answer_letter": "B"},  # value from the letter
        {"problem": "q2", "choices": ["10", " 20 "], "answer": "(B)"},  # a letter in the answer column
        {"problem": "q3", "choices": ["10", "20"], "answer": "10"},  # the letter from the value
        {"problem": "q4", "choices": ["10", "20"], "answer": "10", "answer_letter": "B"},  # contradiction
        {"problem": "q5", "choices": ["10", "20"], "answer_letter": "E"},  # no option E
        {"problem": "q6", "choices": ["10", "20"], "answer_letter": "b."},
        {"problem": "q7", "choices": "10 or 20", "answer": "10"},
        {"problem": "q8", "answer": "12"},
    ]
    src = _write_jsonl(tmp_path / "mc.jsonl", rows)
    rep = ingest(catalog, str(src), preset="geo")
    assert rep.n_read == rep.n_new + rep.n_rejected == 8
    got = {r[0]: r[1:] for r in catalog.rows("SELECT problem, answer, answer_letter, choices FROM problems")}
    assert got["q1"] == ("20", "B", '["10","20"]')
    assert got["q2"] == (" 20 ", "B", '["10"," 20 "]')
    assert got["q3"] == ("10", "A", '["10","20"]')
    assert got["q6"] == ("20", "B", '["10","20"]')
    assert got["q8"] == ("12", None, None)
    rej = {r[0]: r[1:] for r in catalog.rows("SELECT row_number, reason, field, detail FROM rejects")}
    assert rej[4][:2] == ("answer_letter_mismatch", "answer_letter") and "not option B" in rej[4][2]
    assert rej[5][:2] == ("invalid_answer_letter", "answer_letter") and "A-B" in rej[5][2]
    assert rej[7][:2] == ("wrong_type", "choices")


def test_choices_with_a_letter_and_no_answer_field_anywhere(catalog, tmp_path: Path) -> None:
    # no row has an `answer` key: the value comes from the letter (a stage column that was an untyped NULL
    # made that step fail in DuckDB). "12" reads like a number: that row takes the general path.
    rows = [{"problem": "q1", "choices": ["10", "20"], "answer_letter": "B"},
            {"problem": "12", "choices": ["30", "40"], "answer_letter": "A"}]  # fmt: skip
    rep = ingest(catalog, str(_write_jsonl(tmp_path / "letters.jsonl", rows)))
    assert (rep.n_new, rep.n_rejected) == (2, 0)
    got = dict(catalog.rows("SELECT problem, answer || '/' || answer_letter FROM problems"))
    assert got == {"q1": "20/B", "12": "30/A"}


def _dev_rows(shared_data: Path, n: int = 6) -> tuple[list[dict], list[bytes]]:
    src = shared_data / "geo" / "problems.jsonl"
    rows = [json.loads(line) for line in src.read_text().splitlines()]
    picked = rows[:3] + [r for r in rows if r["choices"]][: n - 3]
    return picked, [(src.parent / r["images"][0]).read_bytes() for r in picked]


def _expected_ids(rows: list[dict], blobs: list[bytes]) -> set[str]:
    return {problem_id(r["problem"], [_sha(b)]) for r, b in zip(rows, blobs, strict=True)}


@pytest.mark.parametrize("layout", ["bytes", "paths", "list"])
def test_datasets_image_features_from_save_to_disk(
    catalog, tmp_path: Path, shared_data: Path, layout
) -> None:
    import datasets

    rows, blobs = _dev_rows(shared_data)
    paths = [str(shared_data / "geo" / r["images"][0]) for r in rows]
    data = {"question": [r["problem"] for r in rows], "answer": [r["answer"] for r in rows],
            "choices": [r["choices"] for r in rows], "answer_letter": [r["answer_letter"] for r in rows]}  # fmt: skip
    if layout == "list":
        ds = datasets.Dataset.from_dict({**data, "images": [[{"bytes": b, "path": None}] for b in blobs]})
        ds = ds.cast_column("images", datasets.List(datasets.Image()))
    else:
        col = [{"bytes": b, "path": None} for b in blobs] if layout == "bytes" else paths
        ds = datasets.Dataset.from_dict({**data, "image": col}).cast_column("image", datasets.Image())
    ds.save_to_disk(str(tmp_path / "ds"))
    rep = ingest(catalog, str(tmp_path / "ds"))
    assert rep.preset == "geo" and (rep.n_new, rep.n_rejected) == (len(rows), 0)
    assert {r[0] for r in catalog.rows("SELECT problem_id FROM problems")} == _expected_ids(rows, blobs)
    assert {r[0] for r in catalog.rows("SELECT bytes FROM images")} == set(blobs)
    letters = [r[0] for r in catalog.rows("SELECT answer_letter FROM problems ORDER BY row_number")]
    assert letters == [r["answer_letter"] for r in rows]
    meta = catalog.scalar("SELECT meta::VARCHAR FROM problems LIMIT 1")
    assert meta is None or "PNG" not in meta  # the bytes are in `images`, not copied into meta
    assert ingest(catalog, str(tmp_path / "ds")).n_new == 0


@pytest.mark.parametrize("kind", ["struct", "binary", "paths"])
def test_parquet_with_image_bytes(catalog, tmp_path: Path, shared_data: Path, kind) -> None:
    rows, blobs = _dev_rows(shared_data)
    blobs[-1] = b""  # one empty image: that row is rejected, the others are kept
    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    if kind == "struct":  # as `datasets` writes an Image column
        img = pa.array([{"bytes": b, "path": f"x{i}.png"} for i, b in enumerate(blobs)], image_type)
    elif kind == "paths":  # an Image column cast from paths: `to_parquet` writes the paths, no bytes
        for i, b in enumerate(blobs):
            (tmp_path / f"x{i}.png").write_bytes(b)
        img = pa.array([{"bytes": None, "path": f"x{i}.png"} for i in range(len(blobs))], image_type)
    else:
        img = pa.array(blobs, pa.binary())
    t = pa.table(
        {"problem": [r["problem"] for r in rows], "answer": [r["answer"] for r in rows], "image": img}
    )
    pq.write_table(t, tmp_path / "geo.parquet")
    rep = ingest(catalog, str(tmp_path / "geo.parquet"))
    assert rep.n_read == rep.n_new + rep.n_rejected == len(rows)
    assert rep.rejects_by_reason == {"image_empty": 1}
    ids = {r[0] for r in catalog.rows("SELECT problem_id FROM problems")}
    assert ids == _expected_ids(rows[:-1], blobs[:-1])
    raw = catalog.scalar("SELECT raw FROM rejects")
    if kind != "paths":  # the raw row names the image by hash, it does not hold bytes
        assert "sha256:" + _sha(b"") in raw


def test_cli_ingest_with_no_flags_and_stats_count_images(tmp_path: Path) -> None:
    from tests.ingest.test_cli import _run

    (tmp_path / "images").mkdir()
    for i in range(3):
        (tmp_path / "images" / f"{i}.png").write_bytes(png(i, size=(40, 30)))
    rows = [_geo_row(i, f"images/{i}.png") for i in range(3)] + [
        _geo_row(3, "images/0.png", problem="Other.")
    ]
    src = _write_jsonl(tmp_path / "geo.jsonl", rows)
    cat = str(tmp_path / "c.duckdb")
    r = _run("ingest", str(src), "--catalog", cat)
    assert r.exit_code == 0, r.output
    assert "preset geo" in r.flat and "4 new, 0 already present" in r.flat
    assert "images stored (new) │ 3" in r.flat
    r = _run("stats", "--catalog", cat)
    total = sum(len(png(i, size=(40, 30))) for i in range(3))
    assert r.exit_code == 0 and f"images 3 ({total / 1e6:,.1f} MB)" in r.flat, r.output
    cells = " ".join(r.flat.replace("│", " ").split())
    assert "images per format" in cells and f"png 3 {total} " in cells
    # source, domain, benchmark, problems, with answer, with images
    assert "geo geometry False 4 4 4" in cells


def test_cli_max_image_mb(tmp_path: Path) -> None:
    from tests.ingest.test_cli import _run

    (tmp_path / "a.png").write_bytes(png(1, size=(200, 200)))
    src = _write_jsonl(tmp_path / "g.jsonl", [_geo_row(1, "a.png")])
    cat = str(tmp_path / "c.duckdb")
    r = _run("ingest", str(src), "--catalog", cat, "--max-image-mb", "0.0001")
    assert r.exit_code == 1 and "image_too_large" in r.flat, r.output  # every row rejected: nothing read
    r = _run("ingest", str(src), "--catalog", cat, "--max-image-mb", "-1")
    assert r.exit_code == 1 and "--max-image-mb" in r.flat
    r = _run("ingest", str(src), "--catalog", cat)
    assert r.exit_code == 0 and "1 new" in r.flat


def test_parquet_of_large_images_is_read_in_batches_of_bounded_bytes(
    catalog, tmp_path: Path, monkeypatch
) -> None:
    from redstar_data.ingest import readers

    blobs = [png(i, size=(64, 48)) for i in range(12)]
    t = pa.table(
        {"problem": [f"Find x in figure {i}." for i in range(12)], "image": pa.array(blobs, pa.binary())}
    )
    pq.write_table(t, tmp_path / "big.parquet", row_group_size=12)
    meta = pq.ParquetFile(tmp_path / "big.parquet").metadata
    monkeypatch.setattr(readers, "PARQUET_BATCH_BYTES", meta.row_group(0).total_byte_size // 4)
    sizes = [b.n_rows for b in readers.read_parquet(tmp_path / "big.parquet")]
    assert sum(sizes) == 12 and 4 <= len(sizes) and max(sizes) <= 3
    rep = ingest(catalog, str(tmp_path / "big.parquet"))
    assert (rep.n_new, rep.n_images_new) == (12, 12)


def test_an_image_column_in_several_chunks_is_hashed_chunk_by_chunk() -> None:
    from redstar_data.ingest.images import Carried, carry_arrow_images

    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    blobs = [png(i) for i in range(5)]
    chunks = [pa.array([{"bytes": b, "path": None} for b in blobs[:2]], image_type),
              pa.array([{"bytes": blobs[2], "path": None}, None, {"bytes": None, "path": "a.png"}], image_type)]  # fmt: skip
    t = pa.table({"image": pa.chunked_array(chunks)})
    carried = Carried()
    out = carry_arrow_images(t, "image", carried)
    assert out.column("image").num_chunks == 2
    assert out.column("image").to_pylist() == [
        ["sha256:" + _sha(blobs[0])],
        ["sha256:" + _sha(blobs[1])],
        ["sha256:" + _sha(blobs[2])],
        None,
        ["a.png"],
    ]
    assert {k: carried.get(k) for k in carried.blobs} == {_sha(b): b for b in blobs[:3]}
