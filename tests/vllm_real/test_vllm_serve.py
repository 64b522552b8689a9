"""The openai backend against a real ``vllm serve`` on a loopback port (CPU build of vLLM)."""

from __future__ import annotations

import pytest

from redstar_data.generate.backends.base import SamplingParams
from redstar_data.generate.backends.openai_http import OpenAIBackend
from redstar_data.generate.endpoint_pool import endpoint_pool
from redstar_data.generate.run import generate
from tests.generate.conftest import add_problems

from .conftest import free_port

pytestmark = pytest.mark.vllm

MAX_TOKENS = 24


def test_openai_backend_n_samples_from_real_vllm_serve(vllm_server, catalog):
    ids = add_problems(catalog, 4)
    be = OpenAIBackend("tiny", base_url=vllm_server, concurrency=4)
    params = SamplingParams(temperature=1.0, top_p=1.0, max_tokens=MAX_TOKENS, seed=5, stop=("7",))
    try:
        rep = generate(catalog, be, n=3, params=params, run_id="http")
    finally:
        be.close()
    assert (rep.n_generated, rep.n_failed, rep.status) == (12, 0, "finished")
    assert be.stats["n_fallbacks"] == 0 and be.stats["requests"] == 4  # one request with n=3 per problem
    rows = catalog.arrow(
        "SELECT problem_id, sample_index, text, finish_reason, n_tokens, prompt_tokens FROM traces"
    ).to_pylist()
    assert sorted({r["problem_id"] for r in rows}) == ids
    assert {r["finish_reason"] for r in rows} <= {"stop", "length"}
    assert all("7" not in r["text"] for r in rows)
    assert all(r["prompt_tokens"] and r["prompt_tokens"] > 10 for r in rows)
    assert rep.completion_tokens == sum(r["n_tokens"] for r in rows) > 0
    # a resumed sample (seed 5+2, n=1) is the sample the n=3 request produced
    rerun = OpenAIBackend("tiny", base_url=vllm_server)
    catalog.execute("DELETE FROM traces WHERE sample_index = 2")
    before = {(r["problem_id"], r["sample_index"]): r["text"] for r in rows}
    try:
        rep2 = generate(catalog, rerun, n=3, params=params, run_id="http")
    finally:
        rerun.close()
    assert rep2.n_generated == 4
    after = catalog.arrow("SELECT problem_id, sample_index, text FROM traces").to_pylist()
    assert {(r["problem_id"], r["sample_index"]): r["text"] for r in after} == before


def test_endpoint_pool_survives_a_dead_endpoint(vllm_server, catalog):
    add_problems(catalog, 6)
    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    pool = endpoint_pool(
        [dead, vllm_server],
        {"model": "tiny", "concurrency": 2, "max_retries": 0, "backoff_base": 0.01},
        max_failures=2,
    )
    params = SamplingParams(temperature=1.0, top_p=1.0, max_tokens=MAX_TOKENS, seed=5)
    try:
        rep = generate(catalog, pool, n=2, params=params, run_id="pool")
    finally:
        pool.close()
    assert (rep.n_generated, rep.n_failed) == (12, 0)
    tel = pool.telemetry()
    assert [r["status"] for r in tel["replicas"]] == ["dropped", "ok"]
    assert tel["replicas"][1]["traces"] == 12 and tel["requeued_units"] >= 2
    n, distinct = catalog.rows("SELECT count(*), count(DISTINCT trace_id) FROM traces")[0]
    assert n == distinct == 12
