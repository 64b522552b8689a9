"""VLLMBackend: vLLM's offline ``LLM`` engine on local GPUs.

All k missing samples of a problem go into ONE vLLM request with ``SamplingParams(n=k, seed=s+first)``,
so they share the prompt's KV blocks (prefix caching) and vLLM gives child i the seed s+first+i: the
same per-sample seeds as the HTTP backend. ``max_tokens`` is always set (vLLM's default is 16) and the
engine is built with ``generation_config="vllm"`` so the model's generation_config.json cannot change
sampling behind the run's back (TRAINING-NOTES §7).

Problems with images go through ``LLM.generate`` with ``{"prompt": <chat template output, with the
model's image placeholders>, "multi_modal_data": {"image": [PIL images]}}`` (vLLM's offline multimodal
input); text-only batches keep ``LLM.chat``.

The request building (``build_vllm_inputs``, ``multimodal_prompts``) and the output mapping (``completions_from_outputs``) are
pure functions, unit-tested without vLLM installed; the engine itself needs a GPU and the [vllm] extra.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from redstar_data.deps import require
from redstar_data.generate.backends.base import (
    Completion,
    GenerationRequest,
    contiguous_runs,
    decode_image,
    with_image_parts,
)


@dataclass(frozen=True)
class VLLMEntry:
    """One vLLM request: a conversation, its SamplingParams kwargs, and the sample indices it fills.

    With ``images``, the conversation's first user message holds one ``{"type": "image"}`` part per
    image before its text: the model's chat template turns each into its image placeholder."""

    key: str
    conversation: list[dict[str, Any]]
    sampling: dict[str, Any]
    indices: tuple[int, ...]
    images: tuple[bytes, ...] = ()


def sampling_kwargs(req: GenerationRequest, first: int, n: int) -> dict[str, Any]:
    """``vllm.SamplingParams`` kwargs for samples ``first .. first+n-1`` of ``req``."""
    p = req.params
    kw: dict[str, Any] = {
        "n": n,
        "temperature": p.temperature,
        "top_p": p.top_p,
        "max_tokens": p.max_tokens,  # explicit: vLLM defaults to 16
        "seed": None if p.seed is None else p.seed + first,
    }
    if p.stop:
        kw["stop"] = list(p.stop)
    kw.update(p.extra)
    return kw


def build_vllm_inputs(requests: Sequence[GenerationRequest]) -> list[VLLMEntry]:
    """One entry per contiguous run of missing samples per problem (usually one per problem)."""
    entries = []
    for req in requests:
        for run in contiguous_runs(req.sample_indices):
            entries.append(
                VLLMEntry(
                    req.key,
                    with_image_parts(req.messages, [{"type": "image"}] * len(req.images)),
                    sampling_kwargs(req, run[0], len(run)),
                    tuple(run),
                    tuple(req.images),
                )
            )
    return entries


def multimodal_prompts(
    entries: Sequence[VLLMEntry], render: Callable[[list[dict[str, Any]]], str]
) -> list[dict[str, Any]]:
    """vLLM prompt dicts for ``LLM.generate``: the conversation rendered by the model's chat template
    (``render``, with the generation prompt; it writes the image placeholders), plus
    ``multi_modal_data={"image": [PIL images]}`` in placeholder order for entries with images."""
    out: list[dict[str, Any]] = []
    for e in entries:
        prompt: dict[str, Any] = {"prompt": render(e.conversation)}
        if e.images:
            prompt["multi_modal_data"] = {"image": [decode_image(b) for b in e.images]}
        out.append(prompt)
    return out


def completions_from_outputs(entries: Sequence[VLLMEntry], outputs: Sequence[Any]) -> list[Completion]:
    """Map ``RequestOutput``s (aligned with ``entries``) to Completions; missing samples become errors."""
    out: list[Completion] = []
    for entry, ro in zip(entries, outputs, strict=True):
        prompt_tokens = (
            len(ro.prompt_token_ids) if getattr(ro, "prompt_token_ids", None) is not None else None
        )
        seen = set()
        for co in ro.outputs:
            j = int(getattr(co, "index", 0))
            if j >= len(entry.indices) or j in seen:
                continue
            seen.add(j)
            reason = co.finish_reason if co.finish_reason in ("stop", "length") else "stop"
            if co.finish_reason is None:
                reason = "error"
            out.append(
                Completion(
                    entry.key,
                    entry.indices[j],
                    co.text,
                    reason,
                    len(co.token_ids),
                    prompt_tokens,
                    error="vLLM returned no finish reason" if reason == "error" else None,
                )
            )
        for j, idx in enumerate(entry.indices):
            if j not in seen:
                out.append(Completion(entry.key, idx, "", "error", error="vLLM returned no output"))
    return out


class VLLMBackend:
    """Offline vLLM engine (GPU). Options mirror ``vllm.LLM``; ``engine_kwargs`` passes anything else."""

    name = "vllm"

    def __init__(
        self,
        model: str,
        tensor_parallel_size: int = 1,
        max_model_len: int | None = None,
        gpu_memory_utilization: float = 0.9,
        enable_prefix_caching: bool = True,
        dtype: str = "auto",
        seed: int = 0,
        engine_kwargs: dict[str, Any] | None = None,
        **_: Any,
    ) -> None:
        self.model = model
        self.options: dict[str, Any] = {
            "tensor_parallel_size": int(tensor_parallel_size),
            "max_model_len": max_model_len,
            "gpu_memory_utilization": float(gpu_memory_utilization),
            "enable_prefix_caching": bool(enable_prefix_caching),
            "dtype": dtype,
            "seed": seed,
            "generation_config": "vllm",
            **(engine_kwargs or {}),
        }
        self._llm: Any = None
        self._render: Callable[[list[dict[str, Any]]], str] | None = None

    def describe(self) -> dict[str, Any]:
        return dict(self.options)

    def engine_kwargs(self) -> dict[str, Any]:
        """The kwargs for ``vllm.LLM`` (None values dropped so vLLM's own defaults apply)."""
        return {k: v for k, v in self.options.items() if v is not None}

    def _engine(self) -> Any:
        if self._llm is None:
            (vllm,) = require("the vllm backend", "vllm", "vllm")
            self._llm = vllm.LLM(model=self.model, **self.engine_kwargs())
        return self._llm

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        entries = build_vllm_inputs(requests)
        if not entries:
            return []
        llm = self._engine()
        import vllm

        params = [vllm.SamplingParams(**e.sampling) for e in entries]
        if any(e.images for e in entries):
            prompts = multimodal_prompts(entries, self._renderer())
            outputs = llm.generate(prompts, params, use_tqdm=False)
        else:
            outputs = llm.chat([e.conversation for e in entries], params, use_tqdm=False)
        return completions_from_outputs(entries, outputs)

    def _renderer(self) -> Callable[[list[dict[str, Any]]], str]:
        """The model's own chat template (its processor's, which knows the image placeholders)."""
        if self._render is None:
            (transformers,) = require("the vllm backend with images", "vllm", "transformers")
            try:
                proc: Any = transformers.AutoProcessor.from_pretrained(self.model)
            except (OSError, ValueError, ImportError):  # e.g. no torchvision: the engine's tokenizer
                proc = self._engine().get_tokenizer()  # carries the same chat template for Qwen2-VL models

            def render(conv: list[dict[str, Any]]) -> str:
                return str(proc.apply_chat_template(conv, tokenize=False, add_generation_prompt=True))

            self._render = render
        return self._render

    def close(self) -> None:
        self._llm = None
