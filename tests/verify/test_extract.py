"""Answer extraction from long chain-of-thought responses (synthetic edge cases + real long traces)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redstar_data.verify.extract import extract_answer, find_boxed
from redstar_data.verify.math import check


@pytest.mark.parametrize(
    ("response", "answer", "method"),
    [
        ("so \\boxed{\\frac{1}{2}} done", "\\frac{1}{2}", "boxed"),
        ("nested \\boxed{\\frac{\\sqrt{3}}{\\{2\\}}}", "\\frac{\\sqrt{3}}{\\{2\\}}", "boxed"),
        ("first \\boxed{3} then, after checking, \\boxed{5}.", "5", "boxed"),
        ("roots $\\boxed{2}$ and $\\boxed{3}$", "2, 3", "boxed"),
        ("\\fbox{42}", "42", "boxed"),
        ("the answer: \\boxed 5.", "5", "boxed"),
        ("<answer>\\frac{3}{4}</answer>", "\\frac{3}{4}", "answer_tag"),
        ("blah <answer>It is \\boxed{7}</answer>", "7", "answer_tag_boxed"),
        ("<think>maybe \\boxed{3}</think>The answer is \\boxed{4}", "4", "after_think_boxed"),
        ("Final Answer: The final answer is $12$. I hope it is correct.", "12", "final_answer_phrase"),
        (
            "**Final Answer**\n\nThe general solution is:\n\n$$y = x^2$$\n\nwhere $c$ is constant.",
            "y = x^2",
            "final_answer_phrase",
        ),
        ("The value of the integral is $\\frac{1}{\\sqrt{2}}$.", "\\frac{1}{\\sqrt{2}}", "final_math"),
    ],
)
def test_extraction_rules(response: str, answer: str, method: str) -> None:
    ex = extract_answer(response)
    assert (ex.answer, ex.method, ex.weak) == (answer, method, False)


def test_weak_last_number_is_marked() -> None:
    ex = extract_answer("we compute 3 + 4 which gives 7")
    assert (ex.answer, ex.weak) == ("7", True)
    assert check("we compute 3 + 4 which gives 7", "7").details["weak"] is True


def test_truncated_response_without_answer_is_no_answer() -> None:
    v = check("<think>let me think about 12 and 15 and then", "15")
    assert v.label == "no_answer" and v.details["truncated"] is True
    assert check("", "3").label == "no_answer"


def test_unbalanced_box_is_skipped() -> None:
    assert find_boxed("\\boxed{3 \\boxed{4}") == [(9, 18, "4")]


@pytest.mark.slow  # >1000 real long traces through check_many; fast: test_real_data.py::test_dev_accuracy
def test_real_long_traces(shared_data: Path) -> None:
    """On the real long-CoT files our verdicts agree with the authors' graders on >= 97% of rows (2.3.0: 0.981;
    the rest are mostly the graders' own string-match errors and cut traces, benchmarks/longcot_agreement.py).
    Rules were fixed for general causes seen here (docs/verify.md, 2.3.0), never fitted to a row."""
    rows = []
    for f in sorted((shared_data / "longcot").glob("*.jsonl")):
        rows += [json.loads(line) for line in f.open()]
    rows = [r for r in rows if r["meta"].get("label_correct") is not None]
    assert len(rows) > 1000
    agree = 0
    for r in rows:
        ex = extract_answer(r["response"])
        assert ex.answer is None or len(ex.answer) < 5000
    from redstar_data.verify.math import check_many

    verdicts = check_many([(r["response"], r["reference_answer"]) for r in rows], workers=2)
    agree = sum(v.correct == r["meta"]["label_correct"] for v, r in zip(verdicts, rows, strict=True))
    assert agree / len(rows) >= 0.97, agree / len(rows)


@pytest.mark.parametrize(
    ("response", "answer", "method"),
    [
        # a concluding sentence states the value after the last formula (the formula is the question's)
        ("So we need the degree.\n\nTherefore, the degree of \\( g(x) \\) is 5.", "5", "final_statement"),
        ("Check: \\(3 \\cdot 4 = 12\\).\n\nSo, the width is indeed 12 meters now.", "12", "final_statement"),
        ("Let \\(p\\) be the price.\n\nI'm sure the total is 41. It took a while.", "41", "final_statement"),
        ("Tom has \\(n\\) cards.\n\nThus, Tom has 17 cards.", "17", "final_statement"),
        ("Revenue: $30 + $12 = $42.\n\nThat seems right.", "42", "final_statement"),
        # the formula comes after the plain number: the formula is the statement
        ("The value is 3 when \\(y = 2\\), so \\(x = 7\\).", "x = 7", "final_math"),
        # an "answer is" phrase still wins over a number stated after it
        (
            "Hence the answer is $\\frac{2}{3}$, and the other root is 9.",
            "\\frac{2}{3}",
            "final_answer_phrase",
        ),
        # "our answer is correct" judges, it states nothing: the conclusion after it counts
        (
            "So \\(a b = 24\\), our answer is correct.\n\nIn short, the larger one is 6.",
            "6",
            "final_statement",
        ),
        # the answer named before "is the (correct) solution / answer", after the last "answer is"
        (
            "The answer is 2? No.\n\nSo, \\(x = 4\\) is indeed the correct solution.\n\nAlso, 2 to the 4 is 16.",
            "x = 4",
            "final_answer_phrase",
        ),
        ("Checking: 15 is the answer.\n\nNote that 3 times 5 is 15.", "15", "final_answer_phrase"),
    ],
)
def test_concluding_statements(response: str, answer: str, method: str) -> None:
    ex = extract_answer(response)
    assert (ex.answer, ex.method, ex.weak) == (answer, method, False)


def test_concluding_statement_needs_allow_weak() -> None:
    """Callers that take only marked answers (geometry, quality flags) get no sentence-inferred number."""
    text = "Let \\(n\\) be the count.\n\nSo the count is 9."
    assert extract_answer(text).answer == "9"
    assert extract_answer(text, allow_weak=False).answer == "n"


@pytest.mark.parametrize(
    ("response", "answer", "method"),
    [
        # Sky-T1 markers: the solution part after <|end_of_thought|> is the answer part
        (
            "<|begin_of_thought|>maybe \\boxed{3}<|end_of_thought|><|begin_of_solution|>so \\boxed{4}"
            "<|end_of_solution|>",
            "4",
            "after_think_boxed",
        ),
        # the thought boxed its answer; the solution part (cut or plain) restates nothing boxed
        ("<think>so it is \\boxed{6}.</think>\nDone, see above.", "6", "think_boxed"),
        (
            "<|begin_of_thought|>**Final Answer** \\[ \\boxed{-2,1} \\]<|end_of_thought|>"
            "<|begin_of_solution|>We solve \\( x^2 + x - 2 = ",
            "-2,1",
            "think_boxed",
        ),
    ],
)
def test_reasoning_markers(response: str, answer: str, method: str) -> None:
    ex = extract_answer(response)
    assert (ex.answer, ex.method) == (answer, method)


@pytest.mark.parametrize(
    "response",
    [
        "<|begin_of_thought|>Let me try \\(k = 2\\). Then the total is 14, and with \\(k =",
        "<think>So \\( x = 3 \\) works.\n\nNow the degree of \\( f \\) is 4, but wait",
        "<|begin_of_thought|>" + "Alternatively, perhaps 12 is the area.\n\n" * 200,
    ],
)
def test_unfinished_thought_has_no_answer(response: str) -> None:
    """A thought opened and never closed was cut: its last formula or number is no answer."""
    ex = extract_answer(response)
    assert (ex.answer, ex.truncated) == (None, True)
    assert check(response, "3").label == "no_answer"


def test_unfinished_thought_keeps_a_boxed_answer() -> None:
    ex = extract_answer("<|begin_of_thought|>so \\boxed{12} and then I check again, and")
    assert (ex.answer, ex.truncated) == ("12", True)


# ~1,200 characters of QwQ-style working with numbers in it: long enough to judge how the text ends
WORK = "Let me compute the pieces again: 3 times 4 is 12, and 12 plus 5 is 17, so maybe 17 is it.\n\n" * 14


@pytest.mark.parametrize(
    "tail",
    [
        "x^2 + y^2 < x^2 + kx + (k^2)/4 + y^2 - ky + (1/2",  # inside a bracket the last line opened
        "Now, since r = -6, p(0) + p(4) = 24 - 12*(-6) = 24 +",  # after an operator
        "Sum: 12 + 0 + 0 =",
        "The preceding digits can be 0 or 2.\n\nSo,",  # after a comma
        "perhaps I can think about it in music, but again, that",  # on a word no sentence ends with
        "Total ways to choose 2 seats out of",
        "And I already expressed this as:\n\n\\(\\frac{3}{4} (\\cos",
        "So the first case gives \\( x = 3 \\), and the second case gives \\( x = \\frac",
    ],
)
def test_untagged_trace_cut_off_has_no_answer(tail: str) -> None:
    """No closing tag says an untagged trace was cut; how it stops does. Its last number or formula (17, 24,
    1/2 here) is then no answer, even when it happens to equal the reference."""
    ex = extract_answer(WORK + tail)
    assert (ex.answer, ex.method, ex.truncated) == (None, "truncated", True)
    assert check(WORK + tail, "17").label == "no_answer"


@pytest.mark.parametrize(
    ("tail", "answer"),
    [
        ("Therefore, the probability is 2/21.", "2/21"),
        ("So the solution set is $[0, 1)$", "[0, 1)"),  # a half-open interval closes what it opens
        ("So the range is \\( (-\\infty, 0] \\)", "(-\\infty, 0]"),
        ("Thus the point is \\( (8, -2) \\)", "(8, -2)"),
        ("**Final Answer**\n\n\\[ x = 5 \\]", "x = 5"),
        ("**Final Answer: 12**", "12"),
        ("The area decreases by 10%", "10"),
        ("So the answer is \\boxed{12}.\n\nNext problem: find the value of", "12"),  # a box still counts
    ],
)
def test_complete_untagged_trace_is_not_cut(tail: str, answer: str) -> None:
    ex = extract_answer(WORK + tail)
    assert (ex.answer, ex.truncated) == (answer, "Next problem" in tail)


def test_cut_answer_part_falls_back_to_the_thoughts_box() -> None:
    """``<|end_of_thought|>`` then a solution cut mid-formula: its last formula is no answer; the thought's box is."""
    text = "<|begin_of_thought|>" + WORK + "**Final Answer**\n\n\\[ \\boxed{33} \\]\n<|end_of_thought|>\n\n"
    text += "<|begin_of_solution|>\n\nSubstituting: \\[ 4a + 3b = 12 \\]\n\n\\[4 \\left( -\\frac{7}{24} \\right) +"
    assert (extract_answer(text).answer, extract_answer(text).method) == ("33", "think_boxed")


