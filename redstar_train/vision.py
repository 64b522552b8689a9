"""Vision-language training data and models: is the model a VLM, its processor, and the vision SFT rows.

A vision SFT export (TRL's shape) has ``messages`` whose user content is a list of ``{"type": "image"}``
and ``{"type": "text"}`` parts, plus an ``images`` column (``datasets`` ``Image`` feature, decoded to
``PIL.Image``). TRL 1.16's SFTTrainer sees the ``images`` column, takes the model's *processor* as its
``processing_class`` and collates with ``DataCollatorForVisionLanguageModeling`` (pixels are made per
batch, never stored).

Loss on the assistant turn only: TRL refuses ``assistant_only_loss`` for vision data under
transformers < 5.18 (the CPU/vLLM stack is pinned to 5.17, TRAINING-NOTES §1), so such rows are split
into TRL's conversational prompt-completion shape (``prompt`` = every message before the last assistant
turn, ``completion`` = that turn) and TRL's completion-only loss masks the prompt, system and image tokens
alike. For single-turn rows (every geometry export) this is exactly the assistant-only loss.

Lengths count the image tokens: each row is run through the processor (text + its images), as the
collator will, so the over-length check (drop and count, never truncate) sees what the model sees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from redstar_data.deps import require
from redstar_data.errors import ConfigError

IMAGE_COLUMNS = ("images", "image")


def is_vision_dataset(ds: Any) -> bool:
    """True when the rows carry images (TRL's own test: an ``images`` or ``image`` column)."""
    return any(c in ds.column_names for c in IMAGE_COLUMNS)


def is_vision_model(path: str | Path) -> bool:
    """True when the model's config has a vision tower (``vision_config``): load it with a processor."""
    (transformers,) = require("model loading", "train", "transformers")
    try:
        config = transformers.AutoConfig.from_pretrained(str(path))
    except (OSError, ValueError):
        return False
    return getattr(config, "vision_config", None) is not None


def load_processor(
    path: str | Path, *, max_length: int | None = None, chat_template: str | None = None
) -> Any:
    """``AutoProcessor`` of a VLM, with the tokenizer's pad token defaulted to eos and its max length set."""
    (transformers,) = require("vision-language models", "train", "transformers")
    try:
        proc = transformers.AutoProcessor.from_pretrained(str(path))
    except (OSError, ValueError, ImportError) as e:
        raise ConfigError(
            f"cannot load the processor of {str(path)!r}: {e}",
            key="model.path",
            hint="a VLM folder needs its processor files (processor_config.json, preprocessor_config.json); "
            "Qwen2-VL-family processors also need torchvision",
        ) from None
    tok = getattr(proc, "tokenizer", None)
    if tok is None:
        raise ConfigError(f"{str(path)!r} has no tokenizer in its processor", key="model.path")
    if chat_template:
        proc.chat_template = chat_template
        tok.chat_template = chat_template
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    if max_length is not None:
        tok.model_max_length = max_length
    return proc


def split_last_assistant(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(prompt, completion): the messages before the last assistant turn, and that turn."""
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=None)
    if last is None:
        raise ValueError("no assistant message")
    return list(messages[:last]), [messages[last]]


def to_prompt_completion(ds: Any, *, source: str) -> Any:
    """Vision ``messages`` rows → conversational prompt/completion rows (images kept), see module doc."""
    prompts, completions = [], []
    for i, msgs in enumerate(ds["messages"]):
        try:
            p, c = split_last_assistant(msgs)
        except ValueError:
            raise ConfigError(
                f"{source}: row {i} has no assistant message to train on", key="data.path"
            ) from None
        prompts.append(p)
        completions.append(c)
    ds = ds.remove_columns(["messages"])
    ds = ds.add_column("prompt", prompts).add_column("completion", completions)
    return ds


def vision_lengths(ds: Any, processor: Any) -> list[int]:
    """Tokens per row as the model sees them: chat template + each image's placeholder tokens."""
    from trl.data_utils import prepare_multimodal_messages

    image_col = next(c for c in IMAGE_COLUMNS if c in ds.column_names)
    out: list[int] = []
    for row in ds:
        images = row[image_col]
        images = images if isinstance(images, list) else [images]
        if "messages" in row:
            conv = row["messages"]
        else:
            conv = list(row["prompt"]) + list(row["completion"])
        conv = prepare_multimodal_messages(conv, images=images)
        text = processor.apply_chat_template(conv, tokenize=False)
        enc = processor(images=images or None, text=[text], add_special_tokens=False)
        out.append(len(enc["input_ids"][0]))
    return out


__all__ = [
    "is_vision_dataset",
    "is_vision_model",
    "load_processor",
    "split_last_assistant",
    "to_prompt_completion",
    "vision_lengths",
]
