"""The one small interface every generation backend implements.

A backend takes a list of requests (one per problem, each asking for ``n`` samples) and returns,
per request, ``n`` completions. It knows nothing about the catalog: ``redstar_data.generate.run`` plans
the missing work, batches it, and writes traces. The judge (difficulty) and eval stages use the same
interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class SamplingParams:
    """Sampling settings sent to every backend; ``seed`` of sample i is ``seed + i`` (vLLM's rule)."""

    n: int = 1
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 16384
    seed: int | None = 0
    stop: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["stop"] = list(self.stop)
        return d


@dataclass(frozen=True)
class GenerationRequest:
    """One prompt (chat messages) for one problem; ``sample_indices`` are the samples still missing."""

    key: str  # problem_id
    messages: tuple[dict[str, str], ...]
    sample_indices: tuple[int, ...]
    params: SamplingParams
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. problem, answer, level for the scripted teacher


@dataclass(frozen=True)
class Completion:
    """One sample. ``finish_reason``: stop | length | error; ``error`` holds the message when it failed."""

    key: str
    sample_index: int
    text: str
    finish_reason: str
    n_tokens: int | None = None
    prompt_tokens: int | None = None
    error: str | None = None


@runtime_checkable
class GenerationBackend(Protocol):
    """``name`` and ``model`` identify the backend in ``runs``; ``generate`` returns completions for every
    (request, sample_index), in any order; a failed request yields completions with finish_reason "error"
    rather than raising, so one bad problem never stops a run."""

    name: str
    model: str

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]: ...

    def describe(self) -> dict[str, Any]:
        """Backend options worth recording in ``runs.meta`` (tensor parallel size, base URL, ...)."""
        ...

    def close(self) -> None: ...
