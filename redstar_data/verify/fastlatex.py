"""A small recursive-descent LaTeX → sympy parser for the common answer subset.

Why: latex2sympy2_extended's ANTLR parser costs 80-600 ms per expression on one core (measured on
dev.jsonl: >90 % of the verifier's time), while answers use a small subset of LaTeX: numbers, letters with
subscripts, ``\\frac``, ``\\sqrt``, powers, elementary functions, Greek letters, implicit multiplication.
This parser handles that subset in well under a millisecond and raises ``Unsupported`` for anything else,
in which case the caller falls back to latex2sympy. Both sides of a comparison go through the same parser,
so conventions (``e`` is Euler's number, ``i`` the imaginary unit, ``\\sin 2x`` is ``sin(2x)``) are
consistent. Powers are built unevaluated so ``10^{10^{10}}`` never computes a huge integer here.
"""

from __future__ import annotations

import re
from typing import Any

import sympy

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*|\.\d+)|(\\[A-Za-z]+|\\[{}|,;!])|([A-Za-z])|(\S))")
_FUNCS = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "sec": sympy.sec,
    "csc": sympy.csc,
    "cot": sympy.cot,
    "arcsin": sympy.asin,
    "arccos": sympy.acos,
    "arctan": sympy.atan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "ln": sympy.log,
    "log": sympy.log,
    "exp": sympy.exp,
}
_GREEK = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Sigma",
    "Phi",
    "Psi",
    "Omega",
}
_MAX_TOKENS = 400


class Unsupported(Exception):
    """Outside the subset: use the full parser."""


def _tokens(s: str) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m or m.end() == pos:
            break
        tok = next(g for g in m.groups() if g is not None)
        if tok not in ("\\,", "\\;", "\\!"):
            out.append(tok)
        pos = m.end()
        if len(out) > _MAX_TOKENS:
            raise Unsupported("too long")
    return out


_MAX_TERMS = 2000  # finite sums/products expanding to more terms stay unevaluated


