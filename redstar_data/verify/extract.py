"""Final-answer extraction from (long) chain-of-thought responses.

Why a hand-written scanner instead of regexes over the whole text: responses can be 100 KB with unbalanced
braces; every step here is a linear scan (no backtracking regex over unbounded input), so extraction cost is
proportional to the text and never hangs. Priority, strongest first: ``<answer>`` tags, the text after the
last ``</think>`` (answers inside it preferred), the last ``\\boxed{}``/``\\fbox{}`` (adjacent boxes joined as
a list), "final answer is ..." sentences, and finally a *weak* last-number fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BOX_CMDS = ("\\boxed", "\\fbox")
_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.S | re.I)
_FINAL_PHRASE = re.compile(
    r"(?:final answer|the answer is|answer is)\s*(?:is)?\s*(?:\*\*)?\s*:?\s*(?:\*\*)?\s*", re.I
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


def _braced(text: str, start: int) -> tuple[str, int] | None:
    """Content of the ``{...}`` group starting at ``text[start] == '{'`` and the index after it."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c == "\\":
            continue
        if c == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif c == "}" and (i == 0 or text[i - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
    return None


def find_boxed(text: str) -> list[tuple[int, int, str]]:
    """Every ``\\boxed{..}`` / ``\\fbox{..}`` / ``\\boxed 5`` as (start, end, content), in order."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    while True:
        idx = -1
        cmd = ""
        for c in BOX_CMDS:
            j = text.find(c, pos)
            if j != -1 and (idx == -1 or j < idx):
                idx, cmd = j, c
        if idx == -1:
            return out
        k = idx + len(cmd)
        while k < len(text) and text[k] == " ":
            k += 1
        if k < len(text) and text[k] == "{":
            got = _braced(text, k)
            if got is None:  # unbalanced: skip this box
                pos = k + 1
                continue
            out.append((idx, got[1], got[0]))
            pos = got[1]
        elif k > idx + len(cmd) and k < len(text):  # "\boxed 5": one token
            m = re.match(r"[^\s$.,;]+", text[k : k + 100])
            if m:
                out.append((idx, k + m.end(), m.group(0)))
            pos = k + 1
        else:
            pos = k
            continue


_JOIN_GAP = re.compile(
    r"^[\s$,;]*(?:\\text\{\s*(?:and|or)\s*\}|\\quad|\\qquad|and|or|,|;|\\\)|\\\(|\s|\$)*[\s$]*$"
)


def last_boxed(text: str) -> str | None:
    """The last boxed answer; boxes separated only by ``,``/``and``/``$`` are joined into a list."""
    boxes = find_boxed(text)
    if not boxes:
        return None
    group = [boxes[-1]]
    for prev in reversed(boxes[:-1]):
        gap = text[prev[1] : group[0][0]]
        if len(gap) <= 20 and _JOIN_GAP.match(gap):
            group.insert(0, prev)
        else:
            break
    return ", ".join(b[2] for b in group)


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
    spans = [next(g for g in m.groups() if g is not None) for m in (display or found)]
    spans = [sp.strip() for sp in spans if sp.strip() and len(sp) <= _MAX_PHRASE_ANSWER * 5]
    return spans[-1] if spans else None


def _final_paragraph_math(text: str) -> str | None:
    """The last math span of the last paragraph that has one (a non-boxed concluding statement)."""
    paras = [p for p in re.split(r"\n\s*\n", text[-1500:]) if p.strip()]
    for para in reversed(paras[-2:]):
        got = _last_math(para)
        if got is not None:
            return got
    return None


def _phrase_answer(text: str) -> str | None:
    """Answer from the last "final answer is ..." sentence (bounded length)."""
    last = None
    for m in _FINAL_PHRASE.finditer(text):
        last = m
    if last is None:
        return None
    rest = text[last.end() : last.end() + 400].strip()
    if not rest.startswith(("$", "\\(", "\\[")):
        got = _last_math(rest)
        if got is not None:
            return got
    if rest.startswith("$"):
        end = rest.find("$", 1) if not rest.startswith("$$") else rest.find("$$", 2)
        if end != -1:
            return _strip_math(rest[: end + (2 if rest.startswith("$$") else 1)]) or None
    if rest.startswith("\\(") or rest.startswith("\\["):
        close = "\\)" if rest.startswith("\\(") else "\\]"
        end = rest.find(close)
        if end != -1:
            return rest[2:end].strip() or None
    line = rest.split("\n", 1)[0].strip()
    line = re.split(r"(?<=[^\d])\.\s|\.$", line, maxsplit=1)[0].strip()
    if not line or len(line) > _MAX_PHRASE_ANSWER:
        return None
    return _strip_math(line.strip("*").strip()) or None


def _last_number(text: str) -> str | None:
    tail = text[-2000:]
    nums = _NUMBER.findall(tail)
    return nums[-1] if nums else None


def _from_region(text: str) -> tuple[str | None, str]:
    tags = _ANSWER_TAG.findall(text)
    if tags:
        inner = tags[-1]
        boxed = last_boxed(inner)
        return (
            (boxed, "answer_tag_boxed") if boxed is not None else (_strip_math(inner) or None, "answer_tag")
        )
    boxed = last_boxed(text)
    if boxed is not None:
        return boxed, "boxed"
    phrase = _phrase_answer(text[-3000:])
    if phrase is not None:
        return phrase, "final_answer_phrase"
    tail_math = _final_paragraph_math(text)
    if tail_math is not None:
        return tail_math, "final_math"
    return None, "none"


def extract_answer(response: str, *, allow_weak: bool = True) -> Extraction:
    """Find the final answer in ``response`` (see module docstring for the priority order)."""
    text = response or ""
    lower_open = text.rfind("<think>")
    close = text.rfind("</think>")
    truncated = lower_open != -1 and close < lower_open
    if close != -1:
        after = text[close + len("</think>") :]
        ans, method = _from_region(after)
        if ans is not None:
            return Extraction(ans, "after_think_" + method)
        if after.strip() and allow_weak:
            num = _last_number(after)
            if num is not None:
                return Extraction(num, "after_think_last_number", weak=True)
    ans, method = _from_region(text)
    if ans is not None:
        return Extraction(ans, method, truncated=truncated)
    if truncated:
        return Extraction(None, "truncated", truncated=True)
    if allow_weak:
        num = _last_number(text)
        if num is not None:
            return Extraction(num, "last_number", weak=True)
    return Extraction(None, "none")
