"""The independent audit set (``audit_pairs.yaml``): cases written by a second engineer, before reading the rules,
on real dev problems (``../shared/data/geo``), in the notations real VLM / long-CoT responses use. Graded as
labelled in every category. Skipped when the shared data is absent; the rules its misses led to are also
pinned without the data in ``test_rules.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.verify.geometry.cases import DEV, grade

CASES = yaml.safe_load(Path(__file__).with_name("audit_pairs.yaml").read_text(encoding="utf-8"))["cases"]
pytestmark = pytest.mark.skipif(not DEV.is_file(), reason="../shared/data/geo not present")


def test_audit_cases_graded_as_labelled_per_category() -> None:
    right, total, misses = grade(CASES)
    assert len(total) == 12 and sum(total.values()) >= 331
    assert len({c["id"] for c in CASES}) >= 60  # real problems of both datasets
    assert right == total, "\n".join(misses)  # measured 331/331 (312/331 before the audit's fixes)


@pytest.mark.parametrize("cat", ["hedge", "multi_option", "letter", "units", "degrees", "think"])
def test_audit_category_holds_both_labels(cat: str) -> None:
    """A category of only one label could be passed by a verifier that always says it."""
    assert {c["label"] for c in CASES if c["cat"] == cat} >= {"correct", "incorrect"}
