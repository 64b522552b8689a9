"""The built-in SYNTHETIC math source: generated problems with exact answers, for demos, tests and benchmarks.

These are not real problems. They exist so that every stage can be exercised offline and at
million-row scale: ``redstar ingest 'synthetic:math?n=10000&seed=0'``.

Each problem comes from one of several families (multi-step arithmetic, linear equations, fractions,
modular arithmetic, counting, percent, gcd/lcm, quadratic root sums, arithmetic sequences). Its
difficulty level 1-5 is set by construction (more steps, bigger numbers), and its answer is exact:
sympy solves each family's general template once, symbolically (``_closed_forms``), and the closed
form is then evaluated with exact ``Fraction`` arithmetic per row. That keeps 1M rows generable in
seconds, where calling ``sympy.solve`` per row would take tens of minutes; ``tests/ingest`` checks
the closed forms against ``sympy.solve`` on sampled rows.

Rows are deterministic per seed, whatever the batch size.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterator
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa

FAMILIES = (
    "arithmetic",
    "linear_equation",
    "fractions",
    "modular",
    "counting",
    "percent",
    "gcd_lcm",
    "quadratic_roots",
    "sequence",
)

META_TYPE = pa.struct(
    [
        ("synthetic", pa.bool_()),
        ("family", pa.string()),
        ("steps", pa.list_(pa.string())),
        ("answer_value", pa.string()),
        ("near_duplicate_of", pa.string()),
    ]
)
SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("problem", pa.string()),
        ("answer", pa.string()),
        ("solution", pa.string()),
        ("level", pa.string()),
        ("domain", pa.string()),
        ("meta", META_TYPE),
    ]
)

_NAMES = (
    "Ava", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kira", "Liam",
    "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen", "Yusuf",
)  # fmt: skip
_THINGS = (
    "marbles", "stickers", "apples", "coins", "books", "pencils", "stamps", "cards", "shells", "beads",
    "tickets", "cookies", "tokens", "bolts", "seeds", "blocks",
)  # fmt: skip


def latex(v: Fraction | int) -> str:
    """An exact value as the answer string the math verifier reads: ``42``, ``-7``, ``\\frac{3}{4}``."""
    f = Fraction(v)
    if f.denominator == 1:
        return str(f.numerator)
    sign = "-" if f < 0 else ""
    return f"{sign}\\frac{{{abs(f.numerator)}}}{{{f.denominator}}}"


@cache
def _closed_forms() -> dict[str, Callable[..., Any]]:
    """Each template's answer, solved once by sympy and compiled to exact arithmetic on Fractions."""
    import sympy as sp

    a, b, c, d, x = sp.symbols("a b c d x")
    lin = sp.solve(sp.Eq(a * x + b, c * x + d), x)[0]
    r1, r2 = sp.solve(a * x**2 + b * x + c, x)
    quad_sum = sp.simplify(r1 + r2)
    quad_prod = sp.simplify(r1 * r2)
    n, k = sp.symbols("n k", integer=True, positive=True)
    seq_sum = sp.simplify(sp.summation(a + (k - 1) * d, (k, 1, n)))
    return {
        "linear": sp.lambdify((a, b, c, d), lin, modules=[{}, "math"]),
        "quad_sum": sp.lambdify((a, b, c), quad_sum, modules=[{}, "math"]),
        "quad_prod": sp.lambdify((a, b, c), quad_prod, modules=[{}, "math"]),
        "seq_sum": sp.lambdify((a, d, n), seq_sum, modules=[{}, "math"]),
    }


def _frac(v: Any) -> Fraction:
    return v if isinstance(v, Fraction) else Fraction(v)


def _nz(rng: random.Random, lo: int, hi: int) -> int:
    v = 0
    while v == 0:
        v = rng.randint(lo, hi)
    return v


def _signed(v: int) -> str:
    return f"+ {v}" if v >= 0 else f"- {-v}"


