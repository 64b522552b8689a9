"""ScriptedTeacher: an OFFLINE STAND-IN for a real teacher model, for the demo, tests and benchmarks.

It is not a model and never replaces the real backends (vllm, openai, transformers). It writes
plausible long "slow-thinking" solutions from what the catalog already knows about a problem (the
reference answer, the level, and for built-in synthetic problems their solution steps), so that
verification, quality filters, pickers and DPO pairing have realistic material without a GPU:

* ``<think>`` restatement, numbered steps, reflection ("Wait, let me check..."), sometimes a slip that
  is then corrected, then ``</think>`` and a final answer in ``\\boxed{}``;
* a wrong final answer with probability ``0.05 + 0.10 * (level - 1)`` (5% at level 1, 45% at level 5);
* occasional truncation (finish_reason "length") and occasional missing final answer;
* lengths that vary between samples, so shortest/longest pickers make a difference;
* geometry problems with options (read back from the prompt's ``Choices:`` block, ``redstar_data.choices``)
  are answered by letter or by value (``C``, ``(C)``, ``C: 30``, ``30``); a wrong answer names another option;
* deterministic per (seed, problem_id, sample_index), whatever the batch or order.

Token counts use a regex (words and single punctuation marks), and ``max_tokens`` is respected with it.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Sequence
from typing import Any

from redstar_data.choices import HEADER, LETTERS
from redstar_data.generate.backends.base import Completion, GenerationRequest
from redstar_data.ids import seeded_rank

TOKEN_RE = re.compile(r"\w+|[^\w\s]")

P_TRUNCATE = 0.04
P_NO_ANSWER = 0.03
P_SLIP = 0.25


def count_tokens(text: str) -> int:
    """The scripted teacher's token count: words and punctuation marks."""
    return sum(1 for _ in TOKEN_RE.finditer(text))


def truncate_tokens(text: str, max_tokens: int) -> str:
    """The prefix of ``text`` holding its first ``max_tokens`` tokens."""
    if max_tokens <= 0:
        return ""
    for i, m in enumerate(TOKEN_RE.finditer(text), start=1):
        if i == max_tokens:
            return text[: m.end()]
    return text


def wrong_rate(level: Any) -> float:
    """Probability of a wrong final answer at a difficulty level ('1'..'5'; unknown → level 3)."""
    words = {"EASY": 2, "MEDIUM": 3, "MEDIUM_HARD": 4, "HARD": 4, "VERY_HARD": 5}  # TACO's labels
    try:
        lv = int(str(level).strip().split()[-1])
    except (ValueError, IndexError):
        lv = words.get(str(level).strip().upper(), 3)
    lv = min(max(lv, 1), 5)
    return 0.05 + 0.10 * (lv - 1)


def perturb_answer(answer: str, rng: random.Random) -> str:
    """A plausible wrong answer: off-by-a-little for numbers, a changed sign or term otherwise."""
    a = answer.strip()
    try:
        v = int(a)
        return str(v + rng.choice([-3, -2, -1, 1, 2, 3, 10]))
    except ValueError:
        pass
    try:
        f = float(a)
        return f"{f * rng.choice([0.5, 2.0, 1.1]) + rng.choice([-1, 1]):g}"
    except ValueError:
        pass
    m = re.search(r"\d+", a)
    if m:
        n = int(m.group()) + rng.choice([-1, 1, 2])
        return a[: m.start()] + str(n) + a[m.end() :]
    return f"-({a})" if not a.startswith("-") else a[1:]


_OPENERS = (
    "Okay, so I need to solve this problem. Let me read it carefully.",
    "Alright, let me think about this problem step by step.",
    "Hmm, let's see. First I want to understand exactly what is being asked.",
    "Let me start by restating the problem in my own words.",
)
_REFLECT = (
    "Wait, let me check that step again.",
    "Hold on, let me double-check this before moving on.",
    "Hmm, does that make sense? Let me verify it another way.",
    "Let me re-examine this carefully, just to be sure.",
)
_FILLER = (
    "I should be careful with the arithmetic here.",
    "It helps to write down what we know so far.",
    "Let me keep track of each quantity separately.",
    "This is the key relation, so everything else follows from it.",
    "I think this approach is right, but I will verify it at the end.",
    "Another way to see this is to consider a simpler case first.",
)
_GENERIC_STEPS = (
    "Identify the quantities given in the problem and what we need to find.",
    "Translate the conditions into equations.",
    "Simplify the equations and solve for the unknown.",
    "Substitute back to make sure every condition holds.",
)


