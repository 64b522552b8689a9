"""Final-answer extraction from (long) chain-of-thought responses.

Why a hand-written scanner instead of regexes over the whole text: responses can be megabytes of degenerate
output with unbalanced braces; every step here is one linear pass (braces matched once with a stack, the last
``</answer>`` found without a lazy regex, at most ``MAX_JOINED_BOXES`` boxes looked back over) and only the
last ``MAX_SCAN_CHARS`` of a region are read (``too_long`` says so), so extraction cost is bounded and never
hangs. Priority, strongest first: ``<answer>`` tags, the text after the
last reasoning marker (``</think>`` or Sky-T1's ``<|end_of_thought|>``; answers there preferred, then the last box
of the thought), the last ``\\boxed{}``/``\\fbox{}`` (adjacent boxes joined as a list), "final answer is ..."
sentences, a concluding statement ("... the product is 22."), the last math span of the final paragraph, and
finally a *weak* last-number fallback. A thought that was opened and never closed (``<think>`` or
``<|begin_of_thought|>`` without its end) is ``truncated``: only boxes, answer tags and answer phrases count
there, never the cut tail's last formula or number. So is a long untagged text that stops mid-expression
(``stops_mid_expression``). A sentence quoting a remembered answer ("I recall the answer is ...") states none."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

BOX_CMDS = ("\\boxed", "\\fbox")
MAX_SCAN_CHARS = 200_000  # a region's answer is looked for in its last 200k characters (the flags' max_chars)
_BOX_CMD = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")
_BOX_TOKEN = re.compile(r"[^\s$.,;]+")
_BRACE = re.compile(r"\\[{}\\]|[{}]")
_OPEN_TAG = re.compile(r"<answer>", re.I)
_CLOSE_TAG = re.compile(r"</answer>", re.I)
_FINAL_PHRASE = re.compile(
    r"(?:final answers?|the answers? (?:is|are)|answers? (?:is|are)|(?<![A-Za-z])answer(?=\s*(?:\*\*)?\s*:))\b"
    # "so our answer is correct." judges an answer, it does not state one
    r"(?!\s*(?:(?:indeed|also|definitely)\s+)?(?:correct|right|wrong|incorrect|valid|consistent|reasonable|plausible"
    r"|confirmed|accurate)\b)"
    r"\s*(?:is|are)?\s*(?:\*\*)?\s*:?\s*(?:\*\*)?\s*",
    re.I,
)
# "So, \(x = 4\) is indeed the correct solution." / "12 is the answer.": the answer named before the phrase
_STATED_ANSWER = re.compile(
    r"(?:\\\((.{1,200}?)\\\)|\$([^$]{1,200})\$|(?<![\w.])(-?\d+(?:\.\d+)?(?:/\d+)?))\s+is\s+"
    r"(?:(?:indeed|definitely|clearly)\s+)?the\s+(?:(?:correct|final|right)\s+)?(?:answer|solution)\b",
    re.I,
)
# "I recall that the correct answer is 1/2." / "I think the standard answer is 1/14.": an answer remembered or quoted
# from elsewhere, not one the response arrived at (a cut trace that says so has not answered)
_RECALLED = re.compile(
    r"\b(?:recall(?:ed|s)?|remember(?:ed|s)?|memory|textbook|answer key|"
    r"(?:standard|expected|known|official|book's) (?:answer|solution)|(?:I've|I have|I) (?:seen|read|heard))\b",
    re.I,
)
_SENTENCE_START = re.compile(r"[.!?:]\s|\n")
_SPAN_JOIN = re.compile(r"\s*(?:,|;|and|or|,\s*and|,\s*or|\\text\{\s*(?:and|or)\s*\})?\s*", re.I)
# "..., the product is 22." / "Hillary has 7 nickels." / "is indeed 10 years old now.": a plain number stated as
# the result at the end of a sentence (at most three words after it), the way QwQ-style traces conclude
_CONCLUDING = re.compile(
    r"(?:\b(?:is|are|was|equals|has|have|gives?|gets?|be)|=)\s+(?:(?:indeed|exactly|also|still|just|now|then|equal to)\s+)*"
    r"\\?\$?(-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?)(?![\d.,/]\d)(?:\s+[A-Za-z]+){0,3}\s*(?=[.!](?:\s|$))"
)
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)*(?:\.\d+)?(?:/\d+)?")
_MAX_PHRASE_ANSWER = 200


@dataclass(frozen=True)
class Extraction:
    """``answer`` is None when nothing was found; ``method`` names the rule; ``weak`` marks the fallback."""

    answer: str | None
    method: str
    weak: bool = False
    truncated: bool = False
    too_long: bool = False


def as_text(value: object) -> str:
    """Any response or reference as text: ``None`` → ``""``, ``bytes`` decoded as UTF-8 (bad bytes replaced),
    numbers and other objects through ``str``. Callers hand us ints, floats and raw bytes (issue 13); they
    get a verdict, not a ``TypeError``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def brace_matches(text: str) -> dict[int, int]:
    """Index of every ``{`` that closes → index of its ``}``, in one left-to-right pass (a stack).

    Why a table: looking for each box's closing brace separately rescans the rest of the text per box, which is
    quadratic on ``\\boxed{`` repeated thousands of times (issue 13: 10,000 boxes took 21 s). ``\\{``, ``\\}``
    are escaped braces and ``\\\\`` an escaped backslash; none of them opens or closes a group."""
    stack: list[int] = []
    match: dict[int, int] = {}
    for m in _BRACE.finditer(text):
        c = m.group()
        if c == "{":
            stack.append(m.start())
        elif c == "}" and stack:
            match[stack.pop()] = m.start()
    return match


