"""The label method: the difficulty a source carried (MATH "Level 3", a bare number, TACO's words)."""

from __future__ import annotations

import re

# TACO / CodeContests style difficulty words, on a 1..5 scale
WORDS = {"easy": 1.0, "medium": 2.0, "medium_hard": 3.0, "hard": 4.0, "very_hard": 5.0}
_NUM = re.compile(r"-?\d+(?:\.\d+)?")


def parse_level(level: str | None) -> float | None:
    """``"Level 3"`` -> 3, ``"5"`` -> 5, ``"MEDIUM_HARD"`` -> 3, anything else -> None."""
    if level is None:
        return None
    s = str(level).strip()
    key = re.sub(r"[\s-]+", "_", s.lower())
    if key in WORDS:
        return WORDS[key]
    m = _NUM.search(s)
    return float(m.group()) if m else None