class _Parser:
    def __init__(self, toks: list[str]) -> None:
        self.t = toks
        self.i = 0
        self.bound: set[str] = set()  # summation indices: ``i``/``e`` there are variables, not constants
        self.budget = _MAX_TERMS  # expanded terms left for all sums/products of this expression (nesting)

    def peek(self) -> str | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, expect: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expect is not None and tok != expect):
            raise Unsupported(f"expected {expect!r}, got {tok!r}")
        self.i += 1
        return tok

    def top(self) -> Any:
        left = self.expr()
        if self.peek() == "=":
            self.take()
            right = self.expr()
            if self.peek() is not None:
                raise Unsupported("trailing tokens")
            return sympy.Eq(left, right, evaluate=False)
        if self.peek() is not None:
            raise Unsupported(f"trailing {self.peek()!r}")
        return left

    def expr(self) -> Any:
        val = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            rhs = self.term()
            val = val + rhs if op == "+" else val - rhs
        return val

    def term(self) -> Any:
        val = self.unary()
        while True:
            tok = self.peek()
            if tok in ("*", "\\cdot", "\\times"):
                self.take()
                val = val * self.unary()
            elif tok == "/":
                self.take()
                val = val / self.unary()
            elif tok is not None and self._starts_atom(tok):
                val = val * self.power()
            else:
                return val

    def unary(self) -> Any:
        if self.peek() == "-":
            self.take()
            return -self.unary()
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.power()

    def _starts_atom(self, tok: str) -> bool:
        if tok in ("(", "[", "{") or tok[0].isdigit() or tok[0] == "." or tok.isalpha():
            return True
        return tok.startswith("\\") and tok[1:] in (
            _FUNCS.keys()
            | _GREEK
            | {"frac", "sqrt", "pi", "infty", "binom", "dot", "hat", "bar", "tilde", "sum", "prod"}
        )

    def power(self) -> Any:
        base = self.atom()
        while self.peek() == "!":
            self.take()
            base = sympy.factorial(base)
        if self.peek() == "^":
            self.take()
            exp = self.group_or_token()
            return sympy.Pow(base, exp, evaluate=False) if _big(exp) else base**exp
        return base

    def group_or_token(self) -> Any:
        """``{...}`` or one token (``x^2``, ``\\frac12``)."""
        tok = self.peek()
        if tok == "{":
            self.take()
            val = self.expr()
            self.take("}")
            return val
        if tok is not None and tok[0].isdigit():
            if len(tok) > 1:
                raise Unsupported("multi-digit exponent without braces")
            self.take()
            return _number(tok)
        if tok == "-":
            self.take()
            return -self.group_or_token()
        return self.atom()

    def _subscript(self, name: str) -> str:
        if self.peek() == "_":
            self.take()
            tok = self.take()
            if tok == "{":
                parts = []
                while self.peek() not in ("}", None):
                    parts.append(self.take().lstrip("\\"))
                self.take("}")
                tok = "".join(parts)
            name = f"{name}_{tok.lstrip(chr(92))}"
        return name

    def _big_operator(self, name: str) -> Any:
        """``\\sum_{k=a}^{b} body`` / ``\\prod``: finite numeric ranges are expanded (so an index shift such as
        ``\\sum_{n=1}^{18} f(n+2)`` equals ``\\sum_{k=3}^{20} f(k)``); other bounds stay an unevaluated
        ``Sum``/``Product`` (compared numerically or not at all)."""
        self.take("_")
        self.take("{")
        var = sympy.Symbol(self._subscript(self.take()))
        outer = self.bound
        self.take("=")
        lo = self.expr()
        self.take("}")
        self.take("^")
        hi = self.group_or_token()
        self.bound = outer | {var.name}
        try:
            body = self.term()
        finally:
            self.bound = outer
        op = sympy.Sum if name == "sum" else sympy.Product
        cost = (hi - lo + 1) * len(sympy.Add.make_args(body)) if lo.is_Integer and hi.is_Integer else -1
        if 0 < cost <= self.budget:
            self.budget -= cost
            terms = [body.xreplace({var: sympy.Integer(k)}) for k in range(int(lo), int(hi) + 1)]
            return sympy.Add(*terms) if name == "sum" else sympy.Mul(*terms)
        unevaluated = op(body, (var, lo, hi))
        symbolic_bound = not (lo.is_Integer and hi.is_Integer)
        if symbolic_bound and body.is_polynomial(var):  # \sum_{k=1}^{n} k → n(n+1)/2: fast at any point
            closed = unevaluated.doit()
            if not closed.has(sympy.Sum, sympy.Product):
                return closed
        return unevaluated

    def atom(self) -> Any:
        tok = self.take()
        if tok in ("(", "["):
            val = self.expr()
            self.take(")" if tok == "(" else "]")
            return val
        if tok == "{":
            val = self.expr()
            self.take("}")
            return val
        if tok[0].isdigit() or tok[0] == ".":
            return _number(tok)
        if tok.isalpha():
            if tok == "e" and self.peek() != "_" and tok not in self.bound:
                return sympy.E
            if tok == "i" and self.peek() != "_" and tok not in self.bound:
                return sympy.I
            name = self._subscript(tok)
            while self.peek() == "'":  # x', x'': derivatives are names of their own
                self.take()
                name += "'"
            t, i = self.t, self.i
            if (
                i + 2 < len(t)
                and t[i] == "("
                and t[i + 2] == ")"
                and len(t[i + 1]) == 1
                and t[i + 1].isalpha()
            ):
                self.i += 3  # kx(t): the value of the function x at t is the quantity x (kx(t) = kx)
            return sympy.Symbol(name)
        name = tok[1:]
        if name == "frac":
            num = self.group_or_token()
            den = self.group_or_token()
            return num / den
        if name == "sqrt":
            if self.peek() == "[":
                self.take()
                n = self.expr()
                self.take("]")
                return sympy.root(self.group_or_token(), n)
            return sympy.sqrt(self.group_or_token())
        if name == "binom":
            return sympy.binomial(self.group_or_token(), self.group_or_token())
        if name in ("sum", "prod"):
            return self._big_operator(name)
        if name == "pi":
            return sympy.pi
        if name == "infty":
            return sympy.oo
        if name in ("dot", "hat", "bar", "tilde"):
            inner = self.group_or_token()
            return sympy.Symbol(self._subscript(f"{name}{inner}"))
        if name in _GREEK:
            return sympy.Symbol(self._subscript(name))
        if name in _FUNCS:
            power = base = None
            if name == "log" and self.peek() == "_":
                self.take()
                base = self.group_or_token()
            if self.peek() == "^":
                self.take()
                power = self.group_or_token()
            if self.peek() in ("(", "{"):
                arg = self.atom()
            else:
                arg = self.power()
                while (
                    self.peek() is not None
                    and self._starts_atom(self.peek())
                    and not (self.peek().startswith("\\") and self.peek()[1:] in _FUNCS)
                ):
                    arg = arg * self.power()
            val = sympy.log(arg, base) if base is not None else _FUNCS[name](arg)
            return val**power if power is not None else val
        raise Unsupported(f"command {tok}")


def _number(tok: str) -> Any:
    return sympy.Rational(tok) if "." in tok else sympy.Integer(tok)


def _big(exp: Any) -> bool:
    return not exp.is_number or (exp.is_number and abs(complex(sympy.N(exp, 5))) > 1000)


def parse_fast(s: str) -> Any:
    """sympy expression (or Eq) for ``s``, or raise ``Unsupported``."""
    toks = _tokens(s)
    if not toks:
        raise Unsupported("empty")
    return _Parser(toks).top()