def find_boxed(text: str) -> list[tuple[int, int, str]]:
    """Every ``\\boxed{..}`` / ``\\fbox{..}`` / ``\\boxed 5`` as (start, end, content), in order (linear time)."""
    out: list[tuple[int, int, str]] = []
    match: dict[int, int] | None = None
    pos = 0
    n = len(text)
    for m in _BOX_CMD.finditer(text):
        if m.start() < pos:  # a box inside the previous box
            continue
        k = m.end()
        while k < n and text[k] == " ":
            k += 1
        if k < n and text[k] == "{":
            if match is None:
                match = brace_matches(text)
            end = match.get(k)
            if end is None:  # unbalanced: skip this box
                continue
            out.append((m.start(), end + 1, text[k + 1 : end]))
            pos = end + 1
        elif k > m.end() and k < n:  # "\boxed 5": one token
            tok = _BOX_TOKEN.match(text, k, min(n, k + 100))
            if tok:
                out.append((m.start(), tok.end(), tok.group(0)))
    return out


# a part label between boxes ("(a) \\boxed{4} (b) \\boxed{9}", "\\textbf{(ii)}") is a multi-part answer's separator
_PART = r"(?:\\text(?:bf)?\{\s*)?\(\s*(?:[a-h]|i{1,3}|iv|v|vi)\s*\)(?:\s*\})?:?"
_JOIN_GAP = re.compile(
    r"^[\s$,;]*(?:\\text\{\s*(?:and|or)\s*\}|\\quad|\\qquad|and|or|,|;|\\\)|\\\(|\s|\$|"
    + _PART
    + r")*[\s$]*$"
)
MAX_JOINED_BOXES = 20  # bounded lookback: at most this many adjacent boxes form one list answer


def last_boxed(text: str, boxes: list[tuple[int, int, str]] | None = None) -> str | None:
    """The last boxed answer; boxes separated only by ``,``/``and``/``$`` are joined into a list. ``boxes``:
    ``find_boxed(text)`` when the caller has it already."""
    if boxes is None:
        boxes = find_boxed(text)
    if not boxes:
        return None
    group = [boxes[-1]]
    for prev in reversed(boxes[max(0, len(boxes) - MAX_JOINED_BOXES) : -1]):
        gap = text[prev[1] : group[-1][0]]
        if len(gap) <= 20 and _JOIN_GAP.match(gap):
            group.append(prev)
        else:
            break
    return ", ".join(_unboxed(b[2]) for b in reversed(group))


