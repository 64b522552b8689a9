"""Images of an ingest batch: each row's image references become stored image ids (sha256 of the bytes),
or the row becomes a reject naming its first bad image.

A reference is one of: a file path (relative to the source file's folder, the dev set's layout; absolute
paths and, failing the folder, paths relative to the working directory are read as given), a
``data:image/...;base64,`` URL, or ``sha256:<hex>`` for bytes an Arrow source carried in an image column
(``datasets`` ``Image`` features: ``{bytes, path}`` structs, lists of them, or plain binary), which
``carry_arrow_images`` swaps for references before the row becomes JSON. Bytes are read, hashed, checked
(``images.validate``) and stored in chunks of bounded size, each in its own transaction: images are
content-addressed, so one stored ahead of its rows is harmless and found again on a rerun.

Nothing here runs for a source without an image column: the image path costs only where there are images.
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import os
import stat
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from redstar_data.catalog import Catalog
from redstar_data.images.check_process import CheckerGone, CheckProcess
from redstar_data.images.store import Pending, check_blobs, look_up, write_images
from redstar_data.images.validate import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, BadImage, ImageInfo

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_PIXELS", "BadImage", "Carried", "ImageInfo", "carry_arrow_images",
           "is_image_column", "load_ref", "store_refs"]  # fmt: skip

CARRIED = "sha256:"
# image bytes per chunk; three are held at once (one read, one checked, one written)
CHUNK_BYTES = 64 * 1024 * 1024
CHUNK_IMAGES = 8192


@dataclass
class Carried:
    """Image bytes that came inside an Arrow batch, by sha256; zero-copy views into the batch's buffers."""

    blobs: dict[str, pa.Buffer] = field(default_factory=dict)

    def get(self, sha: str) -> bytes | None:
        buf = self.blobs.get(sha)
        return None if buf is None else buf.to_pybytes()


def _is_image_struct(t: pa.DataType) -> bool:
    if not pa.types.is_struct(t):
        return False
    names = {t.field(i).name for i in range(t.num_fields)}
    return "bytes" in names and "path" in names


def _is_binary(t: pa.DataType) -> bool:
    return pa.types.is_binary(t) or pa.types.is_large_binary(t)


def is_image_column(t: pa.DataType) -> bool:
    """A ``datasets`` Image feature (``struct<bytes, path>``), plain binary, or a list of either."""
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        t = t.value_type
    return _is_image_struct(t) or _is_binary(t)


def carry_arrow_images(table: pa.Table, column: str, carried: Carried) -> pa.Table:
    """``table`` with image column ``column`` turned into ``list<string>`` references: ``sha256:<hex>`` for
    bytes (kept in ``carried``), the path for an Image whose bytes are not embedded, null for no image.
    Chunk by chunk, never combined: a memory-mapped `datasets` batch of large images is hashed where it lies,
    not copied into one buffer."""
    col = table.column(column)
    out = [_chunk_refs(chunk, carried) for chunk in col.chunks]
    new = pa.chunked_array(out, pa.list_(pa.string())) if out else pa.chunked_array([], pa.list_(pa.string()))
    return table.set_column(table.schema.get_field_index(column), column, new)


def _chunk_refs(chunk: pa.Array, carried: Carried) -> pa.Array:
    listed = pa.types.is_list(chunk.type) or pa.types.is_large_list(chunk.type)
    flat = pc.list_flatten(chunk) if listed else chunk
    if _is_image_struct(flat.type):
        blobs, paths = pc.struct_field(flat, "bytes"), pc.struct_field(flat, "path")
    else:
        blobs, paths = flat, pa.nulls(len(flat), pa.string())
    refs: list[str | None] = []
    for b, p in zip(blobs, paths, strict=True):
        if b.is_valid:
            buf = b.as_buffer()
            sha = hashlib.sha256(buf).hexdigest()
            carried.blobs.setdefault(sha, buf)
            refs.append(CARRIED + sha)
        else:
            refs.append(p.as_py())
    out: list[list[str | None] | None]
    if listed:
        out, i = [], 0
        for n in pc.list_value_length(chunk).to_pylist():
            out.append(None if n is None else refs[i : i + n])
            i += n or 0
    else:
        out = [None if r is None else [r] for r in refs]
    return pa.array(out, pa.list_(pa.string()))


