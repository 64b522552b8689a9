"""`redstar generate` killed with SIGKILL at several points, then resumed: every trace exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redstar_data.catalog import Catalog
from redstar_data.cli.app import app
from redstar_data.errors import ConfigError

from .conftest import add_problems

pytestmark = pytest.mark.slow  # more than ~10 s: real training / subprocesses; CI runs it too

N_PROBLEMS, N = 40, 4


def _cmd(path: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "redstar_data",
        "generate",
        "--backend",
        "scripted",
        "-n",
        str(N),
        "--max-tokens",
        "4000",
        "--batch-size",
        "2",
        "-o",
        "delay_s=0.02",
        "--catalog",
        str(path),
    ]


def _wait_for_commits(proc: subprocess.Popen, wal: Path, changes: int, timeout: float = 60.0) -> bool:
    """Wait until the WAL file changed ``changes`` times (each commit appends to it); False if proc ended."""
    last, seen, t0 = None, 0, time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            return False
        size = wal.stat().st_size if wal.exists() else None
        if size is not None and size != last:
            seen += last is not None or size > 0
            last = size
            if seen >= changes:
                return True
        time.sleep(0.002)
    return False


def _state(path: Path) -> tuple[int, int, int, str]:
    with Catalog.open(path) as cat:
        row = cat.rows(
            "SELECT count(*), count(DISTINCT trace_id), count(DISTINCT (problem_id, sample_index)) "
            "FROM traces"
        )[0]
        status = cat.scalar("SELECT status FROM runs")
    return int(row[0]), int(row[1]), int(row[2]), status


def test_sigkill_at_several_points_then_resume(tmp_path):
    path = tmp_path / "cat.duckdb"
    with Catalog.open(path) as cat:
        add_problems(cat, N_PROBLEMS)
    wal = Path(str(path) + ".wal")
    env = {**os.environ, "COLUMNS": "200"}
    counts, mid_run_kills = [], 0
    for changes in (3, 4, 6):
        proc = subprocess.Popen(_cmd(path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        killed = _wait_for_commits(proc, wal, changes)
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        n, distinct, pairs, status = _state(path)
        assert n == distinct == pairs  # never a duplicate, whatever the kill point
        if killed and n < N_PROBLEMS * N:
            mid_run_kills += 1
            assert status == "running"  # killed -9: nothing could mark it
            assert n % N == 0  # whole batches only (2 problems x 4 samples per commit)
        counts.append(n)
    assert mid_run_kills >= 2, counts
    assert counts == sorted(counts) and counts[-1] > counts[0]  # each attempt made progress

    done = subprocess.run(_cmd(path), capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    n, distinct, pairs, status = _state(path)
    assert (n, distinct, pairs, status) == (N_PROBLEMS * N, N_PROBLEMS * N, N_PROBLEMS * N, "finished")
    with Catalog.open(path) as cat:
        per = cat.arrow(
            "SELECT problem_id, list(sample_index ORDER BY sample_index) AS s FROM traces GROUP BY 1"
        ).to_pylist()
    assert len(per) == N_PROBLEMS and all(r["s"] == list(range(N)) for r in per)


def test_cli_summary_and_errors(tmp_path):
    path = tmp_path / "c.duckdb"
    with Catalog.open(path) as cat:
        add_problems(cat, 3)
    runner = CliRunner()
    r = runner.invoke(app, ["generate", "-n", "2", "--catalog", str(path), "--run", "demo"])
    assert r.exit_code == 0, r.output
    assert "run id: demo" in r.output
    r = runner.invoke(app, ["generate", "-n", "2", "--catalog", str(path), "--run", "demo"])
    assert r.exit_code == 0 and "already there" in r.output
    r = runner.invoke(app, ["generate", "-b", "openai", "--catalog", str(path)])
    assert isinstance(r.exception, ConfigError) and "--model is required for the openai backend" in str(
        r.exception
    )
    r = runner.invoke(app, ["generate", "-o", "nonsense=1", "--catalog", str(path)])
    assert isinstance(r.exception, ConfigError) and "the scripted backend has no option 'nonsense'" in str(
        r.exception
    )
    prompts = tmp_path / "p.yaml"
    prompts.write_text("system: Be brief.\n")
    r = runner.invoke(app, ["generate", "-n", "1", "--prompts", str(prompts), "--catalog", str(path)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["generate", "-n", "1", "-x", "top_k=20", "--run", "x", "--catalog", str(path)])
    assert r.exit_code == 0, r.output
    with Catalog.open(path) as cat:
        assert cat.scalar("SELECT count(*) FROM runs WHERE system_prompt = 'Be brief.'") == 1
        assert cat.scalar("SELECT sampling_params->>'$.extra.top_k' FROM runs WHERE run_id = 'x'") == "20"
