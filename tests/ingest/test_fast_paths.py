"""The parts of ingest that exist for speed or memory keep their behaviour: read-ahead bounded to two
blocks, settings restored after the vacuum-free checkpoint, duplicate keys found across batches."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from redstar_data.ingest.run import ingest, prefetch


def test_prefetch_reads_one_batch_ahead_and_no_more() -> None:
    produced: list[int] = []

    def source():
        for i in range(6):
            produced.append(i)
            yield i

    it = prefetch(source())
    assert next(it) == 0
    time.sleep(0.3)  # ample time for the reader thread to run ahead as far as it may
    assert len(produced) == 2  # the batch in hand + one read ahead; a third would be a third block in memory
    assert list(it) == [1, 2, 3, 4, 5]


def test_prefetch_reraises_reader_errors_in_order() -> None:
    def source():
        yield 1
        raise ValueError("broken block")

    it = prefetch(source())
    assert next(it) == 1
    with pytest.raises(ValueError, match="broken block"):
        next(it)


def test_ingest_restores_the_settings_it_changes(catalog, jsonl_file: Path) -> None:
    catalog.con.execute("SET max_vacuum_tasks = 7")
    catalog.con.execute("SET preserve_insertion_order = true")
    r = ingest(catalog, str(jsonl_file), mapping={"problem": "question"})
    assert r.n_new == 3
    assert catalog.scalar("SELECT current_setting('max_vacuum_tasks')") == 7
    assert catalog.scalar("SELECT current_setting('preserve_insertion_order')") is True


def test_duplicate_source_key_in_a_later_batch_is_rejected(catalog, tmp_path: Path, monkeypatch) -> None:
    import redstar_data.ingest.readers as readers

    monkeypatch.setattr(readers, "DEFAULT_CHUNK_BYTES", 2048)
    rows = [{"id": f"k{i}", "problem": f"Problem {i} " + "y" * 40} for i in range(200)]
    rows.append({"id": "k3", "problem": "a new text that reuses the id of row 4"})
    p = tmp_path / "keys.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = ingest(catalog, str(p))
    assert (r.n_new, r.n_rejected) == (200, 1)
    rej = catalog.con.sql("SELECT row_number, reason, field FROM rejects").fetchall()
    assert rej == [(201, "duplicate_source_key", "id")]
    again = ingest(catalog, str(p))
    assert (again.n_new, again.n_present, again.n_rejected) == (0, 200, 1)
    assert catalog.scalar("SELECT count(*) FROM rejects") == 1
