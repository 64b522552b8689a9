"""Reading a multiple-choice answer: where the final answer is, which option letter it names, what value.

Why a layer over ``extract.py`` and not a copy of it: the math extractor already finds boxes, ``<answer>``
tags, the text after ``</think>`` and "the answer is ..." sentences in bounded linear time; choice answers add
forms it does not look for (``Answer: (C) 30``, ``**C**`` on the last line, ``the correct option is C``,
``故选C``) and need the final answer split into a LETTER and a VALUE (``C: 30°`` names both). Values are
read the way both datasets write them: LaTeX (``4 \\sqrt { 3 }`` with Geometry3K's spaces, ``\\frac{12}{5}``,
``30^\\circ``) or sympy-style text (``4*sqrt(3)``, ``32/sin(11*pi/36)``, FormalGeo's answers), converted to
one LaTeX subset and evaluated by the math verifier's own parser (``fastlatex``) inside a time-limited worker.

Cost: every regex here runs on a bounded tail (``_TAIL`` characters) or a bounded answer (``MAX_VALUE_CHARS``),
with no nested quantifiers, so reading is linear in the response and bounded whatever the model wrote.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from functools import lru_cache

from redstar_data.verify import normalize as N
from redstar_data.verify.extract import MAX_SCAN_CHARS, as_text, extract_answer

_TAIL = 3000  # markers are looked for in the last 3,000 characters of a region
_LINE = 300  # an answer taken after a marker is at most one line of this many characters
MAX_VALUE_CHARS = 300  # longer "values" are not evaluated (not an answer a geometry problem has)
_STRONG = ("boxed", "answer_tag", "answer_tag_boxed")

# "answer" markers, strongest class: the text after the LAST one is the answer
_ANSWER_MARK = re.compile(
    r"(?:final answer|correct answer|the answer|answer)(?:\*\*|__)?\s*(?:is|should be|would be|=|:|：)"
    r"(?:\*\*|__)?\s*:?\s*|答案\s*(?:是|为|應為|应为|[:：])\s*|(?:故|所以|因此|则|即|应)?\s*选\s*(?:择|项)?\s*[:：]?\s*",
    re.I,
)
# "option" markers: "the correct option is C", "I choose B", "(C) is correct"
_OPTION_MARK = re.compile(
    r"(?:correct|right|best)\s+(?:option|choice)\s*(?:is|:)?\s*|(?:option|choice)\s+(?:is\s+)?(?=\(?[A-Z]\b)"
    r"|\b(?:select|choose|pick|go with|answer with)\s+(?:option\s+|choice\s+)?(?=\(?[A-Z]\b)",
    re.I,
)
_LETTER_IS_CORRECT = re.compile(r"(?<![A-Za-z\\])\(?([A-Z])\)?\s+is\s+(?:the\s+)?(?:correct|right)\b")
_CONCLUDE = re.compile(
    r"^(?:(?:so|thus|therefore|hence|final(?:ly)?|in conclusion|consequently)\b|\\therefore|∴|所以|因此|故|综上所述?|即)"
    r"[\s,:，：]*",
    re.I,
)
_LAST_LINK = re.compile(
    r"(?:=|\\approx|≈|\\sim|\b(?:is|are|equals?|measures?|becomes|gives|yields)\b|为|是|等于)", re.I
)
_OF_LINK = re.compile(r"\bof\b", re.I)
# "a length of 10", "a measure of 55°": a measurement named before its value (not "half of 20": an operation)
_MEASURE_OF = re.compile(
    r"\b(?:length|area|measure|perimeter|circumference|value|distance|height|width|radius|diameter|ratio)\s+of\b",
    re.I,
)  # "... has an area of 37.4 square inches" (only before a plain value)
# a full stop ends the sentence, not a decimal point nor the dot of "sq. units" / "approx. 12.5"
_STOP = r"(?<=[^\d\s])(?<!\bsq)(?<!\bapprox)\.(?:\s|$)"
_SENTENCE_END = re.compile(_STOP)
_AFTER_END = re.compile(_STOP + r"|(?<=\s)\.(?:\s|$)")
_MARKDOWN = re.compile(r"\*\*|__|`+|^#+\s*|^>\s*")

# letters: "C", "(C)", "C: 30", "C. 30", "(C) 30", "C) 30", "C 30" (value after a space), "(c)"
_LEAD_WORDS = re.compile(
    r"^(?:(?:the\s+)?(?:final\s+|correct\s+|right\s+|best\s+)?(?:answer|option|choice)\s*(?:is|:)?\s*"
    r"|答案\s*(?:是|为|[:：])?\s*|选\s*(?:择|项)?\s*[:：]?\s*|(?:is|:)\s+)",
    re.I,
)
# "the answer is probably B", "the answer is therefore C": the adverb is not the answer
_ADVERB = re.compile(
    r"^(?:either|probably|likely|most\s+likely|definitely|clearly|indeed|therefore|thus|hence|then|actually|simply"
    r"|obviously|certainly|surely|just|exactly|precisely|still|now|finally)\b[\s,:]*",
    re.I,
)
# "not B; it is C", "not B but C": the negated option is dropped, the one after it is the answer
_NEGATED = re.compile(
    r"^not\s+(?:option\s+|choice\s+)?\(?(?-i:[A-Z])\)?(?![A-Za-z])\s*[;,.]?\s*(?:but\s+|rather\s+|instead\s+)?"
    r"(?:(?:it\s+is|it's|it\s+should\s+be)\s+)?",
    re.I,
)
# two options named as the answer: "C, D", "B or C", "C/D", "A and B" (a hedge, never a pick)
_TWO_LETTERS = re.compile(
    r"^\(?((?-i:[A-Z]))\)?\s*(?:,|/|&|\bor\b|\band\b|\\text\{\s*or\s*\}|\\lor)\s*(?:(?:option|choice)\s+)?"
    r"\(?((?-i:[A-Z]))\)?(?![A-Za-z])",
    re.I,
)
_LETTER_ONLY = re.compile(r"^\(?([A-Z])\)?$|^\(([a-z])\)$")
_LETTER_THEN = re.compile(
    r"^(?:\(([A-Za-z])\)|([A-Z])(?:\s*[:.)：—–,，]|\s+-\s)|([A-Z])\s+(?=[-\d\\√π(]))\s*(.*)$", re.S
)
# a lower-case option with its value: "b) 10", "d. 2" (never the article "a": an article has no ")" or ".")
_LOWER_LETTER_THEN = re.compile(r"^([a-z])(?:\)\s*|\.\s+)(?=[-\d\\√π(])(.*)$", re.S)
_IS_CORRECT = re.compile(r"\s+is\s+(?:the\s+)?(?:correct|right)\b.*$", re.I | re.S)
_LETTER_MENTION = re.compile(
    r"(?:option|choice)\s*\(?([A-Z])\)?(?![A-Za-z])|(?<![A-Za-z\\])\(([A-Z])\)", re.I
)
_RATIO = re.compile(r"^(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)$")  # a scale factor "3:7" is 3/7
_APPROX = re.compile(r"^(?:\\approx|≈|~|approximately|approx\.?|about|roughly|around)\s*", re.I)
_VALUE_CUT = re.compile(  # trailers: ", which is ...", "because ...", "(rounded to the nearest tenth)"
    r",\s*(?:which|that|so|i\.e\.|or)\b|\s+(?:which|since|because|so that)\b|;"
    r"|\s*\((?=\s*[A-Za-z]{2,}\b)(?!\s*(?:sqrt|pi|sin|cos|tan|cot|sec|csc|asin|acos|atan|log|ln|exp)\b)",
    re.I,
)
_UNIT_TAIL = re.compile(
    r"\s*(?:square\s+|sq\.?\s+|cubic\s+)?(?:units?|cm|mm|km|m|in|inch(?:es)?|ft|feet|foot|yd|yards?|mi|miles?"
    r"|(?:centi|milli|kilo)?(?:meters?|metres?)|degrees?|degs?|radians?|rads?)\.?"
    r"\s*(?:\^\s*\{?\s*[23]\s*\}?|²|³|\s+squared|\s+cubed)?$",
    re.I,
)
_ANGLE_PREFIX = re.compile(r"^(?:m\s*)?(?:\\angle|∠|\\measuredangle)\s*")
_TRIG = re.compile(r"\\?(?:sin|cos|tan|sec|csc|cot)(?![A-Za-z])")
# ``º`` (ordinal indicator) and ``˚`` (ring above) are the degree signs models and keyboards substitute for ``°``
# ``30^o`` / ``30^{o}``: a superscript letter o after a number is the degree sign typed without LaTeX
_DEG_NUMBER = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|[°º˚]|\\degree(?![A-Za-z])"
    r"|\^\s*\{\s*o\s*\}|\^\s*o(?![A-Za-z]))"
)
_DEG_MARK = re.compile(
    r"\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![A-Za-z])|[°º˚]|\\degree(?![A-Za-z])"
    r"|(?<=\d)\s*\^\s*(?:\{\s*o\s*\}|o(?![A-Za-z]))"
)
# sympy-style text (FormalGeo answers, some model answers): names without backslashes
_SYMPY_NAMES = re.compile(r"(?<![\\A-Za-z])(sqrt|pi|sin|cos|tan|asin|acos|atan|log|exp)(?![A-Za-z])")
_SYMPY_LATEX = {"asin": "\\arcsin", "acos": "\\arccos", "atan": "\\arctan", "pi": "\\pi "}
_BRACE_SPACE = re.compile(r"\s*([{}])\s*")
# value words: what a plain value may hold besides digits (LaTeX spacing ``\,``, a repeating ``1.\overline{3}``)
_VALUE_WORDS = re.compile(
    r"\\(?:sqrt|d?frac|pi|cdot|times|left|right|overline|dot)(?![A-Za-z])|\\[,;:! ]|~|\b(?:sqrt|pi)\b|√|π"
)


@dataclass(frozen=True)
class FinalAnswer:
    """The final answer's text (None: none found), how it was found, and whether the response was cut."""

    answer: str | None
    method: str
    truncated: bool = False
    too_long: bool = False