# Each family: (rng, level) -> (problem, steps, exact value)
Row = tuple[str, list[str], Fraction]


def _arithmetic(rng: random.Random, level: int) -> Row:
    hi = (10, 20, 50, 100, 500)[level - 1]
    who, what = rng.choice(_NAMES), rng.choice(_THINGS)
    v = rng.randint(2, hi)
    ops, steps = [], []
    for _ in range(level + 1):
        op = rng.choice("+-*")
        m = rng.randint(2, 9) if op == "*" else rng.randint(1, hi)
        new = v + m if op == "+" else v - m if op == "-" else v * m
        word = {"+": f"gets {m} more", "-": f"gives away {m}", "*": f"multiplies the pile by {m}"}[op]
        ops.append(word)
        steps.append(f"{v} {op.replace('*', '×')} {m} = {new}.")
        v = new
    start = int(steps[0].split()[0])
    text = (
        f"{who} starts with {start} {what}, then " + ", then ".join(ops)
        + f". How many {what} does {who} have at the end (a negative number means a debt)?"
    )  # fmt: skip
    return text, steps, Fraction(v)


def _linear(rng: random.Random, level: int) -> Row:
    hi = (12, 20, 30, 50, 100)[level - 1]
    a, b, d = _nz(rng, -hi, hi), rng.randint(-hi, hi), rng.randint(-hi, hi)
    c = 0 if level <= 2 else _nz(rng, -hi, hi)
    if c == a:
        c = a + 1
    var = rng.choice("xyzt")
    x = _frac(_closed_forms()["linear"](Fraction(a), Fraction(b), Fraction(c), Fraction(d)))
    left = f"{a}{var} {_signed(b)}"
    right = f"{c}{var} {_signed(d)}" if c else f"{d}"
    text = f"Solve for ${var}$: ${left} = {right}$. Give the exact value."
    steps = [
        f"Move the {var} terms to one side: ({a} - {c}){var} = {d} - ({b}).",
        f"So {a - c}{var} = {d - b}.",
        f"Divide by {a - c}: {var} = {x}.",
    ]
    return text, steps, x


def _fractions(rng: random.Random, level: int) -> Row:
    n_terms, hi = level + 1, (12, 16, 20, 24, 30)[level - 1]
    terms = [Fraction(rng.randint(1, hi), rng.randint(2, hi)) for _ in range(n_terms)]
    signs = [1] + [rng.choice((1, -1)) for _ in range(n_terms - 1)]
    expr = f"\\frac{{{terms[0].numerator}}}{{{terms[0].denominator}}}"
    total, steps = terms[0], []
    for s, t in zip(signs[1:], terms[1:], strict=False):
        expr += f" {'+' if s > 0 else '-'} \\frac{{{t.numerator}}}{{{t.denominator}}}"
        new = total + s * t
        steps.append(f"{total} {'+' if s > 0 else '-'} {t} = {new}.")
        total = new
    return f"Compute ${expr}$ and write the result as a fraction in lowest terms.", steps, total


def _modular(rng: random.Random, level: int) -> Row:
    m = rng.choice((7, 9, 11, 13, 17, 19, 23, 29, 31, 37)[: 4 + level])
    base = rng.randint(2, 40 * level + 20)
    exp = rng.randint(5, (200, 500, 2000, 10**4, 10**6)[level - 1])
    r = pow(base, exp, m)
    steps = [
        f"Reduce the base: {base} ≡ {base % m} (mod {m}).",
        f"Square-and-multiply with exponent {exp} gives {base}^{exp} ≡ {r} (mod {m}).",
    ]
    return f"What is the remainder when ${base}^{{{exp}}}$ is divided by ${m}$?", steps, Fraction(r)


