"""The parts of ingest that exist for speed or memory keep their behaviour: read-ahead bounded to two
blocks, settings restored after the vacuum-free checkpoint, duplicate keys found across batches."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from redstar_data.ingest.run import ingest, prefetch


def test_prefetch_reads_one_batch_ahead_and_no_more() -> None:
    """While the caller holds batch i, the reader may read i+1 but never i+2 (two blocks in memory)."""
    n = 6
    finished = [0]  # batches the caller is done with (it has asked for the next one)
    read_ahead = [threading.Event() for _ in range(n)]
    too_far: list[tuple[int, int]] = []

    def source():
        for i in range(n):
            if i > finished[0] + 1:
                too_far.append((i, finished[0]))
            read_ahead[i].set()
            yield i

    got = []
    for i, b in enumerate(prefetch(source())):
        got.append(b)
        if i + 1 < n:
            assert read_ahead[i + 1].wait(
                30
            )  # the reader has run ahead as far as it may (an event, no sleep)
        if i == 0:  # ... and stops there: a bounded check that the third read does not come
            assert not read_ahead[2].wait(0.3)
        finished[0] = i + 1
    assert got == list(range(n)) and not too_far


def test_prefetch_reraises_reader_errors_in_order() -> None:
    def source():
        yield 1
        raise ValueError("broken block")

    it = prefetch(source())
    assert next(it) == 1
    with pytest.raises(ValueError, match="broken block"):
        next(it)


def test_ingest_restores_the_settings_it_changes(catalog, jsonl_file: Path) -> None:
    catalog.execute("SET max_vacuum_tasks = 7")
    catalog.execute("SET preserve_insertion_order = true")
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
    rej = catalog.rows("SELECT row_number, reason, field FROM rejects")
    assert rej == [(201, "duplicate_source_key", "id")]
    again = ingest(catalog, str(p))
    assert (again.n_new, again.n_present, again.n_rejected) == (0, 200, 1)
    assert catalog.scalar("SELECT count(*) FROM rejects") == 1


# values that a one-parse text read could get wrong: text that reads like a number, a list or an object, and
# the numbers, lists and objects themselves; escapes, white space, bytes against characters at the size limit
_TRICKY = {
    "problem": [
        "plain {i}",
        "  lead {i}",
        "trail {i}  ",
        "",
        "   ",
        "\n\t",
        "42",
        "-3.5",
        "1e-7",
        "true",
        "false",
        "null",
        "[1, 2]",
        '{{"a": 1}}',
        "[not json {i}",
        "caf\u00e9 {i}",
        "e\u0301 {i}",
        "a\\b {i}",
        'a "quote" {i}',
        "x" * 1200,
        "\u00e9" * 400 + "{i}",
        '"' * 600 + "{i}",
        42,
        1e-7,
        True,
        None,
        [1, 2],
        {"a": 1},
        ["x"],
        "missing",
    ],
    "answer": [
        "16",
        16,
        4.5,
        1e-7,
        1e5,
        -0.0,
        12345678901234567890123,
        "[0, 1]",
        [0, 1],
        ["a", "b"],
        {"x": 1},
        True,
        None,
        "\\frac{1}{2}",
        "1e-7",
        "missing",
    ],
    "solution": [
        "text {i}",
        ["step 1", "step 2"],
        "[x]",
        5,
        {"a": 1},
        None,
        "1.",
        "3 apples",
        "true",
        "missing",
    ],
    "level": ["Level 3", 3, "3", 2.5, [1], {"a": 1}, None, "", "1e3", 1e3, "missing"],
    "domain": ["math", "", "  ", 5, None, "[x]", "missing"],
    "src": ["a", 1, [1], {"b": 2}, None, "missing"],
    "meta": [{"k": 1}, 5, "str", None, [1], "missing"],
}


# code and image fields, which the fast path reads as JSON and checks as the general path does
_TRICKY_CODE = {
    "problem": ["write a function {i}", 7, ["x"], "missing"],
    "tests": [
        '{{"inputs": ["1"], "outputs": ["2"]}}',
        "not json {i}",
        {"inputs": [1]},
        [1, 2],
        5,
        None,
        "[]",
        "x" * 1200,
        ["x" * 1200],
        '"' + "y" * 1200 + '"',
        "[" + '"a", ' * 160 + '"a"]',  # 805 bytes of valid JSON; over 1,000 with its quotes escaped
        "missing",
    ],
    "images": [["a.png", "b.png"], "c.png", 5, {"a": 1}, None, [], "missing"],
    "level": ["EASY", "MEDIUM_HARD", 3, "missing"],
}


def _tricky_rows(n: int, pools: dict) -> bytes:
    import random

    rng = random.Random(7)
    out = []
    for i in range(n):
        row: dict = {"id": f"k{i}" if i % 9 else i}
        for key, pool in pools.items():
            v = rng.choice(pool)
            if v == "missing":
                continue
            row[key] = v.format(i=i) if isinstance(v, str) and "{i}" in v else v
        out.append(json.dumps(row, ensure_ascii=bool(i % 2)).encode() + b"\n")
    return b"".join(out)


def _snapshot(cat) -> dict:
    return {
        "problems": cat.rows(
            "SELECT problem_id, source_key, row_number, domain, problem, answer, solution, "
            "tests, images, level, meta FROM problems ORDER BY row_number"
        ),
        "rejects": cat.rows("SELECT row_number, reason, field, detail FROM rejects ORDER BY row_number"),
        "labels": cat.rows("SELECT problem_id, score, details FROM difficulty ORDER BY problem_id"),
    }


@pytest.mark.parametrize("layout", ["math", "code"])
def test_the_one_parse_fast_path_stages_exactly_what_the_general_path_does(
    tmp_path: Path, monkeypatch, layout: str
) -> None:
    """Same problems, texts, tests, images, meta, rejects (reason, field, detail) and labels with the fast
    path as with the general path alone, on rows built from values the fast path must hand over to the
    general one."""
    from redstar_data.catalog import Catalog
    from redstar_data.ingest import mapping as mp

    p = tmp_path / "tricky.jsonl"
    p.write_bytes(_tricky_rows(600, _TRICKY if layout == "math" else _TRICKY_CODE))
    mapping = {} if layout == "math" else {"problem": "problem", "tests": "tests", "images": "images"}
    calls = {"fast": 0, "general": 0}
    real_fast, real_general = mp.extract_fast_sql, mp.extract_sql

    def fast(*a, **k):
        calls["fast"] += 1
        return real_fast(*a, **k)

    def general(*a, **k):
        calls["general"] += 1
        return real_general(*a, **k)

    monkeypatch.setattr(mp, "extract_fast_sql", fast)
    monkeypatch.setattr(mp, "extract_sql", general)
    a = Catalog.open(tmp_path / "a.duckdb")
    ra = ingest(a, str(p), mapping=mapping, max_field_bytes=1000)
    assert calls["fast"] >= 1 and calls["general"] >= 1  # both paths ran: the fast one handed rows over
    monkeypatch.setattr(mp, "extract_fast_sql", lambda *a, **k: None)
    b = Catalog.open(tmp_path / "b.duckdb")
    rb = ingest(b, str(p), mapping=mapping, max_field_bytes=1000)
    assert (ra.n_new, ra.n_rejected, ra.rejects_by_reason) == (rb.n_new, rb.n_rejected, rb.rejects_by_reason)
    sa, sb = _snapshot(a), _snapshot(b)
    a.close()
    b.close()
    assert ra.n_new >= 20 and len(sa["rejects"]) > 50
    expected = {"math": ("wrong_type", "empty_problem", "missing_problem", "oversize_field"),
                "code": ("wrong_type", "invalid_tests", "missing_problem", "oversize_field")}[layout]  # fmt: skip
    assert set(expected) <= set(ra.rejects_by_reason)
    assert sa == sb
