"""The memory-mapped JSONL reader: whatever the block size, it yields exactly the file's lines, numbered
from 1, with blank lines skipped, and the ingest on top of it counts each problem once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redstar_data.ingest import readers
from redstar_data.ingest.run import ingest


def _expected(data: bytes) -> list[tuple[int, bytes]]:
    """The plain-Python reading: split on newlines, drop blank (or CR-only) lines, keep their numbers."""
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    return [(i + 1, p) for i, p in enumerate(parts) if p not in (b"", b"\r")]


def _read(path: Path, chunk: int, first: int, monkeypatch) -> list[tuple[int, bytes]]:
    monkeypatch.setattr(readers, "FIRST_CHUNK_BYTES", first)
    out = []
    for b in readers.read_jsonl(path, chunk):
        rows = b.lines.column("row_number").to_pylist()
        lines = [
            (x.encode() if isinstance(x, str) else x).rstrip(b"\n")
            for x in b.lines.column("line").to_pylist()
        ]
        assert b.n_rows == len(rows)
        out.extend(zip(rows, lines, strict=True))
    return out


LAYOUTS = {
    "plain": b"".join(b'{"problem": "p%d"}\n' % i for i in range(300)),
    "no final newline": b"".join(b'{"problem": "p%d"}\n' % i for i in range(50)) + b'{"problem": "last"}',
    "blank and crlf lines": b'{"a": 1}\r\n\r\n\n{"a": 2}\r\n' * 40 + b"\n\n",
    # one line longer than several blocks, between short ones: the reader maps a bigger block
    "a line longer than the block": b'{"a": 1}\n{"long": "' + b"x" * 20_000 + b'"}\n{"a": 3}\n',
    "invalid utf-8 kept as bytes": b'{"a": "\xff\xfe"}\n{"a": 2}\n' * 30,
    "empty": b"",
    "only blank lines": b"\n\n\r\n",
}


@pytest.mark.parametrize("name", list(LAYOUTS))
@pytest.mark.parametrize(("chunk", "first"), [(64, 16), (4096, 4096), (1 << 20, 100), (4096, 1 << 30)])
def test_blocks_yield_exactly_the_lines(
    tmp_path: Path, monkeypatch, name: str, chunk: int, first: int
) -> None:
    p = tmp_path / "f.jsonl"
    p.write_bytes(LAYOUTS[name])
    assert _read(p, chunk, first, monkeypatch) == _expected(LAYOUTS[name])


def test_valid_blocks_are_text_and_a_block_with_a_bad_byte_stays_binary(tmp_path: Path, monkeypatch) -> None:
    """UTF-8 is checked once per block in Arrow; only a block holding a bad byte is decoded line by line
    (in SQL, where each bad line becomes an ``undecodable_text`` reject)."""
    import pyarrow as pa

    monkeypatch.setattr(readers, "FIRST_CHUNK_BYTES", 64)
    p = tmp_path / "f.jsonl"
    p.write_bytes(b'{"a": "caf\xc3\xa9"}\n' * 10 + b'{"a": "\xff"}\n' + b'{"a": 1}\n' * 10)
    types = [b.lines.schema.field("line").type for b in readers.read_jsonl(p, 64)]
    assert types[0] == pa.large_string()
    assert pa.large_binary() in types and types[-1] == pa.large_string()


def test_a_problem_repeated_in_a_later_block_is_one_problem_with_one_label(
    catalog, tmp_path: Path, monkeypatch
) -> None:
    """Copies of a problem across blocks (and inside one) add one problem, one label score, and one
    membership per row; a re-ingest adds nothing."""
    monkeypatch.setattr(readers, "DEFAULT_CHUNK_BYTES", 2048)
    monkeypatch.setattr(readers, "FIRST_CHUNK_BYTES", 512)
    rows = [{"problem": f"Problem {i % 40} " + "z" * 30, "level": f"Level {1 + i % 5}"} for i in range(200)]
    p = tmp_path / "rep.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = ingest(catalog, str(p))
    assert (r.n_new, r.n_present, r.n_rejected) == (40, 160, 0)
    assert catalog.scalar("SELECT count(*) FROM problems") == 40
    assert catalog.scalar("SELECT count(*) FROM difficulty WHERE method = 'label'") == 40
    assert catalog.scalar("SELECT count(*) FROM problem_sources") == 200
    # the first copy wins: problem i % 40 came first at row i + 1
    assert catalog.scalar("SELECT max(row_number) FROM problems") == 40
    again = ingest(catalog, str(p))
    assert (again.n_new, again.n_present) == (0, 200)
    assert catalog.scalar("SELECT count(*) FROM difficulty") == 40
    assert catalog.scalar("SELECT count(*) FROM problem_sources") == 200


def test_a_tail_shorter_than_the_first_block_joins_the_block_before(tmp_path: Path, monkeypatch) -> None:
    # 3,000 bytes in 1,000-byte blocks after a 400-byte first block: 400 | 1000 | 1000 | 600 stays four
    # batches (600 >= 400); a 300-byte tail would be a runt batch, so it joins the block before
    monkeypatch.setattr(readers, "FIRST_CHUNK_BYTES", 400)
    line = b'{"problem": "%04d"}\n' % 0  # 20 bytes
    for n_lines, want in ((150, 4), (135, 3)):
        p = tmp_path / f"f{n_lines}.jsonl"
        p.write_bytes(b"".join(b'{"problem": "%04d"}\n' % i for i in range(n_lines)))
        assert len(line) == 20 and p.stat().st_size == 20 * n_lines
        sizes = [b.n_rows * 20 for b in readers.read_jsonl(p, 1000)]
        assert len(sizes) == want and sum(sizes) == 20 * n_lines and min(sizes[1:]) >= 400, sizes
