"""The notation audit set (``notation_pairs.yaml``): a second independent audit, written and labelled by hand
before its cases were run, on real dev problems (``../shared/data/geo``): rounding with and without a rounding
instruction, decimal references against exact responses, π, degrees vs radians, units and words, fractions vs
decimals, equal forms of options, letter formats, several answers in one response, listed options, cut traces.
Skipped when the shared data is absent; the rules its misses led to are pinned in ``test_rules.py`` (1.5.0)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.verify.geometry.cases import DEV, grade

CASES = yaml.safe_load(Path(__file__).with_name("notation_pairs.yaml").read_text(encoding="utf-8"))["cases"]
pytestmark = pytest.mark.skipif(not DEV.is_file(), reason="../shared/data/geo not present")


def test_notation_cases_graded_as_labelled_per_category() -> None:
    right, total, misses = grade(CASES)
    assert len(total) == 11 and sum(total.values()) >= 164
    assert right == total, "\n".join(misses)  # measured 164/164 (153/164 with geometry 1.4.0)


def test_notation_cases_are_new() -> None:
    """No (reference, response) of this set is already in the other geometry sets: it measures what they do not."""
    here = Path(__file__).parent
    answer = {r["id"]: r["answer"] for r in map(json.loads, DEV.read_text(encoding="utf-8").splitlines())}
    audit = yaml.safe_load((here / "audit_pairs.yaml").read_text(encoding="utf-8"))["cases"]
    dev = [json.loads(x) for x in (here / "dev_responses.jsonl").read_text(encoding="utf-8").splitlines()]
    old = {(answer[c["id"]], c["response"]) for c in [*audit, *dev]}
    old |= {(p["answer"], p["response"]) for p in yaml.safe_load((here / "pairs.yaml").read_text())["pairs"]}
    assert not [c for c in CASES if (answer[c["id"]], c["response"]) in old]


@pytest.mark.parametrize(
    "cat", ["rounding", "pi", "degrees", "units", "fractions", "letter", "multi_answer", "think"]
)
def test_notation_category_holds_both_labels(cat: str) -> None:
    """A category of only one label could be passed by a verifier that always says it."""
    labels = {c["label"] for c in CASES if c["cat"] == cat}
    assert "correct" in labels and labels - {"correct"}
