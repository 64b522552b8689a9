"""Helpers that put sources and problems straight into a real catalog (no dependency on the ingest stage)."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pytest

from redstar_data.ids import problem_id


def add_problems(
    cat,
    source: str,
    texts: Sequence[str],
    *,
    benchmark: bool = False,
    answers: Sequence[str | None] | None = None,
) -> list[str]:
    """Insert a source (if new) and its problems + memberships; returns the problem ids in order."""
    cat.con.execute(
        "INSERT INTO sources (source_id, kind, uri, is_benchmark) SELECT ?, ?, ?, ? "
        "WHERE NOT EXISTS (SELECT 1 FROM sources WHERE source_id = ?)",
        [source, "benchmark" if benchmark else "jsonl", f"test://{source}", benchmark, source],
    )
    ids = [problem_id(t) for t in texts]
    ans = list(answers) if answers is not None else [None] * len(texts)
    probs = pa.table(
        {
            "problem_id": ids,
            "source_id": [source] * len(ids),
            "row_number": list(range(1, len(ids) + 1)),
            "domain": ["math"] * len(ids),
            "problem": list(texts),
            "answer": pa.array(ans, pa.string()),
        }
    )
    cat.insert_new("problems", probs, ["problem_id"])
    mem = pa.table({"problem_id": ids, "source_id": [source] * len(ids)})
    cat.insert_new("problem_sources", mem, ["problem_id", "source_id"])
    return ids


@pytest.fixture
def add():
    return add_problems
