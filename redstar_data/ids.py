"""Normalisation and content hashing for every identity in the catalog.

``problem_id`` must be computable both in Python (one row) and inside DuckDB (bulk ingest, millions of
rows without a Python loop), so each hash has a Python function and an SQL expression that agree
exactly; ``tests/test_ids.py`` checks that they do. Normalisation is deliberately conservative
(Unicode NFC, whitespace collapsed, ends trimmed; case and LaTeX kept) because the id must never merge
two different problems. Aggressive normalisation for near-duplicates lives in ``redstar_data.dedup``.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

_WS = re.compile(r"[ \t\n\r\f\v]+")


def normalize_text(text: str) -> str:
    """NFC, runs of ASCII whitespace to one space, trimmed. Mirrors ``normalize_sql``."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip(" ")


def normalize_sql(col: str) -> str:
    """The DuckDB expression equal to ``normalize_text`` applied to column ``col``."""
    return f"trim(regexp_replace(nfc_normalize({col}), '[ \\t\\n\\r\\f\\v]+', ' ', 'g'), ' ')"


def _md5(s: str) -> str:
    return hashlib.md5(s.encode("utf-8")).hexdigest()


def problem_id(text: str, images: Sequence[str] | None = None) -> str:
    """Content hash of a problem: md5 of the normalised text, plus the image refs when present."""
    base = normalize_text(text)
    if images:
        base = base + "\x00" + "\x00".join(images)
    return _md5(base)


def problem_id_sql(text_col: str, images_col: str | None = None) -> str:
    """DuckDB expression equal to ``problem_id`` (``images_col`` must be VARCHAR[] or NULL)."""
    norm = normalize_sql(text_col)
    if images_col is None:
        return f"md5({norm})"
    return (
        f"md5(CASE WHEN {images_col} IS NULL OR len({images_col}) = 0 THEN {norm} "
        f"ELSE {norm} || chr(0) || array_to_string({images_col}, chr(0)) END)"
    )


def trace_id(problem_id: str, run_id: str, sample_index: int) -> str:
    """Deterministic trace identity, so a re-run generates only what is missing."""
    return _md5(f"{problem_id}:{run_id}:{sample_index}")


def trace_id_sql(
    problem_col: str = "problem_id", run_col: str = "run_id", idx_col: str = "sample_index"
) -> str:
    """DuckDB expression equal to ``trace_id``."""
    return f"md5({problem_col} || ':' || {run_col} || ':' || CAST({idx_col} AS VARCHAR))"


def stable_hash(obj: Any) -> str:
    """md5 of the canonical JSON of ``obj`` (sorted keys): recipe hashes, config fingerprints."""
    return _md5(json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str))


def seeded_rank(key: str, seed: int) -> int:
    """A 64-bit rank for deterministic, seed-dependent ordering (ladders, sampling)."""
    return int.from_bytes(hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=8).digest(), "big")
