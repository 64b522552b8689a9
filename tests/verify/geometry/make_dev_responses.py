"""Writes ``dev_responses.jsonl``: real-style responses per category for the geometry dev set's problems.

Run once by hand (``python tests/verify/geometry/make_dev_responses.py ../shared/data/geo/problems.jsonl``);
the output is committed and ``test_geometry_dev.py`` grades it against the dev set read from ``../shared``.
The phrasings are redstar's own writing (templates varied per problem by a seeded RNG), not model output.
Values are rendered with sympy's own ``latex()`` / decimal evaluation, an independent path from the
verifier's reading, so the test is not the verifier grading its own notation. Each row: problem id,
category, response, and the label a careful human grader gives it (fixed by construction).
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import sympy

LETTERS = "ABCD"


def sym(answer: str) -> sympy.Expr:
    """The dataset's answer as sympy (trusted dataset text, test tooling only)."""
    s = answer.replace("\\pi", " pi ").replace("\\sqrt", "sqrt").replace("\\frac", "frac")
    s = re.sub(r"frac\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}\s*\{([^{}]*)\}", r"((\1)/(\2))", s)
    s = re.sub(r"sqrt\s*\{([^{}]*)\}", r"sqrt(\1)", s)
    s = re.sub(r"(\d|\))\s+(?=[a-z(])", r"\1*", s)
    return sympy.sympify(s.replace("{", "(").replace("}", ")"))


def decimal(e: sympy.Expr, digits: int) -> str:
    return f"{float(e):.{digits}f}"


def exact_latex(e: sympy.Expr, rng: random.Random) -> str:
    """A LaTeX (or unicode / sympy-text) form of the exact value, as models write it."""
    form = rng.choice(["latex", "latex", "unicode", "sympy"])
    if form == "sympy" or e.is_Integer:
        return str(e) if form == "sympy" else sympy.latex(e)
    if form == "unicode":
        return (
            sympy.pretty(e, use_unicode=True)
            if "\n" not in sympy.pretty(e, use_unicode=True)
            else sympy.latex(e)
        )
    return sympy.latex(e)


def is_angle(row: dict) -> bool:
    """An angle is asked for: FormalGeo's goal says so; Geometry3K asks for ``m \\angle`` / an arc."""
    if row["dataset"] == "formalgeo7k":
        return str(row["meta"].get("goal_cdl", "")).startswith("Value(MeasureOfAngle")
    return bool(re.search(r"m \\angle|m \\widehat|measure of", row["problem"]))


INTROS = [
    "Let me work through the figure.",
    "From the diagram, we can set up the relation.",
    "Looking at the diagram carefully:",
    "We use the given measures in the figure.",
    "First, identify what is given.",
]
STEPS = [
    "Using the properties of the figure, we set up an equation and solve it.",
    "Applying the relevant theorem gives the measure directly.",
    "By the angle relationships shown, we can compute the unknown.",
    "Solving the resulting equation step by step gives the value.",
]


def letter_responses(row: dict, rng: random.Random, val: sympy.Expr) -> list[tuple[str, str, str]]:
    L = row["answer_letter"]
    wrong = rng.choice([x for x in LETTERS if x != L])
    v = row["answer"]
    out = []
    forms = [
        "The answer is {L}.",
        "Answer: ({L})",
        "**Answer: {L}**",
        "So the correct option is {L}.",
        "Therefore, the answer is $\\boxed{{{L}}}$.",
        "\\boxed{{\\text{{{L}}}}}",
        "{L}",
        "The correct choice is ({L}) ${v}$.",
        "Final Answer: The final answer is $\\boxed{{{L}}}$",
        "故选{L}。",
    ]
    f = rng.choice(forms)
    right = f.format(L=L, v=v)
    other = f.format(L=wrong, v=row["choices"][LETTERS.index(wrong)])
    out.append(("letter", f"{rng.choice(INTROS)} {rng.choice(STEPS)}\n\n{right}", "correct"))
    out.append(("letter", f"{rng.choice(INTROS)}\n\n{other}", "incorrect"))
    out.append(("boxed", f"{rng.choice(STEPS)} Hence the answer is \\boxed{{{L}}}.", "correct"))
    out.append(("boxed", f"{rng.choice(STEPS)} Hence the answer is \\boxed{{({wrong})}}.", "incorrect"))
    return out