def load_ref(ref: str | None, base: Path | None, carried: Carried | None, max_bytes: int) -> bytes:
    """The bytes a reference names, or BadImage (``image_missing``, ``image_too_large`` by file size)."""
    if not ref:
        raise BadImage("image_missing", "an empty image reference")
    if ref.startswith(CARRIED) and carried is not None and ref[len(CARRIED) :] in carried.blobs:
        blob = carried.get(ref[len(CARRIED) :])
        assert blob is not None
        return blob
    if ref.startswith("data:"):
        head, _, body = ref.partition(",")
        if not head.endswith(";base64"):
            raise BadImage("image_unreadable", "a data: URL that is not base64")
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as e:
            raise BadImage("image_unreadable", f"a data: URL with bad base64: {e}") from None
    if "://" in ref:
        raise BadImage(
            "image_missing", f"{ref[:200]}: URLs are not fetched at ingest; download the images first"
        )
    # os.path and raw os.open + fstat + os.read: pathlib objects, separate stat calls and Python's buffered
    # file objects cost more than the read itself (100k small files)
    path = ref if os.path.isabs(ref) or base is None else os.path.join(base, ref)
    try:
        try:
            fd = os.open(path, _O_READ)
        except FileNotFoundError:
            if path == ref or not os.path.exists(ref):
                raise
            path = ref  # a relative path missing beside the source, present from the working directory
            fd = os.open(path, _O_READ)
        try:
            st = os.fstat(fd)
            if stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, "Is a directory", path)
            size = st.st_size
            if size > max_bytes:
                raise BadImage("image_too_large", f"{path}: {size:,} bytes, over the limit of {max_bytes:,}")
            return _read_all(fd, size)
        finally:
            os.close(fd)
    except BadImage:
        raise
    except (OSError, ValueError) as e:  # missing, a folder, no permission, a NUL in the name
        msg = f"{path}: {e.strerror or e}" if isinstance(e, OSError) else f"{ref!r}: {e}"
        raise BadImage("image_missing", msg) from None


_O_READ = os.O_RDONLY | getattr(os, "O_BINARY", 0)


def _read_all(fd: int, size: int) -> bytes:
    """The whole file: one ``os.read`` of its size, then more until EOF (a file that grew, or a pipe)."""
    data = os.read(fd, size + 1)
    return data if len(data) == size else _more(fd, data)


def _more(fd: int, data: bytes) -> bytes:
    if not data:
        return data
    parts = [data]
    while chunk := os.read(fd, 1 << 20):
        parts.append(chunk)
    return b"".join(parts)


class _Inline:
    """The check in this process, at ``submit``: for calls of one chunk (nothing to overlap with), and the
    fallback when the check process is gone. Same interface as ``CheckProcess``."""

    def __init__(self, max_bytes: int, max_pixels: int) -> None:
        self.max_bytes, self.max_pixels = max_bytes, max_pixels
        self._res: dict[str, ImageInfo | BadImage] | None = None

    def submit(self, items: Sequence[tuple[str, bytes]]) -> None:
        self._res = check_blobs(items, self.max_bytes, self.max_pixels)

    def result(self) -> dict[str, ImageInfo | BadImage]:
        res, self._res = self._res, None
        assert res is not None
        return res

    def close(self) -> None:
        self._res = None


