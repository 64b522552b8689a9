"""Lineage: a content fingerprint of the catalog's data and the canonical JSON that exports record."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from redstar_data.ids import stable_hash

if TYPE_CHECKING:
    from redstar_data.catalog import Catalog

FINGERPRINT_TABLES = (
    "problems",
    "problem_sources",
    "traces",
    "verifications",
    "trace_flags",
    "dedup",
    "contamination",
    "difficulty",
)


def fingerprint(cat: Catalog) -> str:
    """A content hash of the catalog's data tables (timestamps excluded): same data, same fingerprint.

    Exports record it, so an export names exactly the catalog state it was built from.
    """
    parts: dict[str, Any] = {"schema": cat.schema_version}
    for t in FINGERPRINT_TABLES:
        cols = [
            r[0]
            for r in cat.rows(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [t],
            )
            if r[0] not in ("created_at", "updated_at")
        ]
        row = cat.one(f"SELECT count(*), coalesce(bit_xor(hash({', '.join(cols)})), 0) FROM {t}")
        parts[t] = [int(row[0]), str(row[1])] if row else [0, "0"]
    return stable_hash(parts)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and real UTF-8: the same value always gives the same bytes."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
