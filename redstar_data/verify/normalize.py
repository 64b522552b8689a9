"""String / LaTeX normalisation and cheap structure parsing of answers (no sympy here).

Everything here is linear-time string work so the in-process fast path stays cheap; the symbolic path in
``symbolic.py`` only sees what this layer could not decide.
"""

from __future__ import annotations

import re
from fractions import Fraction

_MAX_EXP = 400  # larger decimal exponents are left to the (time-limited) symbolic path

_UNIT_WORDS = {
    "dollars",
    "dollar",
    "cents",
    "cent",
    "units",
    "unit",
    "degrees",
    "degree",
    "cm",
    "mm",
    "km",
    "m",
    "meters",
    "meter",
    "metres",
    "inches",
    "inch",
    "feet",
    "foot",
    "ft",
    "miles",
    "mile",
    "hours",
    "hour",
    "hrs",
    "minutes",
    "minute",
    "min",
    "seconds",
    "second",
    "sec",
    "s",
    "days",
    "day",
    "weeks",
    "years",
    "year",
    "kg",
    "g",
    "grams",
    "gram",
    "pounds",
    "lbs",
    "ml",
    "l",
    "liters",
    "litres",
    "people",
    "students",
    "points",
    "ways",
    "times",
    "square",
    "sq",
    "cubic",
    "mph",
    "percent",
    "erg",
    "j",
    "n",
    "w",
    "hz",
    "k",
    "ev",
    "kev",
    "mev",
    "v",
    "pa",
}
_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
}

_SIMPLE_CMDS = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg|displaystyle|textstyle|limits)(?![a-zA-Z])")
_SPACES = re.compile(r"(?<!\\)\\[,;:! ]|\\q?quad|~|\u2009|\u202f|\u00a0")
_WRAP = re.compile(
    r"\\(?:mathrm|mathbf|mathit|textbf|textit|textrm|operatorname|mbox|text|boldsymbol|mathsf)\s*\{"
)
# a closing brace is eaten only with its own opening one: ``\frac{30^\circ}{2}``, ``\boxed{30^\circ}`` keep theirs
_CIRC = r"\^\s*(?:\{\s*\\circ\s*\}|\\circ)"
_TEMPERATURE = (
    r"(?:\s*(?:\\(?:text|mathrm|rm)\s*\{\s*[CF]\s*\}|[CF](?![A-Za-z])))?"  # 25^\circ C: the scale is a unit
)
_DEGREE = re.compile(
    r"(?:(?:\{\s*\}\s*)?" + _CIRC + r"|°|\\degree(?![A-Za-z]))" + _TEMPERATURE + r"|\\circ(?![A-Za-z])"
)
_AFTER_NUMBER = re.compile(r"\d\s*$")


def _degree(m: re.Match[str]) -> str:
    """A degree mark is dropped; a bare ``\\circ`` is one only right after a number (``30\\circ``), elsewhere it is
    composition (``f\\circ g``) and stays (a callback, not a look-behind: this regex runs on every answer)."""
    if m.group().startswith("\\circ") and not _AFTER_NUMBER.search(
        m.string, max(0, m.start() - 20), m.start()
    ):
        return m.group()
    return ""


_TRAILING_DOTS = re.compile(r"(\.(\d{1,40}))\s*(?:\.\.\.|…)$")
# "no solution" is the empty set; "no real solution" is not (there may be complex ones)
_NO_SOLUTION = re.compile(r"(?i)^(?:there\s+(?:is|are)\s+)?no\s+(?:solutions?|roots?)\.?$")
_THOUSANDS = re.compile(r"(?<![\d.])(\d{1,3})((?:(?:\{,\}|,|\\,| )\d{3})+)(?![\d])")
_PREFIX = re.compile(r"^\s*[A-Za-z](?:_\{?\w+\}?)?(?:\([a-z, ]*\))?\s*=(?![=<>])")


