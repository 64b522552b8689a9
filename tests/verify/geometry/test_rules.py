"""The geometry verifier's rules one by one: reading letters and values, value-to-option mapping tiers,
conflicts, references in both datasets' notations, odd inputs, hostile inputs, and check_many == check."""

from __future__ import annotations

import pytest

from redstar_data.verify.base import LABELS
from redstar_data.verify.choice import final_answer, read_answer, to_latex
from redstar_data.verify.geometry import REL_TOL, GeometryVerifier, check, check_choice, check_many
from tests.verify.test_hostile import CPU_LIMIT, _timed

ANGLE = ["26", "39", "55", "62"]
RADICAL = ["2 \\sqrt { 3 }", "4", "4 \\sqrt { 3 }", "8"]


@pytest.mark.parametrize(
    ("answer", "letter", "value"),
    [
        ("C", "C", None),
        ("(C)", "C", None),
        ("\\text{C}", "C", None),
        ("\\textbf{(C)}", "C", None),
        ("**C**", "C", None),
        ("C: 30°", "C", "30"),
        ("(C) 30^\\circ", "C", "30"),
        ("C. 4\\sqrt{3}", "C", "4\\sqrt{3}"),
        ("C — 30°", "C", "30"),
        ("option C", "C", None),
        ("Option C is correct", "C", None),
        ("30, which is option C", "C", "30"),
        ("30°", None, "30"),
        ("30 degrees", None, "30"),
        ("\\angle ABC = 30^{\\circ}", None, "30"),
        ("m∠ABC = 30°", None, "30"),
        ("B = 30", None, "30"),  # a label, not an option
        ("x \\approx 12.5", None, "12.5"),
        ("12.5 cm^2", None, "12.5"),
        ("4*sqrt(3)", None, "4*sqrt(3)"),
        ("C, 55°", "C", "55"),
        ("The measure of angle 4 is 55°", None, "55"),
        ("55 (rounded to the nearest degree)", None, "55"),
        ("2*(sqrt(3)+1)", None, "2*(sqrt(3)+1)"),  # a parenthesis of maths is no trailer
    ],
)
def test_read_answer(answer: str, letter: str | None, value: str | None) -> None:
    got = read_answer(answer)
    assert (got.letter, got.value) == (letter, value)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("work...\n\nAnswer: (C) 30", "(C) 30"),
        ("work... the correct option is B.", "B"),
        ("由图可知，故选C。", "C"),
        ("<think>\\boxed{A}</think>\n**C**", "C"),
        ("<think>so the answer is A</think>\nThe answer is D.", "D"),
        ("Answer: C\n\nNote that the answer is consistent with the figure.", "C"),  # prose after a marker
        ("所以∠4的度数为55°。", "55°"),
        ("Thus, the measure of angle 4 is 55°.", "55°"),
        ("So x = 12.5.", "So x = 12.5"),  # a short "label = value" line is kept whole (read_answer: 12.5)
        ("First we find angle B, then angle A.", None),
        ("<think>angle 4 is 180 - 125, which is\n55", None),  # cut trace: its last line is no answer
    ],
)
def test_final_answer(text: str, answer: str | None) -> None:
    got = final_answer(text).answer
    assert (got.strip(" .") if got else got) == answer


def test_references_in_both_notations_read_alike() -> None:
    assert to_latex("4 \\sqrt { 3 }") == "4 \\sqrt{3}"  # Geometry3K spacing tightened around braces
    assert to_latex("\\frac { 14 } { 3 }") == "\\frac{14}{3}"
    assert to_latex("2*sqrt(3)") == "2*\\sqrt(3)"
    assert to_latex("32/sin(11*pi/36)") == "32/\\sin(11*\\pi /36)"
    assert to_latex("\\sin 30^\\circ") == "\\sin (30\\pi/180)"  # degrees in a trig argument are radians
    for resp in (
        "\\boxed{4\\sqrt{3}}",
        "\\boxed{4 \\sqrt { 3 }}",
        "\\boxed{4*sqrt(3)}",
        "\\boxed{\\sqrt{48}}",
    ):
        assert check_choice(resp, "4*sqrt(3)").label == "correct", resp
        assert check_choice(resp, "4 \\sqrt { 3 }").label == "correct", resp
    assert check_choice("\\boxed{2.4}", "12/5").label == "correct"
    assert check_choice("\\boxed{\\frac{12}{5}}", "12/5").label == "correct"
    assert check_choice("\\boxed{\\frac{32}{\\sin 55^\\circ}}", "32/sin(11*pi/36)").label == "correct"


