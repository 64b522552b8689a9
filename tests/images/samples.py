"""Image fixtures: small real PNG/JPEG bytes drawn with Pillow, and hand-built hostile files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw


def png(seed: int = 0, size: tuple[int, int] = (24, 16), fmt: str = "PNG") -> bytes:
    """A small distinct diagram: a line whose end depends on ``seed``."""
    im = Image.new("RGB", size, "white")
    ImageDraw.Draw(im).line((0, 0, seed % size[0], size[1] - 1), fill=(seed % 256, 0, 0))
    buf = io.BytesIO()
    im.save(buf, format=fmt)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` (a decompression bomb's shape: few bytes,
    huge decoded size). Its one IDAT holds a few rows only; Pillow judges the header before decoding."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" * (width + 1) * 2)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def png_with_pixels(width: int, height: int, raw: bytes, *, compress: bool = True) -> bytes:
    """A greyscale PNG whose (correctly CRC'd) IDAT holds ``raw`` (zlib-compressed unless ``compress`` is
    False): valid chunks around pixel data that may be too short, too long or not zlib at all."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(raw) if compress else raw
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