def _counting(rng: random.Random, level: int) -> Row:
    n = rng.randint(4, 10 + 6 * level)
    k = rng.randint(2, max(2, min(n - 1, 2 + level)))
    what = rng.choice(_THINGS)
    if rng.random() < 0.5:
        v = math.comb(n, k)
        text = f"In how many ways can {rng.choice(_NAMES)} choose {k} of the {n} {what} in the box (order does not matter)?"
        steps = [f"Order does not matter: C({n}, {k}) = {n}! / ({k}! · {n - k}!).", f"C({n}, {k}) = {v}."]
    else:
        v = math.perm(n, k)
        text = f"In how many ways can {rng.choice(_NAMES)} place {k} of {n} different {what} in a row?"
        steps = [f"Order matters: P({n}, {k}) = {n}! / {n - k}!.", f"P({n}, {k}) = {v}."]
    return text, steps, Fraction(v)


def _percent(rng: random.Random, level: int) -> Row:
    p = rng.randrange(5, 100, 5) if level <= 2 else rng.randint(1, 99 + 40 * level)
    whole = rng.randint(2, 1000 * level) * (20 if level <= 2 else 1)
    v = Fraction(p * whole, 100)
    steps = [f"{p}% of {whole} = {p}/100 × {whole}.", f"= {v}."]
    return f"What is ${p}\\%$ of ${whole}$? Give an exact answer.", steps, v


def _gcd_lcm(rng: random.Random, level: int) -> Row:
    g = rng.randint(2, 10 * level + 10)
    a, b = g * rng.randint(2, 40 * level + 40), g * rng.randint(2, 40 * level + 40)
    if rng.random() < 0.5:
        v = math.gcd(a, b)
        return (f"Find the greatest common divisor of ${a}$ and ${b}$.",
                [f"Euclid's algorithm on {a} and {b} ends at {v}."], Fraction(v))  # fmt: skip
    v = math.lcm(a, b)
    steps = [f"gcd({a}, {b}) = {math.gcd(a, b)}.", f"lcm = {a} × {b} / {math.gcd(a, b)} = {v}."]
    return f"Find the least common multiple of ${a}$ and ${b}$.", steps, Fraction(v)


def _quadratic(rng: random.Random, level: int) -> Row:
    hi = (15, 25, 40, 60, 100)[level - 1]
    a, b, c = _nz(rng, 1 if level <= 2 else -hi, hi), rng.randint(-hi, hi), rng.randint(-hi, hi)
    fa, fb, fc = Fraction(a), Fraction(b), Fraction(c)
    poly = f"{a}x^2 {_signed(b)}x {_signed(c)}"
    if rng.random() < 0.5:
        v = _frac(_closed_forms()["quad_sum"](fa, fb, fc))
        steps = [f"By Vieta's formulas the sum of the roots is -b/a = -({b})/{a}.", f"= {v}."]
        return f"What is the sum of the roots (counted with multiplicity) of ${poly} = 0$?", steps, v
    v = _frac(_closed_forms()["quad_prod"](fa, fb, fc))
    steps = [f"By Vieta's formulas the product of the roots is c/a = {c}/{a}.", f"= {v}."]
    return f"What is the product of the roots (counted with multiplicity) of ${poly} = 0$?", steps, v


def _sequence(rng: random.Random, level: int) -> Row:
    a, d = rng.randint(-50 * level, 50 * level), _nz(rng, -5 * level, 10 * level)
    n = rng.randint(5, 20 + 20 * level)
    first = ", ".join(str(a + i * d) for i in range(4))
    v = _frac(_closed_forms()["seq_sum"](Fraction(a), Fraction(d), n))
    steps = [
        f"The first term is {a} and the common difference is {d}.",
        f"The {n}th term is {a} + ({n} - 1)·{d} = {a + (n - 1) * d}.",
        f"The sum is {n}·({a} + {a + (n - 1) * d})/2 = {v}.",
    ]
    return f"Find the sum of the first ${n}$ terms of the arithmetic sequence ${first}, \\ldots$", steps, v


