"""Model and tokenizer loading, and Position Interpolation (linear RoPE scaling) done the transformers-5 way.

Position Interpolation stretches a model's context by dividing positions by ``factor``: a model trained on
4k positions sees 16k tokens as positions 0..4k in quarter steps. In transformers 5 the RoPE settings
live in ``config.rope_parameters`` (a dict holding ``rope_theta``); passing ``rope_scaling=`` to
``from_pretrained`` or assigning ``config.rope_scaling`` *replaces* that dict, loses ``rope_theta`` and
crashes at model init (TRAINING-NOTES §6). So we *merge* ``rope_type=linear, factor=f`` into the existing
dict, and hand the full dict to TRL as ``model_init_kwargs["rope_parameters"]``: TRL then loads the
policy and the reference model (DPO; GRPO/RLOO with beta > 0) with the same PI. Patching an already
built model would do nothing (``inv_freq`` is computed in ``__init__``) and the reference would miss it.

``max_position_embeddings`` stays native on purpose: vLLM multiplies it by ``factor`` to get its
``max_model_len``, so raising it too would admit factor² × native. The target length goes into the
trainer's ``max_length`` and ``tokenizer.model_max_length`` instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from redstar_data.deps import require
from redstar_data.errors import ConfigError
from redstar_train.config import ContextSection, ModelSection, TrainConfig
from redstar_train.vision import is_vision_model, load_processor


def merged_rope_parameters(model_config: Any, factor: float) -> dict[str, Any]:
    """The model's ``rope_parameters`` with linear scaling by ``factor`` merged in (rope_theta kept)."""
    if factor <= 1:
        raise ConfigError(f"rope scaling factor must be > 1, got {factor}", key="context.rope_scaling.factor")
    params = dict(getattr(model_config, "rope_parameters", None) or {})
    params.pop("type", None)
    if params.get("rope_type") not in (None, "default", "linear"):
        raise ConfigError(
            f"the model already uses rope_type {params['rope_type']!r}; linear PI on top is not supported",
            key="context.rope_scaling",
            allowed=["default", "linear"],
            hint="start from a model with plain RoPE, or drop context.rope_scaling",
        )
    theta = params.get("rope_theta") or getattr(model_config, "rope_theta", None)
    if theta is None:
        theta = getattr(model_config, "default_theta", 10000.0)
    params.update(rope_type="linear", factor=float(factor), rope_theta=float(theta))
    return params


def apply_position_interpolation(model_config: Any, factor: float) -> Any:
    """Set linear RoPE scaling on a config *before* the model is built; returns the same config."""
    model_config.rope_parameters = merged_rope_parameters(model_config, factor)
    return model_config


def model_init_kwargs(model: ModelSection, context: ContextSection) -> dict[str, Any]:
    """kwargs for ``from_pretrained`` (TRL's ``model_init_kwargs``): dtype, attention, and PI when set."""
    kw: dict[str, Any] = {"dtype": model.dtype}
    if model.attn_implementation:
        kw["attn_implementation"] = model.attn_implementation
    if context.rope_scaling is not None:
        (transformers,) = require("Position Interpolation", "train", "transformers")
        try:
            base = transformers.AutoConfig.from_pretrained(model.path)
        except OSError as e:
            raise ConfigError(f"cannot read the model config: {e}", key="model.path") from None
        kw["rope_parameters"] = merged_rope_parameters(base, context.rope_scaling.factor)
    return kw


# first path parts that name a local folder, never a Hub organisation (output_dir defaults live under runs/)
LOCAL_ROOTS = ("runs", "outputs", "checkpoints", "models", "exports")


def looks_local(path: str) -> bool:
    """True when ``path`` can only mean a folder on this machine: absolute, ./ ../ ~, more than one ``/``
    (a Hub id is ``org/name``), or a first part that is a local folder (``runs/...``)."""
    p = path.strip()
    if p.startswith(("/", "./", "../", "~", ".\\")) or p.count("/") > 1 or "\\" in p:
        return True
    first = p.split("/", 1)[0]
    return "/" in p and (first in LOCAL_ROOTS or Path(first).is_dir())


def check_model_path(path: str, *, file: str | None, key: str) -> None:
    """A local-looking model path that does not exist fails at once with how to get it (transformers would
    take it for a Hub id and retry the network for about a minute)."""
    if looks_local(path) and not Path(path).expanduser().exists():
        name = Path(path).name
        tiny = name.startswith("tiny")
        builder = "tiny-vlm" if "vlm" in name else "tiny-model"
        raise ConfigError(
            f"model folder {path!r} does not exist",
            file=file,
            key=key,
            hint=f"build it with: redstar train {builder} {path}"
            if tiny
            else "give the folder of a saved model (save_pretrained), or a Hub id like Qwen/Qwen2.5-7B-Instruct",
        )


def load_tokenizer(cfg: TrainConfig) -> Any:
    """The tokenizer for training: the model's (or ``model.tokenizer``), optional chat template override,
    pad token defaulted to eos, ``model_max_length`` = ``context.max_length``. For a vision-language model
    (a ``vision_config``) it is the model's processor (TRL's ``processing_class`` for VLMs)."""
    (transformers,) = require("training", "train", "transformers")
    check_model_path(cfg.model.path, file=cfg.source_file, key="model.path")
    if not cfg.model.tokenizer and is_vision_model(cfg.model.path):  # a VLM trains with its processor
        template = (
            _read_template(cfg.model.chat_template, cfg.source_file) if cfg.model.chat_template else None
        )
        return load_processor(cfg.model.path, max_length=cfg.context.max_length, chat_template=template)
    src = cfg.model.tokenizer or cfg.model.path
    if cfg.model.tokenizer:
        check_model_path(cfg.model.tokenizer, file=cfg.source_file, key="model.tokenizer")
    try:
        tok = transformers.AutoTokenizer.from_pretrained(src)
    except OSError as e:
        raise ConfigError(
            f"cannot load the tokenizer from {src!r}: {e}",
            file=cfg.source_file,
            key="model.tokenizer" if cfg.model.tokenizer else "model.path",
            hint="give a local directory or a Hub id that is cached",
        ) from None
    if cfg.model.chat_template:
        tok.chat_template = _read_template(cfg.model.chat_template, cfg.source_file)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    tok.model_max_length = cfg.context.max_length
    return tok


def _read_template(spec: str, file: str | None) -> str:
    p = Path(spec)
    if p.is_file():
        return p.read_text()
    if p.is_dir() and (p / "chat_template.jinja").is_file():
        return (p / "chat_template.jinja").read_text()
    raise ConfigError(
        f"chat template {spec!r} is not a .jinja file or a tokenizer dir with one",
        file=file,
        key="model.chat_template",
    )


def load_model(path: str | Path, *, factor: float | None = None, dtype: str = "auto") -> Any:
    """Load a causal LM for inference or checks, with PI applied to its config before it is built."""
    (transformers,) = require("model loading", "train", "transformers")
    config = transformers.AutoConfig.from_pretrained(str(path))
    if factor is not None:
        apply_position_interpolation(config, factor)
    return transformers.AutoModelForCausalLM.from_pretrained(str(path), config=config, dtype=dtype)


__all__ = [
    "apply_position_interpolation",
    "load_model",
    "load_tokenizer",
    "merged_rope_parameters",
    "model_init_kwargs",
]