def value_responses(row: dict, rng: random.Random, val: sympy.Expr) -> list[tuple[str, str, str]]:
    out = []
    ex = exact_latex(val, rng)
    deg = "^\\circ" if is_angle(row) else ""
    templates = [
        "Therefore, the measure is ${v}{d}$.",
        "So $x = {v}{d}$.",
        "\\boxed{{{v}{d}}}",
        "The answer is ${v}{d}$.",
        "Thus the value we want is ${v}{d}$.",
    ]
    t = rng.choice(templates)
    out.append(("value", f"{rng.choice(INTROS)} {rng.choice(STEPS)}\n\n" + t.format(v=ex, d=deg), "correct"))
    wrong_val = val * 2 if val != 0 else val + 1
    out.append(("value", f"{rng.choice(STEPS)}\n\n" + t.format(v=sympy.latex(wrong_val), d=deg), "incorrect"))
    if is_angle(row):
        form = rng.choice(["{v}°", "{v}^{{\\circ}}", "{v} degrees", "\\angle = {v}^\\circ"])
        out.append(("degrees", f"{rng.choice(STEPS)}\n\nThe angle measures {form.format(v=ex)}.", "correct"))
        out.append(
            ("degrees", f"So the answer is \\boxed{{{form.format(v=sympy.latex(val + 10))}}}", "incorrect")
        )
    if val.has(sympy.sqrt) or any(
        isinstance(a, sympy.Pow) and a.exp == sympy.S.Half for a in sympy.preorder_traversal(val)
    ):
        forms = [sympy.latex(val), str(val), sympy.latex(val).replace("\\sqrt{", "\\sqrt {")]
        out.append(("radicals", f"{rng.choice(STEPS)} \\boxed{{{rng.choice(forms)}}}", "correct"))
        out.append(
            ("radicals", f"{rng.choice(STEPS)} \\boxed{{{sympy.latex(val * sympy.sqrt(2))}}}", "incorrect")
        )
    if val.is_Rational and not val.is_Integer:
        p, q = val.p, val.q
        forms = [f"\\frac{{{p}}}{{{q}}}", f"{p}/{q}", f"\\dfrac{{{p}}}{{{q}}}"]
        out.append(("fractions", f"{rng.choice(STEPS)} The answer is ${rng.choice(forms)}$.", "correct"))
        out.append(("fractions", f"{rng.choice(STEPS)} The answer is $\\frac{{{q}}}{{{p}}}$.", "incorrect"))
    if not val.is_Rational or (val.is_Rational and not val.is_Integer):
        out.append(
            (
                "rounding",
                f"{rng.choice(STEPS)} So the answer is approximately \\boxed{{{decimal(val, 2)}}}.",
                "correct",
            )
        )
    return out