def _unwrap(s: str) -> str:
    """``\\text{abc}`` → ``abc`` for every wrapper command (nested braces respected)."""
    for _ in range(50):
        m = _WRAP.search(s)
        if not m:
            return s
        depth, i = 1, m.end()
        while i < len(s) and depth:
            if s[i] == "{":
                depth += 1
            elif s[i] == "}":
                depth -= 1
            i += 1
        inner = s[m.end() : i - 1] if depth == 0 else s[m.end() :]
        s = s[: m.start()] + inner + s[i:]
    return s


def strip_math_delims(s: str) -> str:
    s = s.strip()
    changed = True
    while changed and s:
        changed = False
        for a, b in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
            if s.startswith(a) and s.endswith(b) and len(s) >= len(a) + len(b):
                s = s[len(a) : len(s) - len(b)].strip()
                changed = True
    return s.replace("\\$", "").replace("$", "")


_UNICODE = {
    "π": "\\pi ", "∞": "\\infty ", "≤": "\\leq ", "≥": "\\geq ", "≠": "\\neq ", "×": "\\times ",
    "·": "\\cdot ", "⋅": "\\cdot ", "÷": "/", "−": "-", "–": "-", "∪": "\\cup ", "∩": "\\cap ", "∈": "\\in ",
    "∖": "\\setminus ", "θ": "\\theta ", "α": "\\alpha ", "β": "\\beta ", "γ": "\\gamma ", "δ": "\\delta ",
    "λ": "\\lambda ", "μ": "\\mu ", "σ": "\\sigma ", "φ": "\\phi ", "ω": "\\omega ", "Ω": "\\Omega ",
    "½": "\\frac{1}{2}", "⅓": "\\frac{1}{3}", "⅔": "\\frac{2}{3}", "¼": "\\frac{1}{4}", "¾": "\\frac{3}{4}",
    "′": "'", "″": "''", "’": "'", "º": "°", "˚": "°", "⟨": "\\langle ", "⟩": "\\rangle ", "∅": "\\emptyset ",
    "≈": "\\approx ",
}  # fmt: skip
_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPER_RUN = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")
_ROOT_SIGN = re.compile(r"√\s*(\([^()]*\)|\{[^{}]*\}|\d+(?:\.\d+)?|[A-Za-z]|\\[A-Za-z]+)")
_UNICODE_RE = re.compile("|".join(map(re.escape, _UNICODE)))
_CMP_ALIASES = re.compile(r"\\(le|ge|ne|lt|gt)(?![A-Za-z])")
_INVERSE_TRIG = re.compile(r"\\(sin|cos|tan)\s*\^\s*(?:\{\s*-\s*1\s*\}|-1(?!\d))")
_OPERATORNAME = re.compile(r"\\operatorname\*?\s*\{\s*([A-Za-z]+)\s*\}")
_KNOWN_FUNCS = {"sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
                "ln", "log", "exp"}  # fmt: skip
_ARG_CMDS = {"\\frac": 2, "\\sqrt": 1, "\\binom": 2}
_ARG_CMD_RE = re.compile(r"\\(?:frac|sqrt|binom)(?![A-Za-z])")
_ONE_TOKEN = re.compile(r"\s*(\\[A-Za-z]+|[0-9A-Za-z])")
_MIXED_DIGITS = 18  # longer digit runs before a fraction are left as they are (linear; no big-int arithmetic)
_MIXED = re.compile(r"(?<![\w.^_}){)\]|])(\d+)\s*\\frac\{(\d+)\}\{(\d+)\}")
_DMS = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:"
    + _CIRC
    + r"|°|\\degree)\s*(\d+(?:\.\d+)?)\s*(?:'|\^\s*(?:\{\s*\\prime\s*\}|\\prime))"
    r"(?:\s*(\d+(?:\.\d+)?)\s*(?:''|\"|\^\s*(?:\{\s*\\prime\s*\\prime\s*\}|\\prime\s*\\prime)))?"
)
# the integer parameter of a solution family: ", k\in\mathbb{Z}", "(n \in Z)", "where k is an integer", "for any
# integer k" (a side condition of the answer, not part of it)
INTEGER_PARAMETER = re.compile(
    r"\s*(?:[,;]|\b(?:for|where|with)\b|(?=\())\s*\(?\s*(?:(?:all|any|some|every|each)\s+)?"
    r"(?:[a-z](?:\s*,\s*[a-z])*\s*\\in\s*(?:\\mathbb\s*\{?\s*Z\s*\}?|\\Z|Z)(?![A-Za-z])"
    r"|integers?\s+[a-z](?:\s*,\s*[a-z])*|[a-z]\s+(?:is|being)\s+(?:an?\s+|any\s+)?integer)\s*\)?\s*\.?$"
)
_SIDE_CONDITION = (
    re.compile(r"\s*[,;]?\s*\(?\s*\b(?:for|where|if|when|provided|assuming|with|as long as)\b[^=]*?"
               r"(?:\\neq|\\geq|\\leq|\\in|\\notin|<|>)[^()]*\)?\s*\.?$"),
    re.compile(r"\s*[,;]?\s*\(\s*[^()]*(?:\\neq|\\notin)[^()]*\)\s*\.?$"),
    re.compile(r"\s*[,;]\s*[^,;=]*(?:\\neq|\\notin)[^,;]*$"),
)  # fmt: skip


