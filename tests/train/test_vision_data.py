"""Vision SFT rows: split at the last assistant turn (so TRL's completion-only loss is the assistant-only
loss), images detected by column, a clear error for rows without an assistant turn."""

from __future__ import annotations

import pytest

from redstar_data.errors import ConfigError
from redstar_train.vision import is_vision_dataset, split_last_assistant, to_prompt_completion

IMG = {"type": "image", "text": None}


def _msgs(answer: str = "A") -> list[dict]:
    return [
        {"role": "system", "content": [{"type": "text", "text": "s"}]},
        {"role": "user", "content": [IMG, {"type": "text", "text": "q1"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "first"}]},
        {"role": "user", "content": [{"type": "text", "text": "q2"}]},
        {"role": "assistant", "content": [{"type": "text", "text": answer}]},
    ]


def test_split_keeps_everything_before_the_last_assistant_turn_as_prompt():
    prompt, completion = split_last_assistant(_msgs("B"))
    assert [m["role"] for m in prompt] == ["system", "user", "assistant", "user"]
    assert completion == [{"role": "assistant", "content": [{"type": "text", "text": "B"}]}]


def test_to_prompt_completion_keeps_images_and_rejects_rows_without_an_answer():
    import datasets

    ds = datasets.Dataset.from_dict({"messages": [_msgs("A"), _msgs("B")], "images": [[], []]})
    assert is_vision_dataset(ds) and not is_vision_dataset(ds.remove_columns(["images"]))
    out = to_prompt_completion(ds, source="x.parquet")
    assert set(out.column_names) == {"prompt", "completion", "images"}
    assert [r[0]["content"][0]["text"] for r in out["completion"]] == ["A", "B"]
    bad = datasets.Dataset.from_dict({"messages": [_msgs()[:2]], "images": [[]]})
    with pytest.raises(ConfigError, match="row 0 has no assistant message"):
        to_prompt_completion(bad, source="x.parquet")
