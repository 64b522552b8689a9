"""Hard time limits and crash recovery: no input can stall a batch; the RL reward can call from threads."""

from __future__ import annotations

import threading
import time

import pytest

from redstar_data.progress import RecordingProgress
from redstar_data.verify import pool
from redstar_data.verify.math import MathVerifier, check, check_many


def test_worker_timeout_kills_and_recovers() -> None:
    w = pool.Worker()
    try:
        w.ensure()  # start-up (seconds on a loaded machine) is not what this test times
        t0 = time.monotonic()
        with pytest.raises(pool.WorkerTimeout):
            w.call("sleep", (30,), 0.5)
        assert time.monotonic() - t0 < 5
        assert w.proc is None  # killed
        assert w.call("symbolic", ("x+x", "2x", None), 30) is True  # a fresh worker
    finally:
        w.kill()


def test_worker_crash_is_reported() -> None:
    w = pool.Worker()
    try:
        with pytest.raises(pool.WorkerCrashed):
            w.call("exit", (3,), 30)
        assert w.call("symbolic", ("1/2", "0.5", None), 30) is True
    finally:
        w.kill()


def test_run_many_contains_hangs_and_crashes() -> None:
    tasks = [
        ("symbolic", ("x^2", "x x", None)),
        ("sleep", (30,)),
        ("exit", (1,)),
        ("symbolic", ("1", "2", None)),
    ]
    results: dict[int, object] = {}
    t0 = time.monotonic()
    pool.run_many(tasks, workers=2, timeout=1.0, on_result=results.__setitem__)
    assert time.monotonic() - t0 < 20
    assert results[0] is True and results[3] is False
    assert isinstance(results[1], pool.WorkerTimeout)
    assert isinstance(results[2], pool.WorkerCrashed)


def test_check_many_order_and_progress() -> None:
    pairs = [(f"\\boxed{{{i}}}", str(i if i % 2 else i + 1)) for i in range(30)]
    rec = RecordingProgress()
    verdicts = check_many(pairs, workers=2, progress=rec)
    assert [v.correct for v in verdicts] == [bool(i % 2) for i in range(30)]
    assert rec.events[-1].done == 30


def test_check_from_threads() -> None:
    """TRL calls the reward from threads: no signals, each call gets its own worker when needed."""
    out: list[bool] = []

    def job() -> None:
        out.append(check("\\boxed{x^2-x-6}", "(x-3)(x+2)").correct)

    threads = [threading.Thread(target=job) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert out == [True, True, True]


def test_math_verifier_meets_the_protocol_and_check_many_keeps_order() -> None:
    """verify.run calls check_many on whatever VERIFIERS holds for a domain: order must match the pairs."""
    from redstar_data.verify.base import Verifier

    v = MathVerifier()
    assert isinstance(v, Verifier)
    pairs = [
        ("\\boxed{4}", "4"),
        ("\\boxed{5}", "4"),
        ("no answer here", "4"),
        ("\\boxed{\\frac{1}{2}}", "0.5"),
    ]
    got = [vd.label for vd in v.check_many(pairs, workers=1)]
    assert got == ["correct", "incorrect", "no_answer", "correct"]
    assert got == [v.check(r, g).label for r, g in pairs]
