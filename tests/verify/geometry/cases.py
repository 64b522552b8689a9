"""Grading a hand-labelled geometry case set against the dev problems (shared by the audit-set tests)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from redstar_data.verify.geometry import check_many

DEV = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "geo" / "problems.jsonl"  # as test_dev


def grade(cases: list[dict]) -> tuple[Counter[str], Counter[str], list[str]]:
    """(right per category, cases per category, one line per miss) of ``cases`` (id, cat, response, label),
    each graded with its dev problem's answer, choices and letter."""
    probs = {r["id"]: r for r in map(json.loads, DEV.read_text(encoding="utf-8").splitlines())}
    refs = [{k: probs[c["id"]][k] for k in ("answer", "choices", "answer_letter")} for c in cases]
    verdicts = check_many(
        [(c["response"], r) for c, r in zip(cases, refs, strict=True)], workers=1, timeout=5
    )
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses = []
    for c, v in zip(cases, verdicts, strict=True):
        total[c["cat"]] += 1
        right[c["cat"]] += v.label == c["label"]
        if v.label != c["label"]:
            misses.append(
                f"{c['id']} {c['cat']}: {c['response'][-70:]!r} labelled {c['label']}, got {v.label}"
            )
    return right, total, misses
