"""The Pillow-free PNG check (``_plain_png_info``) agrees with Pillow on whole plain PNGs and hands every
other PNG (corrupt, cut short, palette, interlaced, over a cap) back to Pillow's path, which rejects the bad
ones with their reasons."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from redstar_data.images.validate import BadImage, _plain_png_info, check_image
from tests.images.samples import _chunk, png, png_claiming, png_with_pixels

PILLOW_MAX = Image.MAX_IMAGE_PIXELS
BIG = 40_000_000


def _save(mode: str, size: tuple[int, int] = (23, 11), **kw: object) -> bytes:
    im = Image.new(mode, size)
    for x in range(size[0]):
        im.putpixel((x, x % size[1]), 200 if mode in ("L", "1", "I;16") else (200,) * len(mode))
    buf = io.BytesIO()
    im.save(buf, format="PNG", **kw)
    return buf.getvalue()


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "1", "I;16"])
def test_plain_pngs_take_the_fast_path_with_pillows_answer(mode: str) -> None:
    blob = _save(mode)
    fast = _plain_png_info(blob, BIG, PILLOW_MAX)
    assert fast is not None
    with Image.open(io.BytesIO(blob)) as im:
        im.load()
        assert (fast.width, fast.height, fast.format) == (*im.size, "png")
    assert fast == check_image(blob)


def _cut_idat_byte(blob: bytes) -> bytes:
    """The image with one byte of its compressed pixel data changed and the chunk's CRC made right again."""
    pos = blob.index(b"IDAT") - 4
    (n,) = struct.unpack_from(">I", blob, pos)
    data = bytearray(blob[pos + 8 : pos + 8 + n])
    data[n // 2] ^= 0xFF
    return blob[:pos] + _chunk(b"IDAT", bytes(data)) + blob[pos + 12 + n :]


def _interlaced() -> bytes:
    """A greyscale PNG whose header says Adam7 (Pillow does not write those): Pillow's path decodes it."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 1)
    idat = zlib.compress(b"\x00\x80")
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _with_text(blob: bytes) -> bytes:
    return blob[:33] + _chunk(b"tEXt", b"k\x00v") + blob[33:]


@pytest.mark.parametrize(
    "blob",
    [
        png(1)[:-20],  # cut inside the pixel data
        png(1)[:-1],  # IEND's CRC cut
        png(1)[:40],
        png(1)[:-12] + _chunk(b"IEND", b"")[:-1] + b"\x00",  # IEND with a wrong CRC
        png_claiming(50_000, 50_000),  # over the caps
        png_with_pixels(4, 2, b"\x00" * 5),  # one row missing
        png_with_pixels(4, 2, b"\x07" + b"\x00" * 9),  # an unknown filter type
        png_with_pixels(4, 2, b"\x00" * 10, compress=False),  # not zlib
        _cut_idat_byte(_save("L", (64, 64))),
        _save("P"),  # palette: Pillow's path
        _interlaced(),
        _with_text(_save("L")),  # a chunk outside the short list: Pillow's path
    ],
)
def test_anything_else_goes_to_pillows_path(blob: bytes) -> None:
    assert _plain_png_info(blob, BIG, PILLOW_MAX) is None


@pytest.mark.parametrize(
    ("blob", "reason"),
    [
        (png(1)[:-20], "image_unreadable"),
        (png_with_pixels(4, 2, b"\x00" * 5), "image_unreadable"),
        (png_with_pixels(4, 2, b"\x07" + b"\x00" * 9), "image_unreadable"),
        (png_claiming(50_000, 50_000), "image_bomb"),
        (png_claiming(7_000, 7_000), "image_too_large"),
    ],
)
def test_the_bad_ones_are_still_rejected_with_their_reason(blob: bytes, reason: str) -> None:
    with pytest.raises(BadImage) as e:
        check_image(blob)
    assert e.value.reason == reason


def test_palette_and_text_pngs_still_pass_through_pillow() -> None:
    for blob in (_save("P"), _with_text(_save("L")), _interlaced()):
        assert check_image(blob).format == "png"
