"""Image bytes for a vision export, in row order and bounded memory: one scan of the blob table, spilled by row.

Rows with their image bytes cannot simply be sorted in DuckDB: its ORDER BY and ``list()`` aggregate hold
every payload at once (6 GB RSS, then out of memory under a cap, for 100k x 16 KB images). So the bytes
take another road. ``ImageSpill.build`` streams the blob table once through a hash join with the selected
rows' image ids (built on that small side, probed by the scan; DuckDB's memory capped so its buffer pool
does not keep the pages it read) and appends each image, tagged with its row's ``ord`` and position, to the
spill file of its ord range. The shaped text rows then stream in ord order (a text-only sort, as for any
export) with a ``__rs_ord`` column, and ``attach`` swaps that column for the ``images`` list, taking each
batch's images from the spill file(s) of its ords, sorted there by (ord, position). Memory: one spill file
(``bucket_rows`` rows of images) plus one row group. The output does not depend on the scan's order.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from redstar_data.catalog import Catalog

ORD = "__rs_ord"  # the column the shaped rows carry for ``attach`` (vision exports only)
IMAGE_TYPE = pa.list_(pa.struct([("bytes", pa.binary()), ("path", pa.string())]))  # datasets' Image encoding
MAX_BUCKETS = 256  # open spill files while the blob table is scanned
SCAN_MEMORY = "512MB"  # DuckDB's cap during the scan: a streaming join needs little, cached pages are dropped
_SPILL = pa.schema([("ord", pa.int64()), ("pos", pa.int64()), ("bytes", pa.binary())])


class ImageSpill:
    """The images of the first ``n_max`` selected rows of ``sel``, spilled by ord range under ``workdir``."""

    def __init__(
        self, catalog: Catalog, sel: str, n_max: int, workdir: Path, bucket_rows: int = 4096
    ) -> None:
        self.catalog, self.sel, self.n_max, self.dir = catalog, sel, int(n_max), workdir
        self.bucket_rows = max(int(bucket_rows), math.ceil(self.n_max / MAX_BUCKETS), 1)
        self._loaded: tuple[int, np.ndarray, pa.Array] | None = None

    def _file(self, b: int) -> Path:
        return self.dir / f"{b:05d}.arrow"

    def build(self) -> int:
        """Scan the blob table once; returns the number of images spilled."""
        self.dir.mkdir(parents=True, exist_ok=True)
        # the (ord, pos, image_id) uses as a table of known size, so DuckDB builds its hash table on them
        # and streams the blob table through the probe (an unnest's size estimate could flip the sides)
        uses = (
            "SELECT s.ord, unnest(CAST(p.images AS VARCHAR[])) AS image_id, "
            "generate_subscripts(CAST(p.images AS VARCHAR[]), 1) AS pos "
            f"FROM {self.sel} s JOIN problems p USING (problem_id) WHERE s.ord <= {self.n_max}"
        )
        writers: dict[int, pa.ipc.RecordBatchStreamWriter] = {}
        n = 0
        try:
            with (
                self.catalog.temp_table("__rs_image_uses", uses) as t,
                self.catalog.settings(memory_limit=SCAN_MEMORY, preserve_insertion_order=False),
            ):
                sql = f"SELECT e.ord, e.pos, im.bytes FROM images im JOIN {t} e USING (image_id)"
                for batch in self.catalog.batches(sql, batch_size=2048):
                    batch = pa.RecordBatch.from_arrays(
                        [batch.column(0).cast(pa.int64()), batch.column(1).cast(pa.int64()), batch.column(2)],
                        schema=_SPILL,
                    )
                    buckets = (batch.column(0).to_numpy() - 1) // self.bucket_rows
                    order = np.argsort(buckets, kind="stable")
                    sb = buckets[order]
                    cuts = np.flatnonzero(np.diff(sb)) + 1
                    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(sb)], strict=True):
                        b = int(sb[lo])
                        if b not in writers:
                            writers[b] = pa.ipc.new_stream(self._file(b), _SPILL)
                        writers[b].write_batch(batch.take(pa.array(order[lo:hi])))
                    n += batch.num_rows
        finally:
            for w in writers.values():
                w.close()
        return n

    def _bucket(self, b: int) -> tuple[np.ndarray, pa.Array]:
        """(ords, bytes) of one spill file, sorted by (ord, pos); the last one read stays loaded."""
        if self._loaded is not None and self._loaded[0] == b:
            return self._loaded[1], self._loaded[2]
        self._loaded = None  # drop the previous bucket before reading the next
        f = self._file(b)
        if f.exists():
            with pa.ipc.open_stream(f) as r:
                t = r.read_all().sort_by([("ord", "ascending"), ("pos", "ascending")]).combine_chunks()
            ords, blobs = t.column("ord").to_numpy(), t.column("bytes").chunk(0) if t.num_rows else None
        else:
            ords, blobs = np.empty(0, np.int64), None
        if blobs is None:
            blobs = pa.array([], pa.binary())
        self._loaded = (b, ords, blobs)
        return ords, blobs

    def _images(self, ords: np.ndarray) -> pa.Array:
        """The ``images`` list of each row (``ords`` ascending, each in 1..n_max)."""
        counts = np.zeros(len(ords), np.int64)
        parts: list[pa.Array] = []
        rb = (ords - 1) // self.bucket_rows
        cuts = np.flatnonzero(np.diff(rb)) + 1
        for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(ords)], strict=True):
            bords, blobs = self._bucket(int(rb[lo]))
            left = np.searchsorted(bords, ords[lo:hi], "left")
            right = np.searchsorted(bords, ords[lo:hi], "right")
            counts[lo:hi] = right - left
            total = int((right - left).sum())
            if total:
                starts = np.repeat(left - np.r_[0, np.cumsum(right - left)[:-1]], right - left)
                parts.append(blobs.take(pa.array(starts + np.arange(total))))
        values = pa.concat_arrays(parts) if parts else pa.array([], pa.binary())
        items = pa.StructArray.from_arrays(
            [values, pa.nulls(len(values), pa.string())], names=["bytes", "path"]
        )
        offsets = pa.array(np.r_[0, np.cumsum(counts)].astype(np.int32))
        return pa.ListArray.from_arrays(offsets, items, type=IMAGE_TYPE)

    def attach(self, reader: pa.RecordBatchReader) -> pa.RecordBatchReader:
        """The shaped rows with their ``__rs_ord`` column replaced by ``images`` (same position)."""
        i = reader.schema.get_field_index(ORD)
        schema = reader.schema.set(i, pa.field("images", IMAGE_TYPE))

        def batches() -> Iterator[pa.RecordBatch]:
            for batch in reader:
                ords = batch.column(i).to_numpy(zero_copy_only=False).astype(np.int64)
                cols = list(batch.columns)
                cols[i] = self._images(ords)
                yield pa.RecordBatch.from_arrays(cols, schema=schema)
            self._loaded = None

        return pa.RecordBatchReader.from_batches(schema, batches())

    def close(self) -> None:
        self._loaded = None
        shutil.rmtree(self.dir, ignore_errors=True)
