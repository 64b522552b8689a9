"""Image bytes in the catalog's ``images`` table, keyed by their sha256: put (checked, idempotent) and get.

An image already stored is never checked or written again: ``put_images`` looks its id up first, so a
re-ingest of a million images hashes them and reads one narrow column, nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa

from redstar_data.catalog import Catalog
from redstar_data.images.validate import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    BadImage,
    ImageInfo,
    check_quietly,
    image_id,
    quiet_bomb_warnings,
)

_INFO = "image_id, format, width, height, n_bytes"


def known_images(catalog: Catalog, ids: Iterable[str]) -> dict[str, ImageInfo]:
    """ImageInfo of the ``ids`` the catalog already holds (the others are absent from the result)."""
    want = pa.table({"image_id": pa.array(sorted(set(ids)), pa.string())})
    if not want.num_rows:
        return {}
    with catalog.registered("__rs_img_ids", want):
        rows = catalog.rows(
            f"SELECT {_INFO} FROM images WHERE image_id IN (SELECT image_id FROM __rs_img_ids)"
        )
    return {r[0]: ImageInfo(*r) for r in rows}


def check_new(
    catalog: Catalog,
    blobs: Sequence[bytes],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[list[ImageInfo | BadImage], dict[str, bytes]]:
    """(per blob: its ImageInfo or the BadImage saying why not, {id: bytes} of the good ones not yet stored).

    Blobs already in the catalog are taken as they are (they were checked when stored); each new distinct
    blob is checked once. Nothing is written: ``write_images`` stores what the caller keeps."""
    pending = look_up(catalog, blobs)
    return pending.settle(check_blobs(pending.todo, max_bytes, max_pixels))


@dataclass
class Pending:
    """A chunk's blobs after the catalog lookup, before their checks: ``todo`` is each new distinct blob once.
    Ingest checks ``todo`` on a thread while it writes the chunk before (``settle`` then takes the checks'
    results); ``check_new`` does both steps at once."""

    ids: list[str]
    seen: dict[str, ImageInfo | BadImage]
    todo: list[tuple[str, bytes]]

    def settle(
        self, checked: Mapping[str, ImageInfo | BadImage]
    ) -> tuple[list[ImageInfo | BadImage], dict[str, bytes]]:
        """``check_new``'s result, given ``checked`` = ``check_blobs(self.todo, ...)``."""
        seen = self.seen | dict(checked)
        new = {iid: b for iid, b in self.todo if isinstance(seen[iid], ImageInfo)}
        out: list[ImageInfo | BadImage] = []
        for i, iid in enumerate(self.ids):
            res = seen[iid]
            out.append(BadImage(res.reason, res.detail, index=i) if isinstance(res, BadImage) else res)
        return out, new


def look_up(
    catalog: Catalog | None, blobs: Sequence[bytes], stored: Mapping[str, ImageInfo] | None = None
) -> Pending:
    """Hash ``blobs`` and look their ids up: the stored ones are known, the rest are ``todo`` (deduplicated).
    ``stored``: images the caller stored itself, known without a query; ``catalog=None`` when those are all
    the catalog holds (ingest into a catalog without images: the lookup was ~6% of that ingest)."""
    ids = [image_id(b) for b in blobs]
    seen: dict[str, ImageInfo | BadImage] = dict(known_images(catalog, ids)) if catalog is not None else {}
    if stored:
        seen.update((i, stored[i]) for i in ids if i in stored)
    todo: dict[str, bytes] = {}
    for blob, iid in zip(blobs, ids, strict=True):
        if iid not in seen:
            todo.setdefault(iid, blob)
    return Pending(ids, seen, list(todo.items()))


def check_blobs(
    items: Sequence[tuple[str, bytes]],
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> dict[str, ImageInfo | BadImage]:
    """{id: ImageInfo, or the BadImage saying why not} of (id, bytes) pairs. Touches no catalog and no shared
    state, so it may run on a worker thread (Pillow's bomb warnings are silenced process-wide meanwhile)."""
    res: dict[str, ImageInfo | BadImage] = {}
    with quiet_bomb_warnings():
        for iid, blob in items:
            try:
                res[iid] = check_quietly(blob, max_bytes=max_bytes, max_pixels=max_pixels, iid=iid)
            except BadImage as e:
                res[iid] = e
    return res


def write_images(catalog: Catalog, infos: Mapping[str, ImageInfo], blobs: Mapping[str, bytes]) -> int:
    """Store ``blobs`` ({id: bytes}, already checked, with their ``infos``); ids already present are skipped.
    Returns rows written."""
    if not blobs:
        return 0
    keys = list(blobs)
    t = pa.table({
        "image_id": pa.array(keys, pa.string()),
        "bytes": pa.array([blobs[k] for k in keys], pa.large_binary()),
        "format": pa.array([infos[k].format for k in keys], pa.string()),
        "width": pa.array([infos[k].width for k in keys], pa.int32()),
        "height": pa.array([infos[k].height for k in keys], pa.int32()),
        "n_bytes": pa.array([infos[k].n_bytes for k in keys], pa.int64()),
    })  # fmt: skip
    return catalog.insert_new("images", t, ["image_id"], distinct=True)


def put_images(
    catalog: Catalog,
    blobs: Sequence[bytes],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> list[ImageInfo]:
    """Check and store ``blobs`` (idempotent: stored ones are left as they are); their ImageInfo, in order.

    Runs in a transaction of its own (call it outside one). All or nothing: the first bad blob raises ``BadImage`` (``.index`` = its position, ``.reason`` = a
    rejects reason code, see ``validate``) before anything is written. Ingest, which must keep the good
    rows of a batch and reject the bad ones, uses ``check_new`` + ``write_images`` instead."""
    res, new = check_new(catalog, blobs, max_bytes=max_bytes, max_pixels=max_pixels)
    bad = next((r for r in res if isinstance(r, BadImage)), None)
    if bad is not None:
        raise bad
    infos: list[ImageInfo] = [r for r in res if isinstance(r, ImageInfo)]
    with catalog.transaction():
        write_images(catalog, {i.image_id: i for i in infos}, new)
    return infos


def get_images(catalog: Catalog, image_ids: Sequence[str]) -> dict[str, bytes]:
    """{id: bytes} of the ``image_ids`` the catalog holds (a missing id is absent from the result)."""
    want = pa.table({"image_id": pa.array(sorted(set(image_ids)), pa.string())})
    if not want.num_rows:
        return {}
    with catalog.registered("__rs_img_get", want):
        t = catalog.arrow(
            "SELECT image_id, bytes FROM images WHERE image_id IN (SELECT image_id FROM __rs_img_get)"
        )
    return dict(zip(t["image_id"].to_pylist(), t["bytes"].to_pylist(), strict=True))
