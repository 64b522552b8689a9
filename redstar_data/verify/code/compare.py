"""Output comparison, strict by design (docs/code.md lists each rule and why).

stdin/stdout: both texts ``strip()``-ed and split into lines, each line ``strip()``-ed; the line counts must
be equal (a prefix never passes); equal lines pass; otherwise the whitespace-separated tokens must match one
by one: equal strings, or equal numbers (integers exactly; decimals by exact value, so ``1.50`` = ``1.5``);
a float tolerance applies only when the problem sets one, and only to tokens with a fraction or exponent
(integers stay exact); letter case is ignored only when the problem says so (Codeforces' "print YES/NO in
any case": its checkers compare case-insensitively there, AtCoder's do not). Never the TACO/APPS
order-insensitive set fallback, never a substring or prefix match.

Call-based: Python ``==`` on the decoded return value (tuples arrive as lists), also against
``expected[0]`` only where the format wraps return values in a one-element list (TACO/APPS; ``unwrap``):
LiveCodeBench's expected values are the answers themselves, so there a scalar never passes for a
one-element list answer; floats with ``math.isclose``.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

CALL_REL_TOL = 1e-9
CALL_ABS_TOL = 1e-9

# CPython >= 3.11 refuses int <-> str conversions past 4300 digits; tests and return values hold such ints
# (factorials, 2^n: the sandbox lifts the limit as judges do), so the host reads and shows JSON without it
_INT_STR_DIGITS = 4300


def _parse_int(text: str) -> int:
    # ``Decimal`` parses any length and converts to int without the int-str limit
    return int(text) if len(text) <= _INT_STR_DIGITS else int(Decimal(text))


def loads_json(text: str | bytes) -> Any:
    """``json.loads`` that reads integers of any length (the host keeps Python's int-str limit on); the C
    parser first, the per-integer hook only when a text has such an integer."""
    try:
        return json.loads(text)
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):  # not the int-str limit: the text is not JSON
            raise
    return json.loads(text, parse_int=_parse_int)


def dumps_short(value: Any, limit: int = 80) -> str:
    """JSON for a message, cut to ``limit``; an integer too long to print is shown by its size."""
    try:
        return json.dumps(value)[:limit]
    except ValueError:
        return f"<value with an integer of more than {_INT_STR_DIGITS} digits>"


# a number as judges print them; ``Decimal`` alone also reads "1_000" (Python's digit grouping) as 1000
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _num(tok: str) -> Decimal | None:
    if not tok or tok[0] not in "+-.0123456789" or _NUMBER.fullmatch(tok) is None:
        return None
    try:
        d = Decimal(tok)
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _is_int(tok: str) -> bool:
    return tok.lstrip("+-").isdigit()


def _token_eq(a: str, b: str, tol: float | None, ignore_case: bool = False) -> bool:
    if a == b or (ignore_case and a.casefold() == b.casefold()):
        return True
    x, y = _num(a), _num(b)
    if x is None or y is None:
        return False
    if x == y:
        return True
    if tol is None or (_is_int(a) and _is_int(b)):
        return False
    return math.isclose(float(x), float(y), rel_tol=tol, abs_tol=tol)


def compare_stdout(
    actual: str, expected: str, *, float_tol: float | None = None, ignore_case: bool = False
) -> tuple[bool, str]:
    """(passed, reason). ``reason`` names the first mismatch for the stored details."""
    a_lines = [ln.strip() for ln in actual.strip().split("\n")]
    e_lines = [ln.strip() for ln in expected.strip().split("\n")]
    if len(a_lines) != len(e_lines):
        return False, f"line count {len(a_lines)} != expected {len(e_lines)}"
    for k, (a, e) in enumerate(zip(a_lines, e_lines, strict=True)):
        if a == e:
            continue
        at, et = a.split(), e.split()
        if len(at) != len(et):
            return False, f"line {k + 1}: {len(at)} tokens != expected {len(et)}"
        for j, (x, y) in enumerate(zip(at, et, strict=True)):
            if not _token_eq(x, y, float_tol, ignore_case):
                return False, f"line {k + 1} token {j + 1}: {x[:40]!r} != {y[:40]!r}"
    return True, ""


def _close(a: Any, b: Any, tol: float | None = None) -> bool:
    """Equal, floats within the call tolerance (or the problem's stated one, when it is looser)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if a == b:
            return True
        if isinstance(a, float) or isinstance(b, float):
            rel, abs_ = max(CALL_REL_TOL, tol or 0.0), max(CALL_ABS_TOL, tol or 0.0)
            return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], tol) for k in a)
    return a == b


def _listify(x: Any) -> Any:
    if isinstance(x, tuple | list):
        return [_listify(v) for v in x]
    if isinstance(x, dict):
        return {k: _listify(v) for k, v in x.items()}
    return x


def _order_key(v: Any) -> str:
    try:
        return json.dumps(v, sort_keys=True)
    except ValueError:  # an integer past the int-str limit: its size and low digits order it well enough
        return repr(("big", v.bit_length(), v % 10**18)) if isinstance(v, int) else repr(v)


def _unordered(x: Any) -> Any:
    """Lists sorted at every level (by their JSON), for answers the statement accepts "in any order"."""
    if isinstance(x, list):
        items = [_unordered(v) for v in x]
        return sorted(items, key=_order_key)
    return x


def compare_value(
    actual_json: str | None,
    expected: Any,
    *,
    unwrap: bool = True,
    any_order: bool = False,
    float_tol: float | None = None,
) -> tuple[bool, str]:
    """Call-based: the program's return value (its JSON, from the sandbox) against the expected value;
    ``unwrap``: the expected value may be the answer wrapped in a one-element list (TACO/APPS);
    ``any_order``: the statement accepts the answer's elements in any order (LeetCode's "return the answer in
    any order"), so lists compare as multisets, at every level; ``float_tol``: the problem's stated tolerance
    ("Answers within 10^-5 of the actual answer will be accepted"), for floats only."""
    if actual_json is None:
        return False, "no return value"
    try:
        actual = loads_json(actual_json)
    except ValueError:
        return False, "return value is not JSON-serialisable"
    exp = _listify(expected)
    if actual == exp or _close(actual, exp, float_tol):
        return True, ""
    if (
        unwrap
        and isinstance(exp, list)
        and len(exp) == 1
        and (actual == exp[0] or _close(actual, exp[0], float_tol))
    ):
        return True, ""
    if any_order and isinstance(actual, list):
        got = _unordered(actual)
        if got == _unordered(exp) or (
            unwrap and isinstance(exp, list) and len(exp) == 1 and got == _unordered(exp[0])
        ):
            return True, ""
    return False, f"returned {dumps_short(actual)} != expected {dumps_short(exp)}"
