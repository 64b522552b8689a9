"""Readers: one per source format, each yielding bounded batches of raw rows with their 1-based row numbers.

Every reader produces the same thing, a ``RawBatch``: either JSON text lines (JSONL, JSON arrays)
or an Arrow table (parquet, CSV, ``datasets`` directories, the Hub, the synthetic source). The
ingest run turns Arrow rows into JSON text inside DuckDB, so mapping and validation are written once,
in SQL, for every format. Rows a reader itself finds broken (a CSV row with the wrong number of
columns) come as ``pre_rejects``.
"""

from __future__ import annotations

import csv
import io
import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import numpy as np
import pyarrow as pa

from redstar_data.errors import IngestError, SqlError

# JSONL bytes per batch. Big enough that a batch holds more than one DuckDB row group (122,880 rows) of
# typical rows, so inserts go straight to the file instead of through the WAL, and few batches mean few
# per-batch costs (partial row groups, anti-join hash builds, commits). Measured with benchmarks/ingest.py
# on 1M synthetic rows (2-core VM, blocks memory-mapped): 192 MiB 6.9-7.1 s / 1.2 GB peak RSS, 256 MiB
# 6.4 s / 1.4 GB (the 2 GB goal keeps a 0.6 GB margin). A small first block (16 MiB) lets DuckDB start at
# once instead of waiting for a whole block (0.5 s faster than a 64 MiB one). At most two blocks are
# alive at once (see run.prefetch).
DEFAULT_CHUNK_BYTES = 256 * 1024 * 1024
FIRST_CHUNK_BYTES = 16 * 1024 * 1024
DEFAULT_BATCH_ROWS = 50_000  # rows per batch for Arrow-backed formats
# ...and at most about this many bytes per parquet batch: 50k rows of 200 KB images would be 10 GB decoded
PARQUET_BATCH_BYTES = 256 * 1024 * 1024
SCAN_CHUNK_ROWS = 8_192  # rows per Arrow record batch handed to DuckDB (its parallel scan unit)
CSV_FIELD_LIMIT = 2**31 - 1  # the csv module's cap lifted; max_field_bytes decides (see read_csv)
FILE_KINDS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".parquet": "parquet", ".csv": "csv"}


@dataclass
class RawBatch:
    """Rows of one batch: ``lines`` (row_number int64, line binary|string) or ``table`` (+ ``__row``)."""

    lines: pa.Table | None = None
    table: pa.Table | None = None
    pre_rejects: list[dict[str, Any]] = field(default_factory=list)
    n_rows: int = 0
    n_skipped: int = 0  # blank (or white-space-only) lines: counted, never rows and never rejects


@dataclass(frozen=True)
class SourceSpec:
    """What SOURCE names: its kind, where it is, and the default source_id."""

    kind: str  # jsonl | json | parquet | csv | hf_disk | hub | synthetic
    uri: str
    path: Path | None = None
    split: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    @property
    def default_name(self) -> str:
        if self.kind == "synthetic":
            return f"synthetic-{self.uri.split(':', 1)[1].split('?', 1)[0]}"
        if self.kind == "hub":
            return self.uri.split(":", 1)[1].split(":")[0].replace("/", "__")
        assert self.path is not None
        return self.path.stem if self.path.suffix else self.path.name


def parse_source(source: str) -> SourceSpec:
    """Recognise SOURCE: a file, a ``save_to_disk`` folder (``dir[:split]``), ``hf:org/name[:split]``,
    or ``synthetic:math?n=N&seed=S``."""
    if source.startswith("synthetic:"):
        body = source.split(":", 1)[1]
        family, _, query = body.partition("?")
        if family != "math":
            raise IngestError(f"unknown synthetic source {family!r}", hint="use synthetic:math?n=1000&seed=0")
        opts = {k: v[-1] for k, v in parse_qs(query).items()}
        unknown = set(opts) - {"n", "seed", "dups"}
        if unknown:
            raise IngestError(f"unknown option(s) {sorted(unknown)} in {source!r}",
                              hint="allowed: n, seed, dups (percent of planted near-duplicates)")  # fmt: skip
        for k in opts:
            if not opts[k].isdigit():
                raise IngestError(f"option {k}={opts[k]!r} in {source!r} is not a non-negative integer")
        return SourceSpec("synthetic", source, options=opts)
    if source.startswith("hf:"):
        name, _, split = source[3:].partition(":")
        if not name or "/" not in name and not name.replace("-", "").replace("_", "").isalnum():
            raise IngestError(
                f"bad Hub dataset id in {source!r}", hint="use hf:org/name or hf:org/name:split"
            )
        return SourceSpec("hub", source, split=split or None)
    p = Path(source)
    split = None
    if not p.exists() and ":" in source:
        base, _, sp = source.rpartition(":")
        if Path(base).is_dir():
            p, split = Path(base), sp
    if not p.exists():
        raise IngestError(f"source {source!r} does not exist",
                          hint="give a .jsonl/.json/.parquet/.csv file, a save_to_disk folder, hf:org/name "
                               "or synthetic:math?n=1000")  # fmt: skip
    if p.is_dir():
        if any((p / f).exists() for f in ("dataset_info.json", "state.json", "dataset_dict.json")):
            return SourceSpec("hf_disk", str(p), path=p, split=split)
        raise IngestError(f"{p} is a folder but not a `datasets` save_to_disk directory",
                          hint="point at a data file, or at a folder written by Dataset.save_to_disk")  # fmt: skip
    kind = FILE_KINDS.get(p.suffix.lower())
    if kind is None:
        raise IngestError(f"cannot tell the format of {p} from its extension {p.suffix!r}",
                          hint=f"supported: {', '.join(sorted(FILE_KINDS))}")  # fmt: skip
    return SourceSpec(kind, str(p), path=p)


