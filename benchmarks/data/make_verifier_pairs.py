"""Generator of the adversarial notation set for the math verifier (issue 18): ``verifier_pairs.jsonl``.

Usage: .venv/bin/python benchmarks/data/make_verifier_pairs.py   (deterministic; rewrites the .jsonl)

Each *true* pair renders one value two ways (``\\frac{7}{2}`` / ``3\\frac12``, ``(a,b)=(5,9)`` / ``(5,9)``);
each *false* pair is a near miss: another value in the same notation, a permutation where order matters, a
part of a multi-part answer, a rounding of an exact value. Rows: ``{id, category, reference, candidate,
label, note, split}`` (``response`` instead of a bare candidate where the category is about extraction:
several boxes, prose final lines). ``split`` is ``dev`` or ``measure`` by a hash of (category, reference):
rules are developed on ``dev`` only; ``measure`` is reported, never tuned on. Values are drawn from a
seeded RNG, so the notation space is sampled, not a fixed list of strings.
"""

from __future__ import annotations

import hashlib
import json
import random
from fractions import Fraction
from math import gcd
from pathlib import Path

OUT = Path(__file__).with_name("verifier_pairs.jsonl")
PER_CATEGORY = 30  # values per category; each gives ~2 pairs
Pair = tuple[
    str, str, bool, str
]  # reference, candidate (or response when it starts with "RESPONSE:"), label, note


def _frac(f: Fraction, style: str = "frac") -> str:
    sign = "-" if f < 0 else ""
    a, b = abs(f.numerator), f.denominator
    if b == 1:
        return f"{sign}{a}"
    if style == "slash":
        return f"{sign}{a}/{b}"
    if style == "dfrac":
        return f"{sign}\\dfrac{{{a}}}{{{b}}}"
    return f"{sign}\\frac{{{a}}}{{{b}}}"


def _dec(f: Fraction) -> str | None:
    """Exact decimal of f when it terminates."""
    b = f.denominator
    while b % 2 == 0:
        b //= 2
    while b % 5 == 0:
        b //= 5
    if b != 1:
        return None
    s = f"{float(f):.12f}".rstrip("0").rstrip(".")
    return s if Fraction(s) == f else None


def _seps(n: int, rng: random.Random) -> str:
    groups = f"{n:,}".split(",")
    sep = rng.choice([",", "{,}", ",\\!", "\\,", "\\ ", " "])
    return sep.join(groups)


def integer_thousands(rng: random.Random) -> list[Pair]:
    n = rng.randint(1000, 9_999_999)
    m = n + rng.choice([-1, 1, 10, -100, 1000])
    return [
        (str(n), _seps(n, rng), True, "thousands separator"),
        (str(n), _seps(m, rng), False, "other value"),
    ]


def fraction(rng: random.Random) -> list[Pair]:
    b = rng.randint(2, 40)
    a = rng.choice([x for x in range(1, 3 * b) if gcd(x, b) == 1 and x != b])
    f = Fraction(a, b) * rng.choice([1, -1])
    k = rng.randint(2, 5)
    unred = f"{'-' if f < 0 else ''}\\frac{{{abs(f.numerator) * k}}}{{{f.denominator * k}}}"
    cands = [_frac(f, "slash"), _frac(f, "dfrac"), unred] + ([_dec(f)] if _dec(f) else [])
    inv = _frac(1 / f)
    out = [(_frac(f), rng.choice(cands), True, "same fraction"), (_frac(f), inv, False, "inverted")]
    if not _dec(f):
        out.append((_frac(f), f"{float(f):.4f}", False, "rounded decimal of an exact fraction"))
    return out


def braceless(rng: random.Random) -> list[Pair]:
    a, b = rng.randint(1, 9), rng.randint(2, 9)
    f = Fraction(a, b)
    cmd = rng.choice(["\\frac", "\\dfrac", "\\tfrac"])
    n = rng.choice([2, 3, 5, 6, 7])
    out = [
        (f"{cmd}{a}{b}", _dec(f) or _frac(f), True, "brace-less frac in the reference"),
        (f"\\frac{{{a}}}{{{b}}}", f"{cmd}{a}{b}", True, "brace-less frac in the candidate"),
        (f"\\sqrt{n}", f"\\sqrt{{{n}}}", True, "brace-less sqrt"),
        (f"{cmd}{a}{b}", f"\\frac{{{a}}}{{{b + 1}}}", False, "other fraction"),
        (f"\\sqrt{n}", f"\\sqrt{{{n + 1}}}", False, "other radicand"),
    ]
    return rng.sample(out, 3)