def test_letter_rules() -> None:
    assert check_choice("\\boxed{C}", "55", ANGLE, "C").label == "correct"
    assert check_choice("\\boxed{B}", "55", ANGLE, "C").label == "incorrect"
    out = check_choice("\\boxed{E}", "55", ANGLE, "C")
    assert (out.label, out.method) == ("incorrect", "letter_out_of_range")
    # the letter is derived from the answer when the catalog has none
    assert check_choice("The answer is C.", "55", ANGLE, None).label == "correct"
    assert check_choice("The answer is D.", "55", ANGLE, None).label == "incorrect"
    # GeoQA-style data keeping only the letter
    assert check_choice("\\boxed{B}", "B").label == "correct"
    # a letter for a free-form problem names nothing
    assert check_choice("\\boxed{C}", "70").label == "incorrect"


def test_wrong_option_with_the_right_number_is_incorrect() -> None:
    out = check_choice("We get 55°, so the answer is \\boxed{B}.", "55", ANGLE, "C")
    assert out.label == "incorrect"
    out = check_choice("\\boxed{B: 55^\\circ}", "55", ANGLE, "C")
    assert (out.label, out.method, out.details["value_maps_to"]) == ("incorrect", "conflict", "C")
    out = check_choice("Answer: (C) 39", "55", ANGLE, "C")  # right letter, another option's value
    assert (out.label, out.method) == ("incorrect", "conflict")
    assert check_choice("Answer: (C) 55", "55", ANGLE, "C").label == "correct"
    assert check_choice("Answer: (C) the bisector", "55", ANGLE, "C").label == "correct"  # no value: letter


def test_value_to_option_tiers() -> None:
    tenth = ["7.4", "8.0", "12.5", "13.5"]
    # rounding at the option's precision, or at the answer's own
    assert check_choice("\\boxed{12.47}", "12.5", tenth, "C").method == "value:rounding"
    assert check_choice("\\boxed{6.93}", "4 \\sqrt { 3 }", RADICAL, "C").label == "correct"
    assert check_choice("\\boxed{6.9}", "4 \\sqrt { 3 }", RADICAL, "C").label == "correct"
    assert (
        check_choice("\\boxed{7}", "4 \\sqrt { 3 }", RADICAL, "C").label == "incorrect"
    )  # an integer is exact
    # relative tolerance, only between options
    assert check_choice("\\boxed{12.44}", "12.5", tenth, "C").method == "value:tolerance"
    assert check_choice("\\boxed{12.44}", "12.5").label == "incorrect"
    assert 0.0 < REL_TOL < 0.006  # under half the dev set's closest options (82 vs 83: 1.2 %)
    close = ["80", "82", "82.6", "83"]
    out = check_choice("\\boxed{82.3}", "82", close, "B")
    assert (out.label, out.details["value_maps_to"]) == ("incorrect", "ambiguous")
    # a value matching no option
    out = check_choice("\\boxed{100}", "55", ANGLE, "C")
    assert (out.label, out.details["value_maps_to"]) == ("incorrect", "no_option")


def test_no_answer_and_odd_inputs() -> None:
    assert check_choice("Let the angle be x. We need to", "55", ANGLE, "C").label == "no_answer"
    assert check_choice(None, "55", ANGLE, "C").label == "no_answer"  # type: ignore[arg-type]
    assert check_choice(b"\\boxed{C}", "55", ANGLE, "C").label == "correct"
    assert check_choice("\\boxed{55}", 55, '["26", "39", "55", "62"]', "C").label == "correct"  # catalog JSON
    assert check_choice("\\boxed{C}", "", None, None).label == "error"
    assert check_choice("\\boxed{4\\sqrt{3}}", "4 \\sqrt { 3 }", RADICAL, "C", timeout=0.0).label == "timeout"


