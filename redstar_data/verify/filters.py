"""Rule-based quality flags on traces (recipes filter on them); linear-time checks only.

Flags: truncated (finish reason ``length`` or an unclosed ``<think>``), no_final_answer, repetition (a
repeated tail chunk: the classic degenerate loop), language_mixing (CJK characters inside a mostly-Latin
trace), too_short / too_long (character bounds).
"""

from __future__ import annotations

import re

from redstar_data.verify.extract import extract_answer

FILTER_VERSION = "1.0.0"
MIN_CHARS = 50
MAX_CHARS = 200_000
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z]")


def _repetition(text: str) -> str | None:
    """A chunk of the tail repeated back-to-back many times (looping generation)."""
    tail = text[-8000:].rstrip()
    for size in range(8, 801):  # any period: tail == unit * k, compared at C speed
        if len(tail) < size * 5:
            break
        unit = tail[-size:]
        if tail[-size * 5 :] == unit * 5:
            count = 5
            while len(tail) >= size * (count + 1) and tail[-size * (count + 1) : -size * count] == unit:
                count += 1
            return f"last {size}-char chunk repeated {count}x"
    lines = [ln.strip() for ln in tail.splitlines() if ln.strip()]
    if len(lines) >= 8 and len(set(lines[-8:])) == 1:
        return "last 8 lines identical"
    return None


def flag_trace(
    text: str, finish_reason: str | None, *, min_chars: int = MIN_CHARS, max_chars: int = MAX_CHARS
) -> list[tuple[str, str]]:
    """(flag, detail) pairs for one trace; an empty list means clean."""
    text = text or ""
    flags: list[tuple[str, str]] = []
    if finish_reason == "length":
        flags.append(("truncated", "finish_reason=length"))
    elif text.rfind("<think>") > text.rfind("</think>"):
        flags.append(("truncated", "unclosed <think>"))
    ex = extract_answer(text, allow_weak=False)
    if ex.answer is None:
        flags.append(("no_final_answer", ex.method))
    rep = _repetition(text)
    if rep:
        flags.append(("repetition", rep))
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    if cjk >= 10 and latin > 0 and latin >= 5 * cjk:
        flags.append(("language_mixing", f"{cjk} CJK chars in a Latin-script trace"))
    if len(text) < min_chars:
        flags.append(("too_short", f"{len(text)} < {min_chars} chars"))
    if len(text) > max_chars:
        flags.append(("too_long", f"{len(text)} > {max_chars} chars"))
    return flags