@dataclass(frozen=True)
class ReadAnswer:
    """A final answer split into the option ``letter`` it names and the ``value`` it states (either may be
    None); ``approx`` when the value was written as an approximation (``\\approx 12.5``); ``hedge`` when it
    names two different options or values (``B or C``, ``55 or 62``: no single pick); ``span`` when it is a range
    of values (``between 3 and 4``: not a value)."""

    letter: str | None
    value: str | None
    approx: bool = False
    hedge: bool = False
    span: bool = False


def _after(text: str, end: int) -> str | None:
    """The answer written after a marker: the rest of its line, up to a sentence end (not a decimal point)."""
    rest = text[end : end + _LINE].lstrip(" \t*_:：")
    line = rest.split("\n", 1)[0].strip()
    if not line and "\n" in rest:  # "**Answer:**\n\nC": the answer on the next non-empty line
        nxt = [ln.strip() for ln in rest.split("\n")[1:4] if ln.strip()]
        line = nxt[0] if nxt else ""
    line = _AFTER_END.split(line, maxsplit=1)[0].strip()
    return line.strip(" *_。，；．") or None


def _last_match(rx: re.Pattern[str], text: str) -> re.Match[str] | None:
    last = None
    for m in rx.finditer(text):
        last = m
    return last


_MAX_MARKERS = 20  # markers looked back over, latest first


