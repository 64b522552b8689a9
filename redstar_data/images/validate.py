"""What redstar accepts as an image: bytes Pillow decodes fully, within a byte cap and a pixel cap.

Every image is checked once, before it is stored: ``Image.open`` (header: format and size; Pillow's
decompression-bomb guard, ``Image.MAX_IMAGE_PIXELS``, stays on), ``verify()`` (for PNG: every chunk's CRC,
through IEND), then the pixel data, so that a truncated or corrupt file is caught here and not in a
training run: a fresh ``open`` + ``load()`` (a full decode), except for non-interlaced PNG, where the
IDAT stream is inflated by zlib (its adler32 checked, the size bounded by width x height) and every row's
filter byte is checked: the same catch as Pillow's decode at a third of its cost (benchmarks/images.py:
~1/3 of ingest time was Pillow's ``load()`` of small diagrams). A plain PNG (no palette, not interlaced,
only IHDR/IDAT/IEND and a few fixed-size chunks) skips Pillow altogether (``_plain_png_info``: the same
checks, CRCs and the bomb limit included, in zlib and struct; it only ever accepts, anything else goes the
Pillow way, so reasons do not change). A bad image raises ``BadImage`` with one of
these reason codes, which ingest stores in ``rejects``:

``image_empty`` (zero bytes), ``image_too_large`` (over ``max_bytes``, or width x height over
``max_pixels``), ``image_bomb`` (width x height over Pillow's ``MAX_IMAGE_PIXELS``: a small file that
would decode to gigabytes), ``image_unreadable`` (not an accepted format, or Pillow cannot decode it).
Ingest adds ``image_missing`` (the file a row names cannot be read).
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from redstar_data.errors import RedstarError
from redstar_data.images.formats import PILLOW_FORMATS

try:  # zlib-ng: zlib's inflate, same streams and errors, ~2.5x faster on small PNGs (the check's largest cost)
    from zlib_ng import zlib_ng as _inflate
except ImportError:  # a platform without its wheel: the standard library's zlib, same results
    _inflate = zlib  # type: ignore[no-redef]

# 32 MiB: far above any diagram or photo a VLM is trained on (Geometry3K's largest is ~60 KB), low
# enough that one row cannot make a catalog (or an export batch) hold gigabytes.
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
# 40 megapixels (e.g. 8000 x 5000): decoding costs width x height x 4 bytes (160 MB here). Kept below
# Pillow's own bomb limit (89.5 Mpx by default), which still applies whatever this is set to.
DEFAULT_MAX_PIXELS = 40_000_000

REASONS = ("image_empty", "image_too_large", "image_bomb", "image_unreadable", "image_missing")


@dataclass(frozen=True)
class ImageInfo:
    """A stored (or storable) image: its id (sha256 of the bytes), Pillow format (lowercase) and size."""

    image_id: str
    format: str
    width: int
    height: int
    n_bytes: int


class BadImage(RedstarError):
    """Bytes redstar will not store as an image. ``reason`` is a rejects reason code (see module doc)."""

    def __init__(self, reason: str, detail: str, *, index: int | None = None) -> None:
        self.reason = reason
        self.detail = detail
        self.index = index
        where = f"image {index}: " if index is not None else ""
        super().__init__(f"{where}{reason}: {detail}", hint=_HINTS.get(reason))


_HINTS = {
    "image_empty": "the file is empty: re-export or re-download it",
    "image_too_large": "downscale it, or raise the limit (--max-image-mb / max_pixels)",
    "image_bomb": "a small file claiming a huge size: not stored (Pillow's decompression-bomb guard)",
    "image_unreadable": f"accepted formats: {', '.join(f.lower() for f in PILLOW_FORMATS)}",
    "image_missing": "image paths are relative to the source file's folder",
}


def image_id(blob: bytes) -> str:
    """The content address of an image: lowercase hex sha256 of its exact bytes."""
    return hashlib.sha256(blob).hexdigest()


def check_image(
    blob: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS
) -> ImageInfo:
    """The ImageInfo of ``blob`` if redstar accepts it, else BadImage naming why (see the module doc)."""
    with quiet_bomb_warnings():
        return check_quietly(blob, max_bytes=max_bytes, max_pixels=max_pixels)


@contextmanager
def quiet_bomb_warnings() -> Iterator[None]:
    """Pillow only warns between MAX_IMAGE_PIXELS and twice that (an error above); ``check_quietly`` rejects
    those images itself, so the warning is silenced. Enter once around many checks: entering costs more
    than checking a small PNG's header."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def check_quietly(blob: bytes, *, max_bytes: int, max_pixels: int, iid: str | None = None) -> ImageInfo:
    """``check_image`` inside ``quiet_bomb_warnings`` (the caller holds it); ``iid``: ``image_id(blob)`` when
    the caller has it already."""
    from PIL import Image

    n = len(blob)
    if n == 0:
        raise BadImage("image_empty", "the image has zero bytes")
    if n > max_bytes:
        raise BadImage("image_too_large", f"{n:,} bytes, over the limit of {max_bytes:,}")
    if blob[:8] == _PNG_SIG:
        fast = _plain_png_info(blob, max_pixels, Image.MAX_IMAGE_PIXELS, iid)
        if fast is not None:
            return fast
    try:
        with Image.open(io.BytesIO(blob), formats=PILLOW_FORMATS) as im:
            fmt, (w, h) = im.format, im.size
            _check_pixels(w, h, max_pixels, Image.MAX_IMAGE_PIXELS)
            im.verify()
        if fmt != "PNG" or not _png_pixels_ok(blob, w, h):
            with Image.open(io.BytesIO(blob), formats=PILLOW_FORMATS) as im:
                im.load()
    except BadImage:
        raise
    except Image.DecompressionBombError as e:
        raise BadImage("image_bomb", str(e)) from None
    except Exception as e:  # noqa: BLE001 - Pillow raises many types (OSError, SyntaxError, ValueError,
        # struct.error, IndexError, ...) on hostile bytes; each means "not an image we can store"
        raise BadImage("image_unreadable", f"{type(e).__name__}: {e}"[:500]) from None
    return ImageInfo(iid or image_id(blob), str(fmt).lower(), int(w), int(h), n)