# --------------------------------------------------------------------------------------------- JSONL
def read_jsonl(path: Path, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> Iterator[RawBatch]:
    """Cut the file into lines without a per-line Python step: each block of whole lines is a read-only
    memory map of the file, numpy finds its newlines and the lines become an Arrow string (or, for a block
    that is not valid UTF-8, binary) array over the mapped bytes (no copy, no allocation: reading the first
    192 MiB block into a fresh buffer took 0.9 s of single-threaded time before DuckDB could start). A block is unmapped when its batch is dropped, so
    memory stays bounded by the blocks alive (two, see run.prefetch). Lines keep their raw bytes (and
    their newline, stripped in SQL) so invalid UTF-8 is found per line later. Lines are numbered from 1;
    blank (and white-space-only) lines are skipped, counted in ``n_skipped``, and keep their number; a UTF-8
    byte-order mark before line 1 is dropped. The first block is small so that work starts at once; a
    tail shorter than it joins the block before."""
    row0 = 0
    with path.open("rb") as f:
        total = os.fstat(f.fileno()).st_size
        pos, want = 0, min(chunk_bytes, FIRST_CHUNK_BYTES)
        runt = want
        while pos < total:
            end = min(pos + want, total)
            if total - end < runt:  # no runt batch: a tail under the first block's size joins this block
                end = (
                    total  # (a batch's fixed costs, and an image ingest's pipeline fill and drain, once less)
                )
            base = pos - pos % mmap.ALLOCATIONGRANULARITY  # a mapping starts on a page boundary
            try:
                mm = mmap.mmap(f.fileno(), end - base, offset=base, access=mmap.ACCESS_READ)
            except (OSError, ValueError) as e:  # a file system that cannot map files, a file cut short
                raise IngestError(f"cannot read {path} at byte {base}: {e}",
                                  hint="copy the file to a local disk and ingest the copy") from e  # fmt: skip
            lo = pos - base
            if end < total:
                cut = mm.rfind(b"\n", lo)
                if cut < 0:  # one line longer than the block: map a bigger one
                    mm.close()
                    want *= 2
                    continue
                hi = cut + 1
            else:
                hi = end - base
            batch, n = _lines_batch(memoryview(mm)[lo:hi], row0)
            del mm  # unmapped once the batch (which holds the only other reference) is dropped
            row0 += n
            pos, want = base + hi, chunk_bytes
            yield batch
            del batch


def _newlines(buf: np.ndarray, step: int = 4 << 20) -> np.ndarray:
    """Offsets of the ``\n`` bytes in ``buf``, 4 MiB at a time through one reused mask: ``buf == 10`` on a
    whole 256 MiB block allocated a 256 MiB mask whose page faults cost 0.3 - 0.7 s, in the reader thread
    that DuckDB waits on."""
    mask = np.empty(min(step, len(buf)), dtype=bool)
    parts = []
    for i in range(0, len(buf), step):
        seg = buf[i : i + step]
        m = mask[: len(seg)]
        np.equal(seg, 10, out=m)
        parts.append(np.flatnonzero(m) + i)
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _row_numbers(row0: int, n: int) -> pa.Array:
    """int64 ``row0 + 1 .. row0 + n`` over numpy memory. ``pa.array(ndarray)`` would import pandas (0.3 s,
    in the reader thread, before the first block reaches DuckDB)."""
    return pa.Array.from_buffers(
        pa.int64(), n, [None, pa.py_buffer(np.arange(row0 + 1, row0 + n + 1, dtype=np.int64))]
    )


def _lines_batch(data: memoryview, row0: int) -> tuple[RawBatch, int]:
    """(batch, lines in ``data``) for a block of whole lines. The block is checked for UTF-8 once, by Arrow
    (vectorised, in the reader thread); a valid block reaches DuckDB as text, so no line is decoded there.
    A block with a bad byte stays binary and each line is decoded in SQL, to name the bad lines."""
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = _newlines(buf) + 1
    if len(buf) and buf[-1] != 10:
        ends = np.append(ends, len(buf))
    offsets = np.concatenate(([0], ends)).astype(np.int64)
    if row0 == 0 and bytes(buf[:3]) == b"\xef\xbb\xbf":
        offsets[0] = 3  # a UTF-8 byte-order mark starts line 1, not its JSON
    n = len(offsets) - 1
    bufs = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    lines = pa.Array.from_buffers(pa.large_string(), n, bufs)
    try:
        lines.validate(full=True)
    except pa.ArrowInvalid:
        lines = pa.Array.from_buffers(pa.large_binary(), n, bufs)
    lengths = np.diff(offsets)
    blank = lengths <= 1  # "\n" alone (or an unterminated empty tail)
    if n:
        # a line that starts with white space may be white space only (rare: checked one by one)
        first = buf[np.minimum(offsets[:-1], len(buf) - 1)]
        cand = np.flatnonzero(~blank & ((first == 32) | (first == 9) | (first == 13)))
        for i in cand.tolist():
            blank[i] = not bytes(buf[offsets[i] : offsets[i + 1]]).strip()
    n_blank = int(blank.sum())
    t = pa.table({"row_number": _row_numbers(row0, n), "line": lines})
    if n_blank:
        keep = np.packbits(~blank, bitorder="little")
        t = t.filter(pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(keep)]))
    # several record batches, not one: DuckDB scans an Arrow table in parallel one batch per thread
    t = pa.Table.from_batches(t.combine_chunks().to_batches(max_chunksize=SCAN_CHUNK_ROWS), schema=t.schema)
    return RawBatch(lines=t, n_rows=t.num_rows, n_skipped=n_blank), n