class ScriptedTeacher:
    """OFFLINE STAND-IN teacher (not a model): scripted long-CoT text from the problem's metadata.

    ``delay_s`` sleeps per request, to mimic a slow model in resume tests.
    """

    name = "scripted"

    def __init__(self, model: str = "scripted-teacher-v1", seed: int = 0, delay_s: float = 0.0, **_: Any):
        self.model = model
        self.seed = int(seed)
        self.delay_s = float(delay_s)

    def describe(self) -> dict[str, Any]:
        return {"stand_in": True, "seed": self.seed}

    def close(self) -> None:
        pass

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        out: list[Completion] = []
        for req in requests:
            if self.delay_s:
                time.sleep(self.delay_s)
            for idx in req.sample_indices:
                out.append(self._one(req, idx))
        return out

    # -- one sample --------------------------------------------------------------------------------
    def _one(self, req: GenerationRequest, idx: int) -> Completion:
        sample_seed = req.params.seed if req.params.seed is not None else 0
        rng = random.Random(seeded_rank(f"{req.key}:{idx}:{sample_seed}", self.seed))
        meta = req.meta or {}
        problem = str(meta.get("problem") or _last_user(req.messages))
        answer = meta.get("answer")
        syn = meta.get("meta") if isinstance(meta.get("meta"), dict) else {}
        steps = [str(s) for s in syn.get("steps") or []] or list(_GENERIC_STEPS)
        if answer is None and syn.get("answer_value") is not None:
            answer = syn["answer_value"]
        answer = "" if answer is None else str(answer)

        programs = syn.get("demo_programs") if meta.get("domain") == "code" else None
        if isinstance(programs, dict) and programs.get("right"):
            return self._code(req, idx, rng, problem, programs, meta.get("level"))
        geometry = meta.get("domain") == "geometry"
        # geometry: a higher wrong rate than for maths, so the demo's few problems show both labels
        wrong = bool(answer) and rng.random() < wrong_rate(meta.get("level")) + (0.2 if geometry else 0.0)
        final = perturb_answer(answer, rng) if wrong else answer
        if not answer:  # nothing to aim for: an honest guess
            final = str(rng.randint(1, 100))
        choices = _choices(meta, req.messages) if geometry else []
        if choices and answer in choices:
            final = _choice_answer(rng, choices, choices.index(answer), wrong)

        text = self._compose(rng, problem, steps, syn.get("family"), final, wrong)
        reason = "stop"
        if rng.random() < P_NO_ANSWER:
            text = text.replace(f"\\boxed{{{final}}}", final)
        if rng.random() < P_TRUNCATE:
            text = truncate_tokens(text, max(8, int(count_tokens(text) * rng.uniform(0.3, 0.9))))
            reason = "length"
        if count_tokens(text) > req.params.max_tokens:
            text = truncate_tokens(text, req.params.max_tokens)
            reason = "length"
        prompt_tokens = sum(count_tokens(m.get("content", "")) for m in req.messages)
        return Completion(req.key, idx, text, reason, count_tokens(text), prompt_tokens)

    def _code(
        self,
        req: GenerationRequest,
        idx: int,
        rng: random.Random,
        problem: str,
        programs: dict[str, Any],
        level: Any,
    ) -> Completion:
        """A code problem with scripted programs (the demo's): think, then one fenced program, right or
        (at the level's wrong rate) one of the wrong ones."""
        # a higher wrong rate than for maths, so a few samples already show every code label
        wrong = bool(programs.get("wrong")) and rng.random() < wrong_rate(level) + 0.25
        prog = rng.choice(list(programs["wrong"])) if wrong else str(programs["right"])
        short = problem if len(problem) < 400 else problem[:400] + " ..."
        parts = ["<think>", rng.choice(_OPENERS), f"The problem says: {short}"]
        for _ in range(rng.choice([1, 2, 3, 5])):
            parts.append(rng.choice(_FILLER))
        parts += [
            rng.choice(_REFLECT),
            "Let me check it against the examples by hand. It matches.",
            "</think>",
        ]
        parts.append(f"Here is the program:\n\n```python\n{prog}```")
        text = "\n\n".join(parts)
        reason = "stop"
        if rng.random() < P_NO_ANSWER:
            text = text.split("Here is the program:")[0] + "I could not finish the program."
        if count_tokens(text) > req.params.max_tokens:
            text = truncate_tokens(text, req.params.max_tokens)
            reason = "length"
        prompt_tokens = sum(count_tokens(m.get("content", "")) for m in req.messages)
        return Completion(req.key, idx, text, reason, count_tokens(text), prompt_tokens)

    def _compose(
        self, rng: random.Random, problem: str, steps: list[str], family: Any, final: str, wrong: bool
    ) -> str:
        verbosity = rng.choice([0, 1, 1, 2, 3])  # filler sentences per step: varies the length a lot
        parts = ["<think>", rng.choice(_OPENERS)]
        short = problem if len(problem) < 400 else problem[:400] + " ..."
        parts.append(f"The problem says: {short}")
        if family:
            parts.append(f"This is a problem about {str(family).replace('_', ' ')}.")
        slip_at = rng.randrange(len(steps)) if rng.random() < P_SLIP else -1
        for i, step in enumerate(steps, start=1):
            parts.append(f"Step {i}: {step}")
            parts.extend(rng.choice(_FILLER) for _ in range(verbosity))
            if i - 1 == slip_at:
                parts.append("So this gives a value that seems off by a factor of two.")
                parts.append(rng.choice(_REFLECT))
                parts.append(
                    "Yes, I made a mistake: I doubled the term twice. Correcting that, the step is fine."
                )
            elif rng.random() < 0.3:
                parts.append(rng.choice(_REFLECT))
                parts.append("Yes, that is consistent.")
        for _ in range(rng.choice([0, 0, 1, 2, 4, 6])):  # extra exploration: a long tail of lengths
            parts.append("Let me approach this from another angle to make sure nothing was missed.")
            parts.extend(rng.sample(_FILLER, 2))
        parts.append(rng.choice(_REFLECT))
        parts.append(f"Putting everything together, the answer should be {final}.")
        if not wrong and rng.random() < 0.5:
            parts.append("Let me verify it once more by plugging it back in. It works.")
        parts.append("</think>")
        parts.append(f"Working through the steps above, the final answer is \\boxed{{{final}}}.")
        return "\n\n".join(parts)