def _unboxed(content: str) -> str:
    """``\\boxed{\\boxed{12}}`` is a box around ``12``: a box whose whole content is another box is unwrapped."""
    for _ in range(5):
        inner = find_boxed(content)
        if len(inner) != 1 or content[: inner[0][0]].strip() or content[inner[0][1] :].strip():
            return content
        content = inner[0][2]
    return content


def _strip_math(s: str) -> str:
    s = s.strip()
    for a, b in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if s.startswith(a) and s.endswith(b) and len(s) >= len(a) + len(b):
            s = s[len(a) : len(s) - len(b)].strip()
    return s


_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)


def _last_math(region: str) -> str | None:
    """Last math span of ``region``; display math (``$$``, ``\\[``) wins over inline math."""
    found = list(_MATH_SPAN.finditer(region))
    display = [m for m in found if m.group(1) is not None or m.group(4) is not None]
    kept = [m for m in (display or found) if (sp := _span_text(m)) and len(sp) <= _MAX_PHRASE_ANSWER * 5]
    if not kept:
        return None
    # "$x = 1$ and $x = 2$": spans joined only by "and"/","/"or" are one list answer
    group = [kept[-1]]
    for prev in reversed(kept[-MAX_JOINED_BOXES:-1]):
        if _SPAN_JOIN.fullmatch(region, prev.end(), group[-1].start()):
            group.append(prev)
        else:
            break
    return ", ".join(_span_text(m) for m in reversed(group))


def _leading_math_group(line: str) -> str | None:
    """``$x=1$ and $x=2$.`` at the start of ``line`` → ``x=1, x=2`` (spans joined by and / , / or)."""
    group: list[re.Match[str]] = []
    for m in _MATH_SPAN.finditer(line):
        if group and not _SPAN_JOIN.fullmatch(line, group[-1].end(), m.start()):
            break
        if not group and m.start() != 0:
            return None
        group.append(m)
        if len(group) >= MAX_JOINED_BOXES:
            break
    return ", ".join(_span_text(m) for m in group) if len(group) > 1 else None


def _span_text(m: re.Match[str]) -> str:
    return next(g for g in m.groups() if g is not None).strip()


def _final_paragraph_math(text: str, *, statements: bool = True) -> tuple[str | None, str]:
    """The answer stated by the last paragraph that states one (a non-boxed conclusion): its last math span, or
    a concluding "... is 22." after that span. Why both: QwQ-style traces end "the degree of \\(f(x)\\) is 3.",
    where the last formula is the question's, not the answer. ``statements=False`` (callers that take only
    explicit answers: the geometry layer, the quality flags) keeps to the formula."""
    paras = [p for p in re.split(r"\n\s*\n", text[-1500:]) if p.strip()]
    for para in reversed(paras[-2:]):
        spans = list(_MATH_SPAN.finditer(para))
        stated = _last_own(_CONCLUDING.finditer(para), para) if statements else None
        if stated is not None and (not spans or stated.start(1) >= spans[-1].end()):
            return stated.group(1), "final_statement"
        got = _last_math(para)
        if got is not None:
            return got, "final_math"
    return None, "none"


def _recalled(text: str, m: re.Match[str]) -> bool:
    """Whether the sentence up to the end of ``m`` quotes a remembered answer ("I recall the answer is ...",
    "the standard answer is ...")."""
    head = text[max(0, m.start() - 200) : m.start()]
    cut = _last(_SENTENCE_START.finditer(head))
    return _RECALLED.search(head[cut.end() if cut else 0 :] + text[m.start() : m.end()]) is not None


def _last_own(matches: Iterator[re.Match[str]], text: str) -> re.Match[str] | None:
    """The last match whose sentence states the response's own answer (not a recalled one)."""
    return _last(m for m in matches if not _recalled(text, m))


