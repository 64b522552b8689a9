"""Near-miss audit (helper ``fp``, math verifier 2.5.0): wrong answers that sit next to the reference.

``data/audit_nearmiss.jsonl`` holds long chain-of-thought responses (a ``<think>`` part whose intermediate values often
include the right one, then a final answer) whose final answer is WRONG but close: a sign, a reciprocal, a factor of
2 / pi / 100, off by one, an interval end, a union piece, a set element, a swapped pair, another variable, ``x^2`` for
``2x``, radicals, degrees for radians, a unit power, a rounding of an exact value, one digit of a large integer, one
root of ``\\pm``, "no solution", ``\\infty``, a second box, an answer revised after its box, a right box in the thought
with a wrong stated answer, and cut traces whose last line holds the right number mid-sentence; each category also
has right answers (controls). Labels follow docs/verify.md ("2.5.0: near misses"). A false positive here is the worst
error the verifier can make: it puts a wrong trace into an SFT set or rewards a wrong RL completion.
2.4.0 got 196 of 228 rows right (28 false positives), 2.4.1 199 (25), 2.5.0 227 (none).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from redstar_data.verify import normalize as N
from redstar_data.verify.extract import extract_answer, stops_mid_expression
from redstar_data.verify.math import check_inline

ROWS = [json.loads(line) for line in (Path(__file__).parent / "data" / "audit_nearmiss.jsonl").open()]

# Left wrong on purpose: a false negative, never a false positive.
KNOWN_MISSES = {
    "nearmiss-142": "a lone e is read as a name, not Euler's number, so e is not matched to the decimal 2.72",
}


def _correct(row: dict) -> bool:
    return check_inline(row["response"], row["reference"])[0] == "correct"


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['id']}-{r['category']}" for r in ROWS])
def test_nearmiss_audit_rows(row: dict) -> None:
    if row["id"] in KNOWN_MISSES:
        assert _correct(row) is not row["label"], "a known miss now passes: drop it from KNOWN_MISSES"
        return
    assert _correct(row) is row["label"], row


def test_nearmiss_audit_has_no_false_positive_and_both_labels_per_category() -> None:
    hits: dict[str, list[bool]] = defaultdict(list)
    false_positives = [r["id"] for r in ROWS if not r["label"] and _correct(r)]
    for row in ROWS:
        hits[row["category"]].append(_correct(row) is row["label"])
    assert not false_positives, false_positives
    assert sum(not r["label"] for r in ROWS) >= 150 and len(hits) >= 22
    low = {c: sum(h) / len(h) for c, h in hits.items() if sum(h) / len(h) < 0.9}
    assert not low, low
    for c in hits:
        labels = {r["label"] for r in ROWS if r["category"] == c}
        assert labels == {True, False}, f"category {c} lacks a label"


@pytest.mark.parametrize(
    ("reference", "candidate", "expected"),
    [
        ("12\\text{ cm}^2", "12\\text{ cm}", False),  # a length for an area
        ("27\\text{ m}^3", "27\\,\\mathrm{m}^{2}", False),
        ("5\\text{ hours}", "5\\text{ minutes}", False),
        ("\\$5", "5\\text{ cents}", False),
        ("12\\text{ inches}", "12\\text{ feet}", False),
        ("12\\text{ cm}^2", "12 \\text{ square centimeters}", True),  # one unit, two spellings
        ("12\\text{ cm}^2", "12 cm²", True),
        ("5\\text{ hours}", "5 \\text{ hrs}", True),
        ("12\\text{ cm}^2", "12", True),  # a unit on one side only is dropped, as before
        ("12", "12\\text{ cm}", True),
        ("30", "30\\text{ parsecs}", True),  # a unit the table does not know is dropped too
    ],
)
def test_both_units_named_must_agree(reference: str, candidate: str, expected: bool) -> None:
    assert check_inline("\\boxed{" + candidate + "}", reference)[0] == (
        "correct" if expected else "incorrect"
    )


def test_unit_reading() -> None:
    assert N.unit_of("12\\text{ cm}^2") == ("cm", 2)
    assert N.unit_of("10 feet squared") == ("ft", 2) and N.unit_of("10 sq. ft") == ("ft", 2)
    assert N.unit_of("\\$5") == ("dollar", 1)
    assert N.unit_of("12") is None and N.unit_of("2x") is None and N.unit_of("5\\text{ m/s}") is None


@pytest.mark.parametrize(
    ("reference", "candidate", "expected"),
    [
        ("(1,2)", "\\{1,2\\}", False),  # a set is not an ordered pair
        ("\\{1,2\\}", "(1,2)", False),
        ("\\{1,2\\}", "\\{2,1\\}", True),
        ("(1,2)", "1, 2", True),  # the same values in the same order, as before
        ("(1,2)", "y=1, x=2", False),  # one-letter names give the order: this is (2,1)
        ("(1,2)", "y=2, x=1", True),
        ("(3,4)", "b=4, a=3", True),
        ("(2,1)", "x=1, y=2", False),
        ("x=1, y=2", "(2,1)", False),
        ("AB=4, CD=5", "4, 5", True),  # longer names keep the written order
    ],
)
def test_set_against_pair_and_letter_order(reference: str, candidate: str, expected: bool) -> None:
    assert check_inline("\\boxed{" + candidate + "}", reference)[0] == (
        "correct" if expected else "incorrect"
    )


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        (
            "<think>\n4! = \\boxed{24}\n</think>\n\n**Answer:** 25",
            "25",
        ),  # the stated answer beats the thought's box
        ("<think>\n4! = \\boxed{24}\n</think>\n\nAnswer: 25", "25"),
        ("The answer is $\\boxed{42}$. Wait, I dropped a case, so the answer is $41$.", "41"),
        ("The answer is $\\boxed{42}$. So our answer is correct.", "42"),  # a judgement revises nothing
        ("\\[\\boxed{566}\\]\n\nFinal Answer: The final answer is 566. I hope it is correct.", "566"),
        ("\\boxed{2.45e6}\n\nFinal Answer: The final answer is 2.45e6. I hope it is correct.", "2.45e6"),
    ],
)
def test_answer_stated_after_the_box(text: str, answer: str) -> None:
    assert extract_answer(text).answer == answer


STEPS = "I write down what is given, name the unknowns and check each step against the conditions. " * 12


def test_cut_untagged_trace_has_no_answer() -> None:
    cut = extract_answer(STEPS + "\n\nSo the sum of the four terms is at least 64 when")
    assert cut.answer is None and cut.truncated
    assert extract_answer(STEPS + "\n\nSo the sum of the four terms is at least 64.").answer == "64"
    for tail in ("when", "because", "whose", "these", "a", "should"):  # no sentence ends on these
        assert stops_mid_expression(STEPS + " so it is 64 " + tail), tail
    for tail in ("64 each", "5 in", "and so on", "12 apples", "all"):  # these may end a last line
        assert not stops_mid_expression(STEPS + " so it is " + tail), tail