def _choices(meta: dict[str, Any], messages: Sequence[dict[str, Any]]) -> list[str]:
    """The options of a multiple-choice problem: given in ``meta``, else read back from the prompt's
    ``Choices:`` block (what a real teacher sees)."""
    given = meta.get("choices") or (meta.get("meta") or {}).get("choices")
    if isinstance(given, list) and given:
        return [str(c) for c in given]
    text = _last_user(messages)
    block = text.rsplit(HEADER, 1)
    if len(block) != 2:
        return []
    out = []
    for i, line in enumerate(block[1].split("\n")):
        if i >= len(LETTERS) or not line.startswith(f"{LETTERS[i]}. "):
            break
        out.append(line[3:])
    return out


def _choice_answer(rng: random.Random, choices: list[str], right: int, wrong: bool) -> str:
    """A final answer to a multiple-choice problem, written the ways models write them; a wrong one names
    another option."""
    k = rng.choice([i for i in range(len(choices)) if i != right]) if wrong and len(choices) > 1 else right
    letter = LETTERS[k]
    return rng.choice([letter, f"({letter})", f"{letter}: {choices[k]}", choices[k]])


def _last_user(messages: Sequence[dict[str, str]]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            content = m.get("content", "")
            if isinstance(content, list):  # content parts (vision prompts): the text parts
                return "\n".join(
                    str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
                )
            return content
    return ""