def _answer_like(got: str) -> bool:
    """Does the text after a marker read as an answer (a letter, or a value with a number in it)? Prose
    such as "the answer is consistent with the figure" after a real ``Answer: C`` does not."""
    read = read_answer(got)
    return read.letter is not None or bool(read.value and re.search(r"\d|π|\\pi|\bpi\b", read.value))


def _marked(tail: str) -> tuple[str | None, str]:
    """An answer after an explicit marker of the strongest kind present in ``tail``: the latest one that
    reads as an answer (at most ``_MAX_MARKERS`` looked back over), else the latest one."""
    for rx, how in ((_ANSWER_MARK, "answer_marker"), (_OPTION_MARK, "option_marker")):
        found = deque(rx.finditer(tail), maxlen=_MAX_MARKERS)
        texts = [got for m in reversed(found) if (got := _after(tail, m.end()))]
        if texts:
            return next((t for t in texts if _answer_like(t)), texts[0]), how
    m = _last_match(_LETTER_IS_CORRECT, tail[-_LINE:])
    if m is not None:
        return m.group(1), "letter_is_correct"
    return None, "none"


def _conclusion(region: str) -> str | None:
    """The last line when it is a conclusion (``Therefore, x = 12.5.``) or a bare answer (``**C**``)."""
    lines = [ln for ln in region[-_TAIL:].split("\n") if ln.strip()]
    if not lines:
        return None
    line = _MARKDOWN.sub("", lines[-1].strip()).strip()
    if len(line) > 200:
        return None
    if _CUT_LINE.search(line):  # "So AB = 4√3. But wait, maybe": the trace stopped mid-thought
        return None
    bare = line.strip(" .*$")
    if len(bare) <= 40 and (
        _LETTER_ONLY.match(bare)
        or re.fullmatch(r"\(?[a-z]\)?", bare)
        or _option_line(bare)
        or _plain_value(bare)
        or (bare.count("=") == 1 and len(bare.split("=")[0]) <= 20 and _plain_value(bare.split("=")[1]))
    ):
        return bare
    m = _CONCLUDE.match(line)
    rest = line[m.end() :] if m is not None else line
    link = _last_match(_LAST_LINK, rest)
    if link is None:
        of = _last_match(_OF_LINK, rest)
        if of is not None and _plain_value(rest[of.end() :].strip().rstrip(".")):
            link = of
    if m is None and link is None:
        return None
    got = rest[link.end() :] if link is not None else rest
    got = _SENTENCE_END.split(got.strip(), maxsplit=1)[0].strip(" .*。")
    if m is None and not (len(got) <= 40 and _plain_value(got)):  # "The area is 37.7 cm^2." but not prose
        return None
    return got if got and len(got) <= _LINE else None