_MAKERS: dict[str, Callable[[random.Random, int], Row]] = {
    "arithmetic": _arithmetic,
    "linear_equation": _linear,
    "fractions": _fractions,
    "modular": _modular,
    "counting": _counting,
    "percent": _percent,
    "gcd_lcm": _gcd_lcm,
    "quadratic_roots": _quadratic,
    "sequence": _sequence,
}


_BLOCK = 1024


_REWORDINGS = (
    lambda t: "Question: " + t,
    lambda t: t + " Show your work.",
    lambda t: t.replace("Compute", "Calculate", 1) if "Compute" in t else "Please solve: " + t,
)


def near_duplicate(text: str, rng: random.Random) -> str:
    """A copy of ``text`` the way copies of one problem differ between datasets: other LaTeX delimiters
    and fraction commands, and a few words added or swapped; the maths (numbers, answer) is unchanged."""
    parts = text.split("$")
    if len(parts) % 2 == 1 and len(parts) > 1:  # balanced $...$: write them as \( ... \)
        text = "".join(p if k % 2 == 0 else f"\\({p}\\)" for k, p in enumerate(parts))
    text = text.replace("\\frac{", "\\dfrac{")
    return _REWORDINGS[rng.randrange(len(_REWORDINGS))](text)


def generate_rows(n: int, seed: int = 0, start: int = 0, dups: int = 0) -> Iterator[dict[str, Any]]:
    """Rows ``start .. n-1`` of the synthetic set for ``seed``, as dicts with the SCHEMA's fields.

    One random stream per block of ``_BLOCK`` rows (seeding per row costs more than a row's content),
    so row ``i`` is the same whatever ``start`` and the batch size are. With ``dups`` (a percentage),
    that share of rows is instead a planted near-duplicate of the row before it (``near_duplicate``;
    ``meta.near_duplicate_of`` names the original), for the dedup stage to find; the other rows are the
    same as with ``dups=0``.
    """
    rng, dup_rng = random.Random(), random.Random()
    prev: dict[str, Any] | None = None
    for i in range(start - start % _BLOCK, n):
        if i % _BLOCK == 0:
            rng.seed(seed * 1_000_003 + i // _BLOCK)
            dup_rng.seed(seed * 1_000_003 + i // _BLOCK + 7_919_000_000)
            prev = None
        family = FAMILIES[rng.randrange(len(FAMILIES))]
        level = rng.randint(1, 5)
        text, steps, value = _MAKERS[family](rng, level)
        if dups and prev is not None and dup_rng.random() * 100 < dups:
            row = {**prev, "id": f"synthetic-math-{seed}-{i}", "problem": near_duplicate(prev["problem"], dup_rng),
                   "meta": {**prev["meta"], "near_duplicate_of": prev["id"]}}  # fmt: skip
        else:
            answer = latex(value)
            steps = [*steps, f"The answer is {answer}."]
            row = {
                "id": f"synthetic-math-{seed}-{i}",
                "problem": text,
                "answer": answer,
                "solution": "\n".join(steps[:-1]) + f"\nThe answer is $\\boxed{{{answer}}}$.",
                "level": str(level),
                "domain": "math",
                "meta": {"synthetic": True, "family": family, "steps": steps, "answer_value": str(value)},
            }
            prev = row
        if i >= start:
            yield row


def generate_math(n: int, seed: int = 0, batch_size: int = 50_000, dups: int = 0) -> Iterator[pa.RecordBatch]:
    """``n`` synthetic math problems as Arrow record batches (columns: SCHEMA). Deterministic per seed."""
    rows = generate_rows(n, seed, dups=dups)
    while True:
        chunk = [r for _, r in zip(range(batch_size), rows, strict=False)]
        if not chunk:
            return
        yield pa.RecordBatch.from_pylist(chunk, schema=SCHEMA)


def write_jsonl(path: str | Path, n: int, seed: int = 0) -> Path:
    """Write ``n`` synthetic problems to a JSONL file (for benchmarks); returns the path."""
    p = Path(path)
    with p.open("w", encoding="utf-8") as f:
        for r in generate_rows(n, seed):
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return p
