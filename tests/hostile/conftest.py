"""Helpers for the hostile-input suite: a catalog snapshot (every table's rows, hashed) and a CLI runner
that goes through the real error boundary, so "one line, no traceback" is what a user would see."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


def snapshot(path: Path) -> dict[str, Any]:
    """Every table, view and row of the catalog at ``path`` (read-only), as counts and content hashes."""
    from redstar_data.catalog import Catalog

    with Catalog.open(path, read_only=True) as cat:
        objs = cat.arrow(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_catalog = current_database() ORDER BY 1"
        ).to_pylist()
        out: dict[str, Any] = {"objects": [(o["table_name"], o["table_type"]) for o in objs]}
        for o in objs:
            if o["table_type"] == "BASE TABLE":
                t = o["table_name"]
                out[t] = cat.arrow(
                    f'SELECT count(*) AS n, coalesce(bit_xor(hash(x)), 0) AS h FROM "{t}" x'
                ).to_pylist()
    return out


@dataclass
class CliResult:
    code: int
    out: str
    err: str
    seconds: float


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """``run_cli([...])``: `redstar ...` through ``main()`` (the error boundary), returning code/out/err."""
    from redstar_data.cli.app import main

    monkeypatch.setenv("COLUMNS", "4000")  # rich wraps at the terminal width; keep each message on its line

    def _run(args: Sequence[str]) -> CliResult:
        argv = sys.argv
        sys.argv = ["redstar", *map(str, args)]
        t0 = time.perf_counter()
        code = 0
        try:
            main()
        except SystemExit as e:
            code = int(e.code or 0)
        finally:
            sys.argv = argv
        cap = capsys.readouterr()
        return CliResult(code, cap.out, cap.err, time.perf_counter() - t0)

    return _run


def one_line_error(res: CliResult) -> str:
    """The error line of a failed command; asserts it failed cleanly (exit 1, no traceback)."""
    assert res.code == 1, (res.code, res.out, res.err)
    assert "Traceback" not in res.err and "Traceback" not in res.out, res.err
    lines = [ln for ln in res.err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, res.err
    return res.err
