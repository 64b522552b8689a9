"""`redstar generate` killed with SIGKILL at several points, then resumed: every trace exactly once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redstar_data.catalog import Catalog
from redstar_data.cli.app import app
from redstar_data.errors import ConfigError

from .conftest import add_problems

pytestmark = pytest.mark.slow  # more than ~10 s: real training / subprocesses; CI runs it too

N_PROBLEMS, N = 40, 4


CHILD = Path(__file__).with_name("_held_generate.py")
BATCH = 2 * N  # traces per commit: --batch-size 2 problems x N samples


def _args(path: Path, backend: str) -> list[str]:
    return [
        "generate",
        "--backend",
        backend,
        "--model",
        "scripted-teacher-v1",  # the scripted default, spelled out: the held stand-in has no default
        "--run",
        "resume",
        "-n",
        str(N),
        "--max-tokens",
        "4000",
        "--batch-size",
        "2",
        "--catalog",
        str(path),
    ]


def run_until_held(cli_args: list[str], hold: str) -> bool:
    """Run ``redstar CLI_ARGS`` in a child that stops at ``hold`` (see _held_generate.py); SIGKILL it there.

    The child says ``held`` on a pipe before blocking, so the kill point is exact; False if it ended first.
    Also used by tests/ray_cluster (the driver killed inside a commit).
    """
    r, w = os.pipe()
    env = {**os.environ, "COLUMNS": "200", "REDSTAR_TEST_HOLD": hold, "REDSTAR_TEST_HOLD_FD": str(w)}
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), *cli_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        pass_fds=(w,),
    )
    os.close(w)  # EOF on r once the child is gone, whether it wrote or not
    try:
        with os.fdopen(r, "rb") as pipe:
            held = pipe.readline() == b"held\n"
        if held:
            os.kill(proc.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert held or proc.returncode == 0, err.decode()[-3000:]
    return held


def _state(path: Path) -> tuple[int, int, int, str]:
    with Catalog.open(path) as cat:
        row = cat.rows(
            "SELECT count(*), count(DISTINCT trace_id), count(DISTINCT (problem_id, sample_index)) "
            "FROM traces"
        )[0]
        status = cat.scalar("SELECT status FROM runs")
    return int(row[0]), int(row[1]), int(row[2]), status


def test_sigkill_at_several_points_then_resume(tmp_path):
    """SIGKILL while a batch is being generated, and inside a commit's transaction (after its insert):
    only whole committed batches stay, never a duplicate, and each resume asks only for what is missing."""
    path = tmp_path / "cat.duckdb"
    with Catalog.open(path) as cat:
        add_problems(cat, N_PROBLEMS)
    # (kill point, traces committed after it): counts are per attempt; each attempt resumes the last
    plan = [
        ("generate:2", 1 * BATCH),
        ("insert:4", 1 * BATCH + 3 * BATCH),
        ("generate:7", 4 * BATCH + 6 * BATCH),
    ]
    for hold, want in plan:
        assert run_until_held(_args(path, "held-scripted"), hold), hold
        n, distinct, pairs, status = _state(path)
        assert (n, distinct, pairs) == (want, want, want), hold  # whole commits only, never a duplicate
        assert status == "running"  # killed -9: nothing could mark it

    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "redstar_data", *_args(path, "scripted")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    table = {k.strip(): v.strip() for k, v in re.findall(r"│ ([a-z ()]+?)\s+│ (\S+)\s+│", done.stdout)}
    assert (table["already there"], table["generated now"]) == (
        str(10 * BATCH),
        str(N_PROBLEMS * N - 10 * BATCH),
    )
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
