"""The symbolic path: LaTeX → sympy (latex2sympy2_extended) and equality by exact zero or random evaluation.

This module is only imported inside worker processes (``pool.py``): sympy can run for minutes on inputs like
``10^{10^{10}}``, so the caller enforces a hard time limit by killing the worker. Random numeric evaluation
at a few points decides most identities faster and more robustly than ``simplify``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy

from redstar_data.verify.fastlatex import Unsupported, parse_fast

FALLBACK = False  # see docs/verify.md: latex2sympy costs 80-900 ms a parse
_POINTS = 4
_REL_TOL = 1e-9  # ratios of equations (double precision)
_FN_TOL = 1e-15  # a - b at a random point, evaluated with 30 digits, relative to |a|, |b|
_EXACT_DIGITS = 60
_EXACT_TOL = 1e-45  # constants of an exact reference: equal to 45 digits or not equal


@lru_cache(maxsize=4096)
def parse(s: str) -> Any:
    """LaTeX → sympy expression (cached: the same reference is checked for many samples)."""
    try:
        expr = parse_fast(s)
    except Unsupported:
        if not FALLBACK:
            raise
        from latex2sympy2_extended import latex2sympy  # ANTLR runtime: imported only when the fallback is on

        expr = latex2sympy(s)
    if isinstance(expr, list | tuple):
        raise ValueError("list answer")
    return expr


def _merge_case(a: Any, b: Any) -> tuple[Any, Any]:
    """Map b's symbols onto a's when they differ only by case (integration constants ``c`` vs ``C``)."""
    amap = {str(s).lower(): s for s in a.free_symbols}
    subs = {
        s: amap[str(s).lower()] for s in b.free_symbols if s not in a.free_symbols and str(s).lower() in amap
    }
    return a, (b.xreplace(subs) if subs else b)


# conventional names of a general solution's arbitrary constants, and of a family's integer parameter: the two kinds
# are renamed only within their kind (``y^2=-x+k`` is not ``y^2+x=C``: k may be a given number)
_CONSTANT = re.compile(r"[CKAB]|[Cc]_\d+")
_INTEGER = re.compile(r"[knm]")
_MAX_CONSTANTS = 4  # at most 4! = 24 bijections of one kind tried


def _arbitrary(e: Any) -> tuple[list[Any], list[Any], set[Any]]:
    """(constants, integer parameters, other free symbols) of ``e``: a symbol with a conventional name that ``e`` is
    affine in (``Ce^{x}``, ``+C``, ``2k\\pi``) can be renamed; in ``e^{kx}`` the ``k`` is a given parameter."""
    consts, ints, rest = [], [], set()
    for sym in sorted(e.free_symbols, key=str):
        kind = consts if _CONSTANT.fullmatch(str(sym)) else ints if _INTEGER.fullmatch(str(sym)) else None
        if kind is not None:
            d = sympy.diff(e, sym)
            if d != 0 and sym not in d.free_symbols:
                kind.append(sym)
                continue
        rest.add(sym)
    return consts, ints, rest


def renamings(a: Any, b: Any) -> Iterator[dict[Any, Any]]:
    """Bijections from ``b``'s arbitrary constants onto ``a``'s, kind by kind (``C_1e^{x}+C_2e^{-x}`` and
    ``Ae^{-x}+Be^{x}``; ``2k\\pi`` and ``2n\\pi``): as many of each kind on both sides, the same other symbols, and
    either a variable besides them (a general solution) or π in every parameter's coefficient (a periodic family).
    A candidate that uses the reference's own names keeps them: with the names given by the problem,
    ``C_1\\cos 2t+C_2\\sin 2t`` is not ``C_1\\sin 2t+C_2\\cos 2t``."""
    from itertools import permutations, product

    *kinds_a, ra = _arbitrary(a)
    *kinds_b, rb = _arbitrary(b)
    if ra != rb or not any(kinds_a) or [len(k) for k in kinds_a] != [len(k) for k in kinds_b]:
        return
    if any(len(k) > _MAX_CONSTANTS for k in kinds_a):
        return
    if not ra and not all(sympy.diff(a, c).has(sympy.pi) for k in kinds_a for c in k):
        return
    if all(set(ka) == set(kb) for ka, kb in zip(kinds_a, kinds_b, strict=True)):
        return  # the same names: the identity, tried already
    choices = [
        [dict(zip(kb, perm, strict=True)) for perm in permutations(ka)]
        for ka, kb in zip(kinds_a, kinds_b, strict=True)
    ]
    for maps in product(*choices):
        yield {k: v for m in maps for k, v in m.items()}


def _same_family(a: Any, b: Any) -> bool:
    """``\\frac{\\pi}{4}+k\\pi`` and ``\\frac{5\\pi}{4}+k\\pi`` (or ``-k\\pi``) are the same set: one integer
    parameter, the same step up to sign, offsets a whole number of steps apart."""
    const_a, ca, ra = _arbitrary(a)
    const_b, cb, rb = _arbitrary(b)
    if len(ca) != 1 or len(cb) != 1 or ra or rb or const_a or const_b:
        return False
    sa, sb = sympy.diff(a, ca[0]), sympy.diff(b, cb[0])
    step_a, step_b = _num(sa, {}), _num(sb, {})
    if step_a is None or step_b is None or abs(step_a) < 1e-12 or not sa.has(sympy.pi):
        return False
    if not (_close(step_a, step_b, None) or _close(step_a, -step_b, None)):
        return False
    off_a, off_b = a.xreplace({ca[0]: 0}), b.xreplace({cb[0]: 0})
    if off_a == 0 and off_b == 0:  # "n\\pi/2" vs "-n\\pi/2": n may be a given number
        return False
    shift = _num((off_b - off_a) / sa, {})
    return shift is not None and abs(shift.imag) < 1e-9 and abs(shift.real - round(shift.real)) < 1e-9


def _num(expr: Any, values: dict[Any, Any]) -> complex | None:
    try:
        v = complex(expr.xreplace(values).evalf(30) if values else expr.evalf(30))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError):
        return None
    if v != v or abs(v) == float("inf"):
        return None
    return v


def _eval(expr: Any, values: dict[Any, Any]) -> tuple[Any, complex] | None:
    """(30-digit sympy value, complex) of ``expr`` at ``values``, or None when it is not a finite number."""
    try:
        e = expr.xreplace(values).evalf(30) if values else expr.evalf(30)
        v = complex(e)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError):
        return None
    if v != v or abs(v) == float("inf"):
        return None
    return e, v


def _close(x: complex, y: complex, quantum: float | None) -> bool:
    if quantum is not None:
        return abs(x - y) <= quantum / 2 * (1 + 1e-6)
    return abs(x - y) <= _REL_TOL * max(1.0, abs(x), abs(y))


def _same_function(a: Any, b: Any, quantum: float | None = None) -> bool:
    syms = sorted(a.free_symbols | b.free_symbols, key=str)
    if not syms:
        if quantum is None:  # an exact reference is exact: rationals compared exactly, the rest to 45 digits
            if a.is_Rational and b.is_Rational:
                return bool(a == b)
            try:
                va, vb = complex(a.evalf(_EXACT_DIGITS)), complex(b.evalf(_EXACT_DIGITS))
                d = complex((a - b).evalf(_EXACT_DIGITS))
            except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError):
                return False
            if not all(abs(z) < float("inf") for z in (va, vb, d)):  # infinities: equal only when identical
                return bool(a == b)
            return abs(d) <= _EXACT_TOL * max(1.0, abs(va), abs(vb))
        va, vb = _num(a, {}), _num(b, {})
        return va is not None and vb is not None and _close(va, vb, quantum)
    rng = random.Random(1234)
    agree = 0
    for _ in range(_POINTS * 2):
        values = {
            s: sympy.Float(rng.choice((rng.uniform(0.3, 1.7), rng.uniform(2.2, 9.7))), 30) for s in syms
        }
        ea, eb = _eval(a, values), _eval(b, values)
        if ea is None or eb is None:
            continue
        va, vb = ea[1], eb[1]
        try:  # the difference of the 30-digit values, not of two rounded doubles
            d = complex((ea[0] - eb[0]).evalf(30))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError):
            continue
        if abs(d) > _FN_TOL * max(1.0, abs(va), abs(vb)):
            return False
        agree += 1
        if agree >= _POINTS:
            return True
    return agree > 0 and sympy.simplify(a - b) == 0


def _proportional(a: Any, b: Any) -> bool:
    """Equations ``a = 0`` and ``b = 0`` are the same when a/b is a non-zero constant (checked numerically:
    ``simplify`` costs 50-150 ms here and decides nothing more on real answers)."""
    syms = sorted(a.free_symbols | b.free_symbols, key=str)
    rng = random.Random(99)
    ratio = None
    seen = 0
    for _ in range(_POINTS * 2):
        values = {
            s: sympy.Float(rng.choice((rng.uniform(0.3, 1.7), rng.uniform(2.2, 9.7))), 30) for s in syms
        }
        va, vb = _num(a, values), _num(b, values)
        if va is None or vb is None or abs(vb) < 1e-12:
            continue
        r = va / vb
        if ratio is None:
            if abs(r) < 1e-12:
                return False
            ratio = r
        elif not _close(r, ratio, None):
            return False
        seen += 1
        if seen >= _POINTS:
            return True
    return False


def _relation(e: Any) -> Any | None:
    if isinstance(e, sympy.Equality):
        return e.lhs - e.rhs
    return None


def sym_equal(reference: str, candidate: str, quantum: Fraction | None = None) -> bool | None:
    """True/False when both sides parse, None when either does not."""
    try:
        a, b = parse(reference), parse(candidate)
    except Exception:  # noqa: BLE001 - latex2sympy raises anything on bad input
        return None
    ra, rb = _relation(a), _relation(b)
    if ra is not None and rb is not None:
        if (
            isinstance(a.lhs, sympy.Symbol)
            and a.lhs == b.lhs
            and a.lhs not in (a.rhs.free_symbols | b.rhs.free_symbols)
        ):
            if _same_family(a.rhs, b.rhs):  # "x = \\frac{\\pi}{4}+k\\pi" = "x = \\frac{5\\pi}{4}+n\\pi"
                return True
        a2, b2 = _merge_case(ra, rb)
        return _proportional(a2, b2) or any(_proportional(ra, rb.xreplace(m)) for m in renamings(ra, rb))
    if ra is not None or rb is not None:
        return False
    if isinstance(a, sympy.Basic) and isinstance(b, sympy.Basic):
        try:
            q = float(quantum) if quantum is not None else None
            if _same_function(*_merge_case(a, b), q):
                return True
            return _same_family(a, b) or any(_same_function(a, b.xreplace(m), q) for m in renamings(a, b))
        except Exception:  # noqa: BLE001
            return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return False