def _phrase_answer(text: str) -> str | None:
    """Answer from the last "final answer is ..." sentence (bounded length), or from a later "<answer> is the
    correct solution" sentence. Sentences that quote a remembered answer do not count."""
    last = _last_own(_FINAL_PHRASE.finditer(text), text)
    stated = _last_own(_STATED_ANSWER.finditer(text), text)
    if stated is not None and (last is None or stated.start() >= last.end()):
        return next(g for g in stated.groups() if g is not None).strip() or None
    if last is None:
        return None
    rest = text[last.end() : last.end() + 400].strip()
    if not rest.startswith(("$", "\\(", "\\[")):
        got = _last_math(rest)
        if got is not None:
            return got
    if rest.startswith("$"):
        joined = _leading_math_group(rest.split("\n", 1)[0])
        if joined:
            return joined
        end = rest.find("$", 1) if not rest.startswith("$$") else rest.find("$$", 2)
        if end != -1:
            return _strip_math(rest[: end + (2 if rest.startswith("$$") else 1)]) or None
    if rest.startswith("\\(") or rest.startswith("\\["):
        close = "\\)" if rest.startswith("\\(") else "\\]"
        end = rest.find(close)
        if end != -1:
            return rest[2:end].strip() or None
    line = rest.split("\n", 1)[0].strip()
    # "566. I hope it is correct.": a sentence also ends at a full stop after a digit before a capital
    line = re.split(r"(?<=\d)\.\s+(?=[A-Z])|(?<=[^\d])\.\s|\.$", line, maxsplit=1)[0].strip()
    if not line or len(line) > _MAX_PHRASE_ANSWER:
        return None
    return _strip_math(line.strip("*").strip()) or None


def _last_number(text: str) -> str | None:
    tail = text[-2000:]
    nums = _NUMBER.findall(tail)
    return nums[-1] if nums else None


def _last(matches: Iterator[re.Match[str]]) -> re.Match[str] | None:
    kept = deque(matches, maxlen=1)
    return kept[0] if kept else None


def _answer_tag(text: str) -> str | None:
    """Inside of the last ``<answer>…</answer>`` pair (case-insensitive), found in linear time."""
    close = _last(_CLOSE_TAG.finditer(text))
    if close is None:
        return None
    opening = _last(_OPEN_TAG.finditer(text, 0, close.start()))
    if opening is None:
        return None
    end = _CLOSE_TAG.search(text, opening.end())
    return text[opening.end() : end.start() if end else close.start()]


def _from_region(text: str, *, cut: bool = False, statements: bool = True) -> tuple[str | None, str]:
    """Strongest answer of one region; ``cut``: the region ends mid-thought, so its last paragraph is no
    conclusion (only boxes, answer tags and answer phrases count)."""
    inner = _answer_tag(text)
    if inner is not None:
        boxed = last_boxed(inner)
        return (
            (boxed, "answer_tag_boxed") if boxed is not None else (_strip_math(inner) or None, "answer_tag")
        )
    boxes = find_boxed(text)
    boxed = last_boxed(text, boxes)
    if boxed is not None:
        # "\\boxed{42}. Wait, ... so the answer is 41.": an answer stated after the last box revises it (not
        # in a cut region, whose tail is no conclusion)
        later = None if cut else _phrase_answer(text[boxes[-1][1] :][-3000:])
        if later is not None:
            return later, "final_answer_phrase"
        return boxed, "boxed"
    phrase = _phrase_answer(text[-3000:])
    if cut:
        return (phrase, "final_answer_phrase") if phrase is not None else (None, "none")
    tail, method = _final_paragraph_math(text, statements=statements)
    if phrase is not None:
        return phrase, "final_answer_phrase"
    return tail, method


