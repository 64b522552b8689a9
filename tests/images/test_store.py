"""Images in a real catalog: checked with Pillow, stored once by sha256, read back byte for byte."""

from __future__ import annotations

import base64
import hashlib

import pytest
from PIL import Image

from redstar_data.images import BadImage, check_image, get_images, image_data_url, put_images
from redstar_data.images.store import check_new
from tests.images.samples import png, png_claiming, png_with_pixels


def test_put_and_get_round_trip_with_info(catalog) -> None:
    a, b = png(1), png(2, size=(30, 20), fmt="JPEG")
    infos = put_images(catalog, [a, b])
    assert [i.image_id for i in infos] == [hashlib.sha256(a).hexdigest(), hashlib.sha256(b).hexdigest()]
    assert [(i.format, i.width, i.height, i.n_bytes) for i in infos] == [
        ("png", 24, 16, len(a)),
        ("jpeg", 30, 20, len(b)),
    ]
    got = get_images(catalog, [infos[1].image_id, infos[0].image_id, "0" * 64])
    assert got == {infos[0].image_id: a, infos[1].image_id: b}
    row = catalog.one(
        "SELECT format, width, height, n_bytes FROM images WHERE image_id = ?", [infos[0].image_id]
    )
    assert row == ("png", 24, 16, len(a))


def test_same_bytes_are_one_row_and_a_second_put_writes_nothing(catalog) -> None:
    a = png(3)
    first = put_images(catalog, [a, a, png(4)])
    assert first[0] == first[1] and catalog.count("images") == 2
    assert put_images(catalog, [a]) == [first[0]]
    assert catalog.count("images") == 2


@pytest.mark.parametrize(
    ("blob", "reason"),
    [
        (b"", "image_empty"),
        (b"GIF89a not really", "image_unreadable"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "image_unreadable"),  # EPS: never opened
        (png(5)[:-30], "image_unreadable"),  # cut short
        (png(5, fmt="JPEG")[:-60], "image_unreadable"),  # a JPEG cut short: only the full decode finds it
        (png_with_pixels(4, 3, b"\x00" * 5 * 2), "image_unreadable"),  # valid chunks, one row of pixels short
        (png_with_pixels(4, 3, b"\x00" * 5 * 4), "image_unreadable"),  # one row too many
        (png_with_pixels(4, 3, b"\x09" + b"\x00" * 14), "image_unreadable"),  # filter type 9 does not exist
        (png_with_pixels(4, 3, b"garbage, not zlib", compress=False), "image_unreadable"),
        (png_claiming(7_000, 7_000), "image_too_large"),  # 49 Mpx: over redstar's 40 Mpx cap
        (
            png_claiming(10_000, 10_000),
            "image_bomb",
        ),  # 100 Mpx: over Pillow's MAX_IMAGE_PIXELS (warning zone)
        (png_claiming(20_000, 20_000), "image_bomb"),  # 400 Mpx: Pillow's DecompressionBombError
    ],
)
def test_bad_bytes_are_refused_with_a_reason(catalog, blob: bytes, reason: str) -> None:
    with pytest.raises(BadImage) as e:
        put_images(catalog, [png(6), blob])
    assert e.value.reason == reason and e.value.index == 1
    assert catalog.count("images") == 0  # all or nothing


def test_a_whole_png_built_by_hand_passes() -> None:
    info = check_image(png_with_pixels(4, 3, b"\x00" * 5 * 3))
    assert (info.format, info.width, info.height) == ("png", 4, 3)


def test_byte_cap_and_pillow_guard_stays_on() -> None:
    blob = png(7)
    with pytest.raises(BadImage, match="image_too_large"):
        check_image(blob, max_bytes=len(blob) - 1)
    assert check_image(blob, max_bytes=len(blob)).n_bytes == len(blob)
    # raising redstar's own pixel cap does not switch Pillow's guard off
    with pytest.raises(BadImage, match="image_bomb"):
        check_image(png_claiming(10_000, 10_000), max_pixels=10**12)
    assert Image.MAX_IMAGE_PIXELS is not None


def test_check_new_returns_reasons_and_only_new_bytes(catalog) -> None:
    a, b = png(8), png(9)
    put_images(catalog, [a])
    res, new = check_new(catalog, [a, b"", b, b])
    assert [getattr(r, "reason", "ok") for r in res] == ["ok", "image_empty", "ok", "ok"]
    assert res[1].index == 1
    assert new == {hashlib.sha256(b).hexdigest(): b}


def test_data_url() -> None:
    blob = png(10)
    url = image_data_url(blob, "png")
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == blob
    assert image_data_url(b"x", "jpeg").startswith("data:image/jpeg;base64,")


def test_a_v7_catalog_gains_the_images_table_and_choice_columns(catalog_path) -> None:
    from redstar_data.catalog import Catalog

    cat = Catalog.open(catalog_path, migrate_to=7)
    cat.execute(
        "INSERT INTO problems (problem_id, source_id, domain, problem) VALUES ('p1', 's', 'math', 'Q?')"
    )
    cat.close()
    with Catalog.open(catalog_path) as cat:
        assert "images" in cat.tables()
        assert cat.one("SELECT problem, choices, answer_letter FROM problems") == ("Q?", None, None)
        cat.execute("UPDATE problems SET choices = '[\"1\", \"2\"]', answer_letter = 'B'")
        assert cat.one("SELECT choices->>'$[1]', answer_letter FROM problems") == ("2", "B")
        key = cat.scalar(
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'images' AND constraint_type = 'PRIMARY KEY'"
        )
        assert key == 1
