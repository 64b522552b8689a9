"""Answer equivalence, cheapest first: normalised strings → structure (lists, tuples, intervals, matrices)
→ exact/toleranced numbers → symbolic (sympy, through a caller-supplied function that may run in a
time-limited worker process).

The comparison is asymmetric: ``reference`` is the gold answer and fixes the shape (a list, an interval,
a decimal precision); the candidate must match it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction

from redstar_data.verify import normalize as N

# sym(reference, candidate, quantum) -> True / False / None (could not parse)
SymbolicFn = Callable[[str, str, "Fraction | None"], "bool | None"]

_YES_NO = re.compile(r"^(yes|no|true|false)(?:[.,;!]|$)", re.I)
_MATRIX = re.compile(
    r"\\begin\{(?:pmatrix|bmatrix|Bmatrix|vmatrix|matrix|array)\}(?:\{[^{}]*\})?(.*?)\\end\{\w+\}", re.S
)
_PROSE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{4,}")
_VAR = r"[a-zA-Z](?:_\{?\w+\}?)?(?:\([a-z]\))?"
_INEQ = re.compile(r"^(" + _VAR + r")\s*(<|>|\\leq|\\geq|\\lt|\\gt)\s*([^<>=]+)$")
_INEQ2 = re.compile(r"^([^<>=]+?)\s*(<|\\leq|\\lt)\s*(" + _VAR + r")\s*(<|\\leq|\\lt)\s*([^<>=]+)$")
_ABS_INEQ = re.compile(r"^\|\s*([a-zA-Z])\s*\|\s*(<|>|\\leq|\\geq)\s*([^<>=|]+)$")
_IN_SET = re.compile(r"^[a-zA-Z]\s*\\in\s*(?=[(\[{\\])")
_LABEL = re.compile(
    r"^\s*((?:\\(?:vec|overline|overrightarrow|hat|bar|widehat|tilde)\s*\{[^{}]*\}|(?:m\s*)?\\angle\s*[A-Z]{1,3}"
    r"|\\[A-Za-z]+|[A-Za-z]{1,3})(?:_\{[^{}]*\}|_[A-Za-z0-9])?(?:\^\{[^{}]*\}|\^[A-Za-z0-9])?'*"
    r"(?:\([^()=]*\))?|\(\s*[A-Za-z](?:_\w)?(?:\s*,\s*[A-Za-z](?:_\w)?)+\s*\))\s*=(?![=<>])"
)
_SET_OP = re.compile(r"\\(cup|cap|setminus)(?![A-Za-z])|\\\{|\\\}|\\(?:emptyset|varnothing)(?![A-Za-z])")
_TEXT_ARG = re.compile(r"\\(?:text|mathrm|mbox|rm)\s*\{([^{}]*)\}")
_PERCENT = re.compile(r"%|\\%|(?i:\bpercent\b)")
_REALS = (
    r"(?:\\mathbb\s*\{?\s*R\s*\}?|\\Bbb\s*\{?\s*R\s*\}?|\\R(?![A-Za-z])|\(\s*-\s*\\infty\s*,\s*\+?\s*\\infty\s*\)"
    r"|(?i:(?:the\s+set\s+of\s+)?all\s+real(?:\s+numbers|s)|real\s+numbers))"
)
_REALS_HINT = re.compile(r"\\mathbb|\\Bbb|\\R(?![A-Za-z])|\\infty|\\ne|(?i:real)")
_REALS_MINUS = re.compile(_REALS + r"\s*(?:\\setminus|\\smallsetminus|\\backslash|-)\s*\\\{(.*)\\\}")
_NEQ = re.compile(r"([A-Za-z](?:_\{?\w+\}?)?)\s*(?:\\neq|\\ne(?![A-Za-z]))\s*(.+)")
_SET_BUILDER = re.compile(
    r"\\\{\s*([A-Za-z])\s*(?:\\in\s*" + _REALS + r"\s*)?(?:\\mid|\\vert|\||:)\s*(.+?)\s*\\\}"
)
_ANTIDERIVATIVE = re.compile(
    r"(?<![\\A-Za-z])[xtu](?![A-Za-z])|\\(?:theta|ln|log|sin|cos|tan|sec|csc|cot|arc\w+|sqrt|exp)(?![A-Za-z])|e\s*\^"
)
_CONSTANT_TERM = re.compile(
    r"\s*\+\s*(?:C|K|c)(?:_\{?\d\}?)?\s*$|^\s*(?:C|K|c)(?:_\{?\d\}?)?\s*(?:\+\s*|(?=-))"
)


def split_label(item: str) -> tuple[str | None, str]:
    """``AB = 4`` → (``AB``, ``4``); ``(a,b)=(5,9)``, ``E_{x}=10.1``, ``g^{-1}(x)=…`` likewise; else (None, item)."""
    m = _LABEL.match(item)
    if m and "=" not in item[m.end() :] and item[m.end() :].strip():
        return N.canon(m.group(1)), item[m.end() :].strip()
    return None, item


def abs_inequality(s: str) -> str:
    """``|x|>2`` → ``(-\\infty,-2)\\cup(2,\\infty)``; ``|x|\\leq 3`` → ``[-3,3]``."""
    m = _ABS_INEQ.match(s)
    if not m:
        return s
    _, op, c = m.groups()
    c = c.strip()
    if op == "<":
        return f"(-{c},{c})"
    if op == "\\leq":
        return f"[-{c},{c}]"
    if op == ">":
        return f"(-\\infty,-{c})\\cup({c},\\infty)"
    return f"(-\\infty,-{c}]\\cup[{c},\\infty)"


def eval_sets(s: str) -> str:
    """``\\{1,2\\}\\cup\\{3\\}`` → ``\\{1,2,3\\}``: finite set literals combined by ∪ ∩ ∖ are evaluated."""
    if "\\{" not in s or not any(op in s for op in ("\\cup", "\\cap", "\\setminus")):
        return s
    toks: list[str] = []
    pos, depth, start = 0, 0, 0
    for m in _SET_OP.finditer(s):
        tok = m.group()
        if tok == "\\{":
            if depth == 0:
                if s[pos : m.start()].strip():
                    return s
                start = m.end()
            depth += 1
        elif tok == "\\}":
            depth -= 1
            if depth == 0:
                toks.append("{" + s[start : m.start()])
            pos = m.end()
        elif depth == 0:
            if s[pos : m.start()].strip():
                return s
            toks.append("{" if tok[1:] in ("emptyset", "varnothing") else tok[1:])
            pos = m.end()
    if depth or s[pos:].strip() or not toks:
        return s

    def key(x: str) -> object:
        n = N.parse_number(x)
        return n.value if n is not None else N.canon(x)

    def items(tok: str) -> dict:
        return {key(x): x for x in N.split_top(tok[1:]) if x}

    if not toks[0].startswith("{"):
        return s
    acc = items(toks[0])
    i = 1
    while i + 1 < len(toks):
        op, rhs = toks[i], toks[i + 1]
        if not rhs.startswith("{") or op.startswith("{"):
            return s
        other = items(rhs)
        if op == "cup":
            acc = {**acc, **other}
        elif op == "cap":
            acc = {k: v for k, v in acc.items() if k in other}
        else:
            acc = {k: v for k, v in acc.items() if k not in other}
        i += 2
    if i != len(toks):
        return s
    return "\\{" + ",".join(acc.values()) + "\\}" if acc else "\\emptyset"


def _vector_as_tuple(s: str) -> str:
    """A one-column or one-row matrix is a vector: written as a tuple so it compares with ``(1,2,3)``."""
    m = _MATRIX.fullmatch(s.strip())
    if not m:
        return s
    rows = [r for r in (row.strip() for row in m.group(1).split("\\\\")) if r and r != "\\hline"]
    cells = [[_unbrace(c.strip()) for c in r.split("&")] for r in rows]
    if len(cells) > 1 and all(len(r) == 1 for r in cells):
        return "(" + ",".join(r[0] for r in cells) + ")"
    if len(cells) == 1 and len(cells[0]) > 1:
        return "(" + ",".join(cells[0]) + ")"
    return s


def _ineq_to_interval(s: str) -> str:
    m = _INEQ2.match(s)
    if m:
        lo, op1, _, op2, hi = m.groups()
        return (
            ("[" if op1 == "\\leq" else "(") + f"{lo.strip()},{hi.strip()}" + ("]" if op2 == "\\leq" else ")")
        )
    m = _INEQ.match(s)
    if m:
        _, op, val = m.groups()
        val = val.strip()
        if op in ("<", "\\lt"):
            return f"(-\\infty,{val})"
        if op == "\\leq":
            return f"(-\\infty,{val}]"
        if op in (">", "\\gt"):
            return f"({val},\\infty)"
        return f"[{val},\\infty)"
    return s


def _expand_pm(items: list[str]) -> list[str]:
    out: list[str] = []
    for it in items:
        if it.startswith("\\pm"):
            rest = it[3:].strip()
            out += [rest, "-" + rest]
        elif it.count("\\pm") == 1:
            a, b = it.split("\\pm")
            out += [f"{a}+{b}", f"{a}-{b}"]
        else:
            out.append(it)
    return out


def prepare(s: str, *, other_is_list: bool, other_is_equation: bool = False) -> str:
    """Full normalisation of one side (units, prefixes, thousands separators, ``\\text``)."""
    raw = N.strip_math_delims(s)
    tail = N.unit_tail_stripped(raw)
    if (
        tail != raw
        and re.search(r"[\d]|\\pi", tail)
        and not N.INTEGER_PARAMETER.search(_TEXT_ARG.sub(r"\1", raw))
    ):
        raw = tail  # "2450\\pi \\mathrm{N}" (a unit), not "k\\pi \\text{ where } k \\text{ is an integer}"
    t = N.basic(raw)
    t = set_builder(t)
    t = _IN_SET.sub("", t)
    t = _vector_as_tuple(abs_inequality(eval_sets(t)))
    t = re.sub(r"(\d)\s*\{,\}\s*(\d)", r"\1\2", t)
    if other_is_list:
        t = re.sub(r"(\d)(?:\\,| |\u2009)(\d{3})(?!\d)", r"\1\2", t)
    elif _brackets(t) is None:  # "(1,000)" is a pair, not a thousand
        t = N.join_thousands(t)
    return t.strip().rstrip(".").strip()


def _items(s: str) -> list[str]:
    """Top-level list items (``,``, ``;``, ``and``, ``\\cup``), with ``\\pm`` expanded."""
    if s.startswith("\\{") and s.endswith("\\}") and "\\{" not in s[2:-2]:
        s = s[2:-2]
    parts = N.split_top(s, (",", ";", " and ", " or ", "\\cup"))
    return _expand_pm([p for p in parts if p])


def _brackets(s: str) -> tuple[str, list[str], str] | None:
    if len(s) >= 2 and s[0] in "([" and s[-1] in ")]":
        depth = 0
        for i, c in enumerate(s):
            depth += c in "([{"
            depth -= c in ")]}"
            if depth == 0 and i < len(s) - 1:
                return None
        return s[0], N.split_top(s[1:-1]), s[-1]
    return None


def _matrix(s: str) -> tuple[str, list[list[str]]] | None:
    m = _MATRIX.search(s)
    if not m:
        return None
    prefix = s[: m.start()].strip().strip("[(").strip()
    rows = [r for r in (row.strip() for row in m.group(1).split("\\\\")) if r and r != "\\hline"]
    return prefix, [[_unbrace(c.strip()) for c in r.split("&")] for r in rows]


def _unbrace(c: str) -> str:
    while c.startswith("{") and c.endswith("}") and c[1:-1].count("{") == c[1:-1].count("}"):
        c = c[1:-1].strip()
    return c


def set_builder(s: str) -> str:
    """``\\{x \\mid x>2\\}``, ``\\{x\\in\\mathbb{R}: x\\neq 0\\}`` → the condition (``x>2``), which the interval and
    excluded-point readings below understand; a set of values (no ``\\mid``/``:``) is left alone."""
    m = _SET_BUILDER.fullmatch(s.strip())
    if not m or not re.match(re.escape(m.group(1)) + r"(?![A-Za-z])", m.group(2)):
        return s
    return m.group(2)


def reals_except(s: str) -> list[str] | None:
    """The points missing from the real line, when ``s`` is the reals minus finitely many points, in any of its
    notations: ``\\mathbb{R}\\setminus\\{0\\}``, ``\\mathbb{R}-\\{0\\}``, ``x\\neq 0`` (``x\\neq 1, x\\neq 3``,
    ``x\\neq\\pm 1``), ``(-\\infty,0)\\cup(0,\\infty)`` or ``x<0 or x>0``; ``[]`` for all of ℝ; else None."""
    s = s.strip()
    if not _REALS_HINT.search(s):  # every notation above names ℝ, ∞ or ≠: most answers leave here
        return None
    if re.fullmatch(_REALS, s):
        return []
    m = _REALS_MINUS.fullmatch(s)
    if m:
        return _expand_pm([p for p in N.split_top(m.group(1)) if p])
    parts = [p for p in N.split_top(s, (",", ";", " and ", "\\land", "\\wedge")) if p]
    var, points = None, []
    for p in parts:
        m = _NEQ.fullmatch(p)
        if re.fullmatch(r"(?:[A-Za-z]\s*\\in\s*)?" + _REALS, p) and len(parts) > 1:
            continue  # "x\in\mathbb{R}, x\neq 1": the universe named before the condition
        if m and var in (None, m.group(1)):
            var = m.group(1)
            points += _expand_pm([m.group(2).strip()])
        elif var is not None and not re.search(r"[=<>]|\\neq|\\[lg]eq", p):
            points += _expand_pm([p])  # "x\neq 0, 1": the list goes on
        else:
            break
    else:
        if points:
            return points
    pieces = [_ineq_to_interval(p) for p in N.split_top(s, ("\\cup", " or ")) if p]
    ends = [_brackets(p) for p in pieces]
    if len(pieces) < 2 or any(e is None or e[0] + e[2] != "()" or len(e[1]) != 2 for e in ends):
        return None
    lo, hi = [e[1][0] for e in ends], [e[1][1] for e in ends]  # type: ignore[index]
    inf = lambda x, sign: N.canon(x).lstrip("+") == sign + "\\infty"  # noqa: E731
    if not (inf(lo[0], "-") and inf(hi[-1], "")):
        return None
    if any(N.canon(a) != N.canon(b) for a, b in zip(hi[:-1], lo[1:], strict=True)):
        return None
    return hi[:-1]


def drop_constant(s: str) -> str:
    """``F(x) + C`` → ``F(x)``: an added constant of integration (``C``, ``K``, ``c``, ``C_1``). ``equivalent`` drops
    it only when both sides have one (its name is free: ``+C`` vs ``+K``); a missing constant stays wrong, as for
    both anchors. Only when the rest is a function of a variable (``x``, ``t``, ``u``, ``\\theta``,
    or ``\\ln``/``\\sin``/``e^``…), so a sum of named quantities such as ``a+b+c`` or ``A+B+C`` keeps its last term."""
    t = _CONSTANT_TERM.sub("", s, count=1)
    if t != s and _ANTIDERIVATIVE.search(t):
        return t.strip()
    return s


_FUNCTION_LABEL = re.compile(r"[A-Za-z](?:_\w|\^\{-1\}|\^-1)?\([a-z]\)")


def same_quantity(ref_label: str, cand_label: str) -> bool:
    """Do two left-hand sides name the same quantity? ``E`` and ``E_{x}``, ``y`` and ``y(x)``, and a function's
    value and ``y``: ``g(x) = 2x+1`` and ``y = 2x+1`` define the same graph (either side may be the reference)."""
    rb, cb = label_base(ref_label), label_base(cand_label)
    if rb == cb:
        return True
    return {rb, cb} & {"y"} != set() and (
        bool(_FUNCTION_LABEL.fullmatch(ref_label)) or bool(_FUNCTION_LABEL.fullmatch(cand_label))
    )


def label_base(label: str) -> str:
    """``E_{x}`` / ``E_x`` / ``y(x)`` / ``v_0`` → ``E`` / ``y`` / ``v``: the quantity a left-hand side names."""
    return re.sub(r"_\{[^{}]*\}|_\w|\([a-z](?:,[a-z])*\)$", "", label)


class Comparer:
    """Holds the symbolic hook and counts which method decided."""

    def __init__(self, sym: SymbolicFn | None) -> None:
        self.sym = sym
        self.methods: list[str] = []
        self.ref_percent = False
        self.cand_percent = False

    def scalar(self, ref: str, cand: str) -> bool:
        if N.canon(ref) == N.canon(cand):
            self.methods.append("string")
            return True
        rn, cn = N.parse_number(ref), N.parse_number(cand)
        if rn is not None and cn is not None:
            self.methods.append("numeric")
            if N.numbers_equal(rn, cn):
                return True
            # x% is the number x/100 (and, as harness references drop the sign, also x): "62.5%" answered as
            # 0.625, "0.25" answered as "25%"; without a percent sign 1 vs 0.01 stays unequal (labelling policy)
            if self.ref_percent and N.numbers_equal(rn, N.Num(cn.value * 100, None)):
                return True
            return self.cand_percent and N.numbers_equal(rn, N.Num(cn.value / 100, None))
        rl = N.choice_letter(ref)
        if rl is not None and (len(ref.strip("() ")) == 1 or re.match(r"^\([A-J]\)\s", ref.strip())):
            self.methods.append("choice")
            return N.choice_letter(cand) == rl
        ry, cy = _YES_NO.match(ref), _YES_NO.match(cand)
        if ry and cy:
            self.methods.append("text")
            return ry.group(1).lower() == cy.group(1).lower()
        if (
            re.fullmatch(r"[A-Za-z][A-Za-z .'-]+", ref)
            and " " in ref.strip()
            or (re.fullmatch(r"[A-Za-z][A-Za-z .'-]*", ref) and len(ref) > 3)
        ):
            self.methods.append("text")
            return N.plain_text(ref) == N.plain_text(cand)
        if rn is not None and cn is None and re.fullmatch(r"[A-Za-z ]+", cand):
            self.methods.append("text")
            return False
        if _PROSE.search(ref) or _PROSE.search(cand):  # prose, not a formula: no parser will help
            self.methods.append("text")
            return N.plain_text(ref) == N.plain_text(cand)
        if self.sym is None:
            return False
        self.methods.append("symbolic")
        return bool(self.sym(ref, cand, rn.quantum if rn is not None else None))

    def unordered(self, refs: list[str], cands: list[str]) -> bool:
        if len(refs) != len(cands):
            return False
        left = list(cands)
        for r in refs:
            for i, c in enumerate(left):
                if self.value(r, c):
                    left.pop(i)
                    break
            else:
                return False
        return True

    def value(self, ref: str, cand: str) -> bool:
        """Compare two single items (which may be tuples, intervals or matrices)."""
        if N.canon(ref) == N.canon(cand):
            self.methods.append("string")
            return True
        rm, cm = _matrix(ref), _matrix(cand)
        if rm is not None or cm is not None:
            return self._matrices(rm, cm, ref, cand)
        ref_i, cand_i = _ineq_to_interval(ref), _ineq_to_interval(cand)
        rb, cb = _brackets(ref_i), _brackets(cand_i)
        if rb is not None and len(rb[1]) > 1:
            if cb is None or len(cb[1]) != len(rb[1]):
                return False
            ends_matter = len(rb[1]) == 2 and any(c in "[]" for c in rb[0] + rb[2] + cb[0] + cb[2])
            if (rb[0], rb[2]) != (
                cb[0],
                cb[2],
            ) and ends_matter:  # interval ends; a 3-vector's brackets are not
                return False
            self.methods.append("structure")
            return all(self.value(a, b) for a, b in zip(rb[1], cb[1], strict=True))
        if cb is not None and len(cb[1]) > 1:
            return False
        return self.scalar(ref, cand)

    def _matrices(self, rm, cm, ref: str, cand: str) -> bool:  # noqa: ANN001
        if rm is None or cm is None:
            return False
        (rp, rrows), (cp, crows) = rm, cm
        if [len(r) for r in rrows] != [len(r) for r in crows]:
            return False
        self.methods.append("structure")
        if rp == cp:
            return all(
                self.value(a, b)
                for ra, ca in zip(rrows, crows, strict=True)
                for a, b in zip(ra, ca, strict=True)
            )
        rs, cs = rp or "1", cp or "1"
        return all(
            self.scalar(f"({rs})({a})" if rp else a, f"({cs})({b})" if cp else b)
            for ra, ca in zip(rrows, crows, strict=True)
            for a, b in zip(ra, ca, strict=True)
        )


def _is_equation(s: str) -> bool:
    return len(N.split_top(s, ("=",))) == 2 and "<" not in s and ">" not in s


def _value(item: str) -> str:
    return N.strip_units(item)


def _tuple_items(s: str) -> list[str] | None:
    """Elements of a parenthesised tuple ``(a, b, c)`` (not an interval with a bracket end)."""
    b = _brackets(s)
    if b is None or len(b[1]) < 2 or b[0] != "(" or b[2] != ")":
        return None
    return b[1]


def _spread_tuple_label(items: list[str]) -> list[str]:
    """``(a,b)=(3,4)`` → ``a=3``, ``b=4`` (a tuple of names set equal to a tuple of values of the same length)."""
    if len(items) != 1:
        return items
    lab, val = split_label(items[0])
    if lab is None or not lab.startswith("("):
        return items
    names, vals = _tuple_items(lab), _tuple_items(val)
    if names is None or vals is None or len(names) != len(vals):
        return items
    return [f"{n}={v}" for n, v in zip(names, vals, strict=True)]


def _set_against_tuple(a: str, b: str) -> bool:
    """``\\{1,2\\}`` against ``(1,2)``: braces say the order does not matter, parentheses that it does (a point, an
    ordered pair, an open interval), so the two are different answers even with the same elements in the same order.
    Why: both sides reduce to the item list 1, 2, so a set passed for a pair and a pair for a set."""
    if not (a.startswith("\\{") and a.endswith("\\}")) or len(N.split_top(a[2:-2])) < 2:
        return False
    return _tuple_items(b) is not None


def _by_letter(labels: list[str | None], values: list[str]) -> list[str]:
    """Values of one-letter names in the letters' order, for a tuple on the other side: ``y=1, x=2`` is ``(2,1)``,
    ``b=4, a=3`` is ``(3,4)`` (pairs are asked as (x, y), (a, b), (m, n)). Why: taken in the written order, ``y=1, x=2``
    passed for (1,2). Other names (``AB``, ``\\theta``) keep the written order."""
    if len(labels) < 2 or not all(lab is not None and re.fullmatch(r"[a-z]", lab) for lab in labels):
        return values
    return [v for _, v in sorted(zip(labels, values, strict=True), key=lambda lv: str(lv[0]))]


def _ordered(cmp: Comparer, refs: list[str], cands: list[str]) -> bool:
    return len(refs) == len(cands) and all(cmp.value(r, c) for r, c in zip(refs, cands, strict=True))


_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
    " seventeen eighteen nineteen twenty"
).split()
_LEADING_NUMBER_WORD = re.compile(r"^\s*(" + "|".join(_NUMBER_WORDS) + r")\b", re.I)


def _number_word(candidate: str, rb: str) -> str:
    """A leading number word ("three boxes contain neither ...") against an integer reference: the leading number word as digits (the
    unit-word stripping then reads it like "3 boxes"). Only for a plain integer reference, so "one solution"
    against a formula stays text."""
    m = _LEADING_NUMBER_WORD.match(candidate)
    if m is None or not rb.isdigit():
        return candidate
    return str(_NUMBER_WORDS.index(m.group(1).lower())) + candidate[m.end() :]


def _stated_value(cb: str, rb: str, candidate: str) -> str:
    """``55 - 9\\times 6 = 55 - 54 = 1`` or ``a + b + c = 20`` against a reference that is no equation: the
    value the candidate states (a chain's last part; the right side of one equation whose left side names a
    quantity with no number in it, e.g. ``\\tan A = 2``). ``2x = 4`` keeps its equation: its answer is x."""
    if "=" in rb or "=" not in cb or "<" in cb or ">" in cb or len(_items(cb)) != 1:
        return candidate
    chain = N.split_top(cb, ("=",))
    if len(chain) > 2 or (
        len(chain) == 2 and re.search(r"[A-Za-z]", chain[0]) and not re.search(r"\d", chain[0])
    ):
        return chain[-1].strip() or candidate
    return candidate


_POINT_NAME = re.compile(r"^[A-Z](?:_\{?\w+\}?|'+)?\s*(?=\()")


def _unnamed_point(s: str, other: str) -> str:
    """``M(1,2)`` against a tuple reference is the point ``(1,2)``: a capital letter names a point (only when the
    other side is a tuple, so ``C(5,2)`` against a number is left alone)."""
    m = _POINT_NAME.match(s)
    if m is None or _tuple_items(other) is None or _tuple_items(s[m.end() :]) is None:
        return s
    return s[m.end() :]


def _bases(rb: str, cb: str) -> bool | None:
    """Numerals with a base (``1011_2``): the same digits when one side leaves the base off (``1011`` for
    ``1011_2``), the same value when both name one; the decimal value for a base-2 answer (``11`` for ``1011_2``)
    or the base-2 numeral for a decimal answer is not what was asked. None: not a base question."""
    r, c = N.base_numeral(rb), N.base_numeral(cb)
    if r is None or c is None or (r[1] is None and c[1] is None):
        return None
    if r[1] is None or c[1] is None:
        return r[0].lstrip("0") == c[0].lstrip("0")
    return int(r[0], r[1]) == int(c[0], c[1])


_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?:\s*([ap])\.?\s*m\.?)?", re.I)


def _clock(rb: str, cb: str) -> bool | None:
    """Times of day: ``4:30 p.m.`` = ``4:30`` = ``16:30``, but ``4:30 a.m.`` is not ``4:30 p.m.`` (a.m./p.m. on both
    sides must agree; on one side only, the other's reading may be either clock's). None: not two times."""
    r, c = _CLOCK.fullmatch(rb.strip()), _CLOCK.fullmatch(cb.strip())
    if r is None or c is None:
        return None

    def day(m: re.Match[str]) -> tuple[int, int]:
        h, mi, ap = int(m.group(1)), int(m.group(2)), (m.group(3) or "").lower()
        return ((h % 12) + (12 if ap == "p" else 0) if ap else h), mi

    def plain(m: re.Match[str]) -> tuple[int, int]:
        return int(m.group(1)), int(m.group(2))

    if bool(r.group(3)) == bool(c.group(3)):
        return day(r) == day(c)
    marked, other = (r, c) if r.group(3) else (c, r)
    return plain(other) in (plain(marked), day(marked))


def _approximate(reference: str, cb: str, sym: SymbolicFn | None) -> bool | None:
    """``4\\pi \\approx 12.57``: the candidate states an exact value and its rounding; either may be the answer
    (an exact reference matches the first, a decimal one the second; a name such as ``x`` holds no digit).
    None: not one ``\\approx``."""
    parts = N.split_top(cb, ("\\approx",))
    if len(parts) != 2:
        return None
    values = [p for p in reversed(parts) if re.search(r"\d|\\pi", p)]
    return any(equivalent(reference, p, sym)[0] for p in values)


def equivalent(reference: str, candidate: str, sym: SymbolicFn | None) -> tuple[bool, str]:
    """Is ``candidate`` the same answer as ``reference``? Returns (verdict, deciding method)."""
    cmp = Comparer(sym)
    cmp.ref_percent = bool(_PERCENT.search(reference))
    cmp.cand_percent = bool(_PERCENT.search(candidate))
    ru, cu = N.unit_of(reference), N.unit_of(candidate)
    if ru is not None and cu is not None and ru != cu:  # "12 cm" for "12 cm^2", "5 minutes" for "5 hours"
        return False, "unit"
    rb, cb = N.basic(reference), N.basic(candidate)
    if N.canon(rb) == N.canon(cb):
        return True, "string"
    ry, cy = _YES_NO.match(rb), _YES_NO.match(cb)
    if ry and cy:
        return ry.group(1).lower() == cy.group(1).lower(), "text"
    based = _bases(rb, cb)
    if based is not None:
        return based, "base"
    clock = _clock(rb, cb)
    if clock is not None:
        return clock, "clock"
    if "\\approx" in cb and "\\approx" not in rb:
        approx = _approximate(reference, cb, sym)
        if approx is not None:
            return approx, "approx"
    chain = N.split_top(rb, ("=",))
    if len(chain) > 2 and "=" not in candidate and len(_items(rb)) == 1:
        reference = chain[-1]  # "i^7 = i^4 i^3 = -i": the chain's last value is the answer
    candidate = _number_word(_stated_value(cb, rb, candidate), rb)
    ref_list = len(_items(N.basic(reference))) > 1
    cand_list = len(_items(cb)) > 1
    ref = prepare(reference, other_is_list=cand_list)
    cand = prepare(candidate, other_is_list=ref_list)
    ref, cand = _unnamed_point(ref, cand), _unnamed_point(cand, ref)
    rd, cd = drop_constant(ref), drop_constant(cand)
    if rd != ref and cd != cand:  # "\ln|x|+C" vs "\ln|x|+K": the constants' names do not matter
        ref, cand = rd, cd
    method = lambda: cmp.methods[-1] if cmp.methods else "structure"  # noqa: E731
    rx, cx = reals_except(ref), reals_except(cand)
    if rx is not None and cx is not None:  # ℝ∖{0} = (-∞,0)∪(0,∞) = x≠0: compared as the excluded points
        return cmp.unordered(rx, cx), "set:" + method()
    if _set_against_tuple(ref, cand) or _set_against_tuple(cand, ref):  # {1,2} is no ordered pair (1,2)
        return False, "structure"
    refs, cands = _spread_tuple_label(_items(ref)), _spread_tuple_label(_items(cand))
    if len(refs) == 1 and len(cands) == 1:
        (rlab, rv), (clab, cv) = split_label(refs[0]), split_label(cands[0])
        if _is_equation(refs[0]) and _is_equation(cands[0]):
            # "y=2x+1" vs "y-2x=1", "E=2C" vs "2C=E": compared as equations first
            if cmp.value(refs[0], cands[0]):
                return True, "equation:" + method()
            # "E=10.1" vs "E_{x}=10.1", "y=…" vs "y(x)=…": the same quantity named twice, so the values decide
            if rlab is None or clab is None or not same_quantity(rlab, clab):
                return False, "equation:" + method()
        return cmp.value(_value(rv), _value(cv)), method()
    rl = [split_label(x) for x in refs]
    cl = [split_label(x) for x in cands]
    rlabs, clabs = [lab for lab, _ in rl], [lab for lab, _ in cl]
    rvals, cvals = [_value(v) for _, v in rl], [_value(v) for _, v in cl]
    distinct = lambda labs: None not in labs and len(set(labs)) == len(labs)  # noqa: E731
    if distinct(rlabs) and distinct(clabs):  # x=1, y=2 vs y=2, x=1: matched by label
        if sorted(rlabs) != sorted(clabs):  # type: ignore[type-var]
            return False, "list:labels"
        by = dict(zip(clabs, cvals, strict=True))
        return all(cmp.value(v, by[lab]) for lab, v in zip(rlabs, rvals, strict=True)), "list:" + method()
    if len(refs) == 1 and _tuple_items(rvals[0]) is not None and (distinct(clabs) or not any(clabs)):
        cvals = _by_letter(clabs, cvals)  # "y=1, x=2" is the pair (2,1)
        return _ordered(cmp, _tuple_items(rvals[0]) or [], cvals), "tuple:" + method()  # (3,5) vs 3, 5
    if len(cands) == 1 and _tuple_items(cvals[0]) is not None and (distinct(rlabs) or not any(rlabs)):
        return _ordered(cmp, _by_letter(rlabs, rvals), _tuple_items(cvals[0]) or []), "tuple:" + method()
    if (distinct(rlabs) and all(lab is None for lab in clabs)) or (
        distinct(clabs) and all(lab is None for lab in rlabs)
    ):  # AB=4, CD=5 vs 4, 5: the labels fix the order
        return _ordered(cmp, rvals, cvals), "list:" + method()
    ok = cmp.unordered(rvals, cvals)
    return ok, "list:" + (cmp.methods[-1] if cmp.methods else "length")