def _check_pixels(w: int, h: int, max_pixels: int, pillow_max: int | None) -> None:
    px = w * h
    if w <= 0 or h <= 0:
        raise BadImage("image_unreadable", f"size {w}x{h}")
    if pillow_max is not None and px > pillow_max:
        raise BadImage("image_bomb", f"{w}x{h} = {px:,} pixels, over Pillow's limit of {pillow_max:,}")
    if px > max_pixels:
        raise BadImage("image_too_large", f"{w}x{h} = {px:,} pixels, over the limit of {max_pixels:,}")


_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_FILTER_TYPES = bytes(
    range(5)
)  # a row's filter byte: None, Sub, Up, Average, Paeth; deleting them leaves the bad
# colour type -> bit depths the PNG spec allows; palette images (3) are left to Pillow (PLTE, tRNS rules)
_PLAIN_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 4: (8, 16), 6: (8, 16)}
# ancillary chunks a plain PNG may carry, with the only length Pillow reads them at; any other chunk
# (text, ICC profiles, palettes, APNG frames...) sends the image down Pillow's path
_PLAIN_EXTRA = {b"pHYs": 9, b"gAMA": 4, b"sRGB": 1}


def _plain_png_info(
    blob: bytes, max_pixels: int, pillow_max: int | None, iid: str | None = None
) -> ImageInfo | None:
    """The ImageInfo of a whole, plain PNG (non-interlaced, no palette, only IHDR/IDAT/IEND and a few
    fixed-size ancillary chunks), checked without Pillow: the same catch as ``open`` + ``verify`` + the
    pixel check (every chunk's CRC through IEND, IHDR's fields, the size caps, Pillow's bomb limit, the
    inflated IDAT stream's length and filter bytes) at a fraction of its cost (benchmarks/images.py: Pillow's
    ``open`` + ``verify`` was the largest part of ingest's CPU). None for anything else, good or bad: the
    caller then runs Pillow's checks, which name the reason exactly as before."""
    n_all = len(blob)
    view = memoryview(blob)
    crc32 = zlib.crc32
    pos, parts, head, state = 8, [], None, 0  # state: 0 before IDAT, 1 in IDAT, 2 after IDAT
    while True:
        if pos + 12 > n_all:
            return None  # cut short before IEND
        n, kind = struct.unpack_from(">I4s", blob, pos)
        end = pos + 12 + n
        if end > n_all or crc32(view[pos + 4 : pos + 8 + n]) != struct.unpack_from(">I", blob, end - 4)[0]:
            return None
        if head is None:
            if kind != b"IHDR" or n != 13:
                return None
            head = struct.unpack_from(">IIBBBBB", blob, pos + 8)
        elif kind == b"IDAT":
            if state == 2:
                return None
            state = 1
            parts.append(view[pos + 8 : pos + 8 + n])
        elif kind == b"IEND":
            if n or state != 1:
                return None
            break
        elif _PLAIN_EXTRA.get(kind) == n:
            state = 2 if state else 0
        else:
            return None
        pos = end
    w, h, depth, ctype, comp, filt, interlace = head
    if ctype not in _PLAIN_DEPTHS or depth not in _PLAIN_DEPTHS[ctype] or comp or filt or interlace:
        return None
    px = w * h
    if (
        not (0 < w < 2**31 and 0 < h < 2**31)
        or px > max_pixels
        or (pillow_max is not None and px > pillow_max)
    ):
        return None
    row = (w * depth * _PNG_CHANNELS[ctype] + 7) // 8 + 1
    expected = h * row
    d = _inflate.decompressobj()
    try:
        out = d.decompress(b"".join(parts), expected + 1)
    except _inflate.error:
        return None
    if len(out) != expected or not d.eof or out[::row].translate(None, _FILTER_TYPES):
        return None
    return ImageInfo(iid or image_id(blob), "png", w, h, n_all)


