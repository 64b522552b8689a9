"""Rule-based quality flags on traces (recipes filter on them); linear-time checks only.

Flags: truncated (finish reason ``length``, an unclosed ``<think>``, or an imported response cut off, by its
text or its length against the run's stated budget: see ``truncation``), no_final_answer, repetition (a
repeated tail chunk: the classic degenerate loop), language_mixing (CJK characters inside a mostly-Latin
trace), too_short / too_long (character bounds).

Bounded cost (issue 13: one 130 KB trace took 44 s here): extraction reads at most the last
``extract.MAX_SCAN_CHARS`` characters, the repetition check the last 8,000, the script count
``MAX_SCAN_CHARS`` characters from each end; every other step is a C-level scan. A cooperative budget
(``timeout``) is checked between steps: a trace that runs past it gets a ``timeout`` flag for the rest.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from redstar_data.verify.extract import MAX_SCAN_CHARS, as_text, extract_answer

# 1.1.0: truncation of imported responses (no finish reason recorded)
# 1.2.0: a domain's own final-answer reader (geometry: a bare option letter such as "Answer: C" is an answer)
# 1.3.0: truncation against the run's stated budget (real token counts)
# 1.4.0: code's reader: a code trace's final answer is its final program (up to 1.3.0 every code trace was
# flagged no_final_answer, and default recipes dropped them all)
# 1.4.1: code's reader skips data/shell blocks (```text, ```bash, untagged sample input): a code trace whose
# only blocks are those has no final program, as the code verifier labels it no_answer
FILTER_VERSION = "1.4.1"
# A response counted at this share of its run's stated max_tokens or more, with no final answer, ran into the
# budget. Not 1.0: the counting tokenizer need not be the teacher's (a few % apart on the same text).
BUDGET_SHARE = 0.95

FinalAnswerFn = Callable[[str], "str | None"]


def math_final_answer(text: str) -> str | None:
    """The default reader: the math extractor without its last-number guess."""
    return extract_answer(text, allow_weak=False).answer


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


def _script_sample(text: str) -> str:
    """The text the script counts read: all of it, or ``MAX_SCAN_CHARS`` from each end of a longer one."""
    if len(text) <= 2 * MAX_SCAN_CHARS:
        return text
    return text[:MAX_SCAN_CHARS] + "\n" + text[-MAX_SCAN_CHARS:]


_SENTENCE_END = tuple(".!?)]}$>*\"'`|")


def truncation(
    text: str,
    finish_reason: str | None,
    final_answer: FinalAnswerFn = math_final_answer,
    *,
    n_tokens: int | None = None,
    budget: int | None = None,
) -> str | None:
    """Why a trace looks cut off, or None. Generated traces say so (finish reason ``length``); imported ones
    (``import``/None: the source recorded nothing) are judged by their text: an unclosed thinking block
    (``<think>``, Sky-T1's ``<|begin_of_thought|>``), or, when no final answer was written, an unclosed
    ``<|begin_of_solution|>``, a length at the stated budget (``n_tokens`` real tokens against the run's
    ``max_tokens``, ``budget``: at least ``BUDGET_SHARE`` of it), or a text that stops mid-sentence (a
    missing closing tag alone is not proof). ``n_tokens`` must come from a tokenizer, never a word count:
    callers pass None for whitespace estimates."""
    if finish_reason == "length":
        return "finish_reason=length"
    if text.rfind("<think>") > text.rfind("</think>"):
        return "unclosed <think>"
    if finish_reason not in ("import", None):
        return None
    if "<|begin_of_thought|>" in text and "<|end_of_thought|>" not in text:
        return "unclosed <|begin_of_thought|>"
    tail = text.rstrip()
    if not tail or final_answer(text) is not None:
        return None
    if "<|begin_of_solution|>" in text and "<|end_of_solution|>" not in text:
        return "unclosed <|begin_of_solution|> and no final answer"
    if budget and n_tokens is not None and n_tokens >= BUDGET_SHARE * budget:
        return f"{n_tokens} tokens of a stated budget of {budget} and no final answer"
    if len(tail) >= 1000 and not tail.endswith(_SENTENCE_END):
        return "stops mid-sentence with no final answer"
    return None


def flag_trace(
    text: str,
    finish_reason: str | None,
    *,
    min_chars: int = MIN_CHARS,
    max_chars: int = MAX_CHARS,
    timeout: float = 5.0,
    final_answer: FinalAnswerFn = math_final_answer,
    n_tokens: int | None = None,
    budget: int | None = None,
) -> list[tuple[str, str]]:
    """(flag, detail) pairs for one trace; an empty list means clean. Checks still pending when ``timeout``
    seconds have passed are replaced by one ``timeout`` flag (never reached on any input measured).
    ``final_answer``: the domain's reader of the final answer (its verifier's ``final_answer``).
    ``n_tokens``/``budget``: the trace's real token count and its run's stated max_tokens (``truncation``)."""
    text = as_text(text)
    deadline = time.monotonic() + timeout
    flags: list[tuple[str, str]] = []
    cut = truncation(text, finish_reason, final_answer, n_tokens=n_tokens, budget=budget)
    if cut:
        flags.append(("truncated", cut))
    if len(text) < min_chars:
        flags.append(("too_short", f"{len(text)} < {min_chars} chars"))
    if len(text) > max_chars:
        flags.append(("too_long", f"{len(text)} > {max_chars} chars"))
    steps = ("no_final_answer", "repetition", "language_mixing")
    for i, step in enumerate(steps):
        if time.monotonic() > deadline:
            flags.append(("timeout", f"over {timeout:g}s; not checked: {', '.join(steps[i:])}"))
            break
        if step == "no_final_answer":
            if final_answer is math_final_answer:
                ex = extract_answer(text, allow_weak=False)
                if ex.answer is None:
                    flags.append(("no_final_answer", ex.method))
            elif final_answer(text) is None:
                flags.append(("no_final_answer", "none"))
        elif step == "repetition":
            rep = _repetition(text)
            if rep:
                flags.append(("repetition", rep))
        else:
            sample = _script_sample(text)
            cjk = len(sample) - len(_CJK.sub("", sample))  # counts without building a list of matches
            latin = len(sample) - len(_LATIN.sub("", sample)) if cjk >= 10 else 0
            if cjk >= 10 and latin > 0 and latin >= 5 * cjk:
                flags.append(("language_mixing", f"{cjk} CJK chars in a Latin-script trace"))
    return flags