def mixed_number(rng: random.Random) -> list[Pair]:
    b = rng.randint(2, 9)
    a = rng.choice([x for x in range(1, b) if gcd(x, b) == 1])
    w = rng.randint(1, 12)
    f = w + Fraction(a, b)
    ref = rng.choice([f"{w}\\frac{{{a}}}{{{b}}}", f"{w} \\tfrac{{{a}}}{{{b}}}", f"{w}\\frac{a}{b}"])
    good = rng.choice([_frac(f), _frac(f, "slash")] + ([_dec(f)] if _dec(f) else []))
    bad = rng.choice([_frac(w * Fraction(a, b)), _frac(Fraction(a, b)), _frac(f + 1)])
    if rng.random() < 0.5:
        return [(ref, good, True, "mixed number"), (ref, bad, False, "product / fraction part / other")]
    return [(good, ref, True, "mixed number in the candidate"), (good, bad, False, "other value")]


def percent(rng: random.Random) -> list[Pair]:
    p = rng.choice([rng.randint(1, 99), rng.randint(1, 999) / 10])
    ps = f"{p:g}"
    ref = f"{ps}\\%"
    good = rng.choice([ps, f"{ps}\\%", f"{ps} \\text{{ percent}}", f"{ps}%"])
    bad = rng.choice([f"{p + 1:g}\\%", f"{p / 10:g}"])
    return [(ref, good, True, "percent sign"), (ref, bad, False, "other percent")]


def decimal_precision(rng: random.Random) -> list[Pair]:
    d = rng.randint(1, 3)
    v = round(rng.uniform(0.01, 999), d)
    ref = f"{v:.{d}f}"
    q = 10**-d
    good = f"{v + rng.uniform(-0.4, 0.4) * q:.{d + 2}f}"
    bad = f"{v + rng.choice([-1, 1]) * 0.8 * q:.{d + 2}f}"
    return [(ref, good, True, "rounds to the reference's precision"), (ref, bad, False, "rounds elsewhere")]


def sci_notation(rng: random.Random) -> list[Pair]:
    m = round(rng.uniform(1, 9.99), 2)
    e = rng.randint(-30, 35)
    ref = rng.choice([f"{m:.2f}e{e}", f"{m:.2f}\\times10^{{{e}}}", f"{m:.2f} \\times 10^{{{e}}}"])
    good = rng.choice(
        [
            f"{m:.2f} \\cdot 10^{{{e}}}",
            f"{m:.2f}E{e:+d}",
            f"{m * 10:.1f}\\times 10^{{{e - 1}}}",
            f"{m:.2f}e{e}",
        ]
    )
    bad = rng.choice([f"{m:.2f}\\times10^{{{e + 1}}}", f"{m + 0.01:.2f}\\times10^{{{e}}}"])
    return [(ref, good, True, "same value, other notation"), (ref, bad, False, "exponent / last digit")]


def stated_precision(rng: random.Random) -> list[Pair]:
    """A decimal reference fixes the precision: a more precise candidate that rounds to it is right."""
    n = rng.randint(10_000_000, 99_999_999)
    m = round(n / 10 ** (len(str(n)) - 2)) / 10
    e = len(str(n)) - 1
    ref = f"{m:.1f}e{e}"
    tens = rng.choice([x for x in range(100, 9999) if x % 10]) * 10  # 6630: one zero after >= 3 digits
    return [
        (ref, str(n), True, "candidate rounds to the stated 2 significant figures"),
        (ref, str(n + 10 ** (e - 1)), False, "rounds to another value"),
        (
            str(tens),
            f"{tens + rng.uniform(-4.9, 4.9):.2f}",
            True,
            "decimal candidate at the reference's precision",
        ),
        (str(tens), str(tens + rng.choice([1, -1, 3])), False, "an integer candidate is exact"),
        (str(tens * 100), f"{tens * 100 - rng.uniform(0.2, 4.9):.3f}", False, "a round number (00) is exact"),
    ]


