"""The label method: the difficulty a source carried (MATH "Level 3", a bare number, TACO's and APPS' words).

One definition, in SQL, used both at ingest (scores for every labelled row, computed once per distinct
level) and by ``redstar difficulty --method label`` (which fills what ingest did not write).
"""

from __future__ import annotations

# TACO / CodeContests and APPS difficulty words, on a 1..5 scale (spaces and hyphens read as "_")
WORDS = {
    "easy": 1, "medium": 2, "medium_hard": 3, "hard": 4, "very_hard": 5,
    "introductory": 1, "interview": 3, "competition": 5,
}  # fmt: skip


def level_score_sql(col: str) -> str:
    """DuckDB expression: the numeric difficulty of level label ``col`` — ``Level 3`` → 3, ``4`` → 4,
    ``MEDIUM_HARD`` / ``very hard`` → 3 / 5, APPS ``interview`` → 3; NULL when it cannot be read (callers
    keep the raw label in ``details``)."""
    words = " ".join(f"WHEN '{k}' THEN {v}" for k, v in WORDS.items())
    return (
        f"coalesce(TRY_CAST({col} AS DOUBLE), "
        f"CASE regexp_replace(lower(trim({col})), '[\\s-]+', '_', 'g') {words} END, "
        f"TRY_CAST(regexp_extract({col}, '(-?[0-9]+(\\.[0-9]+)?)', 1) AS DOUBLE))"
    )