def unicode_math(s: str) -> str:
    """``x² - 2x``, ``√3``, ``π``, ``≤`` → LaTeX (answers from chat models mix both)."""
    if s.isascii():
        return s
    s = _SUPER_RUN.sub(lambda m: "^{" + m.group().translate(_SUPER) + "}", s)
    s = _ROOT_SIGN.sub(lambda m: "\\sqrt{" + m.group(1).strip("(){}") + "}", s)
    return _UNICODE_RE.sub(lambda m: _UNICODE[m.group()], s)


def brace_args(s: str) -> str:
    """TeX's brace-less arguments made explicit: ``\\frac12`` → ``\\frac{1}{2}``, ``\\sqrt2`` → ``\\sqrt{2}``,
    ``\\frac\\pi4`` → ``\\frac{\\pi}{4}`` (an unbraced argument is one character or one command)."""
    if "\\frac" not in s and "\\sqrt" not in s and "\\binom" not in s:
        return s
    out: list[str] = []
    pos = 0
    for m in _ARG_CMD_RE.finditer(s):
        if m.start() < pos:
            continue
        out.append(s[pos : m.end()])
        i = m.end()
        if m.group() == "\\sqrt":
            j = i
            while j < len(s) and s[j] == " ":
                j += 1
            if j < len(s) and s[j] == "[":
                k = s.find("]", j)
                if k != -1:
                    out.append(s[i : k + 1])
                    i = k + 1
        for _ in range(_ARG_CMDS[m.group()]):
            j = i
            while j < len(s) and s[j] == " ":
                j += 1
            if j < len(s) and s[j] == "{":
                break  # braced arguments (and anything after them) are left to the next match
            tok = _ONE_TOKEN.match(s, i)
            if not tok:
                break
            out.append("{" + tok.group(1) + "}")
            i = tok.end()
        pos = i
    out.append(s[pos:])
    return "".join(out)


def _dms_value(m: re.Match[str]) -> str:
    deg, mins, secs = (Fraction(g) if g else Fraction(0) for g in m.groups())
    v = deg + mins / 60 + secs / 3600
    return str(v.numerator) if v.denominator == 1 else f"\\frac{{{v.numerator}}}{{{v.denominator}}}"


def mixed_numbers(s: str) -> str:
    """``3\\frac{1}{2}`` → ``\\frac{7}{2}``: a whole number written before a proper fraction of digits."""

    def improper(m: re.Match[str]) -> str:
        if max(len(g) for g in m.groups()) > _MIXED_DIGITS:  # int() of a long run is quadratic (and capped)
            return m.group()
        w, a, b = int(m.group(1)), int(m.group(2)), int(m.group(3))
        return f"\\frac{{{w * b + a}}}{{{b}}}" if 0 < a < b else m.group()

    return _MIXED.sub(improper, s)


_CONDITION_HEAD = re.compile(r"\\neq|\\notin|\\ne(?![A-Za-z])|\\mathbb|\\Bbb")  # a condition or a set: kept


