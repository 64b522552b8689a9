"""Helpers for the hostile-input suite: a catalog snapshot (every table's rows, hashed) and a CLI runner
that goes through the real error boundary, so "one line, no traceback" is what a user would see."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
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


# -- the summary table: cases tried / handled / rows lost / max seconds, per area -------------------------
AREAS = {
    "test_ingest_hostile": "ingest",
    "test_sql_fragments": "recipes and SQL fragments",
    "test_config_and_sql": "recipes and SQL fragments",
    "test_export_paths": "export paths",
    "test_secrets": "secrets",
}
_cases: dict[str, int] = {}  # test nodeid -> hostile cases it tried (default 1)
_lost: dict[str, int] = defaultdict(int)  # test nodeid -> rows read but not accounted for
_rows: dict[str, list] = defaultdict(lambda: [0, 0, 0, 0.0])  # area -> [tried, handled, lost, max s]


@pytest.fixture
def cases(request):
    """``cases(n)``: this test tried ``n`` hostile inputs (one test looping over several)."""

    def _set(n: int) -> None:
        _cases[request.node.nodeid] = n

    return _set


@pytest.fixture
def accounted(request):
    """``accounted(report)``: asserts read = new + present + rejected + skipped, recording any rows lost."""

    def _check(r) -> None:
        lost = r.n_read - (r.n_new + r.n_present + r.n_rejected + r.n_skipped)
        _lost[request.node.nodeid] += abs(lost)
        assert lost == 0, r

    return _check


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    area = AREAS.get(report.nodeid.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py"))
    if area is None:
        return
    row = _rows[area]
    n = _cases.get(report.nodeid, 1)
    row[0] += n
    row[1] += n if report.passed else 0
    row[2] += _lost.get(report.nodeid, 0)
    row[3] = max(row[3], report.duration)


def pytest_terminal_summary(terminalreporter) -> None:
    if not _rows:
        return
    tr = terminalreporter
    tr.write_sep("-", "hostile inputs: cases tried / handled / rows lost / max seconds per test")
    tr.write_line(f"{'area':28} {'tried':>6} {'handled':>8} {'rows lost':>10} {'max s':>7}")
    for area, (tried, handled, lost, mx) in sorted(_rows.items()):
        tr.write_line(f"{area:28} {tried:>6} {handled:>8} {lost:>10} {mx:>7.1f}")
