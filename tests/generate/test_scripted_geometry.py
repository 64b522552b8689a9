"""The scripted STAND-IN teacher on multiple-choice geometry: options read back from the prompt's Choices
block, answers by letter or value, and a wrong answer names another option."""

from __future__ import annotations

import random

from redstar_data.choices import choices_block
from redstar_data.generate.backends.scripted import _choice_answer, _choices


def test_options_are_read_back_from_the_prompt():
    choices = ["4", "5 \\sqrt { 2 }", "6", "7"]
    msgs = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "Find x." + choices_block(choices)},
    ]
    assert _choices({}, msgs) == choices
    parts = [{"type": "image"}, {"type": "text", "text": "Find x." + choices_block(choices) + "\n\nAnswer."}]
    assert _choices({}, [{"role": "user", "content": parts}]) == choices
    assert _choices({}, [{"role": "user", "content": "Find x."}]) == []
    assert _choices({"choices": ["a", "b"]}, msgs) == ["a", "b"]


def test_right_answers_name_the_right_option_and_wrong_ones_another():
    choices = ["40", "50", "70", "140"]
    rng = random.Random(0)
    right = {_choice_answer(rng, choices, 2, wrong=False) for _ in range(200)}
    assert right == {"C", "(C)", "C: 70", "70"}
    wrong = {_choice_answer(rng, choices, 2, wrong=True) for _ in range(200)}
    assert wrong and not wrong & right
    assert {w.strip("()").split(":")[0] for w in wrong} - {"C"} == {"A", "B", "D", "40", "50", "140"}