def strip_side_condition(s: str) -> str:
    """Drop a trailing side condition: ``…, \\text{ for } \\omega^2\\neq 4``, ``… (x\\neq 1)``, ``…, x\\ne 0``.

    Not when what is left is itself a condition or a set (``x\\neq 1, x\\neq 3`` and ``x\\in\\mathbb{R},
    x\\neq 1`` are the answer, not a side note)."""
    # most answers name no integer parameter: its regex runs only on those that mention one
    rxs = (*_SIDE_CONDITION, INTEGER_PARAMETER) if "Z" in s or "integer" in s else _SIDE_CONDITION
    for rx in rxs:
        t = rx.sub("", s)
        if t != s and t.strip() and not _CONDITION_HEAD.search(t):
            return t.strip()
    return s


_UNIT_VECTOR = re.compile(
    r"\\(?:mathbf|boldsymbol|bm|vec|hat)\s*(?:\{\s*(?:\\hat\s*)?\{?\s*([ijk]|\\[ij]math)\s*\}?\s*\}|([ijk]|\\[ij]math)(?![A-Za-z]))"
)
_AXES = {"i": 0, "\\imath": 0, "j": 1, "\\jmath": 1, "k": 2}


def unit_vectors(s: str) -> str:
    """``3\\mathbf{i}-2\\mathbf{j}`` → ``(3,-2)``, ``\\hat{i}+2\\hat{k}`` → ``(1,0,2)``: a vector written on the unit
    vectors i, j (, k) is its tuple of components, so it compares with ``(3,-2)`` and ``\\langle 3,-2\\rangle``.
    Only when every top-level term names exactly one unit vector (a label ``\\vec v =`` before it is kept)."""
    if not _UNIT_VECTOR.search(s):
        return s
    if s.startswith("(") and s.endswith(")") and _balanced(s[1:-1]):  # "(3\mathbf{i}-2\mathbf{j})"
        inner = unit_vectors(s[1:-1])
        return inner if inner != s[1:-1] else s
    head, _, rhs = s.rpartition("=")
    comps: list[list[str]] = [[], [], []]
    for term in _signed_terms(rhs):
        units = list(_UNIT_VECTOR.finditer(term))
        if len(units) != 1:
            return s
        u = units[0]
        coef = (term[: u.start()] + term[u.end() :]).strip()
        coef = re.sub(r"^([+-]?)\s*(?:\\cdot|\*)?\s*|\s*(?:\\cdot|\*)\s*$", r"\1", coef).strip()
        coef = {"": "1", "+": "1", "-": "-1"}.get(coef, coef.removeprefix("+"))
        comps[_AXES[u.group(1) or u.group(2)]].append(coef)
    if not any(comps):
        return s
    size = 3 if comps[2] else 2
    tup = "(" + ",".join("+".join(c) if c else "0" for c in comps[:size]) + ")"
    return f"{head}={tup}" if head else tup


def _balanced(s: str) -> bool:
    """Brackets never close below the start (``1)(2`` is not one group)."""
    depth = 0
    for c in s:
        depth += c in "([{"
        depth -= c in ")]}"
        if depth < 0:
            return False
    return depth == 0


def _signed_terms(s: str) -> list[str]:
    """``3a - 2b + c`` → ``3a``, ``-2b``, ``+c``: split before every top-level sign (not inside any brackets)."""
    terms, depth, start = [], 0, 0
    for i, c in enumerate(s):
        depth += c in "([{"
        depth -= c in ")]}"
        if depth == 0 and c in "+-" and s[start:i].strip() and not s[start:i].rstrip().endswith(("^", "_")):
            terms.append(s[start:i])
            start = i
    terms.append(s[start:])
    return [t.strip() for t in terms if t.strip()]


