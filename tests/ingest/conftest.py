"""Ingest fixtures: small source files in every format, written into tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROWS = [
    {"id": "q1", "question": "What is $1+1$?", "gt": "2", "level": "Level 1", "subject": "arith"},
    {"id": "q2", "question": "Solve $2x = 6$.", "gt": 3, "level": "Level 2", "subject": "algebra"},
    {
        "id": "q3",
        "question": "Compute $\\frac{1}{2}+\\frac{1}{4}$.",
        "gt": "\\frac{3}{4}",
        "level": "Level 3",
        "subject": "fractions",
    },
]


@pytest.fixture
def rows() -> list[dict]:
    return [dict(r) for r in ROWS]


@pytest.fixture
def jsonl_file(tmp_path: Path, rows: list[dict]) -> Path:
    p = tmp_path / "qa.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


def count(cat, sql: str, params=None) -> int:
    return int(cat.scalar(sql, params))