def test_check_many_agrees_with_check_and_the_verifier_reads_catalog_rows() -> None:
    pairs = [
        ("\\boxed{C}", {"answer": "55", "choices": ANGLE, "answer_letter": "C"}),
        ("\\boxed{4\\sqrt{3}}", {"answer": "4 \\sqrt { 3 }", "choices": RADICAL, "answer_letter": "C"}),
        ("\\boxed{2\\sqrt{3}}", "2*sqrt(3)"),
        ("The answer is B: 55°.", {"answer": "55", "choices": ANGLE, "answer_letter": "C"}),
        ("no idea", "70"),
    ]
    many = check_many(pairs, workers=1)
    assert [v.label for v in many] == [check(r, ref).label for r, ref in pairs]
    assert [v.label for v in many] == ["correct", "correct", "correct", "incorrect", "no_answer"]
    v = GeometryVerifier()
    row = {
        "answer": "55",
        "choices": '["26","39","55","62"]',
        "answer_letter": "C",
        "meta": '{"precise_value": [26, 39, 55, 62]}',
    }
    ref = v.reference(row)
    assert ref is not None and v.check("Answer: C", ref).label == "correct"
    assert v.reference({"answer": " ", "answer_letter": None, "meta": None}) is None
    assert GeometryVerifier.final_answer("**Answer:** B") == "B"


