"""A local Ray cluster (2 CPUs) owned by the test session; run with ``pytest -m ray`` (see .ci/run)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def ray_cluster():
    """Start a private 2-CPU Ray cluster in this process; yields its GCS address (for other drivers)."""
    ray = pytest.importorskip("ray")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()  # stops the cluster this process started, and only that one