_ORD = r"(?:st|nd|rd|th)"
_ORD_TEXT = r"\\(?:text|mathrm|rm|textrm)\s*\{\s*" + _ORD + r"\s*\}"
# "12^{\text{th}}", "2^{nd}", "3\text{rd}", "5th": an ordinal suffix after a digit is the number itself
_ORD_SUP = r"\^\s*(?:\{\s*(?:" + _ORD_TEXT + "|" + _ORD + r")\s*\}|" + _ORD_TEXT + ")"
_ORDINAL = re.compile(r"(?<=\d)\s*(?:" + _ORD_SUP + "|" + _ORD_TEXT + "|" + _ORD + r"\b)")
# "70deg", "70degs", "70 degree": the word abbreviated or glued to its number is a degree mark (``\deg`` is not)
_DEGREE_WORD = re.compile(r"(?<=\d)\s*deg(?:ree)?s?(?![A-Za-z])")
# a numeral with its base: "1011_2", "1011_{2}", "(1011)_2", "413_{(5)}"
_BASE_NUMERAL = re.compile(r"\(?([0-9A-Za-z]+)\)?_\{?\s*\(?(\d{1,2})\)?\s*\}?")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def basic(s: str) -> str:
    """LaTeX clean-up shared by both sides: wrappers, spacing, frac variants, degrees, percent, currency."""
    s = strip_math_delims(unicode_math(s))
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\cfrac", "\\frac")
    s = s.replace("\\$", "").replace("\\%", "").replace("%", "").replace("\\!", "")
    s = _INVERSE_TRIG.sub(r"\\arc\1", s)  # \sin^{-1} x is arcsin x, not 1/sin x
    s = _OPERATORNAME.sub(lambda m: "\\" + m.group(1) if m.group(1) in _KNOWN_FUNCS else m.group(), s)
    s = _DMS.sub(_dms_value, s)
    s = _DEGREE.sub(_degree, s)
    s = _ORDINAL.sub("", s)
    if (
        "\\mathbf" in s or "\\hat" in s or "\\vec" in s or "\\bm" in s or "\\boldsymbol" in s
    ):  # the fast path: no call
        s = unit_vectors(s)
    s = _SIMPLE_CMDS.sub("", s)
    s = _SPACES.sub(" ", s)
    s = _unwrap(s)
    s = _DEGREE_WORD.sub("", s)
    s = _CMP_ALIASES.sub(
        lambda m: {"le": "\\leq ", "ge": "\\geq ", "ne": "\\neq ", "lt": "<", "gt": ">"}[m.group(1)], s
    )
    s = s.replace("\\leq", "\\leq ").replace("\\geq", "\\geq ").replace("\\neq", "\\neq ")
    s = s.replace("\\infty", "\\infty ").replace("\\langle", "(").replace("\\rangle", ")")
    s = re.sub(r"\\varnothing(?![A-Za-z])|^\\\{\s*\\\}$|^\{\s*\}$", r"\\emptyset", s)
    s = _NO_SOLUTION.sub(r"\\emptyset", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = brace_args(s)
    s = mixed_numbers(s)
    s = _TRAILING_DOTS.sub(_trailing_dots, s)
    s = s.rstrip(" .;:,")
    s = strip_side_condition(s)
    s = re.sub(r"(?i)\s*\b(?:dollars?|cents?)$", "", s)  # "percent" keeps its "cent"
    return s.strip()


def base_numeral(s: str) -> tuple[str, int | None] | None:
    """``1011_2`` → (``1011``, 2); plain decimal digits → (digits, None); else None. Only digits valid in the
    base count (``x_2``, ``a_1`` are names) and at least one decimal digit (``a_{12}`` is a sequence term)."""
    s = s.strip()
    if s.isdigit():
        return s, None
    m = _BASE_NUMERAL.fullmatch(s)
    if m is None or not any(c.isdigit() for c in m.group(1)):
        return None
    digits, base = m.group(1).lower(), int(m.group(2))
    if not 2 <= base <= 36 or any(_DIGITS.index(c) >= base for c in digits):
        return None
    return digits, base


def join_thousands(s: str) -> str:
    """``1,000`` / ``1\\,000`` / ``1 000`` / ``10{,}000`` → ``1000`` (only proper 3-digit groups)."""
    return _THOUSANDS.sub(lambda m: m.group(1) + re.sub(r"\D", "", m.group(2)), s)


def strip_prefix(s: str) -> str:
    """``x = 5`` → ``5``; ``f(x) = ...`` → ``...``; only when the right side has no further ``=``."""
    m = _PREFIX.match(s)
    if m and "=" not in s[m.end() :]:
        return s[m.end() :].strip()
    return s


def strip_units(s: str) -> str:
    """Drop trailing unit words after a leading number: ``36 mL`` → ``36``, ``6 dollars`` → ``6``."""
    m = re.match(
        r"^(-?[\d.]+(?:\s*(?:\\times|\\cdot)\s*10\^\{?-?\d+\}?)?(?:\s*\\pi)?)\s+([A-Za-z\\][^=\d]*)$", s
    )
    if not m:
        return s
    tail = m.group(2)
    words = re.findall(r"[A-Za-z]+", tail.replace("\\mathrm", "").replace("\\cdot", ""))
    if (
        words
        and all(w.lower() in _UNIT_WORDS or len(w) >= 2 for w in words)
        and not (len(words) == 1 and len(words[0]) == 1)
        and "\\" not in tail.replace("\\cdot", "")
    ):
        return m.group(1)
    return s


def unit_tail_stripped(s: str) -> str:
    """Remove trailing ``\\mathrm{..}``-style units (before unwrapping): ``2450\\pi \\mathrm{N}-\\mathrm{m}``."""
    return re.sub(
        r"(?:\s*[-/\^\\cdot\s]*\\(?:mathrm|text|mbox|rm)\s*\{[^{}]*\}(?:\^\{?-?\d\}?)?)+\s*$", "", s
    )


def canon(s: str) -> str:
    """A comparison key: spaces removed, ``\\frac12`` → ``\\frac{1}{2}``, lower-case text."""
    s = re.sub(r"\\frac\s*(\d)\s*(\d)", r"\\frac{\1}{\2}", s)
    s = re.sub(r"\\sqrt\s*(\d)", r"\\sqrt{\1}", s)
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"([_^])\{(\w)\}", r"\1\2", s)
    s = s.replace("{}", "")
    return s


