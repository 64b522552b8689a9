"""The judge method: a rubric prompt asking for a 1-10 difficulty, and a parser that accepts what models write.

Models answer in many shapes even when asked for JSON: fenced JSON, ``Score: 7``, ``Difficulty: 7/10``,
``**7**``, or a long reasoning block first. ``parse_judgement`` tries the shapes from most to least explicit
and refuses to guess: a reply with no clearly marked score in 1..10 is stored with score NULL and the text
in ``details["unparsed"]``, so it can be inspected and re-parsed later instead of silently becoming noise.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from redstar_data.generate.backends.base import GenerationRequest, SamplingParams

PROMPT_VERSION = "judge-rubric-1"

SYSTEM = "You are an expert competition mathematics coach who rates problem difficulty consistently."

RUBRIC = """Rate the difficulty of the problem below on a scale from 1 to 10.

1-2: a routine exercise, one or two standard steps (grade-school arithmetic, direct formula use).
3-4: standard high-school level, a few steps (typical MATH levels 1-3, GSM8K).
5-6: requires a non-obvious idea or careful multi-step work (MATH level 4-5, AMC 10/12 mid-range).
7-8: hard competition problem (late AMC 12, AIME).
9-10: olympiad level (USAMO, IMO) or research-like.

Rate how hard it is to SOLVE, not how long it is to read. Do not solve it.
Reply with only a JSON object: {{"score": <integer 1-10>, "justification": "<one short sentence>"}}

Problem:
{problem}"""

DEFAULT_PARAMS = SamplingParams(n=1, temperature=0.0, top_p=1.0, max_tokens=1024, seed=0)

_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_JSON = re.compile(r"\{[^{}]*\}", re.S)
_NUM = r"(10|[1-9](?:\.\d+)?)"
_PATTERNS = [
    re.compile(
        rf"(?:score|difficulty|rating)\**\s*(?:\(1-10\))?\s*(?:[:=\-]|is|of)?\s*\**\s*{_NUM}\s*\**(?:\s*/\s*10)?(?!\d)",
        re.I,
    ),
    re.compile(rf"(?<![\d.]){_NUM}\s*/\s*10(?!\d)"),
    re.compile(rf"(?:^|\n)\s*\**{_NUM}\**\s*(?:$|\n)"),
]


@dataclass(frozen=True)
class Judgement:
    score: float | None
    justification: str | None
    how: str  # json | pattern | unparsed


def build_request(
    problem_id: str, problem: str, params: SamplingParams = DEFAULT_PARAMS
) -> GenerationRequest:
    """One chat request asking for the rubric score of ``problem``."""
    messages = (
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": RUBRIC.format(problem=problem)},
    )
    return GenerationRequest(
        key=problem_id,
        messages=messages,
        sample_indices=(0,),
        params=params,
        meta={"purpose": "difficulty-judge", "prompt_version": PROMPT_VERSION},
    )


def _valid(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if 1.0 <= v <= 10.0 else None


def parse_judgement(text: str) -> Judgement:
    """Score in 1..10 and justification from a judge reply (see the module docstring)."""
    body = _THINK.sub("", text or "").strip()
    for m in reversed(_JSON.findall(body)):  # the last JSON object is the answer, earlier ones are drafts
        try:
            obj = json.loads(m)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            for k in ("score", "difficulty", "rating"):
                if k in obj and _valid(obj[k]) is not None:
                    just = obj.get("justification") or obj.get("reason") or obj.get("explanation")
                    return Judgement(_valid(obj[k]), str(just) if just else None, "json")
    for pat in _PATTERNS:
        found = pat.findall(body)
        if found:
            v = _valid(found[-1])
            if v is not None:
                return Judgement(v, _justification(body), "pattern")
    return Judgement(None, None, "unparsed")


def _justification(body: str) -> str | None:
    m = re.search(r"justification\s*[:=]\s*(.+)", body, re.I)
    return m.group(1).strip().strip('"')[:500] if m else None