# a last line that runs on past a sentence end and stops without ending its own sentence ("... = 70°. Hmm, wait")
_CUT_LINE = re.compile(r"(?<!^.)[.!?。]\s+[^\W\d_](?!.*[.!?。:：)\]}$*]\s*$)")


def _option_line(s: str) -> bool:
    """A line that is one option: ``C``, ``C) 55°``, ``b) 10``, ``d. 2``; not an option listed with a comment
    while reasoning (``D) 100: far too large``)."""
    m = _LETTER_THEN.match(s) or _LOWER_LETTER_THEN.match(s)
    if m is None:
        return False
    rest = m.group(m.lastindex or 0).strip(" .*")
    return not rest or _plain_value(rest)


def _plain_value(s: str) -> bool:
    """A short text that is only a value (``30°``, ``4\\sqrt{3}``, ``12.5 cm``, ``π``): no prose words."""
    t = _VALUE_CUT.split(s, maxsplit=1)[0]  # "55 (to the nearest tenth)"
    t = _APPROX.sub("", N.unit_tail_stripped(t.strip().strip("$")))  # "approximately 54.9 square units"
    t = _UNIT_TAIL.sub("", degrees(t).strip(" .")).strip()
    t = _RATIO.sub(r"\1/\2", t)
    has_number = bool(re.search(r"\d|π|\bpi\b|\\pi(?![A-Za-z])", t))
    return has_number and bool(re.fullmatch(r"[-+\d.,\s{}^*/()]*", _VALUE_WORDS.sub("", t)))


def _from_region(region: str) -> tuple[str | None, str]:
    ex = extract_answer(region, allow_weak=False)
    method = ex.method.removeprefix("after_think_")
    if ex.answer is not None and method in _STRONG:
        return ex.answer, method
    tail = region[-_TAIL:]
    got, how = _marked(tail)
    if got is not None:
        return got, how
    if ex.answer is not None:
        return ex.answer, method
    got = _conclusion(region)
    if got is not None:
        return got, "conclusion_line"
    return None, "none"


def final_answer(response: object) -> FinalAnswer:
    """The final answer of a (long) response: the text after the last ``</think>`` first, then the whole
    text; in each, boxes and ``<answer>`` tags, then explicit answer / option markers, then the math
    extractor's sentences, then a concluding last line. No last-number guess: no marker, no answer. A trace
    cut inside its ``<think>`` (opened, never closed) has no final answer, whatever it said while thinking."""
    text = as_text(response)
    too_long = len(text) > MAX_SCAN_CHARS
    if too_long:
        text = text[-MAX_SCAN_CHARS:]
    opened, close = text.rfind("<think>"), text.rfind("</think>")
    truncated = opened != -1 and close < opened
    if close != -1:
        got, how = _from_region(text[close + len("</think>") :])
        if got is not None:
            return FinalAnswer(got, "after_think_" + how, too_long=too_long)
    # a cut trace (``<think>`` never closed) is still thinking: no box or marker in it is final
    if not truncated:
        got, how = _from_region(text)
        if got is not None:
            return FinalAnswer(got, how, too_long=too_long)
    return FinalAnswer(None, "truncated" if truncated else "none", truncated=truncated, too_long=too_long)


