"""ReplicaPool: work spread over replicas, failures re-queued, failing replicas dropped, every trace once.

Replicas here are local worker threads running the scripted stand-in teacher (``ThreadReplica``), with
faults injected by a subclass; the Ray actors (tests/ray_cluster) and the endpoint pool reuse this pool.
"""

from __future__ import annotations

import json
import threading

import pytest
from typer.testing import CliRunner

from redstar_data.cli.app import app
from redstar_data.errors import BackendError, ConfigError
from redstar_data.generate.backends.base import SamplingParams
from redstar_data.generate.backends.scripted import ScriptedTeacher
from redstar_data.generate.endpoint_pool import endpoint_pool
from redstar_data.generate.pool import ReplicaPool, ThreadReplica
from redstar_data.generate.run import generate
from redstar_data.progress import RecordingProgress

from .conftest import FakeChatServer, add_problems

PARAMS = SamplingParams(max_tokens=4000, seed=1)


class FaultyTeacher(ScriptedTeacher):
    """Fault injection: raise on calls ``fail_calls`` (0-based), or on every call holding ``poison``."""

    def __init__(self, fail_calls=(), poison: str | None = None, always: bool = False):
        super().__init__()
        self.fail_calls, self.poison, self.always, self.calls = set(fail_calls), poison, always, 0

    def generate(self, requests):
        call, self.calls = self.calls, self.calls + 1
        if self.always or call in self.fail_calls or any(r.key == self.poison for r in requests):
            raise RuntimeError(f"injected failure on call {call}")
        return super().generate(requests)


class DyingReplica(ThreadReplica):
    """A replica whose process dies on its first unit (like a killed Ray actor): the unit queued behind
    it is lost with it; then it comes back (Ray's max_restarts) and works."""

    def __init__(self, name, backend, gate: threading.Event):
        super().__init__(name, backend)
        self.gate, self.calls = gate, 0

    def submit(self, requests):
        self.calls += 1
        if self.calls == 1:
            return self._pool.submit(self._die)
        if self.calls == 2:
            return self._pool.submit(self._lost)
        return super().submit(requests)

    def _die(self):
        self.gate.wait(30)  # hold the first unit until the healthy replica has committed something
        raise ConnectionError("replica process died")

    def _lost(self):
        raise ConnectionError("replica process died")

    def is_fatal(self, err):
        return isinstance(err, ConnectionError)


def _pairs(catalog, run_id):
    return catalog.rows(
        "SELECT count(*), count(DISTINCT trace_id), count(DISTINCT (problem_id, sample_index)) "
        "FROM traces WHERE run_id = ?",
        [run_id],
    )[0]


def _texts(catalog, run_id):
    rows = catalog.arrow("SELECT problem_id, sample_index, text FROM traces WHERE run_id = ?", [run_id])
    return {(r["problem_id"], r["sample_index"]): r["text"] for r in rows.to_pylist()}


def test_pool_spreads_work_and_writes_the_same_traces_as_one_backend(catalog):
    add_problems(catalog, 30)
    generate(catalog, ScriptedTeacher(), n=3, params=PARAMS, run_id="one")
    pool = ReplicaPool(
        "scripted",
        "scripted-teacher-v1",
        [ThreadReplica(f"r{i}", ScriptedTeacher()) for i in range(3)],
        chunk_size=2,
    )
    events = RecordingProgress()
    rep = generate(catalog, pool, n=3, params=PARAMS, run_id="pool", batch_size=4, progress=events)
    pool.close()
    last = events.events[-1].metrics  # the progress bar's text: traces/s, tok/s and per-replica health
    assert last["replicas"] == " · ".join(
        f"r{i} ok {r['traces']}" for i, r in enumerate(rep.pool["replicas"])
    )
    assert last["tok/s"] > 0 and last["traces/s"] > 0
    assert (rep.n_generated, rep.n_failed, rep.status) == (90, 0, "finished")
    assert _pairs(catalog, "pool") == (90, 90, 90)
    assert _texts(catalog, "pool") == _texts(catalog, "one")
    tel = rep.pool
    assert [r["status"] for r in tel["replicas"]] == ["ok"] * 3
    assert sum(r["traces"] for r in tel["replicas"]) == 90 and all(r["traces"] > 0 for r in tel["replicas"])
    stats = json.loads(catalog.scalar("SELECT stats FROM runs WHERE run_id = 'pool'"))
    assert stats["pool"]["replicas_ok"] == 3 and stats["completion_tokens"] == rep.completion_tokens > 0