def _png_pixels_ok(blob: bytes, w: int, h: int) -> bool:
    """True when a (verified) PNG's pixel data is whole: its IDAT stream inflates to exactly one filter byte
    plus one row of samples per row, with valid filter bytes. BadImage when it does not; False when this
    check does not apply (interlaced, an unusual header), so Pillow decodes it instead."""
    view = memoryview(blob)
    pos, parts, head = 8, [], None
    while pos + 8 <= len(blob):
        (n,) = struct.unpack_from(">I", blob, pos)
        kind = blob[pos + 4 : pos + 8]
        if kind == b"IHDR" and n == 13:
            head = struct.unpack_from(">IIBBBBB", blob, pos + 8)
        elif kind == b"IDAT":
            parts.append(view[pos + 8 : pos + 8 + n])
        elif kind == b"IEND":
            break
        pos += 12 + n
    if head is None or head[6] != 0 or head[3] not in _PNG_CHANNELS or (head[0], head[1]) != (w, h):
        return False
    row = (w * head[2] * _PNG_CHANNELS[head[3]] + 7) // 8 + 1
    expected = h * row
    d = _inflate.decompressobj()
    try:
        out = d.decompress(b"".join(parts), expected + 1)
    except _inflate.error as e:
        raise BadImage("image_unreadable", f"PNG pixel data: {e}") from None
    if len(out) != expected or not d.eof:
        raise BadImage(
            "image_unreadable",
            f"PNG pixel data holds {len(out):,} bytes, not {expected:,}: cut short or corrupt",
        )
    if out[::row].translate(None, _FILTER_TYPES):
        raise BadImage("image_unreadable", "PNG pixel data has a row with an unknown filter type")
    return True