def radical(rng: random.Random) -> list[Pair]:
    m = rng.choice([2, 3, 5, 6, 7, 10, 11, 13])
    k = rng.randint(2, 9)
    ref = f"{k}\\sqrt{{{m}}}"
    braceless = f"{k}\\sqrt{m}" if m < 10 else f"{k}\\sqrt{{{m}}}"  # \\sqrt13 is sqrt(1)*3 in TeX
    good = rng.choice([f"\\sqrt{{{k * k * m}}}", f"\\sqrt{{{m}}}\\cdot {k}", braceless])
    bad = rng.choice([f"\\sqrt{{{k * m}}}", f"{k + 1}\\sqrt{{{m}}}", f"{k * (m**0.5):.4f}"])
    return [(ref, good, True, "same radical"), (ref, bad, False, "other radical / rounded")]


def pi_multiple(rng: random.Random) -> list[Pair]:
    a, b = rng.randint(1, 11), rng.randint(2, 12)
    g = gcd(a, b)
    a, b = a // g, b // g
    ref = f"\\frac{{{a}\\pi}}{{{b}}}" if b > 1 else f"{a}\\pi"
    good = rng.choice([f"\\frac{{{a}}}{{{b}}}\\pi", f"{a}\\pi/{b}", f"\\pi \\cdot \\frac{{{a}}}{{{b}}}"])
    bad = rng.choice([f"{3.14159265 * a / b:.3f}", f"\\frac{{{a + 1}\\pi}}{{{b}}}"])
    return [(ref, good, True, "same multiple of pi"), (ref, bad, False, "decimal of an exact value / other")]


def exact_close(rng: random.Random) -> list[Pair]:
    n = rng.randint(20, 3000)
    return [
        (
            f"\\frac{{1}}{{{n + 1}}}",
            f"\\frac{{{n - 1}}}{{{n}^{{2}}}}",
            False,
            "relative gap ~1/n^2, not equal",
        ),
        (f"\\frac{{1}}{{{2 * n}}}", f"\\frac{{1}}{{2\\cdot {n}}}", True, "same fraction"),
        (f"\\sqrt{{{n}}}", f"{n**0.5:.6f}", n**0.5 == int(n**0.5), "exact radical vs decimal"),
    ]


def dms(rng: random.Random) -> list[Pair]:
    d, m = rng.randint(1, 89), rng.choice([6, 12, 15, 18, 24, 30, 36, 42, 45, 48, 54])
    dec = d + m / 60
    ref = rng.choice([f"{d}^\\circ {m}'", f"{d}^{{\\circ}}{m}'", f"{d}°{m}′"])
    good = rng.choice([f"{dec:g}^\\circ", f"{dec:g}", f"{d}^\\circ{m}'"])
    bad = rng.choice([f"{d}.{m}^\\circ", f"{d}^\\circ {m + 1}'"])
    return [(ref, good, True, "degrees-minutes"), (ref, bad, False, "minutes read as decimals / other")]


def function_notation(rng: random.Random) -> list[Pair]:
    f, t = rng.choice(["x", "y", "q", "v"]), rng.choice(["t", "s"])
    k = rng.choice(["k", "m", "c", "2", "3"])
    ref = f"{k}{f}({t})"
    return [
        (ref, f"{k}{f}", True, "function value written without its argument"),
        (f"{k}{f}", ref, True, "argument on the candidate side"),
        (ref, f"{k}{t}", False, "the argument is not the function"),
    ]


def equation_rearranged(rng: random.Random) -> list[Pair]:
    X, Y = rng.sample(["x", "y", "z", "E", "C", "a", "b"], 2)
    a, b = rng.sample(range(1, 10), 2)
    c = rng.randint(0, 20)
    ref = f"{a}{X}+{b}{Y}={c}"
    good = rng.choice(
        [f"{b}{Y}+{a}{X}={c}", f"{c}={a}{X}+{b}{Y}", f"{a}{X}={c}-{b}{Y}", f"{2 * a}{X}+{2 * b}{Y}={2 * c}"]
    )
    bad = rng.choice([f"{a}{X}-{b}{Y}={c}", f"{a}{X}+{b}{Y}={c + 1}", f"{b}{X}+{a}{Y}={c}"])
    simple = (f"{X}={a}{Y}", f"{a}{Y}={X}", True, "sides swapped")
    return [(ref, good, True, "same equation rearranged"), (ref, bad, False, "other equation"), simple]


def equation_list(rng: random.Random) -> list[Pair]:
    a, b = rng.sample(range(-9, 10), 2)
    ref = f"x={a}, y={b}"
    return [
        (ref, f"y={b}, x={a}", True, "labelled values reordered"),
        (ref, f"x={b}, y={a}", False, "values swapped between labels"),
        (ref, f"x={a}", False, "one part of two"),
    ]