def read_answer(answer: str) -> ReadAnswer:
    """Split a final answer into the option letter it names and the value it states.

    ``C`` / ``(C)`` / ``\\text{C}`` / ``\\textbf{(C)}`` → letter; ``C: 30°`` / ``(C) 30`` / ``C. 30`` → letter
    and value; ``30°`` / ``\\angle ABC = 30^{\\circ}`` / ``x \\approx 12.5`` → value; ``30, which is option
    C`` → both. ``B = 30`` is a value (a label, not an option)."""
    s = _MARKDOWN.sub("", as_text(answer)).strip()
    if len(s) > MAX_VALUE_CHARS * 2:
        return ReadAnswer(None, s)
    s = N.basic(degrees(N.unicode_math(s)))
    for _ in range(4):
        t = _NEGATED.sub("", _ADVERB.sub("", _LEAD_WORDS.sub("", s).strip()).strip()).strip()
        if t == s:
            break
        s = t
    s = _IS_CORRECT.sub("", s).strip(" .*。，；．")
    two = _TWO_LETTERS.match(s)
    if two and two.group(1) != two.group(2):
        return ReadAnswer(two.group(1), None, hedge=True)
    hedged = _hedge(s)
    if hedged is not None:
        return hedged
    span = _SPAN.match(s)
    if span and all(re.search(r"\d|\\pi|π", g) for g in span.groups()):
        return ReadAnswer(None, None, span=True)
    m = _LETTER_ONLY.match(s)
    if m:
        return ReadAnswer((m.group(1) or m.group(2)).upper(), None)
    letter = None
    m = _LETTER_THEN.match(s)
    low = _LOWER_LETTER_THEN.match(s)
    if m and not re.match(r"^[A-Z]\s*=", s):
        letter = next(g for g in m.groups()[:3] if g).upper()
        s = m.group(4).strip()
    elif low:
        letter, s = low.group(1).upper(), low.group(2).strip()
    else:
        mention = _LETTER_MENTION.search(s)
        if mention:
            letter = (mention.group(1) or mention.group(2)).upper()
            s = (s[: mention.start()] + s[mention.end() :]).strip()
    value, approx = _value_text(s)
    return ReadAnswer(letter, value, approx)


# "between 3 and 4", "from 50 to 62": a range of values, never one value
_SPAN = re.compile(r"^(?:between|from)\s+([^,;]+?)\s+(?:and|to)\s+([^,;]+)$", re.I)
_OR_WORDS = re.compile(r"^(?:either|maybe|perhaps|possibly|probably|alternatively)\b[\s,:]*", re.I)
_OTHER_UNIT = re.compile(r"rad|\\pi|π|%|\\frac|sqrt|√", re.I)  # "55°, or 0.96 rad": one angle in two units


def _hedge(s: str) -> ReadAnswer | None:
    """Two different picks joined by "or" (``55 or 62``, ``either 3 or 4``, ``C (55) or D (62)``, ``x = 55 or
    x = 62``): a hedge, as two letters are. Two plain numbers must differ (``3, or 3.0`` restates one value) and a
    value in another unit or form (radians, π, a fraction) is a restatement, not a second pick."""
    parts = [p.strip(" ,;.") for p in N.split_top(s, (" or ", "\\lor"))]
    if len(parts) < 2 or not all(parts):
        return None
    reads = [read_answer(_OR_WORDS.sub("", p)) for p in parts]
    letters = [r.letter for r in reads if r.letter]
    if len(set(letters)) > 1:
        return ReadAnswer(letters[0], None, hedge=True)
    if letters or any(_OTHER_UNIT.search(p) for p in parts):
        return None
    nums = [N.parse_number(r.value) if r.value else None for r in reads]
    if any(n is None for n in nums):
        return None
    if len({n.value for n in nums if n is not None}) > 1:
        return ReadAnswer(None, reads[0].value, hedge=True)
    return reads[0]  # "3 or 3.0": one value, said twice


