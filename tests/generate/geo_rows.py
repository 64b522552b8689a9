"""The real geometry dev set (``../shared/data/geo``) as rows with their image bytes, for the vision tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def geo_rows(shared: Path, n: int, *, dataset: str | None = None) -> list[dict[str, Any]]:
    """The first ``n`` rows of the real geometry dev set (``../shared/data/geo``), with ``image_bytes``."""
    import json as _json

    rows = []
    with open(shared / "geo" / "problems.jsonl", encoding="utf-8") as f:
        for line in f:
            r = _json.loads(line)
            if dataset is None or r["dataset"] == dataset:
                r["image_bytes"] = [(shared / "geo" / p).read_bytes() for p in r["images"]]
                rows.append(r)
            if len(rows) == n:
                break
    return rows
