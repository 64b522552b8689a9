"""How multiple-choice options are written into a prompt: one format, in Python and in DuckDB SQL.

A multiple-choice problem is unanswerable without its options, so wherever a problem's text becomes a
prompt (the teacher's prompt at generation, the user turn of an export) its ``choices`` follow the text
as a lettered block::

    <problem>

    Choices:
    A. 30
    B. 45

``choices_block`` (Python) and ``choices_block_sql`` (a DuckDB expression over a JSON column) give the
same string; a problem without choices gets ``""``, so text-only prompts are unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
HEADER = "\n\nChoices:\n"


def as_choices(value: Any) -> list[str] | None:
    """A problem's options as a list of strings, from a list, a numpy/pyarrow sequence or the catalog's JSON
    text (``problems.choices``); None when there are none (a free-form problem)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else None
        except ValueError:
            return None
        if not isinstance(value, list):
            return None
    try:
        items = list(value)
    except TypeError:
        return None
    return [x if isinstance(x, str) else str(x) for x in items] or None


def choices_block(choices: Sequence[str] | None) -> str:
    """The lettered options to append to a problem's text ('' for none)."""
    if not choices:
        return ""
    return HEADER + "\n".join(f"{LETTERS[i]}. {c}" for i, c in enumerate(choices))


def choices_block_sql(col: str) -> str:
    """DuckDB expression equal to ``choices_block`` for a JSON list column ``col`` (NULL or [] → '')."""
    lst = f"CAST({col} AS VARCHAR[])"
    return (
        f"CASE WHEN {col} IS NULL OR len({lst}) = 0 THEN '' ELSE "
        f"E'\\n\\nChoices:\\n' || array_to_string(list_transform({lst}, "
        "lambda c, i: chr(CAST(64 + i AS INTEGER)) || '. ' || c), E'\\n') END"
    )