HOSTILE = {
    "boxes": "\\boxed{" * 200_000,
    "answer_markers": "Answer: " * 100_000,
    "option_markers": "option " * 200_000 + "C",
    "cjk_markers": "故选" * 200_000 + "C",
    "parens": "(" * 500_000 + "C",
    "letters": "C " * 300_000,
    "digits": "\\boxed{" + "9" * 100_000 + "}",
    "eq_chain": "Therefore x = " + "= ".join(["1"] * 50_000),
    "think_spam": "<think>" * 100_000 + "</think>" * 100_000 + "Answer: C",
    "dollars": "$" * 300_000,
    "long_sum": "The answer is " + "1+" * 100_000 + "1",
    "lines": "Therefore x = 1\n" * 100_000,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_responses_cost_bounded_cpu(name: str) -> None:
    """Reading and deciding are linear in the response with bounded windows (CPU time of this process;
    sympy work runs in a worker whose wall time the budget bounds: see the next test)."""
    text = HOSTILE[name]
    out, cpu = _timed(lambda: check_choice(text, "4 \\sqrt { 3 }", RADICAL, "C"))
    assert cpu < CPU_LIMIT, f"{name}: {cpu:.2f}s CPU"
    assert out.label in LABELS  # type: ignore[attr-defined]


def test_pathological_values_end_within_the_budget() -> None:
    """A value sympy cannot finish (a power tower, a giant factorial) is cut at the item's time limit."""
    for resp in ("\\boxed{10^{10^{10^{10}}}}", "\\boxed{(10^{9})!}"):
        out = check_choice(resp, "4 \\sqrt { 3 }", RADICAL, "C", timeout=0.5)
        assert out.label in ("timeout", "incorrect"), (resp, out)


AREA = ["18.8", "37.7", "113.1", "452.4"]
SCALE = ["\\frac { 9 } { 49 }", "\\frac { 3 } { 7 }", "\\frac { 7 } { 3 }", "\\frac { 49 } { 9 }"]


@pytest.mark.parametrize(
    ("answer", "letter", "value"),
    [
        ("probably C", "C", None),  # an adverb after the marker is not the answer
        ("therefore (C)", "C", None),
        ("not B; it is C", "C", None),  # the negated option is dropped
        ("not B but C", "C", None),
        ("not a right angle", None, "not a right angle"),  # a lower-case article is no option
        ("3:7", None, "\\frac{3}{7}"),  # a ratio is its quotient
        ("approximately 54.9 units squared", None, "54.9"),
        ("70º", None, "70"),  # degree-sign look-alikes
        ("55˚", None, "55"),
    ],
)
def test_read_answer_audit_forms(answer: str, letter: str | None, value: str | None) -> None:
    """Forms the independent audit set (audit_pairs.yaml) found unread, pinned without the shared data."""
    got = read_answer(answer)
    assert (got.letter, got.value, got.hedge) == (letter, value, False)


@pytest.mark.parametrize(
    "answer", ["C, D", "B or C", "C/D", "(C) and (D)", "either C or D", "\\text{C} or \\text{D}"]
)
def test_two_options_are_a_hedge(answer: str) -> None:
    assert read_answer(answer).hedge
    out = check_choice(f"\\boxed{{{answer}}}", "55", ANGLE, "C")
    assert (out.label, out.method) == ("incorrect", "hedge")
    assert check_choice(f"The answer is {answer}.", "55", ANGLE, "C").label == "incorrect"


@pytest.mark.parametrize(
    ("response", "answer", "choices", "letter", "label"),
    [
        ("b", "8.0", ["7.4", "8.0", "12.5", "13.5"], "B", "correct"),  # a lone lower-case letter
        ("a", "8.0", ["7.4", "8.0", "12.5", "13.5"], "B", "incorrect"),
        ("The answer is probably B.", "8.0", ["7.4", "8.0", "12.5", "13.5"], "B", "correct"),
        ("The answer is not B; it is C.", "55", ANGLE, "C", "correct"),
        ("The area of the circle is about 113.1 square centimeters.", "113.1", AREA, "C", "correct"),
        ("The area of the circle is about 37.7 square centimeters.", "113.1", AREA, "C", "incorrect"),
        ("The shaded region has an area of 113.1 square inches.", "113.1", AREA, "C", "correct"),
        ("The circumference is approximately 36.4 feet.", "36.4", None, None, "correct"),
        ("The area of DABC is 10 sq. units.", "10", None, None, "correct"),
        ("Area ≈ 54.9 units squared", "54.9", None, None, "correct"),
        ("The scale factor is 3:7.", "\\frac { 3 } { 7 }", SCALE, "B", "correct"),
        ("\\boxed{7:3}", "\\frac { 3 } { 7 }", SCALE, "B", "incorrect"),
        ("The answer is 70º.", "70", None, None, "correct"),
        ("So m∠4 = 55˚.", "55", ANGLE, "C", "correct"),
        ("\\boxed{\\frac{110^\\circ}{2}}", "55", ANGLE, "C", "correct"),
        # a cut <think> trace is still thinking: no marker or box in it is final
        ("<think>\nAngle 4 = 55°, option C. But wait, the transversal", "55", ANGLE, "C", "no_answer"),
        ("<think>\nSo the answer is \\boxed{C}. Let me verify with", "55", ANGLE, "C", "no_answer"),
        ("<think>\nSo the answer is \\boxed{C}.\n</think>\n\\boxed{C}", "55", ANGLE, "C", "correct"),
    ],
)
def test_audit_forms_graded(
    response: str, answer: str, choices: list[str] | None, letter: str | None, label: str
) -> None:
    assert check_choice(response, answer, choices, letter).label == label


@pytest.mark.parametrize(
    "answer",
    [
        "55 or 62",
        "either 55 or 62",
        "55^\\circ \\text{ or } 62^\\circ",
        "x = 55 or x = 62",
        "55, or maybe 62",
        "either C (55) or D (62)",
    ],
)
def test_two_values_are_a_hedge(answer: str) -> None:
    """Two different values joined by "or" are no single pick, whichever of them is right (geometry 1.4.0)."""
    assert read_answer(answer).hedge
    out = check_choice(f"The answer is {answer}.", "55", ANGLE, "C")
    assert (out.label, out.method) == ("incorrect", "hedge")
    free = check_choice(f"\\boxed{{{answer.replace('C (55)', '55').replace('D (62)', '62')}}}", "55")
    assert (free.label, free.method) == ("incorrect", "hedge")


@pytest.mark.parametrize("answer", ["55 or 55.0", "55, or about 55.0", "55^\\circ, or 0.96 radians"])
def test_one_value_restated_is_not_a_hedge(answer: str) -> None:
    assert not read_answer(answer).hedge
    assert check_choice(f"The answer is {answer}.", "55", ANGLE, "C").label == "correct"


@pytest.mark.parametrize("answer", ["between 3 and 4", "\\text{between } 3 \\text{ and } 4", "from 50 to 62"])
def test_a_range_is_not_a_value(answer: str) -> None:
    assert read_answer(answer).span
    out = check_choice(f"\\boxed{{{answer}}}", "3")
    assert (out.label, out.method) == ("incorrect", "range")


@pytest.mark.parametrize("response", ["The answer is 70 deg.", "\\boxed{70degs}", "The measure is 70 degs."])
def test_deg_and_degs_spellings(response: str) -> None:
    assert check_choice(response, "70", ["60", "65", "70", "75"], "C").label == "correct"
    assert check_choice(response, "70").label == "correct"


# ---- geometry 1.5.0: the notation audit (notation_pairs.yaml) misses, pinned without the shared data


@pytest.mark.parametrize("response", ["\\boxed{70^o}", "\\boxed{70^{o}}", "So ∠BAD = 70^o."])
def test_superscript_o_is_a_degree_sign(response: str) -> None:
    assert check_choice(response, "70").label == "correct"
    assert check_choice(response, "70", ["60", "65", "70", "75"], "C").label == "correct"


def test_superscript_o_inside_trig_is_degrees() -> None:
    assert check_choice("\\boxed{\\frac{1}{\\sin 30^o}}", "2").label == "correct"


@pytest.mark.parametrize(
    ("response", "answer"),
    [
        ("A = 24 \\, \\text{units}^2", "24"),  # a last line with LaTeX spacing and a \text unit
        ("C = \\pi d = 2\\sqrt{52}\\,\\pi", "4 \\sqrt { 13 } \\pi"),
        ("\\tan A = \\frac{12}{9} = 1.3\\overline{3}", "4/3"),  # a repeating decimal
    ],
)
def test_concluding_line_values_with_spacing_and_repeats(response: str, answer: str) -> None:
    assert final_answer(response).method == "conclusion_line"
    assert check_choice(response, answer).label == "correct"


def test_thin_space_thousands_are_one_number() -> None:
    assert check_choice("\\boxed{1\\,000}", "1000").label == "correct"
    assert check_choice("\\boxed{1\\,000}", "1").label == "incorrect"


@pytest.mark.parametrize(
    ("response", "label"), [("b) 10", "correct"), ("d. 20", "incorrect"), ("b)10", "correct")]
)
def test_lower_case_option_with_its_value(response: str, label: str) -> None:
    assert read_answer(response).letter == response[0].upper()
    assert check_choice(response, "10", ["5", "10", "20", "100"], "B").label == label


@pytest.mark.parametrize(
    "response", ["The answer is a length of 10.", "The answer is an area of 10 square units."]
)
def test_article_a_before_of_is_not_option_a(response: str) -> None:
    assert check_choice(response, "10", ["5", "10", "20", "100"], "B").label == "correct"
    assert (
        check_choice(response.replace("10", "20"), "10", ["5", "10", "20", "100"], "B").label == "incorrect"
    )


def test_an_operation_of_a_value_is_not_that_value() -> None:
    assert check_choice("The answer is half of 20.", "20", ["5", "10", "20", "100"], "C").label != "correct"


@pytest.mark.parametrize("line", ["C. m∠4 = 55°", "C) 55°", "**C. 55**"])
def test_an_option_line_with_its_value_still_concludes(line: str) -> None:
    assert (
        check_choice(f"Angle 4 and the 125° angle are a linear pair.\n\n{line}", "55", ANGLE, "C").label
        == "correct"
    )


def test_an_option_listed_with_a_comment_is_not_the_answer() -> None:
    listing = "A) 5: too small.\nB) 10: matches.\nC) 20: too large.\nD) 100: far too large."
    assert final_answer(listing).answer is None
    assert check_choice(listing, "10", ["5", "10", "20", "100"], "B").label == "no_answer"
    assert check_choice("Checked all four.\nD) 100", "10", ["5", "10", "20", "100"], "B").label == "incorrect"


@pytest.mark.parametrize(
    "response",
    [
        "Opposite angles sum to 180°.\nSo ∠BAD = 180° − 110° = 70°. Hmm, wait",
        "tan 60° = AB/BC.\nSo AB = 4·√3 = 4√3. But wait, maybe",
        "The angles are supplementary.\nSo x = 70. Let me",
    ],
)
def test_a_last_line_cut_mid_thought_has_no_answer(response: str) -> None:
    assert final_answer(response).answer is None
    ended = response.rsplit(". ", 1)[0] + "."
    assert final_answer(ended).answer is not None  # the same line without the run-on still concludes
