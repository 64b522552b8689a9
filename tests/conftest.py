"""Shared fixtures: a real DuckDB catalog file per test, one torch thread, offline Hub settings."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from redstar_data.ids import problem_id

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# One torch thread: training tests are 10-20x slower with 2 threads on 2-core machines (TRAINING-NOTES).
# Set before torch is imported anywhere, so torch starts with one intra-op thread.
os.environ.setdefault("OMP_NUM_THREADS", "1")

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def catalog_path(tmp_path: Path) -> Path:
    return tmp_path / "catalog.duckdb"


@pytest.fixture
def catalog(catalog_path: Path):
    """A fresh, migrated catalog file; closed after the test."""
    from redstar_data.catalog import Catalog

    cat = Catalog.open(catalog_path)
    yield cat
    cat.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip when this checkout has none."""
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent")
    return SHARED


def _has_gpu() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if gpu_items and not _has_gpu():
        for item in gpu_items:
            item.add_marker(pytest.mark.skip(reason="needs a CUDA GPU"))


# -- rows straight into a real catalog (no dependency on the ingest stage) --------------------------------


def add_problems(
    cat: Any,
    source: str,
    texts: Sequence[str],
    *,
    benchmark: bool = False,
    answers: Sequence[str | None] | None = None,
) -> list[str]:
    """Insert a source (if new) and its problems + memberships; returns the problem ids in order."""
    cat.execute(
        "INSERT INTO sources (source_id, kind, uri, is_benchmark) SELECT ?, ?, ?, ? "
        "WHERE NOT EXISTS (SELECT 1 FROM sources WHERE source_id = ?)",
        [source, "benchmark" if benchmark else "jsonl", f"test://{source}", benchmark, source],
    )
    ids = [problem_id(t) for t in texts]
    ans = list(answers) if answers is not None else [None] * len(texts)
    probs = pa.table(
        {
            "problem_id": ids,
            "source_id": [source] * len(ids),
            "row_number": list(range(1, len(ids) + 1)),
            "domain": ["math"] * len(ids),
            "problem": list(texts),
            "answer": pa.array(ans, pa.string()),
        }
    )
    cat.insert_new("problems", probs, ["problem_id"])
    mem = pa.table({"problem_id": ids, "source_id": [source] * len(ids)})
    cat.insert_new("problem_sources", mem, ["problem_id", "source_id"])
    return ids


@pytest.fixture
def add() -> Any:
    """``add(cat, source, texts, benchmark=False, answers=None)`` inserts a source and its problems."""
    return add_problems
