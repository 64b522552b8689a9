"""Reward functions in TRL's shape, grading with redstar's own verifier (never a copy of it).

TRL calls each reward function with ``prompts``, ``completions`` and every dataset column as a keyword
list aligned with the completions (already repeated ``num_generations`` times), and expects one
``float | None`` per completion; ``None`` means "not applicable" and is left out of the reward mean.
Completions are strings for string prompts and ``[{"role": "assistant", "content": ...}]`` for
conversational prompts; both are handled. The verifier runs its timeouts without ``signal.alarm``, so
these work off the main thread too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

RewardFunc = Callable[..., list[float | None]]

_FORMAT = re.compile(r"^\s*<think>.*?</think>.*\\boxed\{.+\}", re.DOTALL)


def completion_text(completion: Any) -> str:
    """The text of one completion: a string, or the last assistant message of a conversation."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, bytes | bytearray):
        return bytes(completion).decode("utf-8", errors="replace")
    if isinstance(completion, dict):
        return str(completion.get("content") or "")
    if isinstance(completion, Sequence):
        for msg in reversed(list(completion)):
            if isinstance(msg, dict) and msg.get("role", "assistant") == "assistant":
                return str(msg.get("content") or "")
        return ""
    return str(completion)


def math_reward(
    *args: Any,
    completions: Sequence[Any] | None = None,
    answer: Sequence[Any] | None = None,
    timeout: float = 1.0,
    **kwargs: Any,
) -> list[float | None]:
    """1.0 when the completion's final answer equals the reference ``answer``, else 0.0; None without one.

    Called as TRL does (``prompts=``, ``completions=``, ``answer=`` keywords), or positionally as
    ``(completions, answer)`` or ``(prompts, completions, answer=...)``.
    Grading is ``redstar_data.verify.math.check(response, reference)``: the same verifier that labels
    traces in the catalog, so training rewards and dataset labels agree. Each completion costs at most about
    ``timeout`` seconds (a degenerate megabyte completion is read in bounded time and scores 0.0 on
    ``timeout``), so one bad sample cannot stall an RL step; ``bytes`` and numeric references are accepted.

    Example:
        >>> from redstar_train.rewards import math_reward
        >>> math_reward(["so it is \\\\boxed{4}", "\\\\boxed{5}", "no idea"], answer=["4", "4", None])
        [1.0, 0.0, None]
        >>> math_reward([[{"role": "assistant", "content": "\\\\boxed{\\\\frac{1}{2}}"}]], answer=["0.5"])
        [1.0]
    """
    if completions is None:
        if len(args) == 2 and answer is not None:  # (prompts, completions, answer=...)
            completions = args[1]
        elif len(args) == 2:  # (completions, answer)
            completions, answer = args
        elif len(args) == 1:
            completions = args[0]
        else:
            raise TypeError(
                "math_reward(completions, answer) or math_reward(prompts, completions, answer=...)"
            )
    if answer is None:
        raise TypeError("math_reward needs the reference answers: answer=[...]")
    from redstar_data.verify.math import check

    if len(answer) != len(completions):
        raise ValueError(f"math_reward: {len(completions)} completions but {len(answer)} answers")
    out: list[float | None] = []
    for comp, ref in zip(completions, answer, strict=True):
        if ref is None or str(ref).strip() == "":
            out.append(None)
            continue
        verdict = check(completion_text(comp), str(ref), timeout=timeout)
        out.append(1.0 if verdict.label == "correct" else 0.0)
    return out


