"""generate() over the streaming openai backend: concurrency stays full across commits, against a real
local HTTP server where a few answers are slow (long-CoT tails), and every trace lands exactly once."""

from __future__ import annotations

import time

import pytest

from redstar_data.generate.backends.base import SamplingParams
from redstar_data.generate.backends.openai_http import OpenAIBackend
from redstar_data.generate.run import generate
from redstar_data.progress import ProgressEvent

from .conftest import add_problems

P = SamplingParams(max_tokens=64, seed=0)
SLOW = "[sleep="


def _backend(srv, **kw) -> OpenAIBackend:
    return OpenAIBackend("teacher-x", base_url=srv.base_url, backoff_base=0.01, backoff_max=0.05, **kw)


def _make_slow(catalog, pid: str, seconds: float) -> None:
    catalog.execute(
        f"UPDATE problems SET problem = problem || ' {SLOW}{seconds}]' WHERE problem_id = ?", [pid]
    )


def _commits(events: list[tuple[float, int]], before: float) -> int:
    """Samples done at the last progress event (one per commit) before ``before``."""
    return max((d for t, d in events if t < before), default=0)


def _exactly_once(catalog, run_id: str, n_problems: int, n: int) -> None:
    rows = catalog.arrow(
        "SELECT problem_id, count(*) AS c, count(DISTINCT trace_id) AS d, "
        "list(sample_index ORDER BY sample_index) AS s FROM traces WHERE run_id = ? GROUP BY 1",
        [run_id],
    ).to_pylist()
    assert len(rows) == n_problems
    assert all(r["c"] == r["d"] == n and r["s"] == list(range(n)) for r in rows)


def _mark(catalog, pid: str, marker: str) -> None:
    catalog.execute("UPDATE problems SET problem = problem || ? WHERE problem_id = ?", [f" {marker}", pid])


def test_fast_requests_keep_flowing_past_a_slow_one_across_batch_boundaries(catalog, chat_server):
    """The slow problem sits in the first batch of 4. Batch by batch, only its 3 batch mates could finish
    while it runs and nothing would be committed; streamed, the other 3 slots serve all 23 fast problems
    and at least 20 of them are committed meanwhile.

    No timing: the slow answer is held (``[gate]``) until the server has answered all 23 fast problems
    AND a progress event has reported 40+ samples committed; when streaming is broken that never happens,
    the hold runs out and the test fails. Three fast problems meet (``[meet=4]``) so the slots are full."""
    ids = add_problems(catalog, 24)
    _mark(catalog, ids[0], "[gate]")
    for pid in ids[1:4]:
        _mark(catalog, pid, "[meet=4]")
    done: list[int] = [0]

    def fast_answered() -> int:
        return sum("[gate]" not in p for p, _, _ in chat_server.log)

    chat_server.gate = lambda: fast_answered() == 23 and done[0] >= 5 * 4 * 2
    chat_server.wait_s = 20.0
    events: list[tuple[float, int]] = []

    def progress(e: ProgressEvent) -> None:
        events.append((time.perf_counter(), e.done))
        done[0] = e.done
        chat_server.notify()

    be = _backend(chat_server, concurrency=4)
    try:
        r = generate(catalog, be, n=2, params=P, batch_size=4, progress=progress)
    finally:
        be.close()
    assert not chat_server.timeouts, chat_server.timeouts  # held states all came: fast flowed, committed
    slow_end = next(t1 for p, t0, t1 in chat_server.log if "[gate]" in p)
    fast_ends = [t1 for p, _, t1 in chat_server.log if "[gate]" not in p]
    assert len(fast_ends) == 23  # one request per problem (n=2 in one request)
    assert sum(t < slow_end for t in fast_ends) == 23  # every fast problem finished while the slow one ran
    assert _commits(events, slow_end) >= 5 * 4 * 2  # committed, 4+ problems at a time, meanwhile
    assert chat_server.max_in_flight == 4  # the slots were full, and the bound holds
    assert (r.n_generated, r.n_failed, r.status) == (48, 0, "finished")
    assert events[-1][1] == 48
    _exactly_once(catalog, r.run_id, 24, 2)


def test_time_bound_commits_what_finished_while_a_slow_one_runs(catalog, chat_server):
    """batch_size larger than the run: only the time bound (commit_every_s) can commit the fast traces
    before the slow one returns, which bounds what a kill -9 loses when answers take minutes.

    The slow answer is held (``[gate]``) until a progress event reports the 9 fast traces committed."""
    ids = add_problems(catalog, 10)
    _mark(catalog, ids[3], "[gate]")
    events: list[tuple[float, int]] = []
    chat_server.gate = lambda: bool(events) and events[-1][1] >= 9
    chat_server.wait_s = 20.0

    def progress(e: ProgressEvent) -> None:
        events.append((time.perf_counter(), e.done))
        chat_server.notify()

    be = _backend(chat_server, concurrency=4)
    try:
        r = generate(catalog, be, n=1, params=P, batch_size=64, commit_every_s=0.05, progress=progress)
    finally:
        be.close()
    assert not chat_server.timeouts, chat_server.timeouts
    slow_end = next(t1 for p, _, t1 in chat_server.log if "[gate]" in p)
    assert _commits(events, slow_end) == 9
    assert r.n_generated == 10 and r.status == "finished"
    _exactly_once(catalog, r.run_id, 10, 1)


def test_ctrl_c_while_requests_are_in_flight_then_resume_exactly_once(catalog, chat_server):
    """An interrupt at the first commit leaves requests in flight; the committed traces stay, close()
    cancels the rest cleanly, and the next run asks only for what is missing."""
    ids = add_problems(catalog, 12)
    for pid in ids[6:]:
        _make_slow(catalog, pid, 0.3)

    def interrupt(e: ProgressEvent) -> None:
        if e.done:
            raise KeyboardInterrupt

    be = _backend(chat_server, concurrency=3)
    try:
        with pytest.raises(KeyboardInterrupt):
            generate(catalog, be, n=2, params=P, batch_size=2, run_id="cc", progress=interrupt)
    finally:
        be.close()
    assert be._loop is None
    have = catalog.scalar("SELECT count(*) FROM traces WHERE run_id = 'cc'")
    assert have % 2 == 0 and 4 <= have < 24  # whole problems, committed once (1-3 per first wake-up)
    assert catalog.scalar("SELECT status FROM runs") == "interrupted"
    be = _backend(chat_server, concurrency=3)
    try:
        r = generate(catalog, be, n=2, params=P, batch_size=2, run_id="cc")
    finally:
        be.close()
    assert (r.n_existing, r.n_generated, r.status) == (have, 24 - have, "finished")
    _exactly_once(catalog, "cc", 12, 2)


def test_failures_are_reported_per_problem_while_streaming(catalog, chat_server):
    ids = add_problems(catalog, 9)
    catalog.execute("UPDATE problems SET problem = problem || ' [bad]' WHERE problem_id = ?", [ids[4]])
    _make_slow(catalog, ids[0], 0.3)
    be = _backend(chat_server, concurrency=2)
    try:
        r = generate(catalog, be, n=3, params=P, batch_size=2)
    finally:
        be.close()
    assert (r.n_generated, r.n_failed, r.status) == (24, 3, "incomplete")
    assert [f[0] for f in r.failures] == [ids[4]] and "HTTP 400" in r.failures[0][1]
