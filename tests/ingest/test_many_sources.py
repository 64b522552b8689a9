"""Several sources per ingest call: paths, globs and folders, each file its own source (issue 15, finding 9)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from redstar_data.cli.app import app
from redstar_data.errors import ConfigError, IngestError
from redstar_data.ingest.run import expand_sources


def _write(p, n, tag):
    p.write_text(
        "".join(json.dumps({"problem": f"{tag} problem {i}?", "answer": str(i)}) + "\n" for i in range(n))
    )


def test_paths_globs_and_folders_each_become_sources(tmp_path, catalog_path):
    d = tmp_path / "outs"
    d.mkdir()
    _write(d / "a.jsonl", 3, "a")
    _write(d / "b.jsonl", 2, "b")
    (d / "notes.txt").write_text("not data")
    _write(tmp_path / "c.jsonl", 4, "c")
    assert expand_sources([str(d)]) == [str(d / "a.jsonl"), str(d / "b.jsonl")]
    assert expand_sources([str(d / "*.jsonl")]) == [str(d / "a.jsonl"), str(d / "b.jsonl")]
    res = CliRunner().invoke(
        app, ["ingest", str(d), str(tmp_path / "c.jsonl"), "--catalog", str(catalog_path)]
    )
    assert res.exit_code == 0, res.output
    from redstar_data.catalog import Catalog

    with Catalog.open(catalog_path) as cat:
        got = cat.arrow("SELECT source_id, count(*) AS n FROM problems GROUP BY 1 ORDER BY 1").to_pylist()
    assert got == [{"source_id": "a", "n": 3}, {"source_id": "b", "n": 2}, {"source_id": "c", "n": 4}]


def test_bad_patterns_and_name_with_many_sources_are_clear_errors(tmp_path, catalog_path):
    with pytest.raises(IngestError, match="no file matches"):
        expand_sources([str(tmp_path / "*.jsonl")])
    _write(tmp_path / "a.jsonl", 1, "a")
    _write(tmp_path / "b.jsonl", 1, "b")
    res = CliRunner().invoke(
        app, ["ingest", str(tmp_path / "*.jsonl"), "--name", "x", "--catalog", str(catalog_path)]
    )
    assert isinstance(res.exception, ConfigError) and "--name names one source" in str(res.exception)
