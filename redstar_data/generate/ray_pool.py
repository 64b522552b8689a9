"""Ray replicas: N copies of any registered backend (vllm, transformers, scripted) as Ray actors.

Why plain actors and not a Ray Data actor pool: the driver must stay the only catalog writer and must
see each result as it finishes, to commit in batches and resume exactly; it must know which replica
holds which work, to re-queue a dead replica's units and drop one that keeps failing; and Ray Data LLM
keeps only ``outputs[0]`` of an ``n > 1`` request (TRAINING-NOTES §8) and pins its own vLLM. An actor
per replica, fed by ``ReplicaPool`` from the driver's plan, gives all of that in ~100 lines.

Each actor builds its backend once (one vLLM engine per replica, ``num_gpus = tensor_parallel_size``
so Ray places it on its own GPUs/node) and answers ``generate(requests)``. Actors are owned by the
driver: when the driver dies, Ray reaps them; nothing outside the driver touches the catalog.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import socket
from collections.abc import Sequence
from typing import Any

from redstar_data.deps import require
from redstar_data.generate.backends.base import Completion, GenerationRequest
from redstar_data.generate.pool import ReplicaPool


class _ReplicaServer:
    """The actor body (runs on a worker): one backend, built once, generating what the driver sends."""

    def __init__(self, backend: str, options: dict[str, Any]) -> None:
        from redstar_data.generate.backends import get_backend

        self.backend = get_backend(backend, **options)

    def info(self) -> dict[str, Any]:
        import ray

        ctx = ray.get_runtime_context()
        return {
            "node": socket.gethostname(),
            "node_id": ctx.get_node_id()[:12],
            "pid": os.getpid(),
            "gpus": [str(g) for g in ray.get_gpu_ids()],
        }

    def generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        return self.backend.generate(requests)

    def close(self) -> None:
        self.backend.close()


class RayReplica:
    """Driver-side handle of one actor: ``submit`` returns a future of the actor's answer."""

    def __init__(self, name: str, actor: Any) -> None:
        self.name = name
        self.actor = actor
        self._info: dict[str, Any] | None = None

    def info(self) -> dict[str, Any]:
        if self._info is None:
            import ray

            self._info = dict(ray.get(self.actor.info.remote(), timeout=600))
        return self._info

    def submit(self, requests: Sequence[GenerationRequest]) -> cf.Future[list[Completion]]:
        return self.actor.generate.remote(list(requests)).future()  # type: ignore[no-any-return]

    def is_fatal(self, err: BaseException) -> bool:
        """A dead actor (killed, node lost, OOM-killed) loses everything queued on it."""
        import ray.exceptions

        return isinstance(err, ray.exceptions.RayActorError)

    def close(self) -> None:
        import ray

        try:
            ray.kill(self.actor, no_restart=True)
        except Exception:  # already gone
            pass


def connect(address: str, num_cpus: int | None = None) -> dict[str, Any]:
    """Join the Ray cluster at ``address`` (``auto``, ``HOST:PORT``, ``ray://...``), or start a private
    local one with ``local``; returns the cluster's resources. Idempotent within a process."""
    (ray,) = require("--ray-address (Ray replicas)", "ray", "ray")
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
        if address == "local":
            kwargs["num_cpus"] = num_cpus
        else:
            kwargs["address"] = address
        try:
            ray.init(**kwargs)
        except (ConnectionError, RuntimeError, ValueError) as e:
            from redstar_data.errors import BackendError

            raise BackendError(
                f"cannot join the Ray cluster at {address!r}: {str(e).splitlines()[0] if str(e) else e!r}",
                hint="start one (`ray start --head` on the head node), pass its HOST:PORT, "
                "or use --ray-address local for a private cluster on this machine",
            ) from e
    return dict(ray.cluster_resources())


def ray_pool(
    backend: str,
    options: dict[str, Any],
    *,
    replicas: int,
    address: str = "auto",
    num_gpus: float | None = None,
    num_cpus: float = 1,
    max_restarts: int = 1,
    chunk_size: int = 8,
    max_inflight: int = 2,
    max_failures: int = 3,
    unit_timeout_s: float | None = None,
    local_cpus: int | None = None,
) -> ReplicaPool:
    """``replicas`` actors of ``backend`` (built with ``options``) on the cluster at ``address``.

    ``num_gpus`` per replica defaults to ``tensor_parallel_size`` for vllm (1 otherwise for vllm and
    transformers) when the cluster has GPUs, else 0. A killed actor is restarted by Ray up to
    ``max_restarts`` times; its in-flight units are re-queued on the others either way.
    """
    from redstar_data.errors import ConfigError
    from redstar_data.registry import BACKENDS

    if replicas < 1:
        raise ConfigError(f"--replicas must be at least 1, got {replicas}", key="replicas")
    resources = connect(address, local_cpus)
    import ray

    if num_gpus is None:
        has_gpu = resources.get("GPU", 0) > 0
        wants = int(options.get("tensor_parallel_size") or 1) if backend in ("vllm", "transformers") else 0
        num_gpus = float(wants) if has_gpu else 0.0
    cls = BACKENDS.get(backend)  # fail on the driver, with the registry's message, before any actor
    actor_cls = ray.remote(_ReplicaServer).options(
        num_cpus=num_cpus, num_gpus=num_gpus, max_restarts=max_restarts, max_task_retries=0
    )
    handles = [RayReplica(f"r{i}", actor_cls.remote(backend, dict(options))) for i in range(int(replicas))]
    model = str(options.get("model") or getattr(cls, "model", backend))
    return ReplicaPool(
        getattr(cls, "name", backend),
        model,
        handles,
        chunk_size=chunk_size,
        max_inflight=max_inflight,
        max_failures=max_failures,
        unit_timeout_s=unit_timeout_s,
        describe={
            "ray_address": address,
            "num_gpus_per_replica": num_gpus,
            "backend_options": {k: v for k, v in options.items() if k != "model"},
        },
    )