def split_top(s: str, seps: tuple[str, ...] = (",",)) -> list[str]:
    """Split at top-level separators (not inside (), [], {})."""
    out, depth, cur, i = [], 0, [], 0
    while i < len(s):
        c = s[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        if depth == 0:
            hit = next((sep for sep in seps if s.startswith(sep, i)), None)
            if hit is not None:
                out.append("".join(cur))
                cur = []
                i += len(hit)
                continue
        cur.append(c)
        i += 1
    out.append("".join(cur))
    return [p.strip() for p in out]


_NUM_RE = re.compile(
    r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(?:e|E)([+-]?\d+)|\s*(?:\\times|\\cdot|\*|x)\s*10\s*\^\s*\{?\s*([+-]?\d+)\s*\}?)?$"
)
_FRAC_RE = re.compile(r"^([+-]?)\\frac\{\s*([+-]?\d+(?:\.\d+)?)\s*\}\{\s*([+-]?\d+(?:\.\d+)?)\s*\}$")
_SLASH_RE = re.compile(r"^([+-]?)(\d+(?:\.\d+)?)\s*/\s*([+-]?\d+(?:\.\d+)?)$")
_POW10_RE = re.compile(r"^([+-]?)10\s*\^\s*\{?\s*([+-]?\d+)\s*\}?$")
_REPEAT_RE = re.compile(
    r"^([+-]?)(\d*)\.(\d*)(?:\\overline\{(\d+)\}|\\dot\{(\d)\}|\\dot(\d)|\((\d+)\)|\\overline(\d))$"
)
_DOTS_RE = re.compile(r"^([+-]?)(\d*)\.(\d{1,40})\s*(?:\\ldots|\\cdots|\\dots|\.\.\.|…)$")


class Num:
    """An exact rational value plus the reference precision it states (``quantum``; None = exact).
    ``tens`` is 10 for an integer like ``6630`` (three or more significant digits, then one zero): its precision
    is ambiguous, so only a *decimal* candidate is read at that precision (``6630.65`` matches ``6630``; ``6631``
    and ``9999.86`` for ``10000`` do not)."""

    __slots__ = ("value", "quantum", "tens")

    def __init__(self, value: Fraction, quantum: Fraction | None, tens: int = 1) -> None:
        self.value = value
        self.quantum = quantum
        self.tens = tens


