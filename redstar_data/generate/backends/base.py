"""The one small interface every generation backend implements.

A backend takes a list of requests (one per problem, each asking for ``n`` samples) and returns,
per request, ``n`` completions. It knows nothing about the catalog: ``redstar_data.generate.run`` plans
the missing work, batches it, and writes traces. The judge (difficulty) and eval stages use the same
interface.

A backend whose requests finish at uneven times (an HTTP server with bounded concurrency) may also
implement ``StreamingBackend.stream``: it pulls requests lazily and yields each request's completions as
soon as it finishes, so its concurrency stays full across what would otherwise be batch boundaries.
``iter_completions`` gives the caller one loop over both kinds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
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
    """One prompt (chat messages) for one problem; ``sample_indices`` are the samples still missing.

    ``images`` are the problem's image bytes, in the order the problem shows them (empty for text
    problems). ``messages`` stay text: each backend puts the images into the first user message in its
    own way (``with_image_parts``): OpenAI ``image_url`` data URLs, or ``{"type": "image"}`` placeholders
    for a Hugging Face processor / vLLM's ``multi_modal_data``."""

    key: str  # problem_id
    messages: tuple[dict[str, str], ...]
    sample_indices: tuple[int, ...]
    params: SamplingParams
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. problem, answer, level for the scripted teacher
    images: tuple[bytes, ...] = ()


def with_image_parts(
    messages: Sequence[dict[str, Any]], parts: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``messages`` with the first user message turned into content parts: ``parts`` (one per image, in
    order) then its text, the layout of TRL's vision exports and Qwen2.5-VL's examples. No parts: unchanged."""
    out = [dict(m) for m in messages]
    if not parts:
        return out
    for m in out:
        if m.get("role") == "user":
            text = m.get("content")
            m["content"] = [*(dict(p) for p in parts), {"type": "text", "text": text}]
            return out
    raise ValueError("a request with images needs a user message to attach them to")


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


@runtime_checkable
class StreamingBackend(Protocol):
    """Optional extension of ``GenerationBackend``, for backends that should never wait for a batch tail.

    ``stream`` pulls ``requests`` lazily (only as many as it keeps in flight) and yields lists of
    completions, each list covering whole requests, in the order they finish. When ``max_wait_s`` passes
    with nothing finished it yields ``[]``, so the caller can act on time (commit what it holds).
    """

    def stream(
        self, requests: Iterable[GenerationRequest], max_wait_s: float | None = None
    ) -> Iterator[list[Completion]]: ...


def iter_completions(
    backend: GenerationBackend,
    requests: Iterable[GenerationRequest],
    *,
    batch_size: int,
    max_wait_s: float | None = None,
) -> Iterator[list[Completion]]:
    """Completions of ``requests`` as they finish: streamed when the backend can, else batch by batch.

    Batch backends (scripted, transformers, vLLM's offline engine, which schedules a whole batch itself)
    get ``batch_size`` requests per ``generate`` call and yield one list per batch, as before.
    """
    stream = getattr(backend, "stream", None)
    if callable(stream):
        yield from stream(requests, max_wait_s)
        return
    it = iter(requests)
    while chunk := list(itertools.islice(it, batch_size)):
        yield backend.generate(chunk)


def decode_image(blob: bytes) -> Any:
    """A ``PIL.Image`` of image bytes, fully decoded, for processors and vLLM (they convert the mode)."""
    import io

    from PIL import Image

    im = Image.open(io.BytesIO(blob))
    im.load()
    return im


def contiguous_runs(indices: Sequence[int]) -> list[list[int]]:
    """[0,1,2,5,6] → [[0,1,2],[5,6]]: each run can be one backend request with n=len(run), seed=s+run[0]."""
    runs: list[list[int]] = []
    for i in sorted(indices):
        if runs and runs[-1][-1] + 1 == i:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs
