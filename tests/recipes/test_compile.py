"""The compiled SQL of every shipped recipe runs on a real (empty and populated) DuckDB catalog."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from redstar_data.recipes.compile import selection_sql
from redstar_data.recipes.load import REPO_RECIPES, load_recipe, parse_recipe

SHIPPED = sorted(p.name for p in REPO_RECIPES.glob("*.yaml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_recipe_sql_runs_on_an_empty_catalog(catalog, name):
    r, _, _ = load_recipe(REPO_RECIPES / name)
    sql = selection_sql(r).selection
    cols = [d[0] for d in catalog.con.execute(f"DESCRIBE {sql}").fetchall()]
    assert {"problem_id", "source_id", "difficulty", "is_val", "ord"} <= set(cols)
    assert catalog.con.execute(f"SELECT count(*) FROM ({sql})").fetchall() == [(0,)]


def test_sql_is_pure_and_quotes_literals():
    r = parse_recipe({"name": "x", "select": {"domains": ["it's"]}, "mix": {"weights": {"o'k": 1}}})
    a, b = selection_sql(r).selection, selection_sql(r).selection
    assert a == b and "'it''s'" in a and "'o''k'" in a


def test_recipe_show_cli_prints_defaults_and_sql():
    from redstar_data.cli.app import app

    res = CliRunner().invoke(app, ["recipe", "show", "demo-dpo.yaml"])
    assert res.exit_code == 0, res.output
    assert "rejected: longest_incorrect" in res.output and "name: demo_dpo" in res.output
    res = CliRunner().invoke(app, ["recipe", "show", "demo.yaml", "--sql"])
    assert res.exit_code == 0 and "canonical_problems" in res.output and "ORDER BY prank, k" in res.output


def test_registry_lists_pickers_and_formats():
    from redstar_data.registry import FORMATS, PICKERS

    assert PICKERS.names() == ["all_correct", "longest_correct", "random_correct", "shortest_correct"]
    assert FORMATS.names() == ["dpo", "rl", "sft"]
    assert callable(FORMATS.get("sft"))
