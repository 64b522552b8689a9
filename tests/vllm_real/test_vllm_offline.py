"""The vllm backend on a real vLLM engine (CPU build): samples, seeds, stop strings, max_tokens, counts."""

from __future__ import annotations

import gc

import pytest

from redstar_data.generate.backends.base import GenerationRequest, SamplingParams
from redstar_data.generate.backends.vllm_offline import VLLMBackend
from redstar_data.generate.run import generate
from tests.generate.conftest import add_problems

from .conftest import ENGINE

pytestmark = pytest.mark.vllm

MAX_TOKENS = 24


@pytest.fixture(scope="module")
def backend(tiny_qwen2_64):
    be = VLLMBackend(str(tiny_qwen2_64), **ENGINE)
    be._engine()  # build once for the module
    yield be
    be.close()
    gc.collect()


def _traces(catalog, run_id):
    return catalog.arrow(
        "SELECT problem_id, sample_index, text, finish_reason, n_tokens, prompt_tokens, meta "
        "FROM traces WHERE run_id = ? ORDER BY problem_id, sample_index",
        [run_id],
    ).to_pylist()


def _raw(backend, messages, **sp):
    """The same prompt straight through vllm.LLM.chat (the anchor)."""
    import vllm

    (out,) = backend._engine().chat([list(messages)], [vllm.SamplingParams(**sp)], use_tqdm=False)
    return out


def test_n_samples_with_per_sample_seeds_match_the_engine(backend, catalog):
    ids = add_problems(catalog, 3)
    params = SamplingParams(temperature=1.0, top_p=1.0, max_tokens=MAX_TOKENS, seed=7)
    rep = generate(catalog, backend, n=4, params=params, run_id="v")
    assert (rep.n_generated, rep.n_failed, rep.status) == (12, 0, "finished")
    rows = _traces(catalog, "v")
    assert sorted({r["problem_id"] for r in rows}) == ids
    by = {(r["problem_id"], r["sample_index"]): r for r in rows}
    # the engine's own answer for problem 0 with n=4, seed 7: child i has seed 7+i
    from redstar_data.generate.prompts import resolve_templates

    prob = catalog.arrow("SELECT * FROM problems WHERE problem_id = ?", [ids[0]]).to_pylist()[0]
    msgs = resolve_templates(None).build(prob)
    raw = _raw(backend, msgs, n=4, seed=7, temperature=1.0, top_p=1.0, max_tokens=MAX_TOKENS)
    for co in raw.outputs:
        r = by[(ids[0], co.index)]
        assert r["text"] == co.text
        assert r["n_tokens"] == len(co.token_ids) and r["finish_reason"] == co.finish_reason
        assert r["prompt_tokens"] == len(raw.prompt_token_ids)
        assert r["meta"] == f'{{"seed": {7 + co.index}}}'
    # sample 2 alone with seed 7+2 is the same text: a resumed run asks exactly this
    single = _raw(backend, msgs, n=1, seed=9, temperature=1.0, top_p=1.0, max_tokens=MAX_TOKENS)
    assert single.outputs[0].text == by[(ids[0], 2)]["text"]
    for pid in ids:  # different seeds, different samples (the random model's text hangs on the seed)
        assert len({r["text"] for r in rows if r["problem_id"] == pid}) == 4
    assert all(0 < r["n_tokens"] <= MAX_TOKENS for r in rows)
    assert rep.completion_tokens == sum(r["n_tokens"] for r in rows)


def test_resume_asks_only_the_missing_samples_and_gets_the_same_text(backend, catalog):
    add_problems(catalog, 2)
    params = SamplingParams(temperature=1.0, top_p=1.0, max_tokens=MAX_TOKENS, seed=3)
    generate(catalog, backend, n=2, params=params, run_id="r")
    first = {(r["problem_id"], r["sample_index"]): r["text"] for r in _traces(catalog, "r")}
    rep = generate(catalog, backend, n=4, params=params, run_id="r")
    assert (rep.n_existing, rep.n_generated) == (4, 4)
    generate(catalog, backend, n=4, params=params, run_id="full")
    full = {(r["problem_id"], r["sample_index"]): r["text"] for r in _traces(catalog, "full")}
    grown = {(r["problem_id"], r["sample_index"]): r["text"] for r in _traces(catalog, "r")}
    assert grown == full and all(grown[k] == v for k, v in first.items())


def test_max_tokens_and_stop_strings(backend):
    msgs = ({"role": "user", "content": "What is 12 + 7?"},)
    base = SamplingParams(n=6, temperature=1.0, top_p=1.0, max_tokens=MAX_TOKENS, seed=11)
    free = {
        c.sample_index: c for c in backend.generate([GenerationRequest("p", msgs, tuple(range(6)), base)])
    }
    lengths = {c.finish_reason for c in free.values()}
    assert "length" in lengths
    assert all(c.n_tokens == MAX_TOKENS for c in free.values() if c.finish_reason == "length")
    # a stop string that occurs in the free texts: those samples end just before it, with "stop"
    stop = _common_char(free.values())
    stopped = SamplingParams(**{**base.to_dict(), "stop": (stop,)})
    got = backend.generate([GenerationRequest("p", msgs, tuple(range(6)), stopped)])
    hit = 0
    for c in got:
        f = free[c.sample_index]
        assert stop not in c.text
        if stop in f.text:  # same seed, same tokens until the stop string
            hit += 1
            assert c.finish_reason == "stop" and c.n_tokens < f.n_tokens
            assert f.text.startswith(c.text) and f.text[len(c.text) :].startswith(stop)
        else:
            assert (c.text, c.finish_reason) == (f.text, f.finish_reason)
    assert hit >= 1


def _common_char(completions) -> str:
    from collections import Counter

    counts = Counter(ch for c in completions for ch in set(c.text[1:]) if ch.isalnum())
    return counts.most_common(1)[0][0]