@pytest.mark.parametrize(
    ("response", "answer"),
    [
        # a cut thought whose only "answer is" quotes a remembered answer has not answered
        ("<|begin_of_thought|>" + WORK + "Probability is 5/9.\n\nWait, but I recall that the correct answer is 1/2."
         "\n\nHmm, maybe I made a mistake in setting up the integrals. Let me try again", None),
        ("<think>" + WORK + "But I'm still a bit uneasy because I think the standard answer is 1/14.\n\nMaybe I need "
         "to recount the lines", None),
        ("<think>" + WORK + "I remember seeing this problem; the answer is 7 there. Let me redo the sum", None),
        # a complete trace: the response's own conclusion wins over a recalled one
        (WORK + "From memory, the textbook answer is 1/14.\n\nBut counting again, all 8 lines hold three points."
         "\n\nTherefore, the probability is 2/21.", "2/21"),
        (WORK + "I've seen the answer is 5 somewhere, but let me finish.\n\nSo the final answer is 6.", "6"),
        # the response's own answer phrases still count
        ("<think>" + WORK + "It's clear that the correct answer is \\(-125\\).\n\nAlternatively, I can use", "-125"),
        (WORK + "Using the known formula, the area is 12, so the answer is 12.", "12"),
    ],
)  # fmt: skip
def test_recalled_answer_is_no_stated_answer(response: str, answer: str | None) -> None:
    assert extract_answer(response).answer == answer