def _repetend(frac: str) -> tuple[str, str] | None:
    """Fractional digits written before dots that visibly repeat (one digit three times, a block of 2-6 digits twice,
    up to the end): (fixed digits, repetend), the earliest and shortest reading; ``123``, ``33`` → None."""
    for start in range(len(frac)):
        tail = frac[start:]
        for size in range(1, 7):
            rep = tail[:size]
            if len(tail) >= (3 if size == 1 else 2) * size and (rep * (len(tail) // size + 1)).startswith(
                tail
            ):
                return frac[:start], rep
    return None


def _dots_repeat(s: str) -> tuple[str, str, str, str] | None:
    """``0.333\\ldots`` / ``0.1666...`` / ``1.2121\\ldots`` → (sign, whole, fixed, repetend); ``0.123\\ldots`` → None."""
    m = _DOTS_RE.match(s)
    found = _repetend(m.group(3)) if m else None
    return (m.group(1), m.group(2), *found) if m and found else None


def _trailing_dots(m: re.Match[str]) -> str:
    """A repeating decimal keeps its dots (``0.1666...`` → ``0.1666\\ldots``); other trailing dots are an ellipsis."""
    return m.group(1) + ("\\ldots" if _repetend(m.group(2)) else "")


def parse_number(s: str) -> Num | None:
    """Numbers the fast path understands: ints, decimals, sci notation, ``\\frac{a}{b}``, ``a/b``, repeats."""
    s = s.strip().replace("{,}", "")
    if not s or len(s) > 60:
        return None
    if s.startswith("+"):
        s = s[1:]
    m = _NUM_RE.match(s)
    if m:
        sign, body, e1, e2 = m.groups()
        exp = int(e1 or e2 or 0)
        if abs(exp) > _MAX_EXP:
            return None
        body = body.rstrip(".") if body.endswith(".") else body
        if "." in body:
            decimals = len(body.split(".", 1)[1])
        else:
            decimals = 0
        val = Fraction(body) * (Fraction(10) ** exp)
        if sign == "-":
            val = -val
        exact = "." not in body and not (e1 or e2)
        quantum = None if exact else Fraction(10) ** (exp - decimals)
        # "6630": one trailing zero after at least three significant digits reads as a rounded measurement
        # (labelling policy: 6630.65 vs 6630); rounder numbers (10000, 120) and short ones stay exact
        tens = 10 if exact and len(body) >= 4 and body.endswith("0") and not body.endswith("00") else 1
        return Num(val, quantum, tens)
    m = _FRAC_RE.match(s) or _SLASH_RE.match(s)
    if m:
        sign, a, b = m.groups()
        if Fraction(b) == 0:
            return None
        val = Fraction(a) / Fraction(b)
        return Num(-val if sign == "-" else val, None)
    m = _POW10_RE.match(s)
    if m and abs(int(m.group(2))) <= _MAX_EXP:
        val = Fraction(10) ** int(m.group(2))
        return Num(-val if m.group(1) == "-" else val, None)
    m = _REPEAT_RE.match(s)
    parts = (*m.groups()[:3], next(g for g in m.groups()[3:] if g)) if m else _dots_repeat(s)
    if parts:
        sign, whole, fixed, rep = parts
        base = Fraction(int(whole or "0")) + (Fraction(int(fixed), 10 ** len(fixed)) if fixed else 0)
        val = base + Fraction(int(rep), (10 ** len(rep) - 1) * 10 ** len(fixed))
        return Num(-val if sign == "-" else val, None)
    w = s.lower()
    if w in _NUMBER_WORDS:
        return Num(Fraction(_NUMBER_WORDS[w]), None)
    return None


def numbers_equal(ref: Num, cand: Num) -> bool:
    """Exact references need exact equality; a decimal reference accepts anything that rounds to it."""
    if ref.quantum is None:
        if ref.value == cand.value:
            return True
        # "6630" vs "6630.65": a round integer may be a rounded measurement; a decimal candidate that rounds to
        # it at its trailing-zero precision is accepted (labelling policy); an integer candidate stays exact
        if ref.tens > 1 and cand.quantum is not None and cand.quantum < 1:
            return abs(cand.value - ref.value) < Fraction(ref.tens, 2)
        return False
    tol = ref.quantum / 2
    return abs(cand.value - ref.value) <= tol * Fraction(1000001, 1000000)


def choice_letter(s: str) -> str | None:
    """``(A)``, ``A``, ``A. text``, ``(A) text`` → ``A`` (upper-case letters A-J only)."""
    m = re.match(r"^\(?([A-J])\)?(?:[.:)]?\s+.*|\s*)$", s.strip())
    return m.group(1) if m else None


def plain_text(s: str) -> str:
    return re.sub(r"[\s{}\\]+", "", s).lower().rstrip(".")


# A unit name → (the unit it names, its power). Only units written after a value are read; a name outside this table
# leaves the side unread, so spellings this table does not know never turn a right answer wrong.
_UNIT_NAMES: dict[str, str] = {}
for _unit, _names in {
    "mm": "mm millimeter millimeters millimetre millimetres",
    "cm": "cm centimeter centimeters centimetre centimetres",
    "m": "m meter meters metre metres",
    "km": "km kilometer kilometers kilometre kilometres",
    "in": "in inch inches",
    "ft": "ft foot feet",
    "yd": "yd yard yards",
    "mi": "mi mile miles",
    "s": "s sec secs second seconds",
    "min": "min mins minute minutes",
    "h": "h hr hrs hour hours",
    "day": "day days",
    "week": "week weeks",
    "year": "yr yrs year years",
    "g": "g gram grams",
    "kg": "kg kilogram kilograms",
    "mg": "mg milligram milligrams",
    "lb": "lb lbs pound pounds",
    "oz": "oz ounce ounces",
    "ml": "ml milliliter milliliters millilitre millilitres",
    "l": "l liter liters litre litres",
    "dollar": "dollar dollars",
    "cent": "cent cents",
}.items():
    for _name in _names.split():
        _UNIT_NAMES[_name] = _unit

_UNIT_AFTER_VALUE = re.compile(
    r"^(?P<value>.*?(?:\d|\}|\\pi))\s*(?P<unit>[A-Za-z][A-Za-z.\s]*?)\s*(?:\^\s*\{?\s*(?P<power>[23])\s*\}?)?$"
)


def unit_of(s: str) -> tuple[str, int] | None:
    """The unit written after a single value, with its power: ``12\\text{ cm}^2`` → ``("cm", 2)``, ``12 square
    centimeters`` → ``("cm", 2)``, ``\\$5`` → ``("dollar", 1)``. Why: units are dropped before values compare (a
    reference often has none), so ``12 cm`` passed for ``12 cm^2`` and ``5 minutes`` for ``5 hours``; when BOTH sides
    name a known unit, they must name the same one. None: no unit, a unit this table does not know, or no value."""
    s = s.strip().rstrip(".").strip()
    dollar = s.startswith(("\\$", "$")) and not s.endswith("$")
    s = re.sub(r"\\(?:text|textrm|mathrm|mbox|rm|operatorname)\s*\{([^{}]*)\}", r" \1 ", s)
    s = re.sub(r"\\[,;:! ]|~", " ", s).replace("²", "^2").replace("³", "^3")
    s = strip_math_delims(s).strip().rstrip(".").strip()
    m = _UNIT_AFTER_VALUE.match(s)
    if m is None or not re.search(r"\d", m.group("value")) or "=" in m.group("unit"):
        return ("dollar", 1) if dollar and re.fullmatch(r"[\d.,\s]+", s) else None
    words = [w for w in re.split(r"[\s.]+", m.group("unit").lower()) if w]
    power = int(m.group("power") or 1)
    if len(words) == 2 and words[0] in ("square", "sq", "cubic", "cu"):
        power, words = (2 if words[0] in ("square", "sq") else 3), words[1:]
    elif len(words) == 2 and words[1] in ("squared", "cubed"):
        power, words = (2 if words[1] == "squared" else 3), words[:1]
    if len(words) != 1 or words[0] not in _UNIT_NAMES:
        return None
    return _UNIT_NAMES[words[0]], power