def choice_specific(row: dict, rng: random.Random, val: sympy.Expr) -> list[tuple[str, str, str]]:
    L = row["answer_letter"]
    i = LETTERS.index(L)
    others = [x for x in LETTERS if x != L]
    wrong = rng.choice(others)
    wrong_text = row["choices"][LETTERS.index(wrong)]
    v = row["answer"]
    out = [
        (
            "wrong_choice_number",
            f"{rng.choice(STEPS)} This gives ${v}$, which is option {wrong}.\n\nThe answer is {wrong}.",
            "incorrect",
        ),
        ("wrong_choice_number", f"We get ${v}$. \\boxed{{{wrong}}}", "incorrect"),
        ("conflict", f"{rng.choice(STEPS)}\n\nAnswer: ({L}) ${wrong_text}$", "incorrect"),
        ("conflict", f"{rng.choice(STEPS)}\n\n\\boxed{{{wrong}: {v}}}", "incorrect"),
        ("conflict", f"{rng.choice(STEPS)}\n\nAnswer: ({L}) ${v}$", "correct"),
    ]
    vals = ", ".join(f"{x} is ${c}$" for x, c in zip(LETTERS, row["choices"], strict=True))
    cot = (
        f"{rng.choice(INTROS)} The options are: {vals}. Let me check each one against the figure. "
        f"If it were ${wrong_text}$, the angles would not add up to 180. Trying ${row['choices'][(i + 1) % 4]}$ gives "
        f"a contradiction with the marked side 12 as well. {rng.choice(STEPS)} Computing carefully gives ${v}$.\n\n"
        f"Double-check: 3 + 4 = 7 and 25 - 9 = 16, consistent.\n\n"
    )
    out.append(
        (
            "long_cot",
            cot + rng.choice([f"Therefore, the answer is {L}.", f"So the answer is ${v}$."]),
            "correct",
        )
    )
    out.append(
        (
            "long_cot",
            cot.replace(f"gives ${v}$", f"gives ${wrong_text}$") + f"Therefore, the answer is {wrong}.",
            "incorrect",
        )
    )
    think = (
        f"<think>\n{rng.choice(INTROS)} Maybe it is {wrong}? The value ${wrong_text}$ looks plausible... "
        f"no, recomputing gives ${v}$.\n</think>\n\n"
    )
    out.append(
        (
            "think",
            think + rng.choice([f"The answer is \\boxed{{{L}}}.", f"**{L}**", f"Answer: {L}. ${v}$"]),
            "correct",
        )
    )
    out.append(
        (
            "think",
            think.replace("no, recomputing", "yes, recomputing").replace(
                f"gives ${v}$", f"gives ${wrong_text}$"
            )
            + f"The answer is \\boxed{{{wrong}}}.",
            "incorrect",
        )
    )
    return out


def common(row: dict, rng: random.Random, val: sympy.Expr) -> list[tuple[str, str, str]]:
    out = [
        (
            "no_answer",
            rng.choice(
                [
                    "I cannot read the measurements in the diagram clearly, so I cannot determine the answer.",
                    f"<think>\n{rng.choice(INTROS)} {rng.choice(STEPS)} The side is 12 and the angle is 30 so",
                    f"{rng.choice(INTROS)} Let the unknown be x. From the figure, the two marked angles are related, and we need to",
                ]
            ),
            "no_answer",
        ),
    ]
    if row["choices"] is None:
        ex = exact_latex(val, rng)
        out.append(
            (
                "think",
                f"<think>\nIs it {sympy.latex(val + 1)}? No. It is {ex}.\n</think>\n\nThe answer is $\\boxed{{{ex}}}$.",
                "correct",
            )
        )
        out.append(
            (
                "think",
                f"<think>\nIs it {ex}? No.\n</think>\n\nThe answer is $\\boxed{{{sympy.latex(val + 1)}}}$.",
                "incorrect",
            )
        )
        out.append(
            (
                "long_cot",
                f"{rng.choice(INTROS)} The given lengths are 3, 5 and 12, and one angle is 40°. {rng.choice(STEPS)} "
                f"Checking: 40 + 50 = 90.\n\nTherefore, the answer is ${ex}$.",
                "correct",
            )
        )
    return out


def main(src: str, dst: str) -> None:
    rows = [json.loads(line) for line in Path(src).read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for row in rows:
        rng = random.Random("geo:" + row["id"])
        val = sym(row["answer"])
        items = value_responses(row, rng, val) + common(row, rng, val)
        if row["choices"]:
            items += letter_responses(row, rng, val) + choice_specific(row, rng, val)
        for cat, resp, label in items:
            out.append({"id": row["id"], "cat": cat, "label": label, "response": resp})
    Path(dst).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")
    print(f"{len(out)} responses for {len(rows)} problems -> {dst}")


if __name__ == "__main__":
    main(
        sys.argv[1],
        sys.argv[2] if len(sys.argv) > 2 else str(Path(__file__).with_name("dev_responses.jsonl")),
    )
