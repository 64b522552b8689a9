"""ReplicaPool: one streaming backend over N replicas (Ray actors, or OpenAI-compatible endpoints).

``generate()`` stays exactly as it is for one process: it plans the missing (problem, sample) pairs,
pulls requests lazily, and is the only writer of the catalog (commits in batches, anti-joined on
``trace_id``). The pool only decides WHERE each request runs:

* work goes out in units (``chunk_size`` requests); each replica holds at most ``max_inflight`` units,
  and the least-loaded healthy replica gets the next one, so a slow replica simply receives less;
* a unit's completions are yielded once, when its replica returns them; a unit whose replica failed
  (exception, dead actor, unreachable endpoint) goes back to the FRONT of the queue and runs elsewhere,
  so a lost worker costs only the time of its in-flight units, never a trace;
* a replica that fails ``max_failures`` times in a row is dropped and reported (``telemetry()``), not
  retried forever; a unit that failed on ``max_unit_attempts`` replicas becomes "error" completions
  (retried by the next run), so one poison request cannot take the whole pool down;
* a unit running longer than ``unit_timeout_s`` (a hung engine) counts as a failure and is re-queued;
* when every replica is dropped the stream raises ``BackendError``: ``generate()`` commits what it holds
  and the same command resumes later.

Replicas are anything with ``submit(requests) -> concurrent.futures.Future[list[Completion]]``; the
Ray actors live in ``ray_pool.py`` and the endpoint pool in ``endpoint_pool.py``. This module imports
neither Ray nor HTTP code.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import itertools
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from redstar_data.errors import BackendError, ConfigError
from redstar_data.generate.backends.base import Completion, GenerationRequest


class Replica(Protocol):
    """One worker: runs a list of requests somewhere and resolves a future with their completions."""

    name: str

    def submit(self, requests: Sequence[GenerationRequest]) -> cf.Future[list[Completion]]: ...

    def info(self) -> dict[str, Any]:
        """Where it runs (node, pid, devices): shown in the progress bar and stored in ``runs.stats``."""
        ...

    def close(self) -> None: ...


@dataclass
class _Unit:
    requests: list[GenerationRequest]
    attempts: int = 0
    started: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def n_samples(self) -> int:
        return sum(len(r.sample_indices) for r in self.requests)


@dataclass
class ReplicaHealth:
    """Counters of one replica; ``status``: ok | failing (last unit failed) | dropped."""

    name: str
    info: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"
    units_done: int = 0
    traces: int = 0
    tokens: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    in_flight: int = 0
    last_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            **self.info,
            "status": self.status,
            "units_done": self.units_done,
            "traces": self.traces,
            "tokens": self.tokens,
            "failures": self.failures,
            "last_error": self.last_error,
        }


class ReplicaPool:
    """A ``StreamingBackend`` that spreads requests over replicas; see the module docstring.

    ``name`` and ``model`` are those of the replicated backend, so the default run id is the same as a
    one-process run of it: a run started on one machine can be finished on a cluster and back.
    """

    def __init__(
        self,
        name: str,
        model: str,
        replicas: Sequence[Replica],
        *,
        chunk_size: int = 8,
        max_inflight: int = 2,
        max_failures: int = 3,
        max_unit_attempts: int = 3,
        unit_timeout_s: float | None = None,
        describe: dict[str, Any] | None = None,
    ) -> None:
        if not replicas:
            raise ConfigError("a replica pool needs at least one replica", key="replicas")
        for k, v in (("chunk_size", chunk_size), ("max_inflight", max_inflight)):
            if v < 1:
                raise ConfigError(f"{k} must be at least 1, got {v}", key=k)
        self.name = name
        self.model = model
        self.replicas = list(replicas)
        self.chunk_size = int(chunk_size)
        self.max_inflight = int(max_inflight)
        self.max_failures = max(1, int(max_failures))
        self.max_unit_attempts = max(1, int(max_unit_attempts))
        self.unit_timeout_s = float(unit_timeout_s) if unit_timeout_s else None
        self._describe = dict(describe or {})
        self.health = [ReplicaHealth(r.name, _safe_info(r)) for r in self.replicas]
        self.requeued_units = 0
        self.given_up_samples = 0

    # -- GenerationBackend ---------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        return {**self._describe, "replicas": len(self.replicas), "chunk_size": self.chunk_size}

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        return [c for batch in self.stream(requests) for c in batch]

    def close(self) -> None:
        for r in self.replicas:
            try:
                r.close()
            except Exception:  # closing a dead replica must not hide the run's outcome
                pass

    # -- telemetry ---------------------------------------------------------------------------------
    def telemetry(self) -> dict[str, Any]:
        """Per-replica health and pool counters, for the progress bar and ``runs.stats``."""
        return {
            "replicas": [h.to_dict() for h in self.health],
            "replicas_ok": sum(h.status != "dropped" for h in self.health),
            "requeued_units": self.requeued_units,
            "given_up_samples": self.given_up_samples,
            "failures": sum(h.failures for h in self.health),
        }

    def health_line(self) -> str:
        """``r0 ok 120 · r1 dropped · r2 failing 3``: one short line for the progress bar."""
        parts = []
        for h in self.health:
            s = f"{h.name} {h.status}"
            if h.status != "dropped":
                s += f" {h.traces}"
            parts.append(s)
        return " · ".join(parts)

    # -- StreamingBackend --------------------------------------------------------------------------
    def stream(
        self, requests: Iterable[GenerationRequest], max_wait_s: float | None = None
    ) -> Iterator[list[Completion]]:
        """Yield each unit's completions as its replica returns them (``[]`` after ``max_wait_s`` idle)."""
        it = iter(requests)
        queue: collections.deque[_Unit] = collections.deque()  # re-queued units first, then new ones
        running: dict[cf.Future[list[Completion]], tuple[int, _Unit]] = {}
        exhausted = False

        def next_unit() -> _Unit | None:
            nonlocal exhausted
            if queue:
                return queue.popleft()
            if exhausted:
                return None
            chunk = list(itertools.islice(it, self.chunk_size))
            if not chunk:
                exhausted = True
                return None
            return _Unit(chunk)

        try:
            while True:
                while True:  # fill every free slot of every healthy replica, least loaded first
                    alive = [i for i, h in enumerate(self.health) if h.status != "dropped"]
                    if not alive and (queue or not exhausted):
                        raise BackendError(
                            f"all {len(self.replicas)} replicas failed; last errors: "
                            + "; ".join(f"{h.name}: {h.last_error}" for h in self.health),
                            hint="committed traces are kept: fix the workers and run the same command again",
                        )
                    free = [i for i in alive if self.health[i].in_flight < self.max_inflight]
                    if not free:
                        break
                    unit = next_unit()
                    if unit is None:
                        break
                    i = min(free, key=lambda j: (self.health[j].in_flight, self.health[j].units_done))
                    try:
                        fut = self.replicas[i].submit(unit.requests)
                    except Exception as e:  # a replica that cannot even take work counts as failing
                        queue.appendleft(unit)
                        self._failed(i, e)
                        continue
                    self.health[i].in_flight += 1
                    unit.started = time.monotonic()
                    running[fut] = (i, unit)
                if not running:
                    return
                wait = max_wait_s
                if self.unit_timeout_s is not None:  # wake up for the next unit that runs out of time
                    first = min(u.started for _, u in running.values()) + self.unit_timeout_s
                    left = max(0.0, first - time.monotonic())
                    wait = left if wait is None else min(wait, left)
                done, _ = cf.wait(list(running), timeout=wait, return_when=cf.FIRST_COMPLETED)
                out: list[Completion] = []
                out.extend(self._expire(running, set(done), queue))
                for fut in done:
                    if fut not in running:  # discarded with its dead replica in this same round
                        continue
                    i, unit = running.pop(fut)
                    h = self.health[i]
                    h.in_flight -= 1
                    try:
                        got = fut.result()
                    except Exception as e:
                        lost = [unit]
                        if _is_fatal(self.replicas[i], e):  # the replica died: all it held is lost
                            for f in [f for f, (j, _) in running.items() if j == i]:
                                lost.append(running.pop(f)[1])
                                f.cancel()
                            h.in_flight = 0
                        self._failed(i, e)
                        if h.status == "dropped":
                            for f in [f for f, (j, _) in running.items() if j == i]:
                                lost.append(running.pop(f)[1])
                                f.cancel()
                            h.in_flight = 0
                        for u in lost:
                            out.extend(self._requeue(u, h, e, queue))
                        continue
                    h.units_done += 1
                    h.consecutive_failures = 0
                    if h.status == "failing":
                        h.status = "ok"
                    h.traces += sum(c.finish_reason != "error" for c in got)
                    h.tokens += sum(c.n_tokens or 0 for c in got)
                    out.extend(got)
                yield out
        finally:
            for fut in running:
                fut.cancel()

    def _expire(
        self,
        running: dict[cf.Future[list[Completion]], tuple[int, _Unit]],
        done: set[cf.Future[list[Completion]]],
        queue: collections.deque[_Unit],
    ) -> list[Completion]:
        """Units running past ``unit_timeout_s`` (a hung replica) count as failures and are re-queued;
        their late answers, if any, are ignored."""
        if self.unit_timeout_s is None:
            return []
        now, out = time.monotonic(), []
        for fut, (i, unit) in list(running.items()):
            if fut not in running or fut in done or now - unit.started < self.unit_timeout_s:
                continue
            del running[fut]
            fut.cancel()
            h = self.health[i]
            h.in_flight -= 1
            err = TimeoutError(f"no answer after {self.unit_timeout_s:g} s")
            self._failed(i, err)
            if h.status == "dropped":
                for f in [f for f, (j, _) in running.items() if j == i]:
                    out.extend(self._requeue(running.pop(f)[1], h, err, queue))
                    f.cancel()
                h.in_flight = 0
            out.extend(self._requeue(unit, h, err, queue))
        return out

    def _requeue(
        self, unit: _Unit, h: ReplicaHealth, err: BaseException, queue: collections.deque[_Unit]
    ) -> list[Completion]:
        """Put ``unit`` back at the front, or give up on it after ``max_unit_attempts`` failures."""
        unit.attempts += 1
        unit.errors.append(f"{h.name}: {_short(err)}")
        if unit.attempts < self.max_unit_attempts:
            self.requeued_units += 1
            queue.appendleft(unit)
            return []
        msg = f"failed on {unit.attempts} replica attempts ({'; '.join(unit.errors[-3:])})"
        self.given_up_samples += unit.n_samples
        return [Completion(r.key, i, "", "error", error=msg) for r in unit.requests for i in r.sample_indices]

    def _failed(self, i: int, err: BaseException) -> None:
        """Count a failure of replica ``i``; drop (and close) it after ``max_failures`` in a row."""
        h = self.health[i]
        h.failures += 1
        h.consecutive_failures += 1
        h.last_error = _short(err)
        if h.consecutive_failures < self.max_failures:
            h.status = "failing"
            return
        h.status = "dropped"
        try:
            self.replicas[i].close()
        except Exception:
            pass


def _short(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}".strip()
    return text.splitlines()[0][:300] if text else type(err).__name__


def _safe_info(r: Replica) -> dict[str, Any]:
    try:
        return dict(r.info())
    except Exception as e:  # a replica that cannot describe itself still takes work
        return {"info_error": _short(e)}


def _is_fatal(replica: Replica, err: BaseException) -> bool:
    """Did ``err`` kill the replica (so its other in-flight units are lost too)? Asks the replica."""
    check = getattr(replica, "is_fatal", None)
    return bool(check(err)) if callable(check) else False


class ThreadReplica:
    """A replica in a local worker thread: any backend object, one ``generate`` call at a time.

    For in-process pools (tests, or several blocking clients on one machine); the cluster replicas are
    ``ray_pool.RayReplica``."""

    def __init__(self, name: str, backend: Any) -> None:
        self.name = name
        self.backend = backend
        self._pool = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"redstar-{name}")

    def info(self) -> dict[str, Any]:
        return {"thread": self.name}

    def submit(self, requests: Sequence[GenerationRequest]) -> cf.Future[list[Completion]]:
        return self._pool.submit(self.backend.generate, list(requests))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
