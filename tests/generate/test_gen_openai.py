"""OpenAIBackend against a real HTTP server on 127.0.0.1 that injects 429s, 500s, hangs and slow answers."""

from __future__ import annotations

import pytest

from redstar_data.errors import ConfigError
from redstar_data.generate.backends.base import GenerationRequest, SamplingParams, contiguous_runs
from redstar_data.generate.backends.openai_http import OpenAIBackend, build_body
from redstar_data.generate.run import generate

from .conftest import add_problems

FAST = {"backoff_base": 0.01, "backoff_max": 0.05}


def _req(key: str, prompt: str, idx=(0, 1, 2), **params) -> GenerationRequest:
    return GenerationRequest(
        key,
        ({"role": "user", "content": prompt},),
        tuple(idx),
        SamplingParams(n=len(idx), max_tokens=64, seed=100, **params),
    )


def _backend(srv, **kw) -> OpenAIBackend:
    return OpenAIBackend("teacher-x", base_url=srv.base_url, **{**FAST, **kw})


def test_every_sampling_field_sent_and_n_per_request(chat_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    be = _backend(chat_server)
    try:
        out = be.generate([_req("a", "hello", temperature=0.3, top_p=0.8, stop=("</s>",))])
    finally:
        be.close()
    assert len(chat_server.bodies) == 1
    body = chat_server.bodies[0]
    assert {k: body[k] for k in ("model", "temperature", "top_p", "max_tokens", "seed", "n", "stop")} == {
        "model": "teacher-x",
        "temperature": 0.3,
        "top_p": 0.8,
        "max_tokens": 64,
        "seed": 100,
        "n": 3,
        "stop": ["</s>"],
    }
    assert chat_server.auth == ["Bearer sk-test"]
    assert [(c.sample_index, c.text.split()[0], c.finish_reason, c.prompt_tokens) for c in out] == [
        (0, "seed=100", "stop", 11),
        (1, "seed=101", "stop", 11),
        (2, "seed=102", "stop", 11),
    ]
    assert sum(c.n_tokens for c in out) == 21  # usage split across the n choices


def test_missing_samples_keep_their_seeds():
    assert contiguous_runs([5, 0, 1, 2, 7, 6]) == [[0, 1, 2], [5, 6, 7]]
    body = build_body("m", [], SamplingParams(seed=10), first=5, n=3)
    assert body["seed"] == 15 and body["n"] == 3


def test_retries_on_429_500_and_timeouts_succeed(chat_server):
    be = _backend(chat_server, timeout=0.5)
    reqs = [
        _req("r429", "a [429x3]"),
        _req("r500", "b [500x2]"),
        _req("hang", "c [hang]", idx=(0,)),
        _req("ok", "d"),
    ]
    try:
        out = be.generate(reqs)
    finally:
        be.close()
    assert len(out) == 10 and all(c.finish_reason == "stop" for c in out)
    assert chat_server.statuses[429] == 3 and chat_server.statuses[500] == 2
    assert chat_server.attempts["c [hang]"] == 2  # the first attempt timed out client-side
    assert be.stats["retries"] == 6


def test_concurrency_bound_holds(chat_server):
    be = _backend(chat_server, concurrency=3, use_n=False)
    reqs = [_req(f"k{i}", f"p{i} [slow]", idx=(0, 1)) for i in range(8)]
    try:
        out = be.generate(reqs)
    finally:
        be.close()
    assert len(out) == 16 and len(chat_server.bodies) == 16
    assert chat_server.max_in_flight == 3


def test_permanent_failure_is_per_problem_and_retries_are_bounded(chat_server):
    be = _backend(chat_server, max_retries=2)
    reqs = [_req("bad", "x [bad]"), _req("busy", "y [500x99]", idx=(0,)), _req("good", "z")]
    try:
        out = {(c.key, c.sample_index): c for c in be.generate(reqs)}
    finally:
        be.close()
    assert [out[("bad", i)].finish_reason for i in range(3)] == ["error"] * 3
    assert "HTTP 400" in out[("bad", 0)].error and "context length exceeded" in out[("bad", 0)].error
    assert out[("busy", 0)].finish_reason == "error" and "gave up after 3 attempts" in out[("busy", 0)].error
    assert chat_server.attempts["y [500x99]"] == 3
    assert all(out[("good", i)].finish_reason == "stop" for i in range(3))
    assert be.n_supported  # a bad prompt does not switch n off for everyone


@pytest.mark.parametrize("chat_server", [{"reject_n": True}], indirect=True)
def test_server_rejecting_n_falls_back_to_single_requests_with_seeds(chat_server):
    be = _backend(chat_server)
    try:
        out = be.generate([_req("a", "q1"), _req("b", "q2", idx=(4, 5))])
        assert not be.n_supported
        out += be.generate([_req("c", "q3")])
    finally:
        be.close()
    assert sorted(c.text.split()[0] for c in out if c.key == "a") == ["seed=100", "seed=101", "seed=102"]
    assert sorted(c.text.split()[0] for c in out if c.key == "b") == ["seed=104", "seed=105"]
    assert all(c.finish_reason == "stop" for c in out)
    assert all(b["n"] == 1 for b in chat_server.bodies if b["messages"][-1]["content"] == "q3")


@pytest.mark.parametrize("chat_server", [{"cap_n": True}], indirect=True)
def test_server_returning_fewer_choices_is_completed_singly(chat_server):
    be = _backend(chat_server)
    try:
        out = be.generate([_req("a", "q")])
    finally:
        be.close()
    assert sorted((c.sample_index, c.text.split()[0]) for c in out) == [
        (0, "seed=100"),
        (1, "seed=101"),
        (2, "seed=102"),
    ]


def test_generate_run_over_http_reports_failures_and_keeps_going(catalog, chat_server):
    ids = add_problems(catalog, 6)
    catalog.execute("UPDATE problems SET problem = problem || ' [bad]' WHERE problem_id = ?", [ids[2]])
    catalog.execute(
        "UPDATE problems SET problem = problem || ' [500x2] [len]' WHERE problem_id = ?", [ids[3]]
    )
    be = _backend(chat_server, concurrency=4)
    try:
        r = generate(catalog, be, n=4, params=SamplingParams(max_tokens=64, seed=0), batch_size=2)
    finally:
        be.close()
    assert r.n_generated == 20 and r.n_failed == 4 and r.status == "incomplete"
    assert [f[0] for f in r.failures] == [ids[2]] and "HTTP 400" in r.failures[0][1]
    assert catalog.scalar("SELECT count(*) FROM traces WHERE finish_reason = 'length'") == 4
    assert r.completion_tokens == 20 * 7


def test_needs_a_url(monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="needs a server URL"):
        OpenAIBackend("m")


def test_close_after_an_interrupted_batch(chat_server):
    """Ctrl-C inside a batch leaves requests pending; close() must still shut down cleanly."""
    import asyncio

    be = _backend(chat_server, concurrency=2)
    loop = be._ensure()

    async def interrupted():
        task = asyncio.ensure_future(
            be.agenerate([_req(f"k{i}", f"p{i} [slow]", idx=(0,)) for i in range(6)])
        )
        # wait (an event, not a sleep) until the server holds a request: the batch is truly in flight
        assert await asyncio.get_running_loop().run_in_executor(None, chat_server.arrived.wait, 30)
        return task

    task = loop.run_until_complete(interrupted())
    assert not task.done()
    be.close()
    assert task.cancelled() and be._loop is None


@pytest.mark.parametrize("chat_server", [{"retry_after": "0.4"}], indirect=True)
def test_retry_after_is_honoured(chat_server):
    import time

    be = _backend(chat_server)  # own backoff is ~0.01 s; the server asks for 0.4 s
    t0 = time.perf_counter()
    try:
        out = be.generate([_req("a", "x [429x1]", idx=(0,))])
    finally:
        be.close()
    assert out[0].finish_reason == "stop" and time.perf_counter() - t0 >= 0.4
