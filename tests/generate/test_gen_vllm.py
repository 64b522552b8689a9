"""The vLLM path: how requests are built and outputs mapped, without vLLM installed (no GPU here)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from redstar_data.deps import available
from redstar_data.errors import MissingDependencyError
from redstar_data.generate.backends import get_backend
from redstar_data.generate.backends.base import GenerationRequest, SamplingParams
from redstar_data.generate.backends.vllm_offline import (
    VLLMBackend,
    build_vllm_inputs,
    completions_from_outputs,
)

MSG = ({"role": "system", "content": "S"}, {"role": "user", "content": "U"})


def _req(key, idx, **kw):
    return GenerationRequest(key, MSG, tuple(idx), SamplingParams(n=len(idx), **kw))


def test_one_request_per_problem_shares_the_prefix_and_sets_every_field():
    entries = build_vllm_inputs(
        [
            _req("a", [0, 1, 2, 3], temperature=0.6, top_p=0.9, max_tokens=32768, seed=5),
            _req("b", [2, 3, 6], seed=5, stop=("<|im_end|>",), extra={"min_p": 0.05}),
        ]
    )
    assert [(e.key, e.indices) for e in entries] == [("a", (0, 1, 2, 3)), ("b", (2, 3)), ("b", (6,))]
    assert entries[0].sampling == {"n": 4, "temperature": 0.6, "top_p": 0.9, "max_tokens": 32768, "seed": 5}
    # missing samples 2,3 ask with seed 5+2: vLLM gives child i seed s+i, so sample k always has seed 5+k
    assert entries[1].sampling["seed"] == 7 and entries[1].sampling["n"] == 2
    assert entries[2].sampling["seed"] == 11 and entries[2].sampling["n"] == 1
    assert entries[1].sampling["stop"] == ["<|im_end|>"] and entries[1].sampling["min_p"] == 0.05
    assert entries[0].conversation == [dict(m) for m in MSG]
    assert build_vllm_inputs([_req("c", [0], seed=None)])[0].sampling["seed"] is None


def test_outputs_map_to_sample_indices_with_tokens_and_finish_reasons():
    entries = build_vllm_inputs([_req("a", [3, 4, 5], max_tokens=10)])
    co = [
        SimpleNamespace(index=1, text="t1", token_ids=[1] * 10, finish_reason="length"),
        SimpleNamespace(index=0, text="t0", token_ids=[1, 2, 3], finish_reason="stop"),
    ]
    out = completions_from_outputs(entries, [SimpleNamespace(prompt_token_ids=[9] * 7, outputs=co)])
    by = {c.sample_index: c for c in out}
    assert (by[3].text, by[3].finish_reason, by[3].n_tokens, by[3].prompt_tokens) == ("t0", "stop", 3, 7)
    assert (by[4].finish_reason, by[4].n_tokens) == ("length", 10)
    assert by[5].finish_reason == "error" and "no output" in by[5].error


def test_engine_options():
    be = get_backend("vllm", model="Qwen/QwQ-32B", tensor_parallel_size=4, max_model_len=32768)
    assert isinstance(be, VLLMBackend)
    kw = be.engine_kwargs()
    assert kw["tensor_parallel_size"] == 4 and kw["max_model_len"] == 32768
    assert kw["enable_prefix_caching"] is True and kw["generation_config"] == "vllm"
    assert "max_model_len" not in get_backend("vllm", model="m").engine_kwargs()
    assert be.generate([]) == []


@pytest.mark.skipif(available("vllm"), reason="vllm is installed")
def test_without_vllm_the_error_names_the_extra():
    with pytest.raises(MissingDependencyError, match=r"redstar\[vllm\]"):
        get_backend("vllm", model="m").generate([_req("a", [0])])


@pytest.mark.gpu
def test_vllm_smoke_n_samples_per_prompt(tiny_qwen2):
    pytest.importorskip("vllm")
    be = VLLMBackend(str(tiny_qwen2), gpu_memory_utilization=0.3, max_model_len=512)
    out = be.generate([_req(f"p{i}", range(4), max_tokens=16, seed=0) for i in range(3)])
    assert sorted((c.key, c.sample_index) for c in out) == [(f"p{i}", j) for i in range(3) for j in range(4)]
    assert all(c.n_tokens <= 16 for c in out)