def test_failed_units_are_requeued_and_a_failing_replica_is_dropped(catalog):
    add_problems(catalog, 20)
    bad = FaultyTeacher(always=True)
    flaky = FaultyTeacher(fail_calls={1})  # one failure, then fine: stays in the pool
    reps = [ThreadReplica("r0", ScriptedTeacher()), ThreadReplica("bad", bad), ThreadReplica("flaky", flaky)]
    pool = ReplicaPool(
        "scripted", "scripted-teacher-v1", reps, chunk_size=2, max_failures=3, max_unit_attempts=5
    )
    rep = generate(catalog, pool, n=2, params=PARAMS, run_id="x")
    pool.close()
    assert (rep.n_generated, rep.n_failed) == (40, 0)
    assert _pairs(catalog, "x") == (40, 40, 40)
    by = {r["name"]: r for r in rep.pool["replicas"]}
    assert by["bad"]["status"] == "dropped" and by["bad"]["failures"] == 3 and by["bad"]["traces"] == 0
    assert "injected failure" in by["bad"]["last_error"]
    assert by["flaky"]["status"] == "ok" and by["flaky"]["failures"] == 1 and by["flaky"]["traces"] > 0
    assert rep.pool["requeued_units"] == 4 and bad.calls == 3


def test_a_dead_replica_loses_all_its_in_flight_work_which_is_requeued(catalog):
    add_problems(catalog, 12)
    gate = threading.Event()
    dying = DyingReplica("dies", ScriptedTeacher(), gate)
    pool = ReplicaPool(
        "scripted",
        "scripted-teacher-v1",
        [dying, ThreadReplica("ok", ScriptedTeacher())],
        chunk_size=2,
        max_failures=2,
    )

    def progress(ev):
        gate.set()  # the healthy replica committed something: both first units are held by the dying one

    rep = generate(catalog, pool, n=2, params=PARAMS, run_id="d", batch_size=1, progress=progress)
    pool.close()
    assert (rep.n_generated, rep.n_failed) == (24, 0) and _pairs(catalog, "d") == (24, 24, 24)
    by = {r["name"]: r for r in rep.pool["replicas"]}
    assert rep.pool["requeued_units"] == 2  # both units it held
    assert by["dies"]["failures"] == 1  # one death, counted once, so it was not dropped
    assert by["dies"]["status"] == "ok" and by["dies"]["traces"] > 0  # back after its restart
    assert dying.calls >= 3


def test_a_poison_request_fails_alone_after_bounded_attempts(catalog):
    ids = add_problems(catalog, 10)
    reps = [ThreadReplica(f"r{i}", FaultyTeacher(poison=ids[3])) for i in range(2)]
    pool = ReplicaPool(
        "scripted", "scripted-teacher-v1", reps, chunk_size=1, max_failures=4, max_unit_attempts=3
    )
    rep = generate(catalog, pool, n=2, params=PARAMS, run_id="p")
    pool.close()
    assert (rep.n_generated, rep.n_failed, rep.status) == (18, 2, "incomplete")
    assert rep.failures[0][0] == ids[3] and "failed on 3 replica attempts" in rep.failures[0][1]
    assert rep.pool["replicas_ok"] == 2 and rep.pool["given_up_samples"] == 2


def test_all_replicas_failing_stops_the_run_and_it_resumes_exactly(catalog):
    add_problems(catalog, 12)
    reps = [
        ThreadReplica("a", FaultyTeacher(fail_calls=set(range(2, 99)))),
        ThreadReplica("b", FaultyTeacher(always=True)),
    ]
    pool = ReplicaPool("scripted", "scripted-teacher-v1", reps, chunk_size=2, max_failures=2)
    with pytest.raises(BackendError, match="all 2 replicas failed"):
        generate(catalog, pool, n=2, params=PARAMS, run_id="z", batch_size=1)
    pool.close()
    n_before = _pairs(catalog, "z")[0]
    assert n_before == 8  # a's two good units were committed before the pool gave out
    assert catalog.scalar("SELECT status FROM runs WHERE run_id = 'z'") == "failed"
    pool = ReplicaPool("scripted", "scripted-teacher-v1", [ThreadReplica("c", ScriptedTeacher())])
    rep = generate(catalog, pool, n=2, params=PARAMS, run_id="z")
    pool.close()
    assert (rep.n_existing, rep.n_generated) == (8, 16) and _pairs(catalog, "z") == (24, 24, 24)


