"""Files: byte-identical re-exports, TRL-readable columns, the card, lineage, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redstar_data.catalog import Catalog
from redstar_data.export.run import export

from .conftest import build_catalog

RECIPE = """name: t
kind: {kind}
sizes: [10, 30]
split: {{validation: 0.2}}
mix: {{weights: {{alpha: 2, beta: 1}}}}
output: {{formats: [parquet, jsonl, hf_disk], row_group_size: 7}}
"""


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("kind", ["sft", "dpo", "rl"])
def test_same_catalog_and_recipe_give_byte_identical_files(tmp_path, kind):
    rec = tmp_path / "r.yaml"
    rec.write_text(RECIPE.format(kind=kind))
    outs = []
    for i, threads in enumerate((1, 2)):
        # two separately built catalog files, different DuckDB thread counts
        with Catalog.open(tmp_path / f"c{i}.duckdb", threads=threads) as cat:
            build_catalog(cat)
            export(cat, rec, out_dir=tmp_path / f"o{i}")
        outs.append(_files(tmp_path / f"o{i}"))
    assert outs[0].keys() == outs[1].keys()
    assert {"10/train.parquet", "30/validation.jsonl", "README.md", "manifest.json"} <= outs[0].keys()
    assert any(k.startswith("30/hf/") for k in outs[0])
    diff = [k for k in outs[0] if outs[0][k] != outs[1][k]]
    assert diff == []


def test_parquet_has_fixed_row_groups_and_no_varying_metadata(catalog, built, write_recipe, tmp_path):
    import pyarrow.parquet as pq

    export(catalog, write_recipe("name: t\noutput: {row_group_size: 7}\n"), out_dir=tmp_path / "o")
    md = pq.read_metadata(tmp_path / "o" / "train.parquet")
    sizes = [md.row_group(i).num_rows for i in range(md.num_row_groups)]
    assert sizes[:-1] == [7] * (len(sizes) - 1) and 0 < sizes[-1] <= 7
    assert set(md.metadata or {}) == {b"ARROW:schema"}
    assert md.created_by.startswith("parquet-cpp-arrow")


def _load(path: Path):
    import datasets

    return datasets.load_dataset(
        "parquet", data_files={"train": str(path)}, split="train", cache_dir=str(path.parent / ".hf_cache")
    )


def test_sft_loads_with_datasets_and_is_trl_conversational(catalog, built, write_recipe, tmp_path):
    from trl.data_utils import is_conversational

    export(catalog, write_recipe("name: t\nkind: sft\n"), out_dir=tmp_path / "o")
    ds = _load(tmp_path / "o" / "train.parquet")
    assert {"messages", "problem_id", "trace_id", "source_id"} <= set(ds.column_names)
    row = ds[0]
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
    assert row["messages"][0]["content"].startswith("You are a helpful")  # always a system message
    assert row["messages"][1]["content"] == built.problems[row["problem_id"]]["problem"]
    assert row["messages"][2]["content"] == built.traces[row["trace_id"]]["text"]
    assert is_conversational(row)


def test_dpo_loads_and_has_trl_preference_columns(catalog, built, write_recipe, tmp_path):
    from trl.data_utils import is_conversational

    export(
        catalog,
        write_recipe("name: t\nkind: dpo\nformat: {system_prompt: Be brief.}\n"),
        out_dir=tmp_path / "o",
    )
    ds = _load(tmp_path / "o" / "train.parquet")
    assert {"prompt", "chosen", "rejected", "problem_id", "chosen_trace_id", "rejected_trace_id"} <= set(
        ds.column_names
    )
    row = ds[0]
    assert row["prompt"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": built.problems[row["problem_id"]]["problem"]},
    ]
    assert [m["role"] for m in row["chosen"]] == ["assistant"] == [m["role"] for m in row["rejected"]]
    assert is_conversational(row)


def test_rl_loads_and_has_grpo_columns(catalog, built, write_recipe, tmp_path):
    export(catalog, write_recipe("name: t\nkind: rl\n"), out_dir=tmp_path / "o")
    ds = _load(tmp_path / "o" / "train.parquet")
    assert {"prompt", "answer", "tests", "problem_id"} <= set(ds.column_names)
    row = ds[0]
    assert [m["role"] for m in row["prompt"]] == ["system", "user"]
    assert row["answer"] == built.problems[row["problem_id"]]["answer"]


def test_card_and_manifest_content(catalog, built, write_recipe, tmp_path):
    from huggingface_hub import DatasetCard

    rep = export(catalog, write_recipe(RECIPE.format(kind="sft")), out_dir=tmp_path / "o")
    card = DatasetCard.load(tmp_path / "o" / "README.md")
    configs = card.data.to_dict()["configs"]
    assert [c["config_name"] for c in configs] == ["10", "30"]
    assert {"split": "validation", "path": "30/validation.parquet"} in configs[1]["data_files"]
    text = card.text
    for needle in (
        rep.recipe_hash,
        rep.catalog_fingerprint,
        rep.export_id,
        "math 1.0.0",
        "| alpha | 20 |",
        "| beta | 10 |",
        "Token-length statistics",
        "mix:",
        "weights:",
    ):
        assert needle in text, needle
    man = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert man["recipe_hash"] == rep.recipe_hash and man["catalog_fingerprint"] == catalog.fingerprint()
    assert [r["n_rows"] for r in man["rungs"]] == [10, 30]
    assert len(man["rungs"][0]["sha256"]["train"]) == 64


def test_export_is_recorded_and_listed(catalog, built, write_recipe, tmp_path, catalog_path):
    rec = write_recipe("name: t\nsizes: 12\n")
    rep = export(catalog, rec, out_dir=tmp_path / "o")
    export(catalog, rec, out_dir=tmp_path / "o")  # same export again: one row, replaced
    rows = catalog.arrow("SELECT * FROM exports").to_pylist()
    assert len(rows) == 1
    r = rows[0]
    assert r["export_id"] == rep.export_id and r["n_rows"] == 12 and r["recipe_hash"] == rep.recipe_hash
    assert json.loads(r["verifier_versions"]) == {"math": "1.0.0"}
    assert json.loads(r["counts"])["rungs"][0]["n_rows"] == 12
    assert "pick: shortest_correct" in r["recipe"]
    catalog.close()
    from redstar_data.cli.app import app

    res = CliRunner().invoke(app, ["exports", "--catalog", str(catalog_path)])
    assert res.exit_code == 0, res.output
    assert "exports" in res.output
    res = CliRunner().invoke(app, ["exports", "--json", "--catalog", str(catalog_path)])
    listed = [json.loads(line) for line in res.output.splitlines()]
    assert [x["export_id"] for x in listed] == [rep.export_id] and listed[0]["n_rows"] == 12


def test_cli_dry_run_prints_counts_and_writes_nothing(catalog, built, write_recipe, tmp_path, catalog_path):
    from redstar_data.cli.app import app

    rec = write_recipe("name: t\nsizes: [5, 15]\n")
    catalog.close()
    res = CliRunner().invoke(
        app,
        ["export", str(rec), "--dry-run", "--catalog", str(catalog_path), "--out", str(tmp_path / "o")],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    assert "rows per source" in res.output and "alpha" in res.output and "Level 1" in res.output
    assert "nothing written" in res.output and not (tmp_path / "o").exists()


def test_cli_error_is_one_line_with_hint(catalog, built, write_recipe, catalog_path, capsys):
    from redstar_data.cli.app import main

    rec = write_recipe("name: t\nsizes: 999999\n")
    catalog.close()
    import sys

    argv = sys.argv
    sys.argv = ["redstar", "export", str(rec), "--dry-run", "--catalog", str(catalog_path)]
    try:
        with pytest.raises(SystemExit) as e:
            main()
    finally:
        sys.argv = argv
    assert e.value.code == 1
    err = capsys.readouterr().err
    assert "error:" in err and "size 999,999 is larger than the" in err and "Traceback" not in err
    assert "hint:" in err and "allow_smaller" in err


def test_refuses_to_replace_a_folder_that_is_not_an_export(catalog, built, write_recipe, tmp_path):
    from redstar_data.errors import RecipeError

    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "precious.txt").write_text("x")
    with pytest.raises(RecipeError, match="not a redstar export"):
        export(catalog, write_recipe("name: t\n"), out_dir=tmp_path / "o")
    assert (tmp_path / "o" / "precious.txt").exists()
