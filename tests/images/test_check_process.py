"""The image-check process: the same verdicts as the in-process check, and an ingest that survives it dying."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from redstar_data.images import check_process
from redstar_data.images.check_process import CheckerGone, CheckProcess
from redstar_data.images.store import check_blobs
from redstar_data.images.validate import BadImage, ImageInfo, image_id
from redstar_data.ingest import images as ingest_images
from redstar_data.ingest.run import ingest
from tests.images.samples import png, png_claiming, png_with_pixels

BLOBS = [
    png(1),
    png(2, size=(40, 30)),
    png(3, fmt="JPEG"),
    b"not an image",
    png_claiming(20_000, 20_000),
    png(4)[:-30],
    png_with_pixels(4, 2, b"\x00" * 5),  # pixel data too short for its header
]


def _verdict(r: ImageInfo | BadImage) -> tuple:
    return (r.reason, r.detail) if isinstance(r, BadImage) else r


def test_verdicts_equal_the_in_process_check() -> None:
    items = [(image_id(b), b) for b in BLOBS]
    with CheckProcess(max_bytes=1 << 20, max_pixels=1_000_000) as cp:
        for _ in range(2):  # the process serves chunk after chunk
            cp.submit(items)
            got = cp.result()
    want = check_blobs(items, 1 << 20, 1_000_000)
    assert list(got) == [i for i, _ in items]
    assert {k: _verdict(v) for k, v in got.items()} == {k: _verdict(v) for k, v in want.items()}
    assert sum(isinstance(v, ImageInfo) for v in got.values()) == 3  # two PNGs and the JPEG


def test_a_dead_process_says_so() -> None:
    cp = CheckProcess(max_bytes=1 << 20, max_pixels=1_000_000)
    assert cp._proc is not None
    cp._proc.kill()
    cp._proc.wait()
    with pytest.raises(CheckerGone):
        cp.submit([(image_id(b), b) for b in BLOBS])
        cp.result()
    cp.close()


def test_the_worker_imports_neither_duckdb_nor_pyarrow() -> None:
    # it starts beside every big ingest: the check needs Pillow, zlib(-ng) and hashlib only
    code = "import sys, redstar_data.images.check_process; print(sorted({'duckdb', 'pyarrow'} & set(sys.modules)))"
    root = str(Path(check_process.__file__).resolve().parents[2])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == "[]"


def _source(tmp_path: Path, n: int) -> Path:
    (tmp_path / "img").mkdir()
    rows = []
    for i in range(n):
        name = f"img/{i}.png"
        blob = b"broken" if i == 3 else png(i)
        (tmp_path / name).write_bytes(blob)
        rows.append({"id": f"p{i}", "problem": f"Find x in figure {i}.", "images": [name],
                     "choices": ["1", "2"], "answer_letter": "A"})  # fmt: skip
    src = tmp_path / "g.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return src


@pytest.mark.parametrize("worker", ["alive", "exits at start"])
def test_ingest_in_chunks_gives_the_same_catalog_whether_or_not_the_process_survives(
    catalog, tmp_path: Path, monkeypatch, worker: str
) -> None:
    monkeypatch.setattr(ingest_images, "CHUNK_IMAGES", 3)  # 12 images: 4 chunks, so the process is used
    if worker != "alive":
        monkeypatch.setattr(check_process, "_BOOT", "import sys; sys.exit(3)")
    rep = ingest(catalog, str(_source(tmp_path, 12)))
    assert (rep.n_new, rep.n_rejected) == (11, 1)
    assert catalog.count("images") == 11
    assert catalog.rows("SELECT row_number, reason FROM rejects") == [(4, "image_unreadable")]
    ids = {r[0] for r in catalog.rows("SELECT image_id FROM images")}
    assert ids == {image_id(png(i)) for i in range(12) if i != 3}
