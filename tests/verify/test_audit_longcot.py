"""Math verifier audit on long chain-of-thought responses (helper ``math``, math verifier 2.4.0).

``data/audit_longcot.jsonl`` holds (response, reference, label) rows written from the notation space of competition
answers (MATH, AIME, AMC, Olympiad, GSM8K), not from dev rows: a ``<think>`` part with intermediate numbers, then a
boxed or stated answer; some with several boxes, some cut with no final answer. Labels are set from the mathematics.
Before 2.4.0 the verifier got 188 of 203 rows right (2.4.0: 202); every row but the known misses below must get its label.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from redstar_data.verify import normalize as N
from redstar_data.verify.extract import extract_answer
from redstar_data.verify.math import check_inline

ROWS = [json.loads(line) for line in (Path(__file__).parent / "data" / "audit_longcot.jsonl").open()]

# Left wrong on purpose, each for a stated policy (docs/verify.md): the verifier does not see the question.
KNOWN_MISSES = {
    "longcot-168": "x% also reads as x because harness references drop the sign, so 0.5% passes for 1/2",
}


def _correct(row: dict) -> bool:
    return check_inline(row["response"], row["reference"])[0] == "correct"


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['id']}-{r['category']}" for r in ROWS])
def test_longcot_audit_rows(row: dict) -> None:
    if row["id"] in KNOWN_MISSES:
        assert _correct(row) is not row["label"], "a known miss now passes: drop it from KNOWN_MISSES"
        return
    assert _correct(row) is row["label"], row


def test_longcot_audit_accuracy_per_category() -> None:
    hits: dict[str, list[bool]] = defaultdict(list)
    for row in ROWS:
        hits[row["category"]].append(_correct(row) is row["label"])
    assert len(ROWS) >= 120 and len(hits) >= 20
    low = {c: sum(h) / len(h) for c, h in hits.items() if sum(h) / len(h) < 0.95}
    assert not low, low
    assert all(any(not r["label"] for r in ROWS if r["category"] == c) for c in hits), (
        "a category lacks negatives"
    )


@pytest.mark.parametrize(
    ("reference", "candidate", "expected"),
    [
        ("1011_2", "1011", True),  # the digits asked for, base left off
        ("1011", "1011_{2}", True),
        ("1011_2", "(1011)_2", True),
        ("413_5", "413_{(5)}", True),
        ("1011_2", "11_{10}", True),  # both name a base: the values compare
        ("1011_2", "11", False),  # the decimal value is not the base-2 numeral asked for
        ("11", "1011_2", False),  # restating the base-2 number is not the decimal value asked for
        ("413_5", "413_6", False),
        ("x_2", "x_{2}", True),  # names are not numerals
        ("a_{12}", "10", False),
    ],
)
def test_base_numerals(reference: str, candidate: str, expected: bool) -> None:
    assert check_inline("\\boxed{" + candidate + "}", reference)[0] == (
        "correct" if expected else "incorrect"
    )


def test_base_numeral_reading() -> None:
    assert N.base_numeral("1011_2") == ("1011", 2)
    assert N.base_numeral("1A_{16}") == ("1a", 16)
    assert N.base_numeral("1021_2") is None  # a 2 is no binary digit
    assert N.base_numeral("x_2") is None and N.base_numeral("a_{12}") is None
    assert N.base_numeral("15") == ("15", None)


@pytest.mark.parametrize(
    ("reference", "candidate", "expected"),
    [
        ("(1,2)", "M(1,2)", True),
        ("(3,-4)", "V\\left(3,-4\\right)", True),
        ("(1,2)", "P_1(1,2)", True),
        ("(1,2)", "A(2,1)", False),
        ("10", "C(5,2)", False),  # not a point: the reference is no tuple
        ("1000", "(1,000)", False),  # a pair, never a thousand
        ("(1,0)", "1,000", False),
        ("1000", "1,000", True),
        ("70", "70degs", True),
        ("70", "70 deg", True),
        ("108", "108deg", True),
        ("\\deg(p)", "\\deg(p)", True),
    ],
)
def test_points_thousands_degree_words(reference: str, candidate: str, expected: bool) -> None:
    assert check_inline("\\boxed{" + candidate + "}", reference)[0] == (
        "correct" if expected else "incorrect"
    )


def test_degree_word_is_dropped_only_after_a_number() -> None:
    assert N.basic("70degs") == "70" and N.basic("35 degree") == "35"
    assert N.basic("\\deg p") == "\\deg p"


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("(a) $\\boxed{4}$ (b) $\\boxed{9}$", "4, 9"),
        ("\\textbf{(i)} $\\boxed{4}$, \\textbf{(ii)} $\\boxed{9}$", "4, 9"),
        ("We get $\\boxed{x=3}$, so $x^2=\\boxed{9}$.", "9"),  # a step between boxes: not a list
        ("first \\boxed{4} then (b) is something else \\boxed{9}", "9"),
    ],
)
def test_part_labels_join_boxes(text: str, answer: str) -> None:
    assert extract_answer(text).answer == answer


@pytest.mark.parametrize(
    ("reference", "candidate", "expected"),
    [
        ("4:30", "4:30 PM", True),
        ("16:30", "4:30 \\text{ p.m.}", True),
        (
            "4:30 \\text{ p.m.}",
            "4:30 \\text{ a.m.}",
            False,
        ),  # both marked: they must agree (was a false positive)
        ("4:30", "5:30", False),
        ("4\\pi", "4\\pi \\approx 12.57", True),  # the exact value before its rounding
        ("12.57", "4\\pi \\approx 12.57", True),  # the rounding of a decimal reference
        ("4\\pi", "\\approx 12.57", False),  # an exact reference is exact
        ("4\\pi", "x \\approx 12.57", False),  # a name is no value
        ("3.14", "x \\approx 3.14", True),
        ("13", "4\\pi ≈ 12.57", False),
        ("4\\pi", "4π ≈ 12.57", True),  # the unicode sign
        ("12", "\\boxed{12}", True),
        ("12", "\\fbox{13}", False),
        ("(3,-2)", "(3\\mathbf{i}-2\\mathbf{j})", True),
        ("(3,-2)", "(3\\mathbf{i}+2\\mathbf{j})", False),
    ],
)
def test_clock_approximation_nested_box_vector_in_parentheses(
    reference: str, candidate: str, expected: bool
) -> None:
    assert check_inline("\\boxed{" + candidate + "}", reference)[0] == (
        "correct" if expected else "incorrect"
    )
