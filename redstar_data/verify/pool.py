"""Worker processes with a hard per-item time limit.

Why subprocesses and not ``signal.alarm`` or threads: sympy can spin in C-level big-integer code for
minutes, alarms only work in the main thread (the RL reward calls us from trainer threads), and a thread
cannot be killed. A worker is a plain ``python -m redstar_data.verify.pool`` child talking over two pipes
(pickled messages), started with ``subprocess`` so it is safe to spawn from threaded parents (no fork of a
threaded process) and never re-imports the caller's ``__main__``. On timeout the worker is killed and a
fresh one replaces it; a crashed worker (EOF) becomes an 'error' for that item only.

This module imports nothing of the verifier: operations are named in ``OPS`` as ``module:function`` and
imported inside the worker, so ``math.py`` (which uses the pool) and the pool do not import each other.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any

_START_TIMEOUT = 120.0
# op name -> "module:function", imported when a worker starts. "sleep" and "exit" are diagnostics:
# they let tests prove that hangs and crashes are contained.
OPS: dict[str, str] = {
    "symbolic": "redstar_data.verify.symbolic:sym_equal",
    "check": "redstar_data.verify.math:check_inline",
    "geometry": "redstar_data.verify.geometry:check_inline",
    "geo_values": "redstar_data.verify.choice:numeric_values",
    "sleep": "time:sleep",
    "exit": "os:_exit",
}
_WARM_UP = (
    "symbolic",
    ("\\sin^2 x+\\pi", "\\pi+1-\\cos^2 x"),
)  # warms sympy's caches before the clock starts


def _resolve(op: str):  # noqa: ANN202
    module, _, name = OPS[op].partition(":")
    return getattr(importlib.import_module(module), name)


class WorkerTimeout(Exception):
    """The item ran past its time limit; the worker was killed."""


class WorkerCrashed(Exception):
    """The worker died (or sent garbage) while handling the item."""


class Worker:
    """One child process. ``call(op, args, timeout)`` → result; kills and restarts itself on timeout."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.send_conn: Connection | None = None
        self.recv_conn: Connection | None = None
        self.busy_since: float | None = None
        self.task: Any = None

    def start(self) -> None:
        p_read, c_write = os.pipe()
        c_read, p_write = os.pipe()
        env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "redstar_data.verify.pool", str(c_read), str(c_write)],
            pass_fds=(c_read, c_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=env,
        )
        os.close(c_read)
        os.close(c_write)
        self.send_conn = Connection(p_write, readable=False)
        self.recv_conn = Connection(p_read, writable=False)
        if not self.recv_conn.poll(_START_TIMEOUT):
            self.kill()
            raise WorkerCrashed("verifier worker did not start")
        try:
            self.recv_conn.recv()  # "ready"
        except (EOFError, OSError) as exc:
            self.kill()
            raise WorkerCrashed("verifier worker died while starting") from exc

    def ensure(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.kill()
            self.start()

    def submit(self, op: str, args: tuple[Any, ...]) -> None:
        self.ensure()
        assert self.send_conn is not None
        self.send_conn.send((op, args))
        self.busy_since = time.monotonic()

    def receive(self) -> Any:
        assert self.recv_conn is not None
        try:
            ok, value = self.recv_conn.recv()
        except (EOFError, OSError) as exc:
            self.kill()
            raise WorkerCrashed("verifier worker crashed") from exc
        finally:
            self.busy_since = None
        if not ok:
            raise WorkerCrashed(value)
        return value

    def call(self, op: str, args: tuple[Any, ...], timeout: float) -> Any:
        self.submit(op, args)
        assert self.recv_conn is not None
        if not self.recv_conn.poll(timeout):
            self.kill()
            raise WorkerTimeout(f"no answer within {timeout:g}s")
        return self.receive()

    def kill(self) -> None:
        for conn in (self.send_conn, self.recv_conn):
            if conn is not None:
                try:
                    conn.close()
                except OSError:
                    pass
        self.send_conn = self.recv_conn = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
        self.proc = None
        self.busy_since = None


class Deadline:
    """One item's time budget across worker calls, where a worker's start-up (seconds on a loaded machine)
    is not charged to the item: the clock stops while a worker starts. Shared by the math and geometry
    verifiers' in-process ``check`` (the fast path runs here, only sympy work goes to a worker)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def passed(self) -> bool:
        return time.monotonic() > self.at

    def call(self, pool: WorkerPool, op: str, args: tuple[Any, ...]) -> Any:
        """``pool.call`` with what is left of the budget; ``WorkerTimeout`` when nothing is left."""
        if time.monotonic() >= self.at:
            raise WorkerTimeout(f"no answer within {self.seconds:g}s")
        asked = time.monotonic()

        def budget() -> float:  # called when the worker is ready: its start-up is not this item's time
            self.at += time.monotonic() - asked
            return max(0.0, self.at - time.monotonic())

        return pool.call(op, args, budget)


class WorkerPool:
    """Idle workers shared by threads: each call borrows one (starting it if none is idle)."""

    def __init__(self, max_idle: int = 4) -> None:
        self._idle: list[Worker] = []
        self._lock = threading.Lock()
        self.max_idle = max_idle

    def call(self, op: str, args: tuple[Any, ...], timeout: float | Callable[[], float]) -> Any:
        """``timeout`` may be a function, called once the worker is ready: a worker's start-up (seconds on a
        loaded machine) is then not charged to the item."""
        with self._lock:
            worker = self._idle.pop() if self._idle else Worker()
        try:
            worker.ensure()
            result = worker.call(op, args, timeout() if callable(timeout) else timeout)
        except BaseException:
            worker.kill()
            raise
        with self._lock:
            if len(self._idle) < self.max_idle:
                self._idle.append(worker)
            else:
                worker.kill()
        return result

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for w in idle:
            w.kill()


def run_many(
    tasks: list[tuple[str, tuple[Any, ...]]], *, workers: int, timeout: float, on_result: Any
) -> None:
    """Run ``tasks`` over ``workers`` processes; ``on_result(i, value_or_exception)`` per task, any order."""
    pool = [Worker() for _ in range(max(1, min(workers, len(tasks))))]
    next_i = 0
    assigned: dict[int, int] = {}  # worker index -> task index
    try:
        for w in pool:
            w.ensure()
        while next_i < len(tasks) or assigned:
            for wi, w in enumerate(pool):
                if wi not in assigned and next_i < len(tasks):
                    try:
                        w.submit(*tasks[next_i])
                    except (OSError, WorkerCrashed) as exc:
                        w.kill()
                        on_result(next_i, WorkerCrashed(str(exc)))
                        next_i += 1
                        continue
                    assigned[wi] = next_i
                    next_i += 1
            if not assigned:
                continue
            now = time.monotonic()
            wait_for = min(timeout - (now - (pool[wi].busy_since or now)) for wi in assigned)
            ready = wait([pool[wi].recv_conn for wi in assigned], timeout=max(0.0, wait_for))
            ready_ids = {id(c) for c in ready}
            for wi in list(assigned):
                w = pool[wi]
                if id(w.recv_conn) in ready_ids:
                    ti = assigned.pop(wi)
                    try:
                        on_result(ti, w.receive())
                    except WorkerCrashed as exc:
                        on_result(ti, exc)
                elif w.busy_since is not None and time.monotonic() - w.busy_since >= timeout:
                    ti = assigned.pop(wi)
                    w.kill()
                    on_result(ti, WorkerTimeout(f"no answer within {timeout:g}s"))
    finally:
        for w in pool:
            w.kill()


def _serve(read_fd: int, write_fd: int) -> None:
    recv = Connection(read_fd, writable=False)
    send = Connection(write_fd, readable=False)
    ops = {name: _resolve(name) for name in OPS}
    ops[_WARM_UP[0]](*_WARM_UP[1])
    send.send("ready")
    while True:
        try:
            op, args = recv.recv()
        except (EOFError, OSError):
            return
        try:
            send.send((True, ops[op](*args)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent as an 'error' verdict
            send.send((False, f"{type(exc).__name__}: {exc}"[:500]))


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
