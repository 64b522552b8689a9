"""Recipe YAML cannot blow up (alias bombs, recursion, huge files, through ``include:`` too), and `redstar sql`
is read-only in the full sense: no ATTACH for writing, no files, no extensions, no SET to undo it."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from redstar_data.catalog import Catalog

from .conftest import one_line_error, snapshot


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ({"r.yaml": "include: bomb.yaml\nname: x\n", "bomb.yaml": _bomb()}, "expands to more than 100,000"),
        ({"r.yaml": "name: x\n" + _bomb()}, "expands to more than 100,000"),
        ({"r.yaml": "name: x\nselect: &s {where: *s}\n"}, "refers to itself"),
        ({"r.yaml": "name: x\n# " + "x" * 1_100_000 + "\n"}, "at most 1,000,000"),
        ({"r.yaml": "include: [b.yaml]\nname: x\n", "b.yaml": b"name: \xff\xfe\n"}, "not UTF-8"),
    ],
)
def test_hostile_recipe_yaml_is_one_quick_line(tmp_path, run_cli, files, says):
    for name, text in files.items():
        (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    res = run_cli(["recipe", "validate", tmp_path / "r.yaml", "--catalog", tmp_path / "none.duckdb"])
    err = " ".join(one_line_error(res).split())
    assert says in err, err
    assert res.seconds < 5, res.seconds  # was 42 s and a traceback for the include bomb


def test_a_normal_recipe_with_aliases_still_loads(tmp_path, run_cli):
    (tmp_path / "r.yaml").write_text("name: x\nselect: {domains: &d [math]}\nmix: {weights: {a: 1}}\n")
    assert (
        run_cli(["recipe", "validate", tmp_path / "r.yaml", "--catalog", tmp_path / "none.duckdb"]).code == 0
    )


@pytest.fixture
def cat_file(tmp_path: Path) -> Path:
    p = tmp_path / "c.duckdb"
    with Catalog.open(p) as cat:
        cat.execute(
            "INSERT INTO sources (source_id, kind, uri) VALUES ('s', 'jsonl', 'x'), ('t', 'jsonl', 'y')"
        )
    return p


ESCAPES = [
    # (SQL, what DuckDB says)
    # the catalog again under another name (a symlink), for writing
    (
        "ATTACH '{link}' AS w (READ_ONLY false); DELETE FROM w.sources",
        ("disabled by configuration", "already attached"),
    ),
    ("ATTACH '{other}' AS o; CREATE TABLE o.t AS SELECT 1", "disabled by configuration"),
    ("COPY sources TO '{tmp}/leak.csv'", "disabled by configuration"),
    ("SELECT * FROM read_text('/etc/hostname')", "disabled by configuration"),
    ("SET enable_external_access = true; ATTACH '{link}' AS w (READ_ONLY false)", "locked"),
    ("SET lock_configuration = false", "locked"),
    ("LOAD httpfs", "disabled"),
    ("DELETE FROM sources", "read-only"),
]


@pytest.mark.parametrize(("sql", "says"), ESCAPES)
def test_sql_is_read_only_in_the_full_sense(tmp_path, cat_file, run_cli, sql, says):
    before = snapshot(cat_file)
    (tmp_path / "link.duckdb").symlink_to(cat_file)
    q = sql.format(link=tmp_path / "link.duckdb", other=tmp_path / "other.duckdb", tmp=tmp_path)
    err = " ".join(one_line_error(run_cli(["sql", q, "--catalog", cat_file])).split())
    assert any(x in err for x in ((says,) if isinstance(says, str) else says)), err
    assert snapshot(cat_file) == before
    assert not (tmp_path / "leak.csv").exists() and not (tmp_path / "other.duckdb").exists()


def test_external_access_is_a_flag_and_the_catalog_stays_read_only(tmp_path, cat_file, run_cli):
    before = snapshot(cat_file)
    res = run_cli(["sql", f"COPY sources TO '{tmp_path}/ok.csv'", "--external-access", "--catalog", cat_file])
    assert res.code == 0, res.err
    assert (tmp_path / "ok.csv").read_text().startswith("source_id")
    err = one_line_error(run_cli(["sql", "DELETE FROM sources", "--external-access", "--catalog", cat_file]))
    assert "read-only" in err
    assert snapshot(cat_file) == before


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_out_files_are_written_by_redstar_under_the_lock(tmp_path, cat_file, run_cli, fmt):
    out = tmp_path / f"o.{fmt}"
    res = run_cli(["sql", "SELECT source_id FROM sources ORDER BY 1", "--format", fmt, "--out", out,
                   "--catalog", cat_file])  # fmt: skip
    assert res.code == 0, res.err
    if fmt == "parquet":
        assert pq.read_table(out).column(0).to_pylist() == ["s", "t"]
    elif fmt == "json":
        assert json.loads(out.read_text()) == [{"source_id": "s"}, {"source_id": "t"}]
    else:
        assert out.read_text().splitlines() == ['"source_id"', '"s"', '"t"']