def _serve(**kw):
    srv = FakeChatServer(**kw)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_endpoint_pool_balances_and_drops_a_dead_endpoint(catalog):
    add_problems(catalog, 16, prefix="[slow] What is")
    a, b = _serve(slow_s=0.05), _serve(slow_s=0.05)
    dead = _serve()
    dead_url = dead.base_url
    dead.shutdown()
    dead.server_close()
    try:
        pool = endpoint_pool(
            [a.base_url, b.base_url, dead_url],
            {"model": "m", "concurrency": 2, "max_retries": 0, "backoff_base": 0.01},
            max_failures=2,
        )
        rep = generate(catalog, pool, n=2, params=PARAMS, run_id="e")
        pool.close()
    finally:
        for s in (a, b):
            s.shutdown()
            s.server_close()
    assert (rep.n_generated, rep.n_failed) == (32, 0) and _pairs(catalog, "e") == (32, 32, 32)
    assert len(a.bodies) >= 4 and len(b.bodies) >= 4 and len(a.bodies) + len(b.bodies) == 16
    assert a.max_in_flight <= 2 and b.max_in_flight <= 2
    st = [r["status"] for r in rep.pool["replicas"]]
    assert st == ["ok", "ok", "dropped"] and rep.pool["replicas"][2]["base_url"] == dead_url


def test_cli_pools(catalog_path, chat_server):
    from redstar_data.catalog import Catalog

    with Catalog.open(catalog_path) as cat:
        add_problems(cat, 4)
    r = CliRunner().invoke(
        app,
        [
            "generate",
            "-b",
            "openai",
            "-m",
            "m",
            "-n",
            "2",
            "--base-url",
            chat_server.base_url,
            "--base-url",
            chat_server.base_url.replace("127.0.0.1", "localhost"),
            "--catalog",
            str(catalog_path),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "replicas" in r.output and "e1" in r.output
    with Catalog.open(catalog_path) as cat:
        stats = json.loads(cat.scalar("SELECT stats FROM runs"))
        assert len(stats["pool"]["replicas"]) == 2 and cat.scalar("SELECT count(*) FROM traces") == 8
    r = CliRunner().invoke(app, ["generate", "--replicas", "2", "--catalog", str(catalog_path)])
    assert isinstance(r.exception, ConfigError) and "--replicas needs --ray-address" in str(r.exception)
    r = CliRunner().invoke(
        app, ["generate", "-b", "openai", "-m", "m", "--ray-address", "local", "--catalog", str(catalog_path)]
    )
    assert isinstance(r.exception, ConfigError) and "pooled over endpoints" in str(r.exception)


class HangingTeacher(ScriptedTeacher):
    """Fault injection: the first call never answers (until released at the end of the test)."""

    def __init__(self, release: threading.Event):
        super().__init__()
        self.release, self.calls = release, 0

    def generate(self, requests):
        self.calls += 1
        if self.calls == 1:
            self.release.wait(60)
            raise RuntimeError("released")
        return super().generate(requests)


def test_a_hung_unit_is_requeued_after_the_unit_timeout(catalog):
    add_problems(catalog, 8)
    release = threading.Event()
    hung = ThreadReplica("hangs", HangingTeacher(release))
    pool = ReplicaPool(
        "scripted",
        "scripted-teacher-v1",
        [hung, ThreadReplica("ok", ScriptedTeacher())],
        chunk_size=2,
        max_failures=1,
        unit_timeout_s=0.5,
    )
    try:
        rep = generate(catalog, pool, n=2, params=PARAMS, run_id="h")
    finally:
        release.set()
        pool.close()
    assert (rep.n_generated, rep.n_failed) == (16, 0) and _pairs(catalog, "h") == (16, 16, 16)
    by = {r["name"]: r for r in rep.pool["replicas"]}
    assert by["hangs"]["status"] == "dropped" and "no answer after 0.5 s" in by["hangs"]["last_error"]
    assert by["ok"]["traces"] == 16 and rep.pool["requeued_units"] >= 1
