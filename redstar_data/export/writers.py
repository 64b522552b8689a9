"""Writers with deterministic bytes: same rows in, same file out.

Parquet: rows are re-batched into fixed row groups (``row_group_size``) and each group is written from
contiguous arrays, so the bytes do not depend on how DuckDB happened to chunk its Arrow stream (that
depends on threads). pyarrow writes no timestamps; the only metadata is ``created_by`` (the pyarrow
version) and the Arrow schema (for image exports, plus the ``huggingface`` features entry that tells
``datasets`` the ``images`` column holds ``Image`` values, so loaders decode PIL images). JSONL: one ``json.dumps(sort_keys)`` line per row. save_to_disk: a
``datasets.DatasetDict`` whose fingerprint is derived from the file contents, not random.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

# image exports size their row groups by bytes (unless the recipe sets row_group_size): about this many
# bytes of images per group (``datasets`` aims at ~100 MB groups), between 100 and 10,000 rows
IMAGE_ROW_GROUP_BYTES = 64 << 20


def image_row_group_size(image_bytes: int, n_rows: int) -> int:
    """Rows per row group for an export whose ``n_rows`` rows hold ``image_bytes`` of images: ~64 MB of
    images per group (a reader or the Hub's viewer holds one group), a multiple of 100 in [100, 10,000]."""
    per_row = max(1, image_bytes // max(1, n_rows))
    return int(min(10_000, max(100, IMAGE_ROW_GROUP_BYTES // per_row // 100 * 100)))


def image_column_options(schema: pa.Schema, compression: str, column: str = "images") -> dict[str, Any]:
    """ParquetWriter options that store ``column``'s leaves (image bytes: already compressed) PLAIN and
    uncompressed, as ``datasets`` does for its Image features, and the other columns as before."""
    leaves = [f"{column}.list.element.bytes", f"{column}.list.element.path"]
    codec = "none" if compression == "none" else compression
    comp: dict[str, str] = {}
    dict_cols: list[str] = []
    for path in _leaf_paths(schema):
        comp[path] = "none" if path in leaves else codec
        if path not in leaves:
            dict_cols.append(path)
    return {
        "compression": comp,
        "use_dictionary": dict_cols,
        "column_encoding": dict.fromkeys(leaves, "PLAIN"),
    }


def _leaf_paths(schema: pa.Schema) -> list[str]:
    """Parquet leaf column paths of an Arrow schema (lists as ``x.list.element``, structs as ``x.field``)."""

    def walk(path: str, t: pa.DataType) -> list[str]:
        if pa.types.is_struct(t):
            return [leaf for f in t for leaf in walk(f"{path}.{f.name}", f.type)]
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return walk(f"{path}.list.element", t.value_type)
        return [path]

    return [leaf for f in schema for leaf in walk(f.name, f.type)]


def image_features_metadata(column: str = "images") -> dict[bytes, bytes]:
    """Parquet schema metadata marking ``column`` (a list of ``{bytes, path}`` structs) as a
    ``datasets`` ``List(Image())`` feature; other columns keep the types ``datasets`` infers from Arrow."""
    features = {column: {"feature": {"_type": "Image"}, "_type": "List"}}
    return {b"huggingface": json.dumps({"info": {"features": features}}, sort_keys=True).encode()}


def _regroup(reader: pa.RecordBatchReader, size: int) -> Iterator[pa.Table]:
    buf: list[pa.RecordBatch] = []
    n = 0
    for batch in reader:
        while batch.num_rows:
            take = min(size - n, batch.num_rows)
            buf.append(batch.slice(0, take))
            n += take
            batch = batch.slice(take)
            if n == size:
                yield pa.Table.from_batches(buf).combine_chunks()
                buf, n = [], 0
    if n:
        yield pa.Table.from_batches(buf).combine_chunks()


def write_parquet(
    reader: pa.RecordBatchReader,
    path: Path,
    *,
    row_group_size: int = 10_000,
    compression: str = "snappy",
    metadata: dict[bytes, bytes] | None = None,
    images: bool = False,
) -> tuple[int, pa.Schema]:
    """Stream ``reader`` into one parquet file; returns (rows, schema). Bounded memory: one row group.
    ``metadata`` is added to the schema's (e.g. ``image_features_metadata()``); ``images``: the ``images``
    column is written PLAIN and uncompressed (``image_column_options``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    rows = 0
    schema = reader.schema
    if metadata:
        schema = schema.with_metadata({**(schema.metadata or {}), **metadata})
    opts: dict[str, Any] = {"compression": None if compression == "none" else compression}
    if images:
        opts = image_column_options(schema, compression)
    with pq.ParquetWriter(tmp, schema, write_statistics=True, store_schema=True, **opts) as w:
        for tbl in _regroup(reader, row_group_size):
            w.write_table(tbl, row_group_size=row_group_size)
            rows += tbl.num_rows
    tmp.replace(path)
    return rows, schema


def write_jsonl(parquet_path: Path, path: Path, batch_size: int = 10_000) -> int:
    """JSON lines from a written parquet file (same rows, same order); keys sorted for stable bytes."""
    n = 0
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for batch in pq.ParquetFile(parquet_path).iter_batches(batch_size=batch_size):
            for row in batch.to_pylist():
                f.write(json.dumps(row, sort_keys=True, ensure_ascii=False, default=str))
                f.write("\n")
                n += 1
    tmp.replace(path)
    return n


def write_hf_disk(split_files: dict[str, Path], out: Path) -> None:
    """``datasets`` save_to_disk of the splits (memory-mapped from the parquet files)."""
    import datasets
    from datasets.utils import logging as ds_logging

    # the library never prints: silence datasets' "Saving the dataset" bars for this call only
    was_on = ds_logging.is_progress_bar_enabled()
    ds_logging.disable_progress_bar()
    try:
        _save(datasets, split_files, out)
    finally:
        if was_on:
            ds_logging.enable_progress_bar()


def _save(datasets: Any, split_files: dict[str, Path], out: Path) -> None:
    dsets = {}
    for split, p in split_files.items():
        table = pq.read_table(p, memory_map=True)
        fp = sha256_file(p)[:16]
        dsets[split] = datasets.Dataset(table, fingerprint=fp, split=datasets.NamedSplit(split))
    datasets.DatasetDict(dsets).save_to_disk(str(out))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json(obj: Any, path: Path) -> None:
    path.write_text(json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n")
