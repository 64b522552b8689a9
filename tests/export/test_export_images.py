"""Exports of problems with images: TRL's vision shapes, real image bytes, PIL images through ``datasets``."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest

from redstar_data.errors import CatalogError, RecipeError
from redstar_data.export.run import export
from tests.export.conftest import build_catalog, build_geo_catalog

PIL = pytest.importorskip("PIL")

GEO = "traces: {verifier: geometry}\nselect: {domains: [geometry]}\n"


def _load(path, cache):
    import datasets

    return datasets.load_dataset("parquet", data_files=str(path), split="train", cache_dir=str(cache))


def _image_ids(built, pid):
    return json.loads(built.problems[pid]["images"])


def _catalog_bytes(catalog, ids):
    got = dict(catalog.rows("SELECT image_id, bytes FROM images"))
    return [got[i] for i in ids]


def test_vision_sft_loads_as_pil_images_in_trl_shape(catalog, geo, write_recipe, tmp_path):
    from PIL import Image

    rep = export(catalog, write_recipe(f"name: g\n{GEO}"), out_dir=tmp_path / "g")
    assert rep.n_rows == len(geo.problems) == 8
    ds = _load(tmp_path / "g" / "train.parquet", tmp_path / "c")
    assert ds.num_rows == 8
    assert type(ds.features["images"]).__name__ == "List"
    assert type(ds.features["images"].feature).__name__ == "Image"
    raw = pq.read_table(tmp_path / "g" / "train.parquet").to_pylist()
    for row, r in zip(ds, raw, strict=True):
        system, user, assistant = row["messages"]
        assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
        assert system["content"] == [{"type": "text", "text": system["content"][0]["text"]}]
        parts = user["content"]
        ids = _image_ids(geo, r["problem_id"])
        assert [p["type"] for p in parts] == ["image"] * len(ids) + ["text"]
        assert len(row["images"]) == len(ids) and all(isinstance(im, Image.Image) for im in row["images"])
        # the exact bytes of the catalog, in the problem's order
        assert [im["bytes"] for im in r["images"]] == _catalog_bytes(catalog, ids)
        assert row["images"][0].size == (320, 240)
        p = geo.problems[r["problem_id"]]
        text = parts[-1]["text"]
        if p["choices"]:
            letters = [f"{'ABCD'[i]}. {c}" for i, c in enumerate(json.loads(p["choices"]))]
            assert text == p["problem"] + "\n\nChoices:\n" + "\n".join(letters)
        else:
            assert text == p["problem"]
        assert assistant["content"][0]["type"] == "text" and "<think>" in assistant["content"][0]["text"]
    assert sum(len(r["images"]) for r in raw) == 9  # the last problem shows its diagram twice


def test_vision_sft_feeds_trl_message_preparation(catalog, geo, write_recipe, tmp_path):
    """TRL's own placeholder filling (what its vision collator calls) accepts every exported row."""
    pytest.importorskip("trl")
    from trl.data_utils import prepare_multimodal_messages

    export(catalog, write_recipe(f"name: g\n{GEO}"), out_dir=tmp_path / "g")
    ds = _load(tmp_path / "g" / "train.parquet", tmp_path / "c")
    for row in ds:
        msgs = prepare_multimodal_messages(row["messages"], images=row["images"])
        filled = [p for p in msgs[1]["content"] if p["type"] == "image"]
        assert [p["image"] for p in filled] == row["images"]