def read_json_array(path: Path) -> Iterator[RawBatch]:
    """A ``.json`` file: a top-level array of objects (each element a row), or JSONL named ``.json``."""
    with path.open("rb") as f:
        head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        yield from read_jsonl(path)
        return
    if not head.startswith(b"["):
        raise IngestError(f"{path} is neither a JSON array of objects nor JSON lines",
                          hint="a .json source must start with '[' (array) or '{' (one object per line)")  # fmt: skip
    from redstar_data.catalog.connection import scratch_batches

    try:
        for b in scratch_batches(
            "SELECT row_number() OVER () AS row_number, json::VARCHAR AS line "
            "FROM read_json_objects(?, format='array', maximum_object_size=1073741824)",
            [str(path)],
            DEFAULT_BATCH_ROWS,
        ):
            t = pa.Table.from_batches([b])
            yield RawBatch(lines=t, n_rows=t.num_rows)
    except (SqlError, OSError, pa.ArrowException) as e:  # pyarrow re-raises DuckDB's error as OSError
        msg = e.duckdb_message if isinstance(e, SqlError) else str(e)
        raise IngestError(f"{path} is not a valid JSON array: {' '.join(msg.split())}",
                          hint="fix the file, or write it as JSON lines (.jsonl) so that one bad row "
                               "does not stop the rest") from e  # fmt: skip


def _one_line(e: BaseException) -> str:
    """An exception's message on one line (DuckDB's and pyarrow's run over several), without the
    ``Invalid Input Error:``-style prefix duplicated by pyarrow's re-raise."""
    return " ".join(str(e).split())


# ------------------------------------------------------------------------------------------ Arrow ones
def column_names(names: list[str], where: str) -> list[str]:
    """Column names every reader can hand on: an empty name becomes ``column_<position>`` (pandas writes
    its index so), and two columns whose names differ only in case (or not at all) are refused, naming
    both positions: one of them would otherwise be silently lost."""
    out = [n if n != "" else f"column_{i + 1}" for i, n in enumerate(names)]
    seen: dict[str, int] = {}
    for i, n in enumerate(out):
        j = seen.setdefault(n.lower(), i)
        if j != i:
            raise IngestError(f"{where}: columns {j + 1} ({out[j]!r}) and {i + 1} ({n!r}) have the same name",
                              hint="rename one of them; a catalog row cannot hold both")  # fmt: skip
    return out


