"""Shared fixtures: a real DuckDB catalog file per test, one torch thread, offline Hub settings."""

from __future__ import annotations

import os
import shutil
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


@pytest.fixture(scope="session")
def migrated_catalog_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty catalog file migrated once per session by the real ``Catalog.open`` (closed, so checkpointed)."""
    from redstar_data.catalog import Catalog

    path = tmp_path_factory.mktemp("template") / "catalog.duckdb"
    Catalog.open(path).close()
    assert not path.with_name(path.name + ".wal").exists()
    return path


@pytest.fixture
def catalog(catalog_path: Path, migrated_catalog_file: Path):
    """A fresh, migrated catalog file; closed after the test.

    A copy of the session's migrated empty file, opened with ``Catalog.open`` (which finds nothing left to
    migrate): the same file a fresh open builds, without running every migration again for each test.
    tests/catalog/test_migrate.py migrates fresh files itself."""
    from redstar_data.catalog import Catalog

    shutil.copyfile(migrated_catalog_file, catalog_path)
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


# -- a demo catalog to look at (report and browse) ---------------------------------------------------------

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> What is 2 + 2?'


@pytest.fixture(scope="session")
def looked_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline demo (200 problems, 4 scripted traces each, verified, deduplicated, three exports) plus a
    benchmark with contamination rows and a problem whose text and trace are hostile HTML. Read-only use."""
    from redstar_data.catalog import Catalog
    from redstar_data.demo import RUN_ID, run_demo
    from redstar_data.ids import trace_id

    root = tmp_path_factory.mktemp("looked")
    path = root / "catalog.duckdb"
    with Catalog.open(path) as cat:
        # the math demo: three exports
        run_demo(cat, n=200, samples=4, out_dir=root / "exports", code=False, geometry=False)
        victims = [
            r[0] for r in cat.sql("SELECT problem_id FROM problems ORDER BY problem_id LIMIT 3").fetchall()
        ]
        [bench] = add_problems(cat, "bench500", ["A benchmark problem about sums."], benchmark=True)
        [hostile] = add_problems(cat, "hostile", [HOSTILE], answers=["4"])
        cat.append(
            "contamination",
            pa.table(
                {
                    "problem_id": [*victims, hostile],
                    "benchmark": ["bench500"] * 4,
                    "benchmark_problem_id": [bench] * 4,
                    "method": ["ngram", "ngram", "exact", "ngram"],
                    "ngram": [13, 13, None, 13],
                    "matched_ngrams": [5, 3, None, 9],
                    "overlap": ["a span of sums", "a span", None, "<script>window.__pwned = 3</script>"],
                }
            ),
        )
        tid = trace_id(hostile, RUN_ID, 0)
        cat.append(
            "traces",
            pa.table(
                {
                    "trace_id": [tid],
                    "problem_id": [hostile],
                    "run_id": [RUN_ID],
                    "sample_index": [0],
                    "text": [f"<think>{HOSTILE}</think> so the answer is \\boxed{{4}}"],
                    "finish_reason": ["stop"],
                    "n_tokens": [40],
                }
            ),
        )
    return path


@pytest.fixture(scope="module")
def chromium() -> Any:
    """A headless Debian chromium driven by Playwright (no browser download). Skips when chromium or
    playwright is missing, except in CI (``CI`` set), where .ci/run installs both and a miss is a failure.

    Module-scoped on purpose: Playwright's sync API keeps an asyncio loop running on the main thread while
    it is open, which would break later tests that call ``asyncio.run`` (the HTTP backends)."""
    import shutil

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if exe is None or sync_playwright is None:
        why = (
            "chromium is not installed (apt-get install -y chromium)"
            if exe is None
            else "playwright is missing"
        )
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {why}")
        pytest.skip(why)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


def save_screenshot(page: Any, tmp_path: Path, name: str) -> Path:
    """Screenshot into tmp_path; with REDSTAR_UPDATE_SCREENSHOTS=1 also into docs/img/ (the docs' pictures)."""
    shot = tmp_path / name
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("REDSTAR_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        (DOCS_IMG / name).write_bytes(shot.read_bytes())
    return shot


@pytest.fixture
def screenshot(tmp_path: Path) -> Any:
    """``screenshot(page, name)``: see save_screenshot."""
    return lambda page, name: save_screenshot(page, tmp_path, name)


@pytest.fixture(scope="session")
def tiny_vlm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random VLM (CLIP tower + Qwen2, PIL processor) of ``redstar train tiny-vlm``, built once."""
    pytest.importorskip("transformers")
    import torch

    from redstar_train.tiny_vlm import build_tiny_vlm

    torch.set_num_threads(1)
    return build_tiny_vlm(tmp_path_factory.mktemp("tiny_vlm"))
