"""The geometry RL reward grades with the geometry verifier, and the geometry prompt lists the options."""

from __future__ import annotations

import json

import pytest

from redstar_data.choices import choices_block
from redstar_data.generate.prompts import CHOICES_NOTE, PromptTemplates, build_messages, choices_text
from redstar_data.verify.geometry import check_choice
from redstar_train.rewards import geometry_reward, get_rewards

ANGLE = ["26", "39", "55", "62"]


def test_geometry_reward_matches_the_verifier_row_by_row() -> None:
    completions = [
        "\\boxed{C}",
        [{"role": "assistant", "content": "Angle 4 is 55°, option B.\n\nAnswer: B"}],  # conversational
        "So BC = 2\\sqrt{3}. \\boxed{2\\sqrt{3}}",
        "We need the figure.",
        "\\boxed{A}",
    ]
    answer = ["55", "55", "2*sqrt(3)", "70", None]
    choices = [ANGLE, json.dumps(ANGLE), None, None, None]  # lists or the catalog's JSON text
    letters = ["C", "C", None, None, None]
    got = geometry_reward(None, completions, answer=answer, choices=choices, answer_letter=letters)
    assert got == [1.0, 0.0, 1.0, 0.0, None]
    text = [c if isinstance(c, str) else c[0]["content"] for c in completions]
    for k in range(4):
        assert got[k] == float(check_choice(text[k], answer[k], choices[k], letters[k]).correct)
    assert get_rewards(["geometry"]) == [geometry_reward]
    with pytest.raises(ValueError, match="2 completions"):
        geometry_reward(None, ["a", "b"], answer=["1"], choices=[None], answer_letter=[None])


def test_geometry_prompt_lists_the_choices_and_asks_for_a_boxed_letter() -> None:
    row = {
        "problem": "Find y.",
        "domain": "geometry",
        "choices": json.dumps(["2 \\sqrt { 3 }", "4", "8", "16"]),
    }
    user = build_messages(row)[-1]["content"]
    # the options block is the one every prompt and export writes (redstar_data.choices)
    assert user.startswith("Find y." + choices_block(["2 \\sqrt { 3 }", "4", "8", "16"]) + CHOICES_NOTE)
    assert user.startswith("Find y.\n\nChoices:\nA. 2 \\sqrt { 3 }\nB. 4\nC. 8\nD. 16\n\n")
    assert "letter of the correct choice in \\boxed{}" in user and "{choices}" not in user
    free = build_messages({"problem": "Find BC.", "domain": "geometry"})[-1]["content"]
    assert "Choices" not in free and "{choices}" not in free and "\\boxed{}" in free
    # a template without {choices} (user YAML) still shows the options, right after the problem
    own = PromptTemplates(domains={"math": "{problem}\nGo.", "geometry": "Q: {problem}\nThink."})
    user = build_messages({**row, "choices": ["1", "2"]}, own)[-1]["content"]
    assert user == "Q: Find y." + choices_text(["1", "2"]) + "\nThink."
    assert choices_text(None) == choices_text("null") == choices_text([]) == ""
