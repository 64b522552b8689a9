"""TransformersBackend: a local Hugging Face model on CPU or GPU, batched ``generate``.

Prompts are rendered with the tokenizer's chat template and padded on the LEFT (decoder-only models
continue from the last position). The k missing samples of a problem come from one prompt with
``num_return_sequences=k``; requests are grouped by k so one ``generate`` call serves up to
``batch_size`` prompts. A sample is "length" when it used all ``max_new_tokens`` without reaching an
end-of-sequence token. Sampling is seeded per batch from (seed, first problem, first sample index), so
a re-run of the same batch reproduces it. Good for small models and tests; use vllm for real teachers.

A vision-language model (its config has a ``vision_config``) is loaded with ``AutoProcessor`` and
``AutoModelForImageTextToText``; each request's images become ``{"type": "image"}`` parts before the text
of its first user message, and the processor expands them into the model's image tokens and pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redstar_data.deps import require
from redstar_data.errors import BackendError
from redstar_data.generate.backends.base import (
    Completion,
    GenerationRequest,
    decode_image,
    with_image_parts,
)
from redstar_data.ids import seeded_rank


class TransformersBackend:
    """Local model: ``model`` is a path or Hub id (offline-safe when it is a local directory)."""

    name = "transformers"

    def __init__(
        self,
        model: str,
        device: str = "cpu",
        batch_size: int = 8,
        dtype: str = "auto",
        **_: Any,
    ) -> None:
        self.model = str(model)
        self.device = device
        self.batch_size = int(batch_size)
        self.dtype = dtype
        self._tok: Any = None
        self._lm: Any = None
        self._proc: Any = None  # the processor, when the model is a vision-language model

    def describe(self) -> dict[str, Any]:
        return {"device": self.device, "batch_size": self.batch_size, "dtype": self.dtype}

    def _load(self) -> tuple[Any, Any]:
        if self._lm is None:
            torch, transformers = require("the transformers backend", "train", "torch", "transformers")
            device = self.device
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
            try:
                config = transformers.AutoConfig.from_pretrained(self.model)
                if getattr(config, "vision_config", None) is not None:  # a VLM: processor + image-text class
                    self._proc = transformers.AutoProcessor.from_pretrained(self.model)
                    tok = self._proc.tokenizer
                    lm = transformers.AutoModelForImageTextToText.from_pretrained(
                        self.model, dtype=self.dtype
                    )
                else:
                    tok = transformers.AutoTokenizer.from_pretrained(self.model)
                    lm = transformers.AutoModelForCausalLM.from_pretrained(self.model, dtype=self.dtype)
            except (OSError, ImportError) as e:
                raise BackendError(
                    f"cannot load model {self.model!r}: {e}",
                    hint="pass a local model directory or a Hub id you have cached",
                ) from e
            tok.padding_side = "left"
            if tok.pad_token_id is None:
                tok.pad_token = tok.eos_token
            self._device = device
            self._tok, self._lm = tok, lm.to(device).eval()
        return self._tok, self._lm

    def _eos_ids(self) -> set[int]:
        ids: set[int] = set()
        for src in (getattr(self._lm, "generation_config", None), self._tok):
            v = getattr(src, "eos_token_id", None)
            if isinstance(v, int):
                ids.add(v)
            elif isinstance(v, list | tuple):
                ids.update(int(x) for x in v)
        return ids

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        if not requests:
            return []
        tok, lm = self._load()
        by_k: dict[int, list[GenerationRequest]] = {}
        for r in requests:
            if r.sample_indices:
                by_k.setdefault(len(r.sample_indices), []).append(r)
        out: list[Completion] = []
        for k, group in sorted(by_k.items()):
            for i in range(0, len(group), self.batch_size):
                out.extend(self._batch(tok, lm, group[i : i + self.batch_size], k))
        return out

    def _batch(self, tok: Any, lm: Any, reqs: list[GenerationRequest], k: int) -> list[Completion]:
        import torch

        params = reqs[0].params
        enc = self._encode(tok, reqs).to(self._device)
        base_seed = params.seed if params.seed is not None else 0
        torch.manual_seed(seeded_rank(f"{reqs[0].key}:{reqs[0].sample_indices[0]}", base_seed) % 2**63)
        sample = params.temperature > 0
        gen_kwargs: dict[str, Any] = {
            "max_new_tokens": params.max_tokens,
            "num_return_sequences": k,
            "do_sample": sample,
            "pad_token_id": tok.pad_token_id,
        }
        if sample:
            gen_kwargs.update(temperature=params.temperature, top_p=params.top_p)
        gen_kwargs.update(params.extra)
        with torch.no_grad():
            seqs = lm.generate(**enc, **gen_kwargs)
        prompt_len = enc["input_ids"].shape[1]
        prompt_tokens = enc["attention_mask"].sum(dim=1).tolist()
        new = seqs[:, prompt_len:].tolist()
        eos = self._eos_ids()
        out = []
        for row, ids in enumerate(new):
            req, j = reqs[row // k], row % k
            stop_at = next((p for p, t in enumerate(ids) if t in eos), None)
            if stop_at is not None:
                kept, reason, n_tok = ids[:stop_at], "stop", stop_at + 1
            else:
                kept, n_tok = ids, len(ids)
                reason = "length" if n_tok >= params.max_tokens else "stop"
            text = tok.decode(kept, skip_special_tokens=True)
            out.append(
                Completion(req.key, req.sample_indices[j], text, reason, n_tok, int(prompt_tokens[row // k]))
            )
        return out

    def _encode(self, tok: Any, reqs: list[GenerationRequest]) -> Any:
        """Left-padded inputs of a batch: chat template + tokenizer, or for a VLM the processor with each
        request's images (``{"type": "image"}`` parts in its first user message, pixels from the bytes)."""
        if self._proc is None:
            if any(r.images for r in reqs):
                raise BackendError(
                    f"model {self.model!r} is not a vision-language model but the problems have images",
                    hint="use a VLM (its config has a vision_config), or select problems without images",
                )
            texts = [
                tok.apply_chat_template(list(r.messages), tokenize=False, add_generation_prompt=True)
                for r in reqs
            ]
            return tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        texts = [
            self._proc.apply_chat_template(
                with_image_parts(r.messages, [{"type": "image"}] * len(r.images)),
                tokenize=False,
                add_generation_prompt=True,
            )
            for r in reqs
        ]
        images = [decode_image(b) for r in reqs for b in r.images]  # in placeholder order, batch-wide
        return self._proc(
            images=images or None,
            text=texts,
            return_tensors="pt",
            padding=True,
            padding_side="left",
            add_special_tokens=False,
        )

    def close(self) -> None:
        self._tok = self._lm = self._proc = None
