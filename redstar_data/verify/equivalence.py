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
_INEQ = re.compile(r"^([a-zA-Z])\s*(<|>|\\leq|\\geq|\\lt|\\gt)\s*([^<>=]+)$")
_INEQ2 = re.compile(r"^([^<>=]+?)\s*(<|\\leq|\\lt)\s*([a-zA-Z])\s*(<|\\leq|\\lt)\s*([^<>=]+)$")


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
    if tail != raw and re.search(r"[\d]|\\pi", tail):
        raw = tail
    t = N.basic(raw)
    if not other_is_equation:  # "y=2x+1" vs "y-2x=1" compares equations, not right-hand sides
        t = N.strip_prefix(t)
    t = re.sub(r"(\d)\s*\{,\}\s*(\d)", r"\1\2", t)
    if other_is_list:
        t = re.sub(r"(\d)(?:\\,| |\u2009)(\d{3})(?!\d)", r"\1\2", t)
    else:
        t = N.join_thousands(t)
    t = N.strip_units(t)
    return t.strip().rstrip(".").strip()


def _items(s: str) -> list[str]:
    """Top-level list items (``,``, ``;``, ``and``, ``\\cup``), with ``\\pm`` expanded."""
    if s.startswith("\\{") and s.endswith("\\}") and "\\{" not in s[2:-2]:
        s = s[2:-2]
    parts = N.split_top(s, (",", ";", " and ", " or ", "\\cup"))
    parts = [N.strip_prefix(p) for p in parts if p]
    return _expand_pm(parts)


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


class Comparer:
    """Holds the symbolic hook and counts which method decided."""

    def __init__(self, sym: SymbolicFn | None) -> None:
        self.sym = sym
        self.methods: list[str] = []
        self.ref_percent = False

    def scalar(self, ref: str, cand: str) -> bool:
        if N.canon(ref) == N.canon(cand):
            self.methods.append("string")
            return True
        rn, cn = N.parse_number(ref), N.parse_number(cand)
        if rn is not None and cn is not None:
            self.methods.append("numeric")
            if N.numbers_equal(rn, cn):
                return True
            # "62.5%" answered as 0.625: a percent reference accepts the fraction form too
            return self.ref_percent and N.numbers_equal(rn, N.Num(cn.value * 100, None))
        rl = N.choice_letter(ref)
        if rl is not None and len(ref.strip("() ")) == 1:
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
            if (rb[0], rb[2]) != (cb[0], cb[2]) and any(c in "[]" for c in rb[0] + rb[2] + cb[0] + cb[2]):
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
    return len(N.split_top(s, ("=",))) == 2 and len(_items(s)) == 1


def equivalent(reference: str, candidate: str, sym: SymbolicFn | None) -> tuple[bool, str]:
    """Is ``candidate`` the same answer as ``reference``? Returns (verdict, deciding method)."""
    cmp = Comparer(sym)
    cmp.ref_percent = "%" in reference
    if N.canon(N.basic(reference)) == N.canon(N.basic(candidate)):
        return True, "string"
    ry, cy = _YES_NO.match(N.basic(reference)), _YES_NO.match(N.basic(candidate))
    if ry and cy:
        return ry.group(1).lower() == cy.group(1).lower(), "text"
    chain = N.split_top(N.basic(reference), ("=",))
    if (
        len(chain) > 2 and "=" not in candidate and len(_items(N.basic(reference))) == 1
    ):  # "i^7 = i^4 i^3 = -i": the chain's last value is the answer
        reference = chain[-1]
    ref_list = len(_items(N.basic(reference))) > 1
    cand_list = len(_items(N.basic(candidate))) > 1
    ref_eq = _is_equation(N.basic(reference))
    cand_eq = _is_equation(N.basic(candidate))
    ref = prepare(reference, other_is_list=cand_list, other_is_equation=cand_eq and ref_eq)
    cand = prepare(candidate, other_is_list=ref_list, other_is_equation=ref_eq and cand_eq)
    refs, cands = _items(ref), _items(cand)
    if len(refs) > 1 or len(cands) > 1:
        ok = cmp.unordered(refs, cands)
        return ok, "list:" + (cmp.methods[-1] if cmp.methods else "length")
    ok = cmp.value(ref, cand)
    return ok, cmp.methods[-1] if cmp.methods else "structure"