def inequality_interval(rng: random.Random) -> list[Pair]:
    a = rng.randint(-9, 5)
    b = a + rng.randint(1, 9)
    c = rng.randint(1, 9)
    kind = rng.randrange(5)
    if kind == 0:
        return [
            (f"({a},\\infty)", f"x>{a}", True, "ray"),
            (f"({a},\\infty)", f"x\\ge {a}", False, "closed end"),
        ]
    if kind == 1:
        return [
            (f"({a},{b}]", f"{a}<x\\le {b}", True, "double inequality"),
            (f"({a},{b}]", f"{a}\\le x<{b}", False, "ends swapped"),
        ]
    if kind == 2:
        u = f"(-\\infty,-{c})\\cup({c},\\infty)"
        return [(u, f"|x|>{c}", True, "absolute value"), (u, f"|x|<{c}", False, "complement")]
    if kind == 3:
        return [
            (f"(-{c},{c})", f"|x|<{c}", True, "absolute value"),
            (f"[-{c},{c}]", f"|x|<{c}", False, "open vs closed"),
        ]
    return [("(0,1)", "0<f(x)<1", True, "range of a function"), ("[0,1)", "0<f(x)<1", False, "closed end")]


def union(rng: random.Random) -> list[Pair]:
    a = rng.randint(-9, 3)
    b = a + rng.randint(1, 6)
    ref = f"(-\\infty,{a})\\cup({b},\\infty)"
    return [
        (
            ref,
            rng.choice([f"x<{a} \\text{{ or }} x>{b}", f"({b},\\infty)\\cup(-\\infty,{a})"]),
            True,
            "union",
        ),
        (ref, f"(-\\infty,{a})", False, "one part of the union"),
        (ref, f"(-\\infty,{a}]\\cup({b},\\infty)", False, "closed end"),
    ]


def set_expression(rng: random.Random) -> list[Pair]:
    s = sorted(rng.sample(range(-5, 12), 4))
    t = sorted(rng.sample(range(-5, 12), 3))
    op = rng.choice(["\\cup", "\\cap", "\\setminus"])
    val = {"\\cup": set(s) | set(t), "\\cap": set(s) & set(t), "\\setminus": set(s) - set(t)}[op]
    other = (set(s) | set(t)) if op != "\\cup" else (set(s) & set(t))
    expr = "\\{" + ",".join(map(str, s)) + "\\}" + op + "\\{" + ",".join(map(str, t)) + "\\}"
    fmt = lambda v: "\\{" + ",".join(map(str, sorted(v))) + "\\}" if v else "\\emptyset"  # noqa: E731
    out = [(fmt(val), expr, True, "set expression evaluates to the set")]
    if other != val:
        out.append((fmt(val), fmt(other), False, "other set"))
    return out


def column_vector(rng: random.Random) -> list[Pair]:
    v = [rng.randint(-9, 9) for _ in range(rng.choice([2, 3]))]
    col = "\\begin{pmatrix}" + "\\\\".join(map(str, v)) + "\\end{pmatrix}"
    tup = "(" + ",".join(map(str, v)) + ")"
    perm = v[1:] + v[:1]
    other = "(" + ",".join(map(str, perm)) + ")"
    pairs = [(col, tup, True, "column vector as a tuple"), (tup, col, True, "tuple as a column vector")]
    if perm != v:
        pairs.append((col, other, False, "components permuted"))
    return pairs


def labelled_answer(rng: random.Random) -> list[Pair]:
    a, b = rng.sample(range(1, 20), 2)
    x = round(rng.uniform(1, 50), 1)
    kind = rng.randrange(4)
    if kind == 0:
        return [
            (f"(a,b)=({a},{b})", f"({a},{b})", True, "labelled tuple"),
            (f"({a},{b})", f"(a,b)=({b},{a})", False, "swapped"),
        ]
    if kind == 1:
        return [
            (f"AB={a}, CD={b}", f"{a}, {b}", True, "labels on the reference"),
            (f"{a}, {b}", f"AB={b}, CD={a}", False, "labels swap values"),
        ]
    if kind == 2:
        return [
            (f"E_{{\\text{{x}}}}={x}", f"{x}", True, "labelled with a subscript"),
            (f"{x}", f"E_{{x}}={x + 1:.1f}", False, "other value"),
        ]
    return [
        (f"g^{{-1}}(x)=\\frac{{x-{a}}}{{{b}}}", f"\\frac{{x-{a}}}{{{b}}}", True, "inverse-function label"),
        (f"\\frac{{x-{a}}}{{{b}}}", f"g^{{-1}}(x)=\\frac{{x+{a}}}{{{b}}}", False, "other function"),
    ]


