"""Every labelled solution in ../shared/data/code/problems.jsonl, through the real sandbox."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from redstar_data.verify.code.formats import spec_from_row
from redstar_data.verify.code.judge import CodeVerifier


@pytest.fixture(scope="module")
def labelled(sandbox, shared_data):
    rows = [json.loads(x) for x in (shared_data / "code" / "problems.jsonl").read_text().splitlines()]
    pairs, tags = [], []
    for r in rows:
        spec = spec_from_row(r)
        for kind, key in (("correct", "solutions_correct"), ("wrong", "solutions_wrong"),
                          ("correct", "solutions_env_sensitive")):  # fmt: skip
            for code in r.get(key) or []:
                pairs.append((f"```python\n{code}\n```", spec))
                tags.append((r["id"], kind, bool(r.get("multiple_valid_outputs"))))
        for x in r.get("raw_responses") or []:
            pairs.append((x["response"], spec))
            tags.append((r["id"], "correct" if x["our_label"] else "wrong", False))
    verdicts = CodeVerifier(timeout_s=3.0).check_many(pairs, workers=2)
    return list(zip(tags, verdicts, strict=True))


@pytest.mark.slow
def test_correct_solutions_are_correct(labelled):
    bad = [(t, v.label, v.details.get("first_failure")) for t, v in labelled
           if t[1] == "correct" and not t[2] and v.label != "correct"]  # fmt: skip
    assert not bad
    assert sum(1 for t, _ in labelled if t[1] == "correct" and not t[2]) == 55 + 2


@pytest.mark.slow
def test_wrong_solutions_are_never_correct(labelled):
    wrong = [(t, v) for t, v in labelled if t[1] == "wrong"]
    assert len(wrong) == 48 + 2
    assert all(v.label != "correct" for _, v in wrong)
    c = Counter(v.label for _, v in wrong)
    assert c["incorrect"] > 30 and c["timeout"] >= 1 and c["error"] >= 1


@pytest.mark.slow
def test_multiple_valid_outputs_rows_are_unverifiable(labelled):
    mv = [v for t, v in labelled if t[2]]
    assert mv and all(v.label == "unverifiable" for v in mv)
