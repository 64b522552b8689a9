"""Reward functions: TRL's signature, string and conversational completions, None without a reference."""

from __future__ import annotations

import doctest

import pytest

from redstar_train import rewards
from redstar_train.rewards import completion_text, format_reward


def test_completion_text_shapes():
    assert completion_text("abc") == "abc"
    assert completion_text([{"role": "assistant", "content": "x"}]) == "x"
    assert completion_text([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]) == "a"
    assert completion_text([]) == ""


def test_format_reward():
    good = "<think>2 + 2 is 4</think> So \\boxed{4}."
    assert format_reward(
        [good, "\\boxed{4}", "<think>x</think> 4", [{"role": "assistant", "content": good}]]
    ) == [1.0, 0.0, 0.0, 1.0]


def test_math_reward_cases():
    from redstar_train.rewards import math_reward

    comps = [
        "so \\boxed{4}",
        "\\boxed{5}",
        "no answer at all",
        "\\boxed{\\frac{1}{2}}",
        [{"role": "assistant", "content": "<think>..</think> \\boxed{12}"}],
        "\\boxed{3}",
    ]
    answers = ["4", "4", "4", "0.5", "12", None]
    assert math_reward(comps, answer=answers, prompts=["p"] * 6, trainer_state=None) == [
        1.0,
        0.0,
        0.0,
        1.0,
        1.0,
        None,
    ]
    with pytest.raises(ValueError, match="2 completions but 1 answers"):
        math_reward(["a", "b"], answer=["1"])


def test_reward_docstrings_run():
    names = ["format_reward", "math_reward"]
    for name in names:
        fn = getattr(rewards, name)
        for test in doctest.DocTestFinder().find(fn, name, globs={}):
            result = doctest.DocTestRunner().run(test)
            assert result.failed == 0 and result.attempted > 0, name