def test_vision_exports_are_byte_identical_on_re_export(catalog, geo, write_recipe, tmp_path):
    r = write_recipe(f"name: g\n{GEO}split: {{validation: 0.25}}\n")
    export(catalog, r, out_dir=tmp_path / "a")
    export(catalog, r, out_dir=tmp_path / "b")
    for f in ("train.parquet", "validation.parquet", "README.md", "manifest.json"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    md = pq.read_metadata(tmp_path / "a" / "train.parquet")
    cols = {
        md.row_group(0).column(i).path_in_schema: md.row_group(0).column(i) for i in range(md.num_columns)
    }
    # image bytes (already compressed) stored PLAIN and uncompressed, as datasets does; text as before
    assert cols["images.list.element.bytes"].compression == "UNCOMPRESSED"
    assert "PLAIN" in cols["images.list.element.bytes"].encodings
    assert "RLE_DICTIONARY" not in cols["images.list.element.bytes"].encodings
    assert cols["problem_id"].compression == "SNAPPY"


def test_image_row_groups_hold_about_64_mb():
    from redstar_data.export.writers import image_row_group_size

    assert image_row_group_size(100_000 * 1_500, 100_000) == 10_000  # small diagrams: the text default
    assert image_row_group_size(100_000 * 16_000, 100_000) == 4_100  # 64 MiB / 16 kB, in hundreds
    assert image_row_group_size(10 * 5_000_000, 10) == 100  # huge scans: never fewer than 100 rows
    assert image_row_group_size(0, 0) == 10_000


def test_vision_dpo_pairs_carry_images(catalog, geo, write_recipe, tmp_path):
    from PIL import Image

    export(catalog, write_recipe(f"name: d\nkind: dpo\n{GEO}"), out_dir=tmp_path / "d")
    ds = _load(tmp_path / "d" / "train.parquet", tmp_path / "c")
    assert ds.num_rows == 8  # every problem has a correct and an incorrect sample
    for row in ds:
        assert [m["role"] for m in row["prompt"]] == ["system", "user"]
        assert row["prompt"][1]["content"][0]["type"] == "image"
        assert isinstance(row["images"][0], Image.Image)
        assert row["chosen"][0]["role"] == "assistant" and row["chosen"][0]["content"][0]["type"] == "text"
        assert row["chosen"][0]["content"][0]["text"] != row["rejected"][0]["content"][0]["text"]


def test_vision_rl_prompts_carry_images_choices_and_letter(catalog, geo, write_recipe, tmp_path):
    from PIL import Image

    rep = export(catalog, write_recipe(f"name: r\nkind: rl\n{GEO}"), out_dir=tmp_path / "r")
    ds = _load(tmp_path / "r" / "train.parquet", tmp_path / "c")
    assert ds.num_rows == 8
    by_id = {row["problem_id"]: row for row in ds}
    for pid, p in geo.problems.items():
        row = by_id[pid]
        assert row["answer"] == p["answer"] and row["answer_letter"] == p["answer_letter"]
        assert row["choices"] == (json.loads(p["choices"]) if p["choices"] else None)
        assert all(isinstance(im, Image.Image) for im in row["images"])
        n_parts = sum(1 for part in row["prompt"][1]["content"] if part["type"] == "image")
        assert n_parts == len(row["images"]) == len(_image_ids(geo, pid))
    man = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert man["columns"] == ["prompt", "answer", "choices", "answer_letter", "images"]
    assert rep.shape.images and rep.shape.choices


def test_card_and_manifest_count_images_and_sizes(catalog, geo, write_recipe, tmp_path):
    export(catalog, write_recipe(f"name: g\n{GEO}"), out_dir=tmp_path / "g")
    sizes = dict(catalog.rows("SELECT image_id, n_bytes FROM images"))
    per_row = [_image_ids(geo, pid) for pid in geo.problems]
    total = sum(sizes[i] for ids in per_row for i in ids)
    man = json.loads((tmp_path / "g" / "manifest.json").read_text())
    im = man["rungs"][0]["images"]
    assert im == {
        "rows_with_images": 8,
        "images": 9,
        "unique_images": 8,
        "bytes": total,
        "unique_bytes": sum(sizes.values()),
        "mean_bytes": round(total / 9, 1),
        "formats": {"png": 8},
    }
    assert man["columns"] == ["messages", "images"]
    card = (tmp_path / "g" / "README.md").read_text()
    assert "image-text-to-text" in card
    assert "| default | 8 | 9 | 8 |" in card  # rows with images, images, distinct images


def test_mixed_selection_gives_text_rows_empty_image_lists(catalog, write_recipe, tmp_path):
    build_catalog(catalog, per_source={"alpha": 6})
    build_geo_catalog(catalog)
    export(catalog, write_recipe("name: m\nselect: {domains: [math, geometry]}\ntraces: {verifier: geometry}\n"),
           out_dir=tmp_path / "geo-only")  # fmt: skip
    rows = pq.read_table(tmp_path / "geo-only" / "train.parquet").to_pylist()
    assert rows and all(r["images"] for r in rows)  # the math traces carry no geometry label
    catalog.execute("UPDATE verifications SET verifier = 'geometry' WHERE verifier = 'math'")
    export(catalog, write_recipe("name: m\nselect: {domains: [math, geometry]}\ntraces: {verifier: geometry}\n"),
           out_dir=tmp_path / "m")  # fmt: skip
    rows = pq.read_table(tmp_path / "m" / "train.parquet").to_pylist()
    text_rows = [r for r in rows if not r["images"]]
    assert text_rows and len(rows) - len(text_rows) == 8
    for r in text_rows:
        assert r["messages"][1]["content"] == [
            {"type": "text", "text": r["messages"][1]["content"][0]["text"]}
        ]


def test_text_only_export_has_no_image_metadata(catalog, built, write_recipe, tmp_path):
    export(catalog, write_recipe("name: t\n"), out_dir=tmp_path / "t")
    f = pq.ParquetFile(tmp_path / "t" / "train.parquet")
    assert "images" not in f.schema_arrow.names
    assert b"huggingface" not in (f.schema_arrow.metadata or {})
    assert isinstance(f.read().to_pylist()[0]["messages"][1]["content"], str)
    man = json.loads((tmp_path / "t" / "manifest.json").read_text())
    assert "images" not in man["rungs"][0] and man["columns"] == ["messages"]


def test_hf_disk_of_a_vision_export_decodes_pil(catalog, geo, write_recipe, tmp_path):
    import datasets
    from PIL import Image

    export(
        catalog,
        write_recipe(f"name: g\n{GEO}output: {{formats: [parquet, hf_disk]}}\n"),
        out_dir=tmp_path / "g",
    )
    ds = datasets.load_from_disk(str(tmp_path / "g" / "hf"))["train"]
    assert isinstance(ds[0]["images"][0], Image.Image)


def test_jsonl_of_images_is_refused(catalog, geo, write_recipe, tmp_path):
    with pytest.raises(RecipeError, match="cannot carry image bytes") as e:
        export(
            catalog,
            write_recipe(f"name: g\n{GEO}output: {{formats: [parquet, jsonl]}}\n"),
            out_dir=tmp_path / "g",
        )
    assert e.value.key == "output.formats"
    assert not (tmp_path / "g").exists()


def test_missing_image_bytes_is_a_clear_error(catalog, geo, write_recipe, tmp_path):
    gone = catalog.scalar("SELECT min(image_id) FROM images")
    catalog.execute("DELETE FROM images WHERE image_id = ?", [gone])
    with pytest.raises(CatalogError, match=f"image {gone}"):
        export(catalog, write_recipe(f"name: g\n{GEO}"), out_dir=tmp_path / "g")


def test_vision_parquet_bytes_round_trip_through_pillow(catalog, geo, write_recipe, tmp_path):
    from PIL import Image

    export(catalog, write_recipe(f"name: g\n{GEO}"), out_dir=tmp_path / "g")
    r = pq.read_table(tmp_path / "g" / "train.parquet").to_pylist()[0]
    im = Image.open(io.BytesIO(r["images"][0]["bytes"]))
    assert im.format == "PNG" and r["images"][0]["path"] is None


def test_image_spill_gives_each_row_its_images_across_buckets(catalog, geo, tmp_path):
    """Rows spanning several spill files, rows without images, an image shown twice and by two rows:
    every row gets exactly its problem's images, in order, whatever order the blob scan returned."""
    import pyarrow as pa

    from redstar_data.export.images import ImageSpill

    pids = sorted(geo.problems)
    order = [
        *pids,
        "no-such-problem",
        pids[0],
        pids[-1],
    ]  # 11 rows: one without images, a repeat; the last beyond n_max
    rows = pa.table({"ord": list(range(1, len(order) + 1)), "problem_id": order})
    with catalog.registered("__t_rows", rows), catalog.temp_table("__t_sel", "SELECT * FROM __t_rows") as sel:
        spill = ImageSpill(catalog, sel, n_max=len(order) - 1, workdir=tmp_path / "spill", bucket_rows=3)
        assert spill.build() == sum(len(_image_ids(geo, p)) for p in order[:-1] if p in geo.problems)
        assert len(list((tmp_path / "spill").iterdir())) == 4  # ords 1-3, 4-6, 7-9, 10
        shaped = pa.table({"x": order[:-1], "__rs_ord": list(range(1, len(order)))})
        reader = pa.RecordBatchReader.from_batches(shaped.schema, shaped.to_batches(max_chunksize=4))
        got = pa.Table.from_batches(list(spill.attach(reader))).to_pylist()
        spill.close()
    assert not (tmp_path / "spill").exists()
    for pid, row in zip(order[:-1], got, strict=True):
        want = _catalog_bytes(catalog, _image_ids(geo, pid)) if pid in geo.problems else []
        assert row["x"] == pid and [im["bytes"] for im in row["images"]] == want
        assert all(im["path"] is None for im in row["images"])
    assert list(got[0]) == ["x", "images"]


def test_demo_geometry_problems_are_deterministic_and_exact(tmp_path):
    from PIL import Image

    from redstar_data.ingest.demo_geometry import geometry_problems, write_geometry_problems

    a, b = geometry_problems(), geometry_problems()
    assert [r["image_bytes"] for r in a] == [r["image_bytes"] for r in b]  # same Pillow, same PNG bytes
    assert len({r["image_bytes"] for r in a}) == len(a)  # a different diagram each
    for r in a:
        assert Image.open(io.BytesIO(r["image_bytes"])).size == (320, 240)
        if r["choices"]:
            assert r["choices"]["ABCD".index(r["answer_letter"])] == r["answer"]
    assert sum(1 for r in a if r["choices"]) >= 4 and any(not r["choices"] for r in a)
    f = write_geometry_problems(tmp_path / "geo" / "problems.jsonl")
    rows = [json.loads(line) for line in f.read_text().splitlines()]
    assert all(
        (f.parent / r["images"][0]).read_bytes() == g["image_bytes"] for r, g in zip(rows, a, strict=True)
    )
