"""A pool of OpenAI-compatible endpoints (``--base-url`` given several times): load balancing, no Ray.

For a team with N ``vllm serve`` boxes: each endpoint is one ``OpenAIBackend`` (its retries, ``n``
handling and explicit sampling fields unchanged), all driven from one asyncio loop on a background
thread, and ``ReplicaPool`` sends each problem to the endpoint with the fewest requests in flight
(``--concurrency`` per endpoint). A request that an endpoint could not answer (connection refused,
timeouts or 5xx after its retries) is re-asked on another endpoint; an endpoint that fails
``max_failures`` requests in a row is dropped and reported. A problem-specific error (HTTP 400, e.g.
context too long) stays an "error" completion of that problem, as with one endpoint.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import threading
from collections.abc import Sequence
from typing import Any

from redstar_data.errors import BackendError, ConfigError
from redstar_data.generate.backends.base import Completion, GenerationRequest
from redstar_data.generate.backends.openai_http import OpenAIBackend
from redstar_data.generate.pool import ReplicaPool

# what OpenAIBackend writes into an "error" completion when the endpoint, not the problem, failed
_ENDPOINT_ERRORS = ("connection error", "timeout after", "gave up after")


class _Loop:
    """One event loop on a daemon thread, shared by every endpoint of a pool."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="redstar-endpoints", daemon=True)
        self.thread.start()

    def close(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
        if not self.loop.is_running() and not self.loop.is_closed():
            self.loop.close()


class EndpointReplica:
    """One endpoint of the pool; ``submit`` schedules its requests on the shared loop."""

    def __init__(self, name: str, backend: OpenAIBackend, loop: _Loop) -> None:
        self.name = name
        self.backend = backend
        self._loop = loop

    def info(self) -> dict[str, Any]:
        return {"base_url": self.backend.base_url}

    def submit(self, requests: Sequence[GenerationRequest]) -> cf.Future[list[Completion]]:
        return asyncio.run_coroutine_threadsafe(self._run(list(requests)), self._loop.loop)

    async def _run(self, requests: list[GenerationRequest]) -> list[Completion]:
        got = await self.backend.agenerate(requests)
        down = [c.error for c in got if c.finish_reason == "error" and _endpoint_failed(c.error)]
        if down:
            raise BackendError(f"{self.backend.base_url}: {down[0]}", transient=True)
        return got

    def close(self) -> None:
        client = self.backend._client
        self.backend._client = None
        if client is not None and self._loop.loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(client.aclose(), self._loop.loop).result(timeout=10)
            except Exception:  # closing a dead endpoint's pool must not hide the run's outcome
                pass


def _endpoint_failed(error: str | None) -> bool:
    e = (error or "").lower()
    return any(m in e for m in _ENDPOINT_ERRORS) or e.startswith("http 5")


class EndpointPool(ReplicaPool):
    """``ReplicaPool`` over OpenAI-compatible endpoints; closes the shared loop on ``close``."""

    def __init__(self, replicas: Sequence[EndpointReplica], loop: _Loop, **kwargs: Any) -> None:
        super().__init__("openai", replicas[0].backend.model, replicas, **kwargs)
        self._loop = loop

    def close(self) -> None:
        super().close()
        self._loop.close()


def endpoint_pool(
    base_urls: Sequence[str], options: dict[str, Any], *, max_failures: int = 3
) -> EndpointPool:
    """An ``openai`` backend over several ``base_urls``; ``options`` are ``OpenAIBackend``'s (model,
    concurrency per endpoint, retries, ...)."""
    urls = list(dict.fromkeys(u.rstrip("/") for u in base_urls))
    if len(urls) < 1:
        raise ConfigError("an endpoint pool needs at least one --base-url", key="base_url")
    opts = {k: v for k, v in options.items() if k != "base_url"}
    loop = _Loop()
    reps = [EndpointReplica(f"e{i}", OpenAIBackend(base_url=u, **opts), loop) for i, u in enumerate(urls)]
    conc = reps[0].backend.concurrency
    return EndpointPool(
        reps,
        loop,
        chunk_size=1,
        max_inflight=conc,
        max_failures=max_failures,
        describe={**reps[0].backend.describe(), "base_url": urls},
    )