def _with_rows(batch: pa.RecordBatch | pa.Table, row0: int) -> pa.Table:
    t = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    t = pa.Table.from_batches(t.combine_chunks().to_batches(max_chunksize=SCAN_CHUNK_ROWS))
    return t.append_column("__row", _row_numbers(row0, t.num_rows))


def _from_batches(batches: Iterator[pa.RecordBatch], where: str) -> Iterator[RawBatch]:
    """Batches with their row numbers; a batch that cannot be decoded (a corrupt page, a cut-off shard)
    ends the read with one line naming ``where`` and the first row it could not read."""
    row0 = 0
    names: list[str] | None = None
    while True:
        try:
            b = next(batches, None)
        except (OSError, pa.ArrowException) as e:
            raise IngestError(f"{where}: cannot read the rows after row {row0:,}: {_one_line(e)}",
                              hint=f"the file is damaged; the first {row0:,} rows were read") from e  # fmt: skip
        if b is None:
            return
        if b.num_rows == 0:
            continue
        if names is None:
            names = column_names(list(b.schema.names), where)
        if names != b.schema.names:
            b = b.rename_columns(names)
        t = _with_rows(b, row0)
        row0 += b.num_rows
        yield RawBatch(table=t, n_rows=t.num_rows)


def read_parquet(path: Path, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[RawBatch]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as e:
        raise IngestError(f"{path} is not a readable parquet file: {_one_line(e)}") from e
    meta = pf.metadata
    if meta.num_rows and meta.num_row_groups:  # rows per batch from the file's own (uncompressed) row size
        row_bytes = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)) / meta.num_rows
        batch_rows = max(1, min(batch_rows, int(PARQUET_BATCH_BYTES // max(row_bytes, 1))))
    yield from _from_batches(pf.iter_batches(batch_size=batch_rows), str(path))


def read_csv(path: Path, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[RawBatch]:
    """CSV with a header row. Python's C csv parser is used (not pyarrow's) because it reports the exact
    record number of a row with the wrong column count, which pyarrow's invalid_row_handler does not
    (its ``number`` is None when values may contain newlines). Bytes that are not UTF-8 are kept as
    surrogates and the row is rejected as undecodable, naming the field. The csv module's own field limit
    (128 KiB) is lifted: a field's size is judged by ``max_field_bytes``, like every other format's."""
    old_limit = csv.field_size_limit()
    csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        yield from _read_csv(path, batch_rows)
    finally:
        csv.field_size_limit(old_limit)


def _read_csv(path: Path, batch_rows: int) -> Iterator[RawBatch]:
    with path.open("r", encoding="utf-8", errors="surrogateescape", newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise IngestError(f"{path}: cannot read the CSV header (line 1): {e}") from e
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        header = column_names(header, f"{path}: header")
        width = len(header)
        cols: list[list[str | None]] = [[] for _ in header]
        rows: list[int] = []
        pre: list[dict[str, Any]] = []
        n = skipped = 0
        while True:
            try:
                rec = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                n += 1
                pre.append({"row_number": n, "field": None, "reason": "csv_parse_error", "detail": str(e),
                            "raw": None})  # fmt: skip
                continue
            n += 1
            if not rec or (width > 1 and len(rec) == 1 and not rec[0].strip()):  # blank: counted, not a row
                skipped += 1
                continue
            if len(rec) != width:
                pre.append({"row_number": n, "field": None, "reason": "wrong_column_count",
                            "detail": f"expected {width} columns, found {len(rec)}",
                            "raw": _csv_line(rec)})  # fmt: skip
                continue
            bad = next((h for h, v in zip(header, rec, strict=False) if _has_surrogates(v)), None)
            if bad is not None:
                pre.append({"row_number": n, "field": bad, "reason": "undecodable_text",
                            "detail": "not valid UTF-8", "raw": _csv_line(rec)})  # fmt: skip
                continue
            rows.append(n)
            for c, v in zip(cols, rec, strict=False):
                c.append(v)
            if len(rows) >= batch_rows:
                yield _csv_batch(header, cols, rows, pre, skipped)
                cols, rows, pre, skipped = [[] for _ in header], [], [], 0
        if rows or pre or skipped:
            yield _csv_batch(header, cols, rows, pre, skipped)


def _has_surrogates(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _csv_line(rec: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(rec)
    return buf.getvalue().rstrip("\r\n").encode("utf-8", "backslashreplace").decode("utf-8")


def _csv_batch(
    header: list[str], cols: list[list[str | None]], rows: list[int], pre: list, skipped: int
) -> RawBatch:
    t = pa.table({**{h: pa.array(c, pa.string()) for h, c in zip(header, cols, strict=False)},
                  "__row": pa.array(rows, pa.int64())})  # fmt: skip
    return RawBatch(table=t, pre_rejects=pre, n_rows=len(rows) + len(pre), n_skipped=skipped)


def read_hf_disk(path: Path, split: str | None) -> Iterator[RawBatch]:
    import datasets

    try:
        ds = datasets.load_from_disk(str(path))
    except Exception as e:  # datasets raises several types here; all mean "cannot read"
        raise IngestError(f"cannot load the datasets folder {path}: {_one_line(e)}",
                          hint="the folder is damaged or not complete; save it again with save_to_disk") from e  # fmt: skip
    if isinstance(ds, datasets.DatasetDict):
        splits = list(ds)
        if split is None:
            if len(splits) != 1 and "train" not in splits:
                raise IngestError(f"{path} holds splits {splits}; say which one",
                                  hint=f"use {path}:{splits[0]}")  # fmt: skip
            split = "train" if "train" in splits else splits[0]
        if split not in ds:
            raise IngestError(f"{path} has no split {split!r}", hint=f"available: {', '.join(splits)}")
        ds = ds[split]
    yield from _from_batches(iter(ds.data.to_batches(max_chunksize=DEFAULT_BATCH_ROWS)), str(path))


def hub_offline() -> bool:
    return any(os.environ.get(v, "").lower() in ("1", "true", "yes")
               for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"))  # fmt: skip


def read_hub(uri: str, split: str | None) -> Iterator[RawBatch]:
    """``hf:org/name[:split]`` through ``datasets.load_dataset``. Offline it fails at once."""
    name = uri[3:].partition(":")[0]
    if hub_offline():
        raise IngestError(f"cannot ingest {uri}: the Hugging Face Hub is unreachable (offline mode: "
                          "HF_HUB_OFFLINE/HF_DATASETS_OFFLINE is set)",
                          hint="unset HF_HUB_OFFLINE on a machine with network access, or download the "
                               "dataset elsewhere, save_to_disk it and ingest that folder")  # fmt: skip
    import datasets

    try:
        ds = datasets.load_dataset(name, split=split or "train")
    except Exception as e:  # connection errors come in many types (requests, httpx, OSError)
        raise IngestError(f"cannot load {uri} from the Hugging Face Hub (unreachable or missing): {e}",
                          hint="check the dataset id and your network; offline, ingest a save_to_disk "
                               "folder instead") from e  # fmt: skip
    yield from _from_batches(iter(ds.data.to_batches(max_chunksize=DEFAULT_BATCH_ROWS)), uri)


def read_synthetic(spec: SourceSpec) -> Iterator[RawBatch]:
    from redstar_data.ingest.synthetic import generate_math

    n = int(spec.options.get("n", "1000"))
    seed = int(spec.options.get("seed", "0"))
    dups = int(spec.options.get("dups", "0"))
    if dups > 100:
        raise IngestError(f"dups={dups} in {spec.uri!r} is not a percentage", hint="use 0..100, e.g. dups=5")
    yield from _from_batches(generate_math(n, seed, batch_size=DEFAULT_BATCH_ROWS, dups=dups), spec.uri)


def _file(spec: SourceSpec) -> Path:
    assert spec.path is not None, f"a {spec.kind} source needs a path"
    return spec.path


# the registered readers (registry.SOURCES): one signature, (SourceSpec) -> batches
def source_jsonl(spec: SourceSpec) -> Iterator[RawBatch]:
    return read_jsonl(_file(spec), DEFAULT_CHUNK_BYTES)


def source_json(spec: SourceSpec) -> Iterator[RawBatch]:
    return read_json_array(_file(spec))


def source_parquet(spec: SourceSpec) -> Iterator[RawBatch]:
    return read_parquet(_file(spec))


def source_csv(spec: SourceSpec) -> Iterator[RawBatch]:
    return read_csv(_file(spec))


def source_hf_disk(spec: SourceSpec) -> Iterator[RawBatch]:
    return read_hf_disk(_file(spec), spec.split)


def source_hub(spec: SourceSpec) -> Iterator[RawBatch]:
    return read_hub(spec.uri, spec.split)


def read(spec: SourceSpec) -> Iterator[RawBatch]:
    """The batches of ``spec``, whatever its format: the reader registered for its kind (registry.SOURCES)."""
    from redstar_data.registry import SOURCES

    return SOURCES.get(spec.kind)(spec)