def store_refs(
    catalog: Catalog,
    refs: Sequence[str | None],
    *,
    base: Path | None,
    carried: Carried | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[dict[str | None, ImageInfo | BadImage], int]:
    """({reference: its stored ImageInfo, or why it is not an image}, images newly stored), for distinct
    ``refs``. Good new images are written in chunks of at most CHUNK_BYTES / CHUNK_IMAGES, each in a
    transaction of its own. A call with more than one chunk checks in a process of its own
    (``images.check_process``): chunk k is checked there while this thread reads and hashes chunk k+1's
    files and a writer thread, on a connection of its own, commits chunk k-1 (docs/images.md). If that
    process fails, the rest is checked here, with the same verdicts."""
    out: dict[str | None, ImageInfo | BadImage] = {}
    stored = 0
    chunk: list[tuple[str | None, bytes]] = []
    size = 0
    queued: set[str | None] = set()  # refs in ``chunk`` or ``in_flight``
    # a catalog without images at the start holds only what this call stores: ids are looked up in
    # ``mine`` (this call's good images), not with a query
    lookup_in: Catalog | None = catalog if catalog.scalar("SELECT count(*) > 0 FROM images") else None
    mine: dict[str, ImageInfo] = {}
    in_flight: tuple[list[tuple[str | None, bytes]], Pending] | None = None  # submitted, not yet answered
    checker: CheckProcess | _Inline = (
        CheckProcess(max_bytes, max_pixels) if len(refs) > CHUNK_IMAGES else _Inline(max_bytes, max_pixels)
    )

    def answer(pending: Pending) -> dict[str, ImageInfo | BadImage]:
        nonlocal checker
        try:
            return checker.result()
        except CheckerGone:
            checker = _Inline(max_bytes, max_pixels)
            return check_blobs(pending.todo, max_bytes, max_pixels)

    writing: Future[int] | None = None

    def write(wcat: Catalog, infos: dict[str, ImageInfo], new: dict[str, bytes]) -> int:
        with wcat.transaction():
            return write_images(wcat, infos, new)

    def store(
        items: list[tuple[str | None, bytes]], pending: Pending, checked: dict[str, ImageInfo | BadImage]
    ) -> None:
        nonlocal stored, writing
        res, new = pending.settle(checked)
        if new:
            infos = {i: r for i, r in ((r.image_id, r) for r in res if isinstance(r, ImageInfo)) if i in new}
            if writing is not None:
                stored += writing.result()
            writing = pool.submit(write, wcat, infos, new)
            if lookup_in is None:
                mine.update(infos)
        for (ref, _), r in zip(items, res, strict=True):
            out[ref] = BadImage(r.reason, r.detail) if isinstance(r, BadImage) else r
            queued.discard(ref)

    def flush() -> None:
        nonlocal chunk, size, in_flight, checker
        if not chunk:
            return
        # looked up before the chunk before is written: an image in both is checked twice at most and
        # stored once (write_images skips ids already present)
        pending = look_up(lookup_in, [b for _, b in chunk], mine)
        prev = in_flight
        prev_checked = answer(prev[1]) if prev is not None else {}
        try:
            checker.submit(pending.todo)
        except CheckerGone:
            checker = _Inline(max_bytes, max_pixels)
            checker.submit(pending.todo)
        in_flight = (chunk, pending)
        chunk, size = [], 0
        if prev is not None:
            store(*prev, prev_checked)  # while the check process checks this chunk

    with catalog.cursor() as wcat, ThreadPoolExecutor(1, thread_name_prefix="redstar-image-write") as pool:
        try:
            for ref in refs:
                if ref in out or ref in queued:
                    continue
                try:
                    blob = load_ref(ref, base, carried, max_bytes)
                except BadImage as e:
                    out[ref] = e
                    continue
                queued.add(ref)
                chunk.append((ref, blob))
                size += len(blob)
                if size >= CHUNK_BYTES or len(chunk) >= CHUNK_IMAGES:
                    flush()
            flush()
            if in_flight is not None:
                store(*in_flight, answer(in_flight[1]))
        finally:
            checker.close()
            if writing is not None:
                stored += writing.result()
    return out, stored