def tuple_parens(rng: random.Random) -> list[Pair]:
    v = rng.sample(range(-9, 20), rng.choice([2, 3]))
    tup = "(" + ", ".join(map(str, v)) + ")"
    bare = ", ".join(map(str, v))
    rev = ", ".join(map(str, v[::-1]))
    return [
        (tup, bare, True, "ordered tuple without parentheses"),
        (tup, rev, False, "order matters in a tuple"),
    ]


def side_condition(rng: random.Random) -> list[Pair]:
    k = rng.randint(1, 9)
    w = rng.choice(["\\omega", "x", "t"])
    ref = f"\\frac{{1}}{{{w}^2-{k * k}}}"
    cond = rng.choice(
        [
            f", \\text{{ for }} {w}^2\\ne {k * k}",
            f" \\quad ({w} \\neq \\pm {k})",
            f", \\text{{where }} {w}\\neq {k}",
        ]
    )
    return [
        (ref, ref + cond, True, "side condition"),
        (ref + cond, ref, True, "side condition on the reference"),
        (ref, f"\\frac{{1}}{{{w}^2+{k * k}}}" + cond, False, "other value with the condition"),
    ]


def multi_box(rng: random.Random) -> list[Pair]:
    a, b = rng.sample(range(-9, 15), 2)
    joiner = rng.choice([" and ", ", ", " \\text{ and } ", "$ and $"])
    resp = f"RESPONSE:So the solutions are $\\boxed{{{a}}}{joiner}\\boxed{{{b}}}$."
    return [
        (f"{a}, {b}", resp, True, "answer over several boxes"),
        (f"{a}, {b}", f"RESPONSE:So the solution is $\\boxed{{{b}}}$.", False, "one box of two"),
    ]


def multiple_choice(rng: random.Random) -> list[Pair]:
    L = rng.choice("ABCDE")
    M = rng.choice([c for c in "ABCDE" if c != L])
    ref = rng.choice([L, f"\\text{{({L})}}", f"({L})", f"\\textbf{{({L})}}"])
    good = rng.choice([L, f"\\text{{({L})}}", f"({L})", f"\\textbf{{({L})}}\\ {rng.randint(1, 99)}", f"{L})"])
    return [
        (ref, good, True, "choice letter"),
        (ref, rng.choice([M, f"\\text{{({M})}}"]), False, "other letter"),
    ]


def function_call(rng: random.Random) -> list[Pair]:
    c = round(rng.uniform(1.1, 3.0), 1)
    f, g = rng.sample(["\\sin", "\\cos", "\\tan"], 2)
    h = rng.choice(["\\arcsin", "\\arctan", "\\ln", "\\sqrt"])
    th = rng.choice(["\\theta", "x", "\\phi"])
    ref = f"{h}({c}{f} {th})" if h != "\\sqrt" else f"\\sqrt{{{c}{f} {th}}}"
    good = f"{h}{{{c} {f}{{{th}}}}}" if h != "\\sqrt" else f"\\sqrt{{{c}{f}({th})}}"
    bad = f"{h}({c}{g} {th})" if h != "\\sqrt" else f"\\sqrt{{{c}{g}({th})}}"
    return [(ref, good, True, "braces vs parentheses around arguments"), (ref, bad, False, "other function")]


def unicode_math(rng: random.Random) -> list[Pair]:
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    sup = {2: "²", 3: "³"}
    p = rng.choice([2, 3])
    n = rng.choice([2, 3, 5, 7])
    cases = [
        (f"x^{p}-{a}x+{b}", f"x{sup[p]} - {a}x + {b}", True, "superscript digits"),
        (f"x^{p}-{a}x+{b}", f"x{sup[5 - p]} - {a}x + {b}", False, "other power"),
        (f"{a}\\sqrt{{{n}}}", f"{a}√{n}", True, "radical sign"),
        (f"\\frac{{\\pi}}{{{b + 1}}}", f"π/{b + 1}", True, "pi sign"),
        (f"x \\le {a}", f"x ≤ {a}", True, "≤"),
        (f"x \\le {a}", f"x ≥ {a}", False, "≥ for ≤"),
        (f"{a}\\sqrt{{{n}}}", f"{a + 1}√{n}", False, "other coefficient"),
    ]
    return rng.sample(cases, 3)


