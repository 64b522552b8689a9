"""Generation backends; resolve one by name with ``redstar_data.generate.backends.get_backend``."""

from __future__ import annotations

from typing import Any

from redstar_data.generate.backends.base import (
    Completion,
    GenerationBackend,
    GenerationRequest,
    SamplingParams,
    StreamingBackend,
    iter_completions,
)
from redstar_data.registry import BACKENDS


def get_backend(name: str, **options: Any) -> GenerationBackend:
    """Build the backend registered as ``name`` with its options (model, base_url, ...)."""
    cls = BACKENDS.get(name)
    return cls(**options)  # type: ignore[operator,no-any-return]


__all__ = [
    "Completion",
    "GenerationBackend",
    "GenerationRequest",
    "SamplingParams",
    "StreamingBackend",
    "get_backend",
    "iter_completions",
]