def geometry_reward(
    prompts: Sequence[Any] | None = None,
    completions: Sequence[Any] = (),
    answer: Sequence[Any] | None = None,
    choices: Sequence[Any] | None = None,
    answer_letter: Sequence[Any] | None = None,
    *,
    timeout: float = 1.0,
    **kwargs: Any,
) -> list[float | None]:
    """1.0 when the completion names the right option (letter, or a value equal to it), else 0.0; None for
    a row with neither an answer nor a letter.

    Grading is ``redstar_data.verify.geometry.check_choice``: the verifier that labels geometry traces in
    the catalog, so rewards and labels agree (a wrong letter scores 0 even when a number in it matches).
    ``answer``, ``choices`` and ``answer_letter`` are the RL export's columns (``choices`` a list or JSON
    text, None for a free-form problem); rows without ``choices`` are graded on the value alone.

    Example:
        >>> from redstar_train.rewards import geometry_reward
        >>> geometry_reward(None, ["\\\\boxed{C}", "The answer is B.", "\\\\boxed{4\\\\sqrt{3}}", "hmm"],
        ...                 answer=["55", "55", "4*sqrt(3)", "70"],
        ...                 choices=[["26", "39", "55", "62"]] * 2 + [None, None],
        ...                 answer_letter=["C", "C", None, None])
        [1.0, 0.0, 1.0, 0.0]
    """
    from redstar_data.verify.geometry import check_choice

    n = len(completions)
    answer = list(answer) if answer is not None else [None] * n
    choices = list(choices) if choices is not None else [None] * n
    answer_letter = list(answer_letter) if answer_letter is not None else [None] * n
    if not len(answer) == len(choices) == len(answer_letter) == n:
        raise ValueError(
            f"geometry_reward: {n} completions but {len(answer)} answers, {len(choices)} choices"
        )
    out: list[float | None] = []
    for comp, ref, opts, letter in zip(completions, answer, choices, answer_letter, strict=True):
        if (ref is None or str(ref).strip() == "") and not letter:
            out.append(None)
            continue
        verdict = check_choice(completion_text(comp), ref, opts, letter, timeout=timeout)
        out.append(1.0 if verdict.label == "correct" else 0.0)
    return out


def code_reward(
    prompts: Sequence[Any] | None = None,
    completions: Sequence[Any] = (),
    tests: Sequence[Any] | None = None,
    *,
    timeout: float = 4.0,
    memory_mb: int = 1024,
    workers: int | None = None,
    **kwargs: Any,
) -> list[float | None]:
    """1.0 when the completion's final program passes every test of its problem, else 0.0; None where a
    row has no tests (a math row in a code+math mix), the problem cannot be judged (special judge without
    checker) or the sandbox itself failed (``infra_error``: never a zero reward).

    Grading is ``redstar_data.verify.code.judge.CodeVerifier``: the same bubblewrap sandbox and comparison
    rules that label code traces in the catalog. ``tests`` is the export's ``tests`` column (TACO/APPS
    ``input_output`` JSON, or ``{"tests": ..., "meta": ...}``).

    Example:
        >>> from redstar_train.rewards import code_reward
        >>> t = '{"inputs": ["2 3\\\\n"], "outputs": ["5\\\\n"]}'
        >>> code_reward(None, ["```python\\na, b = map(int, input().split())\\nprint(a + b)\\n```",
        ...                    "```python\\nprint(6)\\n```", "no code"], tests=[t, t, None])
        [1.0, 0.0, None]
    """
    from redstar_data.verify.code.judge import CodeVerifier

    if tests is None:
        tests = [None] * len(completions)
    if len(tests) != len(completions):
        raise ValueError(f"code_reward: {len(completions)} completions but {len(tests)} tests")
    todo = [(k, completion_text(c), t) for k, (c, t) in enumerate(zip(completions, tests, strict=True))
            if t is not None and str(t).strip() not in ("", "null")]  # fmt: skip
    out: list[float | None] = [None] * len(completions)
    verdicts = CodeVerifier(timeout_s=timeout, memory_mb=memory_mb).check_many(
        [(text, t) for _, text, t in todo], workers=workers
    )
    for (k, _, _), v in zip(todo, verdicts, strict=True):
        out[k] = (
            None if v.label in ("infra_error", "unverifiable") else (1.0 if v.label == "correct" else 0.0)
        )
    return out


def format_reward(completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
    """1.0 when the completion thinks first (``<think>…</think>``) and then gives a ``\\boxed{}`` answer.

    Example:
        >>> from redstar_train.rewards import format_reward
        >>> format_reward(["<think>2+2</think> The answer is \\\\boxed{4}.", "\\\\boxed{4}"])
        [1.0, 0.0]
    """
    return [1.0 if _FORMAT.search(completion_text(c)) else 0.0 for c in completions]


REWARDS: dict[str, RewardFunc] = {
    "math": math_reward,
    "code": code_reward,
    "geometry": geometry_reward,
    "format": format_reward,
}


def get_rewards(names: Sequence[str]) -> list[RewardFunc]:
    """Reward functions by config name (``rl.rewards``)."""
    from redstar_data.errors import ConfigError

    out = []
    for n in names:
        if n not in REWARDS:
            raise ConfigError(f"unknown reward {n!r}", key="rl.rewards", allowed=sorted(REWARDS))
        out.append(REWARDS[n])
    return out


__all__ = [
    "REWARDS",
    "code_reward",
    "completion_text",
    "format_reward",
    "geometry_reward",
    "get_rewards",
    "math_reward",
]
