"""The `redstar ingest`, `sql` and `stats` commands: exit codes, key output and error text."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from typer.testing import CliRunner

from redstar_data.cli.app import app

runner = CliRunner()


def _run(*args: str) -> Result:
    """Run `redstar ARGS` through ``main()``, i.e. inside the real error boundary, capturing its output."""
    from redstar_data.cli.app import main

    with runner.isolation() as streams, mock.patch.object(sys, "argv", ["redstar", *args]):
        out, err = streams[0], streams[1]
        code = 0
        try:
            main()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        text = out.getvalue().decode() + (err.getvalue().decode() if err is not None else "")
    return Result(code, text)


@dataclass
class Result:
    exit_code: int
    output: str

    @property
    def flat(self) -> str:
        """The output with rich's line wrapping undone (whitespace runs → one space)."""
        return " ".join(self.output.split())


@pytest.fixture
def cat_path(tmp_path: Path) -> str:
    return str(tmp_path / "cli.duckdb")


def test_ingest_synthetic_twice_and_stats(cat_path: str) -> None:
    r = _run("ingest", "synthetic:math?n=200&seed=1", "--catalog", cat_path)
    assert r.exit_code == 0, r.output
    assert "new, 0 already present" in r.flat and "synthetic-math" in r.flat
    r = _run("ingest", "synthetic:math?n=200&seed=1", "--catalog", cat_path)
    assert r.exit_code == 0 and "0 new, 200 already present" in r.flat
    r = _run("stats", "--catalog", cat_path)
    assert r.exit_code == 0 and "problems per source and domain" in r.flat and "synthetic-math" in r.flat


def test_ingest_with_maps_and_rejects(cat_path: str, tmp_path: Path) -> None:
    p = tmp_path / "qa.jsonl"
    p.write_text(json.dumps({"question": "Q?", "gt": "1"}) + "\nnot json\n")
    r = _run("ingest", str(p), "--map", "problem=question", "--map", "answer=gt", "--catalog", cat_path)
    assert r.exit_code == 0, r.output
    assert "1 new, 0 already present, 1 rejected" in r.flat and "invalid_json" in r.flat


def test_ingest_fails_only_when_nothing_could_be_read(cat_path: str, tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text("nope\n")
    r = _run("ingest", str(p), "--catalog", cat_path)
    assert r.exit_code == 1 and "nothing could be read" in r.flat
    assert "all rejected" in r.flat and "FROM rejects" in r.flat  # the hint shows where the reasons are
    r = _run("ingest", str(tmp_path / "missing.jsonl"), "--catalog", cat_path)
    assert r.exit_code == 1 and "does not exist" in r.flat
    blank = tmp_path / "blank.jsonl"
    blank.write_bytes(b"\n\r\n\n")  # no rows at all: nothing was rejected, so no pointer to rejects
    r = _run("ingest", str(blank), "--catalog", cat_path)
    assert r.exit_code == 1 and "it holds no rows" in r.flat and "FROM rejects" not in r.flat
    r = _run("ingest", str(p), "--map", "problem", "--catalog", cat_path)
    assert r.exit_code == 1 and "is not FIELD=COLUMN" in r.flat


def test_ingest_hub_offline(cat_path: str, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    r = _run("ingest", "hf:openai/gsm8k", "--catalog", cat_path)
    assert r.exit_code == 1 and "Hub is unreachable" in r.flat


def test_sql_table_formats_and_errors(cat_path: str, tmp_path: Path) -> None:
    assert _run("ingest", "synthetic:math?n=50&seed=0", "--catalog", cat_path).exit_code == 0
    r = _run("sql", "SELECT count(*) AS n FROM problems", "--catalog", cat_path)
    assert r.exit_code == 0 and "50" in r.flat
    r = _run("sql", "SELEC 1", "--catalog", cat_path)
    assert r.exit_code == 1 and "Parser Error" in r.flat and "query: SELEC 1" in r.flat
    assert "Traceback" not in r.flat
    r = _run(
        "sql",
        "SELECT problem_id, level FROM problems ORDER BY 1 LIMIT 3",
        "--format",
        "csv",
        "--catalog",
        cat_path,
    )
    assert r.exit_code == 0 and r.output.splitlines()[0] == '"problem_id","level"'
    out = tmp_path / "p.parquet"
    r = _run("sql", "SELECT * FROM problems", "--format", "parquet", "--out", str(out), "--catalog", cat_path)
    import pyarrow.parquet as pq

    assert r.exit_code == 0 and pq.read_table(out).num_rows == 50
    r = _run("sql", "SELECT 1", "--format", "parquet", "--catalog", cat_path)
    assert r.exit_code == 1 and "needs --out" in r.flat
    r = _run("sql", "SELECT * FROM problems", "--format", "xml", "--catalog", cat_path)
    assert r.exit_code == 1 and "unknown format" in r.flat


def test_sql_is_read_only(cat_path: str) -> None:
    assert _run("ingest", "synthetic:math?n=5&seed=0", "--catalog", cat_path).exit_code == 0
    r = _run("sql", "DELETE FROM problems", "--catalog", cat_path)
    assert r.exit_code == 1 and "read-only" in r.flat.lower()


def test_sql_named_and_list(cat_path: str) -> None:
    assert _run("ingest", "synthetic:math?n=20&seed=0", "--catalog", cat_path).exit_code == 0
    r = _run("sql", "--list", "--catalog", cat_path)
    assert r.exit_code == 0 and "problems_by_source" in r.flat
    r = _run("sql", "--named", "problems_by_source", "--catalog", cat_path)
    assert r.exit_code == 0 and "synthetic-math" in r.flat
    r = _run("sql", "--named", "problems_by_sourc", "--catalog", cat_path)
    assert r.exit_code == 1 and "did you mean 'problems_by_source'" in r.flat


def test_sql_on_missing_catalog(tmp_path: Path) -> None:
    r = _run("sql", "SELECT 1", "--catalog", str(tmp_path / "none.duckdb"))
    assert r.exit_code == 1 and "does not exist" in r.flat


@pytest.mark.parametrize("cmd", [[], ["ingest"], ["sql"], ["stats"]])
def test_help_shows_an_example(cmd: list[str]) -> None:
    r = runner.invoke(app, [*cmd, "--help"])
    flat = " ".join(r.output.split())
    assert r.exit_code == 0 and "Example" in flat
    if cmd:
        assert f"redstar {cmd[0]}" in flat
