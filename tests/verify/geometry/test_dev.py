"""The geometry dev set (``../shared/data/geo``): every reference parses to a value, and the real-style
responses of ``dev_responses.jsonl`` (written by ``make_dev_responses.py``) are graded as labelled, per
category. Skipped when the shared data is absent."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from redstar_data.verify.choice import numeric_values, quick_number, to_latex
from redstar_data.verify.geometry import check_many

DEV = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "geo" / "problems.jsonl"  # as conftest
RESPONSES = Path(__file__).with_name("dev_responses.jsonl")
pytestmark = pytest.mark.skipif(not DEV.is_file(), reason="../shared/data/geo not present")


def _problems() -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, DEV.read_text(encoding="utf-8").splitlines())}


def _value(text: str) -> float | None:
    latex = to_latex(text)
    q = quick_number(latex)
    return q[0] if q is not None else numeric_values([latex])[0]


def test_every_dev_reference_parses_and_every_option_matches_precise_value() -> None:
    probs = _problems()
    assert len(probs) == 248
    parsed = {pid: _value(r["answer"]) for pid, r in probs.items()}
    assert [pid for pid, v in parsed.items() if v is None] == []  # 248 / 248
    options = [
        (pid, c, p)
        for pid, r in probs.items()
        for c, p in zip(r["choices"] or [], r["meta"].get("precise_value") or [], strict=True)
    ]
    assert len(options) == 604
    off = [
        (pid, c, p) for pid, c, p in options if (v := _value(c)) is None or abs(v - p) > 1e-6 * max(1, abs(p))
    ]
    assert off == []


def _grade(step: int, workers: int) -> tuple[Counter[str], Counter[str], list[str]]:
    probs = _problems()
    rows = [json.loads(line) for line in RESPONSES.read_text(encoding="utf-8").splitlines()][::step]
    refs = [
        {k: probs[r["id"]][k] for k in ("answer", "choices", "answer_letter")} | {"precise_value": None}
        for r in rows
    ]
    verdicts = check_many(
        [(r["response"], ref) for r, ref in zip(rows, refs, strict=True)], workers=workers, timeout=5
    )
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses = []
    for r, v in zip(rows, verdicts, strict=True):
        total[r["cat"]] += 1
        right[r["cat"]] += v.label == r["label"]
        if v.label != r["label"]:
            misses.append(
                f"{r['id']} {r['cat']}: {r['response'][-60:]!r} labelled {r['label']}, got {v.label}"
            )
    return right, total, misses


def test_dev_responses_sample() -> None:
    """Every 9th response (about 370), all categories: the default run's share of the full check below."""
    right, total, misses = _grade(9, workers=1)
    assert len(total) == 12
    assert sum(right.values()) == sum(total.values()), "\n".join(misses)


@pytest.mark.slow
def test_dev_responses_all_per_category() -> None:
    """All 3,301 responses: accuracy 1.0 in every category (measured; see docs/verify.md)."""
    right, total, misses = _grade(1, workers=2)
    assert sum(total.values()) == 3301
    for cat in total:
        assert right[cat] == total[cat], "\n".join(misses)