def _value_text(s: str) -> tuple[str | None, bool]:
    """The value part of an answer: after the last ``=`` / ``\\approx``, without prefixes, units, trailers."""
    s = _VALUE_CUT.split(s, maxsplit=1)[0].strip().strip(" ,.;:")
    if (
        s.startswith("(")
        and s.endswith(")")
        and len(N.split_top(s[1:-1], (")",))) == 1
        and "(" not in s[1:-1]
    ):
        s = s[1:-1].strip()
    approx = False
    parts = N.split_top(s, ("=", "\\approx", "≈"))
    if len(parts) > 1:
        approx = "\\approx" in s or "≈" in s
        s = parts[-1]
    elif re.search(r"[A-Za-z]{3,}", s.replace("\\", " \\")):  # "the measure of angle 4 is 55": after "is"
        link = _last_match(_LAST_LINK, s)
        of = _last_match(_MEASURE_OF, s)
        if link is not None and s[link.end() :].strip():
            s = s[link.end() :].strip()
        elif of is not None and _plain_value(s[of.end() :]):  # "a length of 10", "an area of 24 square units"
            s = s[of.end() :].strip()
    m = _APPROX.match(s)
    if m:
        approx, s = True, s[m.end() :]
    s = _ANGLE_PREFIX.sub("", s).strip()
    for _ in range(2):
        s = _UNIT_TAIL.sub("", s).strip()
        s = N.strip_units(s)
    s = N.join_thousands(s.strip(" ,.;:"))  # "1\\,000" (spacing already a space here): one number
    ratio = _RATIO.match(s)
    if ratio:
        s = f"\\frac{{{ratio.group(1)}}}{{{ratio.group(2)}}}"
    return (s or None), approx


def degrees(s: str) -> str:
    """Degree marks resolved before any other clean-up: inside a trig function a number of degrees becomes
    radians (``\\sin 55^\\circ`` → ``\\sin (55\\pi/180)``); elsewhere the mark is dropped, braces kept
    (``\\frac{32}{\\sin 55^{\\circ}}`` stays a fraction)."""
    if _TRIG.search(s):
        s = _DEG_NUMBER.sub(r"(\1\\pi/180)", s)
    return _DEG_MARK.sub("", s)


@lru_cache(maxsize=8192)  # a problem's options and reference are read for every sample of it
def to_latex(value: str) -> str:
    """One LaTeX subset for every notation: sympy-style names get backslashes (``4*sqrt(3)`` →
    ``4*\\sqrt(3)``), ``**`` is ``^``, Geometry3K's ``{ 3 }`` spacing is tightened, and degrees inside a
    trig function become radians (``\\sin 55^\\circ`` → ``\\sin (55\\pi/180)``); elsewhere degrees are
    dropped (an angle's value is its number of degrees)."""
    s = degrees(N.unicode_math(value.strip()))
    if "\\" not in s or "**" in s:
        s = s.replace("**", "^")
        s = _SYMPY_NAMES.sub(lambda m: _SYMPY_LATEX.get(m.group(1), "\\" + m.group(1)), s)
    s = re.sub(r"\^\s*(\d{2,}(?:\.\d+)?)", r"^{\1}", s)
    s = N.basic(s)
    return _BRACE_SPACE.sub(r"\1", s).strip()


@lru_cache(maxsize=8192)
def quick_number(latex: str) -> tuple[float, float | None] | None:
    """(value, quantum) of a plain number (``12.5``, ``\\frac{12}{5}``, ``12/5``, ``-3``) without sympy;
    ``quantum`` is the stated precision of a decimal (0.1 for ``12.5``), None for an exact number."""
    n = N.parse_number(latex)
    if n is None:
        return None
    return float(n.value), (float(n.quantum) if n.quantum is not None else None)


def numeric_values(latex_values: list[str]) -> list[float | None]:
    """Real values of LaTeX expressions (sympy through ``symbolic.parse``; None: no real number). Runs in a
    worker process (pool op ``geo_values``): evaluation is killed when it runs past the item's time."""
    return [_numeric_value(s) for s in latex_values]


@lru_cache(maxsize=4096)
def _numeric_value(s: str) -> float | None:
    """One value, cached: a problem's options are evaluated for every sample of it."""
    import sympy

    from redstar_data.verify.symbolic import parse

    try:
        expr = parse(s)
        if not isinstance(expr, sympy.Expr) or expr.free_symbols:
            return None
        v = complex(expr.evalf(30))
    except Exception:  # noqa: BLE001 - any parse or evaluation failure means "not a number"
        return None
    ok = v == v and abs(v) != float("inf") and abs(v.imag) <= 1e-12 * max(1.0, abs(v.real))
    return v.real if ok else None


def significant_digits(latex: str) -> int:
    """Significant digits written in a plain decimal (``0.50`` → 2, ``39.1`` → 3); 0 if not plain."""
    m = re.fullmatch(r"-?(\d*)\.?(\d*)", latex.strip())
    if not m:
        return 0
    digits = (m.group(1) + m.group(2)).lstrip("0")
    return len(digits)
