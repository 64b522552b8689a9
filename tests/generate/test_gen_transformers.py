"""TransformersBackend with a tiny random Qwen2 + BPE tokenizer built locally (tests/generate/tiny_model.py)."""

from __future__ import annotations

import pytest

from redstar_data.generate.backends.base import GenerationRequest, SamplingParams
from redstar_data.generate.backends.transformers_local import TransformersBackend
from redstar_data.generate.run import generate

from .conftest import add_problems

pytestmark = pytest.mark.slow  # more than ~10 s: real training / subprocesses; CI runs it too


@pytest.fixture(scope="module")
def backend(tiny_qwen2):
    be = TransformersBackend(str(tiny_qwen2), batch_size=3)
    yield be
    be.close()


def test_n_samples_per_problem_and_max_tokens_respected(catalog, backend):
    ids = add_problems(catalog, 5)
    r = generate(
        catalog, backend, n=3, params=SamplingParams(max_tokens=10, temperature=1.0, seed=1), batch_size=4
    )
    assert (r.n_generated, r.n_failed) == (15, 0)
    rows = catalog.arrow(
        "SELECT problem_id, sample_index, n_tokens, finish_reason, prompt_tokens, text "
        "FROM traces ORDER BY problem_id, sample_index"
    ).to_pylist()
    assert [(x["problem_id"], x["sample_index"]) for x in rows] == [(p, i) for p in ids for i in range(3)]
    assert all(1 <= x["n_tokens"] <= 10 for x in rows)
    assert all(x["n_tokens"] == 10 for x in rows if x["finish_reason"] == "length")
    assert sum(x["finish_reason"] == "length" for x in rows) >= 10  # a random model rarely says <|im_end|>
    assert all(x["prompt_tokens"] > 20 for x in rows)  # system + user turn through the chat template
    # a random model samples different texts for the samples of one problem
    assert len({x["text"] for x in rows if x["problem_id"] == ids[0]}) == 3
    # re-running continues: 2 more samples each, from a different number of missing samples per problem
    r2 = generate(catalog, backend, n=5, params=SamplingParams(max_tokens=10, temperature=1.0, seed=1))
    assert r2.n_generated == 10


def test_reaching_eos_is_stop_and_greedy_is_deterministic(tiny_qwen2, backend):
    tok, _ = backend._load()
    bias = {"sequence_bias": [[[tok.eos_token_id], 50.0]]}
    req = GenerationRequest(
        "p",
        ({"role": "user", "content": "What is 1 + 1?"},),
        (0, 1),
        SamplingParams(n=2, max_tokens=8, temperature=1.0, extra=bias),
    )
    out = backend.generate([req])
    assert [(c.finish_reason, c.n_tokens, c.text) for c in out] == [("stop", 1, ""), ("stop", 1, "")]
    greedy = GenerationRequest(
        "q",
        ({"role": "user", "content": "What is 2 + 2?"},),
        (0,),
        SamplingParams(n=1, max_tokens=6, temperature=0.0),
    )
    assert backend.generate([greedy]) == backend.generate([greedy])
