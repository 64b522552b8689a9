"""Reference answers taken from worked solutions, for problems that came with a solution but no answer.

Why: NuminaMath-CoT (``solution`` ending in ``\\boxed{}``), MetaMath (``The answer is: X``) and GSM8K
(``#### X``) carry the final answer only inside the solution; without it none of their traces can be verified.
``answer_from_solution`` reads the last ``#### X`` line, the last ``The answer is: X`` sentence and every
``\\boxed{}``/``\\fbox{}`` (adjacent boxes are one list answer). When these disagree - two different boxed
values, or a box that contradicts the ``####`` line - the solution is **ambiguous**: no answer is guessed.

``fill_references(catalog)`` writes the answers it finds into ``problems.answer`` and records how it took them
in ``problems.meta.answer_from`` (``{"rule": "boxed" | "the_answer_is" | "hashes", "version": ...}``;
ambiguous solutions get ``{"rule": "ambiguous", "candidates": [...]}`` and keep a NULL answer, so their traces
are labelled ``error`` / "no reference answer" and the reason is one query away). A problem's own answer
field always wins: only rows with an empty ``answer`` are touched, and each is read once per rule version.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from redstar_data.verify import normalize as N
from redstar_data.verify.equivalence import equivalent
from redstar_data.verify.extract import _JOIN_GAP, MAX_SCAN_CHARS, as_text, find_boxed

RULE_VERSION = "1"
_HASHES = re.compile(r"^[ \t]*####[ \t]*(\S[^\n]*?)[ \t]*$", re.M)
_ANSWER_IS = re.compile(r"the (?:final )?answer is\s*:?[ \t]*(\S[^\n]*?)[ \t]*$", re.I | re.M)
_MAX_ANSWER = 500


@dataclass(frozen=True)
class SolutionAnswer:
    """``answer`` (None when missing or ambiguous), the ``rule`` that found it, and every distinct candidate."""

    answer: str | None
    rule: str  # "hashes" | "the_answer_is" | "boxed" | "none" | "ambiguous"
    candidates: tuple[str, ...] = field(default_factory=tuple)


def _clean(s: str) -> str:
    s = (
        re.split(r"(?<=[^\d])\.\s|,\s+(?=[A-Za-z]{2,}\b)", s.strip(), maxsplit=1)[0]
        .strip()
        .rstrip(".")
        .strip()
    )
    if len(s) >= 2 and s[0] == s[-1] == "$":
        s = s.strip("$").strip()
    boxed = _box_groups(s)  # "the answer is $\boxed{5}$": the box's content
    return boxed[-1] if boxed else s


def _is_prose(s: str) -> bool:
    return "\\" not in s and re.search(r"[A-Za-z]{3,}\s+[A-Za-z]{3,}", s) is not None


def _box_groups(text: str) -> list[str]:
    """Each run of adjacent boxes as one answer (``\\boxed{1}, \\boxed{2}`` → ``1, 2``)."""
    groups: list[list[tuple[int, int, str]]] = []
    for box in find_boxed(text):
        gap = text[groups[-1][-1][1] : box[0]] if groups else None
        if gap is not None and len(gap) <= 20 and _JOIN_GAP.match(gap):
            groups[-1].append(box)
        else:
            groups.append([box])
    return [", ".join(b[2].strip() for b in g) for g in groups if any(b[2].strip() for b in g)]


def _same(a: str, b: str) -> bool:
    if N.canon(N.basic(a)) == N.canon(N.basic(b)):
        return True
    try:
        return equivalent(a, b, None)[0] and equivalent(b, a, None)[0]
    except Exception:  # noqa: BLE001 - a comparison that cannot be made is "different"
        return False


def _distinct(values: list[str], limit: int = 2) -> list[str]:
    """The first ``limit`` pairwise-different values (two are enough to call a solution ambiguous; the
    limit keeps a solution with thousands of boxes linear)."""
    out: list[str] = []
    for v in values:
        if not any(_same(v, o) for o in out):
            out.append(v)
            if len(out) >= limit:
                break
    return out


def answer_from_solution(solution: object) -> SolutionAnswer:
    """The final answer stated in a worked solution, how it was found, or why there is none."""
    text = as_text(solution)[-MAX_SCAN_CHARS:]
    found: list[tuple[str, str]] = []  # (rule, value), strongest rule first
    hashes = [_clean(m.group(1)) for m in _HASHES.finditer(text)]
    if hashes and hashes[-1]:
        found.append(("hashes", hashes[-1]))
    said = [_clean(m.group(1)) for m in _ANSWER_IS.finditer(text)]
    said = [s for s in said if s and len(s) <= _MAX_ANSWER and not _is_prose(s)]
    if said:
        found.append(("the_answer_is", said[-1]))
    boxes = _distinct([_clean(g) for g in _box_groups(text)])
    if len(boxes) > 1:  # two different boxed final answers: flagged, never guessed
        return SolutionAnswer(None, "ambiguous", tuple(boxes))
    if boxes:
        found.append(("boxed", boxes[0]))
    if not found:
        return SolutionAnswer(None, "none")
    values = _distinct([v for _, v in found])
    if len(values) > 1:
        return SolutionAnswer(None, "ambiguous", tuple(values))
    rule, value = found[0]
    return SolutionAnswer(value, rule, (value,))


_TODO_SQL = """
SELECT problem_id, solution FROM problems
WHERE domain = 'math' AND (answer IS NULL OR trim(answer) = '') AND solution IS NOT NULL AND trim(solution) <> ''
  AND (meta IS NULL OR json_extract_string(meta, '$.answer_from.version') IS DISTINCT FROM $version)
"""


def fill_references(catalog: Any) -> dict[str, int]:
    """Take reference answers from solutions for problems without one; returns counts per rule."""
    rows = catalog.rows(_TODO_SQL, {"version": RULE_VERSION})
    counts: Counter[str] = Counter()
    ids, answers, patches = [], [], []
    for problem_id, solution in rows:
        got = answer_from_solution(solution)
        counts[got.rule] += 1
        info: dict[str, object] = {"rule": got.rule, "from": "solution", "version": RULE_VERSION}
        if got.rule == "ambiguous":
            info["candidates"] = [c[:200] for c in got.candidates[:5]]
        ids.append(problem_id)
        answers.append(got.answer)
        patches.append(json.dumps({"answer_from": info}))
    if ids:
        upd = pa.table({"problem_id": ids, "answer": pa.array(answers, pa.string()), "patch": patches})
        with catalog.registered("_answer_updates", upd):
            catalog.execute(
                "UPDATE problems SET answer = u.answer, "
                "meta = json_merge_patch(COALESCE(problems.meta, '{}'::JSON), u.patch::JSON) "
                "FROM _answer_updates u WHERE problems.problem_id = u.problem_id"
            )
    return dict(counts)
