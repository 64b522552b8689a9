"""Math verifier 2 (issue 18): the notation space, exactness, references from solutions.

Cases are written per notation category (not copied from any labelled set); the generated adversarial set
(benchmarks/data/verifier_pairs.jsonl) is checked to match its generator and scored on a sample of its dev half.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pyarrow as pa
import pytest

from redstar_data.verify.math import check_inline
from redstar_data.verify.reference import answer_from_solution, fill_references
from redstar_train.rewards import math_reward

ROOT = Path(__file__).resolve().parents[2]
GEN = ROOT / "benchmarks" / "data" / "make_verifier_pairs.py"

CASES = [
    # (category, reference, candidate, equivalent)
    ("braceless", "\\frac12", "0.5", True),
    ("braceless", "\\dfrac32", "1.5", True),
    ("braceless", "\\sqrt2", "\\sqrt{2}", True),
    ("braceless", "\\frac\\pi4", "\\frac{\\pi}{4}", True),
    ("braceless", "\\frac13", "\\frac{1}{4}", False),
    ("exact", "\\frac{1}{2018}", "\\frac{2016}{2017^{2}}", False),
    ("exact", "\\sqrt{2}", "1.414214", False),
    ("exact", "2\\sqrt{3}", "\\sqrt{12}", True),
    ("exact", "\\frac{\\pi}{4}", "0.785398", False),
    ("decimal", "4.4e7", "44241339", True),
    ("decimal", "4.4e7", "45241339", False),
    ("decimal", "6630", "6630.65", True),
    ("decimal", "6630", "6631", False),
    ("decimal", "10000", "9999.86", False),
    ("mixed", "3\\frac{1}{2}", "\\frac{7}{2}", True),
    ("mixed", "3\\frac{1}{2}", "\\frac{3}{2}", False),
    ("mixed", "\\frac{23}{4}", "5 \\tfrac34", True),
    ("dms", "30^\\circ 15'", "30.25^\\circ", True),
    ("dms", "30^\\circ 15'", "30.15", False),
    ("function", "m x''(t) + k x(t) = 0", "mx''+kx=0", True),
    ("function", "kx(t)", "kt", False),
    ("equation", "E=2C", "2C=E", True),
    ("equation", "x+2y=5, x-y=1", "x-y=1, x+2y=5", True),
    ("equation", "x=2, y=3", "x=3, y=2", False),
    ("interval", "(-\\infty,-2)\\cup(2,\\infty)", "|x|>2", True),
    ("interval", "(0,1)", "0<f(x)<1", True),
    ("interval", "[0,1)", "0<f(x)<1", False),
    ("interval", "(-\\infty,1)\\cup(3,\\infty)", "x<1 \\text{ or } x>3", True),
    ("set", "\\{1,2,3\\}", "\\{1,2\\}\\cup\\{3\\}", True),
    ("set", "\\{2,3\\}", "\\{1,2,3\\}\\cap\\{2,3,4\\}", True),
    ("set", "\\{1,2,3,4\\}", "\\{1,2,3\\}\\cap\\{2,3,4\\}", False),
    ("vector", "\\begin{pmatrix}1\\\\-2\\\\3\\end{pmatrix}", "(1,-2,3)", True),
    ("vector", "\\begin{pmatrix}1\\\\-2\\\\3\\end{pmatrix}", "(-2,1,3)", False),
    ("labelled", "(a,b)=(5,9)", "(5,9)", True),
    ("labelled", "AB=4, CD=5", "4, 5", True),
    ("labelled", "4, 5", "AB=5, CD=4", False),
    ("labelled", "E_{\\text{x}}=10.1", "10.1", True),
    ("labelled", "g^{-1}(x)=\\frac{x+1}{2}", "\\frac{x+1}{2}", True),
    ("tuple", "(3, 5)", "3, 5", True),
    ("tuple", "(3, 5)", "5, 3", False),
    ("condition", "\\frac{1}{\\omega^2-4}, \\text{ for } \\omega^2\\ne 4", "\\frac{1}{\\omega^2-4}", True),
    ("condition", "\\frac{1}{x-1}", "\\frac{1}{x+1} \\quad (x \\neq 1)", False),
    ("thousands", "11111", "11,\\!111", True),
    ("thousands", "11111", "11{,}111", True),
    ("thousands", "12", "1,2", False),
    ("choice", "\\text{(C)}", "C", True),
    ("choice", "C", "\\textbf{(C)}\\ 12", True),
    ("choice", "\\text{(C)}", "(D)", False),
    ("call", "\\arcsin(1.3\\sin\\theta)", "\\arcsin{1.3 \\sin{\\theta}}", True),
    ("call", "\\arcsin(1.3\\sin\\theta)", "\\arcsin{1.3 \\cos{\\theta}}", False),
    ("unicode", "x^2-2x+2", "x² - 2x + 2", True),
    ("unicode", "\\sqrt{3}", "√3", True),
    ("unicode", "\\frac{\\pi}{2}", "π/2", True),
    ("unicode", "x \\le 3", "x ≤ 3", True),
    ("unicode", "x^2-2x+2", "x³ - 2x + 2", False),
    ("empty", "\\emptyset", "\\{1,2\\}\\cap\\{3\\}", True),
    ("labelled", "(a, b) = (3, 4)", "a=3, b=4", True),
    ("labelled", "a=3, b=4", "(3, 4)", True),
    ("labelled", "(a, b) = (3, 4)", "a=4, b=3", False),
    ("call", "\\arcsin(1.3\\sin\\theta)", "\\sin^{-1}(1.3\\sin\\theta)", True),
    ("call", "\\csc x", "\\sin^{-1} x", False),
    ("exact", "-\\infty", "\\infty", False),
    ("choice", "\\text{(A) } 4", "A", True),
    ("choice", "\\text{(A) } 4", "B", False),
    # a degree mark inside a group keeps the group's closing brace (``^\\circ}`` once lost it)
    ("degrees", "15", "\\frac{30^\\circ}{2}", True),
    ("degrees", "\\sqrt{30}", "\\sqrt{30^\\circ}", True),
    ("degrees", "\\frac{45}{2}", "\\frac{45^{\\circ}}{2}", True),
    ("degrees", "15", "\\frac{30^\\circ}{3}", False),
    ("degrees", "\\frac{1}{2}", "\\frac{1}{2}^\\circ", True),
    ("degrees", "70", "70º", True),  # the ordinal indicator and the ring above, typed for a degree sign
    ("degrees", "70", "70˚", True),
    ("degrees", "70", "71˚", False),
]


@pytest.mark.parametrize(("category", "reference", "candidate", "expected"), CASES)
def test_notation(category: str, reference: str, candidate: str, expected: bool) -> None:
    label, extracted, method, _ = check_inline(f"So the answer is $\\boxed{{{candidate}}}$.", reference)
    assert (label == "correct") is expected, (category, reference, candidate, extracted, method)


@pytest.mark.parametrize(
    ("response", "reference", "expected"),
    [
        ("The roots are $\\boxed{1}$ and $\\boxed{2}$.", "1,2", True),
        ("The roots are $\\boxed{1}$ and $\\boxed{2}$.", "1,2,3", False),
        ("We solve it.\n\nThe solutions are: $x = 1$ and $x = 2$.", "1, 2", True),
        ("Therefore, the final answers are: $x = 3$ and $x = -4$.", "-4, 3", True),
        ("Therefore, the final answers are: $x = 3$ and $x = -4$.", "3", False),
    ],
)
def test_extraction_of_several_values(response: str, reference: str, expected: bool) -> None:
    assert (check_inline(response, reference)[0] == "correct") is expected


def test_reward_reads_braceless_references_and_the_issue_call_shape() -> None:
    assert math_reward(["q"], ["\\boxed{0.5}"], answer=["\\frac12"]) == [1.0]
    assert math_reward(["\\boxed{1.5}"], ["\\dfrac32"]) == [1.0]
    assert math_reward(completions=["\\boxed{\\sqrt{2}}"], answer=["\\sqrt2"]) == [1.0]


@pytest.mark.parametrize(
    ("solution", "answer", "rule"),
    [
        ("So $x=5$ and the answer is $\\boxed{5}$.", "5", "the_answer_is"),
        ("Adding up gives \\fbox{\\frac{3}{4}}", "\\frac{3}{4}", "boxed"),
        ("Janet sells 16 - 3 - 4 = 9 eggs.\n#### 9", "9", "hashes"),
        ("Step one.\nThe answer is: 18", "18", "the_answer_is"),
        ("Both: $\\boxed{2}$ and $\\boxed{3}$", "2, 3", "boxed"),
        ("First \\boxed{2}. Later we find \\boxed{7}.", None, "ambiguous"),
        ("So \\boxed{4}.\nThe answer is: 5", None, "ambiguous"),
        ("#### 1,000\nThe answer is: 1000", "1,000", "hashes"),
        ("This proves the claim.", None, "none"),
    ],
)
def test_answer_from_solution(solution: str, answer: str | None, rule: str) -> None:
    got = answer_from_solution(solution)
    assert (got.answer, got.rule) == (answer, rule)


def test_verify_takes_references_from_solutions(catalog) -> None:  # noqa: ANN001
    from redstar_data.ids import problem_id, trace_id
    from redstar_data.verify.run import verify

    probs = [
        ("P1?", None, "We find $\\boxed{\\frac{1}{2}}$."),
        ("P2?", None, "Two tries: \\boxed{3} then \\boxed{4}."),
        ("P3?", "7", "The answer is: 8"),  # the problem's own answer wins over its solution
    ]
    pids = [problem_id(p, None) for p, _, _ in probs]
    catalog.append(
        "problems",
        pa.table(
            {
                "problem_id": pids,
                "source_id": ["s"] * 3,
                "domain": ["math"] * 3,
                "problem": [p for p, _, _ in probs],
                "answer": pa.array([a for _, a, _ in probs], pa.string()),
                "solution": [s for _, _, s in probs],
            }
        ),
    )
    catalog.append(
        "traces",
        pa.table(
            {
                "trace_id": [trace_id(p, "r", 0) for p in pids],
                "problem_id": pids,
                "run_id": ["r"] * 3,
                "sample_index": pa.array([0] * 3, pa.int32()),
                "text": ["so \\boxed{0.5}", "so \\boxed{3}", "so \\boxed{7}"],
                "finish_reason": ["stop"] * 3,
            }
        ),
    )
    verify(catalog, workers=1)
    got = dict(
        catalog.rows(
            "SELECT p.problem, v.label FROM verifications v JOIN traces t USING (trace_id) "
            "JOIN problems p USING (problem_id)"
        )
    )
    assert got == {"P1?": "correct", "P2?": "error", "P3?": "correct"}
    meta = dict(catalog.rows("SELECT problem, json_extract_string(meta, '$.answer_from.rule') FROM problems"))
    assert meta == {"P1?": "boxed", "P2?": "ambiguous", "P3?": None}
    assert fill_references(catalog) == {}  # each problem is read once per rule version


def _generator():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("make_verifier_pairs", GEN)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_generated_set_matches_its_generator_and_size() -> None:
    gen = _generator()
    rows = gen.generate()
    kept = [json.loads(line) for line in gen.OUT.read_text().splitlines()]
    assert rows == kept, "benchmarks/data/verifier_pairs.jsonl is stale: rerun its generator"
    assert len(rows) >= 1500 and len({r["category"] for r in rows}) >= 25
    assert {r["split"] for r in rows} == {"dev", "measure"}
    assert sum(r["label"] for r in rows) > 0.35 * len(rows) and sum(
        not r["label"] for r in rows
    ) > 0.35 * len(rows)


def test_generated_dev_half_sample() -> None:
    rows = [json.loads(line) for line in _generator().OUT.read_text().splitlines()]
    sample = [r for r in rows if r["split"] == "dev"][::4]
    wrong = []
    for r in sample:
        resp = r.get("response") or f"\\boxed{{{r['candidate']}}}"
        if (check_inline(resp, r["reference"])[0] == "correct") is not r["label"]:
            wrong.append((r["category"], r["reference"], r.get("candidate")))
    assert len(wrong) <= 0.01 * len(sample), wrong