def prose_extraction(rng: random.Random) -> list[Pair]:
    a, b, c = rng.sample(range(-9, 20), 3)
    lead = rng.choice(["The solutions are:", "Therefore, the final answers are:", "So the values are"])
    return [
        (
            f"{a}, {b}",
            f"RESPONSE:We solve it.\n\n{lead} $x = {a}$ and $x = {b}$.",
            True,
            "values listed in prose",
        ),
        (f"{a}, {b}", f"RESPONSE:We solve it.\n\n{lead} $x = {a}$ and $x = {c}$.", False, "one value wrong"),
    ]


def expression(rng: random.Random) -> list[Pair]:
    a, b = rng.sample(range(-9, 10), 2)
    s, p = a + b, a * b
    fac = f"(x{'+' if a >= 0 else '-'}{abs(a)})(x{'+' if b >= 0 else '-'}{abs(b)})"
    exp = f"x^2{'+' if s >= 0 else '-'}{abs(s)}x{'+' if p >= 0 else '-'}{abs(p)}"
    bad = f"x^2{'+' if s >= 0 else '-'}{abs(s)}x{'-' if p >= 0 else '+'}{abs(p)}"
    return (
        [(fac, exp, True, "expanded"), (fac, bad, False, "constant sign flipped")]
        if p
        else [(fac, exp, True, "expanded")]
    )


def plus_minus(rng: random.Random) -> list[Pair]:
    a, n = rng.randint(1, 9), rng.choice([2, 3, 5, 7])
    ref = f"{a}\\pm\\sqrt{{{n}}}"
    return [
        (ref, f"{a}+\\sqrt{{{n}}}, {a}-\\sqrt{{{n}}}", True, "plus-minus expanded"),
        (ref, f"{a}+\\sqrt{{{n}}}", False, "one of two"),
    ]


def complex_number(rng: random.Random) -> list[Pair]:
    a, b = rng.randint(-9, 9), rng.randint(1, 9)
    ref = f"{a}+{b}i"
    return [
        (ref, rng.choice([f"{b}i+{a}", f"{a}+i{b}", f"{a} + {b} i"]), True, "complex number reordered"),
        (ref, f"{a}-{b}i", False, "conjugate"),
    ]


def units(rng: random.Random) -> list[Pair]:
    v = rng.randint(2, 500)
    u = rng.choice(["\\text{ cm}", "\\mathrm{~m/s}", "\\text{ dollars}", "\\,\\text{kg}", " \\mathrm{cm}^2"])
    return [(str(v), f"{v}{u}", True, "unit dropped"), (str(v), f"{v + 1}{u}", False, "other value")]


CATEGORIES = [
    integer_thousands, fraction, braceless, mixed_number, percent, decimal_precision, sci_notation,
    stated_precision, radical, pi_multiple, exact_close, dms, function_notation, equation_rearranged,
    equation_list, inequality_interval, union, set_expression, column_vector, labelled_answer, tuple_parens,
    side_condition, multi_box, multiple_choice, function_call, unicode_math, prose_extraction, expression,
    plus_minus, complex_number, units,
]  # fmt: skip


def split_of(category: str, reference: str) -> str:
    return (
        "dev" if int(hashlib.sha1(f"{category}|{reference}".encode()).hexdigest(), 16) % 2 == 0 else "measure"
    )


def generate(seed: int = 18) -> list[dict]:
    rng = random.Random(seed)
    rows: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for gen in CATEGORIES:
        for _ in range(PER_CATEGORY):
            for ref, cand, label, note in gen(rng):
                if (ref, cand) in seen:
                    continue
                seen.add((ref, cand))
                row = {
                    "id": f"gen-{len(rows):05d}",
                    "category": gen.__name__,
                    "reference": ref,
                    "label": label,
                    "note": note,
                }
                if cand.startswith("RESPONSE:"):
                    row["response"] = cand[len("RESPONSE:") :]
                else:
                    row["candidate"] = cand
                row["split"] = split_of(gen.__name__, ref)
                rows.append(row)
    return rows


def main() -> None:
    rows = generate()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    cats = {r["category"] for r in rows}
    dev = sum(r["split"] == "dev" for r in rows)
    print(f"{len(rows)} pairs, {len(cats)} categories, dev {dev} / measure {len(rows) - dev} -> {OUT}")


if __name__ == "__main__":
    main()
