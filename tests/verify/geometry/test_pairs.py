"""Accuracy of the geometry verifier on the hand-labelled pairs (``pairs.yaml``), per category.

The pairs are written for redstar (letter forms, value forms, degrees, radicals, fractions, pi/trig,
rounding, a wrong option named next to a matching number, letter/value conflicts, no answer, long chains of
thought with distractor numbers, ``</think>`` traces); each carries the label a careful grader gives it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from redstar_data.verify.geometry import check_choice

PAIRS = yaml.safe_load((Path(__file__).with_name("pairs.yaml")).read_text(encoding="utf-8"))["pairs"]
# per-category floor: every pair is graded as labelled (measured 152/152); a category may not regress
MIN_ACCURACY = 1.0


def test_pairs_accuracy_per_category() -> None:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses = []
    for p in PAIRS:
        v = check_choice(p["response"], p["answer"], p.get("choices"), p.get("letter"))
        total[p["cat"]] += 1
        if v.label == p["label"]:
            right[p["cat"]] += 1
        else:
            misses.append(
                f"{p['cat']}: {p['response'][-60:]!r} labelled {p['label']}, got {v.label} ({v.method})"
            )
    assert len(total) >= 13 and sum(total.values()) >= 152
    for cat in total:
        assert right[cat] / total[cat] >= MIN_ACCURACY, "\n".join(misses)


@pytest.mark.parametrize("cat", ["conflict", "wrong_choice_number"])
def test_each_hostile_category_has_both_labels(cat: str) -> None:
    """A category that only held 'incorrect' pairs could be passed by a verifier that says 'incorrect'."""
    labels = {p["label"] for p in PAIRS if p["cat"] == cat}
    assert labels == {"correct", "incorrect"}
