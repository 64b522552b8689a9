"""The final program of a long response: the last fenced code block of the answer part.

The answer part is what follows the last reasoning marker (``</think>``, ``<|end_of_thought|>``, ...);
a response with an opened but never closed reasoning block has no answer part (it was cut off while
thinking). Within the answer part the last closed fenced block wins, preferring Python-tagged or untagged
blocks over blocks in other languages (a trailing ```text sample output is not the program). A response
without any such block is ``no_answer``, not ``incorrect``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

END_MARKERS = ("</think>", "<|end_of_thought|>", "</thought>", "</reasoning>", "◁/think▷")
START_MARKERS = ("<think>", "<|begin_of_thought|>", "<thought>", "<reasoning>", "◁think▷")
PYTHON_TAGS = {"", "python", "python3", "py", "py3", "python2"}

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.S | re.M)


@dataclass(frozen=True)
class Program:
    code: str
    language: str  # normalised tag: "python" for Python and untagged blocks


def answer_part(response: str) -> str | None:
    """The text after the last reasoning marker; None when reasoning was opened and never closed."""
    end = max(((response.rfind(m), m) for m in END_MARKERS), key=lambda t: t[0])
    if end[0] >= 0:
        return response[end[0] + len(end[1]) :]
    if any(m in response for m in START_MARKERS):
        return None
    return response


def extract_program(response: str) -> Program | None:
    """The program a response submits, or None (→ ``no_answer``)."""
    part = answer_part(response)
    if part is None:
        return None
    blocks = [(m.group(2).lower(), m.group(3)) for m in _FENCE.finditer(part)]
    blocks = [(tag, code) for tag, code in blocks if code.strip()]
    if not blocks:
        return None
    py = [(tag, code) for tag, code in blocks if tag in PYTHON_TAGS]
    tag, code = (py or blocks)[-1]
    return Program(code=code, language="python" if tag in PYTHON_TAGS else tag)