# where a text that was cut off stops: inside a bracket its last line opened, after an operator or a comma, or on
# a word no sentence ends with ("... but again, that", "= 24 +", "(1/2"); the filters' mid-sentence test is
# broader (any missing full stop) because it only runs when no answer was found
_OPEN_BRACKETS = re.compile(r"(?<!\\)[(\[{]")
_CLOSE_BRACKETS = re.compile(r"(?<!\\)[)\]}]")
_CUT_END = re.compile(
    r"(?:(?<![-=])[=+,/^_&-]|\\(?:times|cdot|frac|sqrt|left|\(|\[)|"
    r"(?<![\w'\\])(?:the|an|of|to|that|and|or|is|are|was|were|be|by|with|for|from|than|which|if|we|its|but|as"
    r"|a|when|where|while|because|since|into|this|these|those|our|their|can|will|would|should|must|has|have|had"
    r"|such|whose|whether|then)"
    r")\s*$",
    re.I,
)
MIN_CUT_CHARS = 1000  # shorter texts are too short to judge (the filters use the same bound)


def stops_mid_expression(text: str) -> bool:
    """Whether a long text ends the way only a cut-off text ends (see ``_CUT_END``): no closing tag says so
    in untagged (QwQ-style, base-model) traces, and their last formula or number is then no answer."""
    tail = text[-2000:].rstrip()
    if len(text) < MIN_CUT_CHARS or not tail:
        return False
    last = tail.rsplit("\n", 1)[-1]
    opened = len(_OPEN_BRACKETS.findall(last)) > len(_CLOSE_BRACKETS.findall(last))
    # the pattern ends at the end of the text: search its last characters only (over the whole 2,000-character
    # tail, trying every start, it cost a third of a millisecond per response, ~20% of the verifier's time)
    return opened or _CUT_END.search(tail[-48:]) is not None


_THOUGHT_ENDS = ("</think>", "<|end_of_thought|>")
_THOUGHT_STARTS = ("<think>", "<|begin_of_thought|>")


def _last_marker(text: str, markers: tuple[str, ...]) -> tuple[int, str]:
    """Position and text of the last of ``markers`` in ``text`` (-1, "" when none)."""
    return max(((text.rfind(m), m) for m in markers), key=lambda pm: pm[0])


def extract_answer(response: str, *, allow_weak: bool = True) -> Extraction:
    """Find the final answer in ``response`` (see module docstring for the priority order).

    A text longer than ``MAX_SCAN_CHARS`` is searched in its last ``MAX_SCAN_CHARS`` characters only
    (``too_long=True``): cost stays bounded whatever the model wrote. ``allow_weak=False`` also leaves out the
    concluding-statement rule: those callers take only answers the text marks as answers."""
    text = as_text(response)
    too_long = len(text) > MAX_SCAN_CHARS
    lower_open, _ = _last_marker(text, _THOUGHT_STARTS)
    close, marker = _last_marker(text, _THOUGHT_ENDS)
    truncated = (lower_open != -1 and close < lower_open) or stops_mid_expression(text)
    if too_long:
        text = text[-MAX_SCAN_CHARS:]
        close, marker = _last_marker(text, _THOUGHT_ENDS)
    if close != -1:
        after = text[close + len(marker) :]
        ans, method = _from_region(after, cut=truncated, statements=allow_weak)
        if ans is not None:
            return Extraction(ans, "after_think_" + method, too_long=too_long)
        # the thought boxed its answer and the answer part did not restate it
        boxed = last_boxed(text[:close])
        if boxed is not None:
            return Extraction(boxed, "think_boxed", too_long=too_long)
        if after.strip() and allow_weak and not truncated:
            num = _last_number(after)
            if num is not None:
                return Extraction(num, "after_think_last_number", weak=True, too_long=too_long)
    ans, method = _from_region(text, cut=truncated, statements=allow_weak)
    if ans is not None:
        return Extraction(ans, method, truncated=truncated, too_long=too_long)
    if truncated:
        return Extraction(None, "truncated", truncated=True, too_long=too_long)
    if allow_weak:
        num = _last_number(text)
        if num is not None:
            return Extraction(num, "last_number", weak=True, too_long=too_long)
    return Extraction(None, "none", too_long=too_long)
