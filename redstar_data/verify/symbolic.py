"""The symbolic path: LaTeX → sympy (latex2sympy2_extended) and equality by exact zero or random evaluation.

This module is only imported inside worker processes (``pool.py``): sympy can run for minutes on inputs like
``10^{10^{10}}``, so the caller enforces a hard time limit by killing the worker. Random numeric evaluation
at a few points decides most identities faster and more robustly than ``simplify``.
"""

from __future__ import annotations

import random
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
        a2, b2 = _merge_case(ra, rb)
        return _proportional(a2, b2)
    if ra is not None or rb is not None:
        return False
    if isinstance(a, sympy.Basic) and isinstance(b, sympy.Basic):
        try:
            a, b = _merge_case(a, b)
            return _same_function(a, b, float(quantum) if quantum is not None else None)
        except Exception:  # noqa: BLE001
            return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return False
