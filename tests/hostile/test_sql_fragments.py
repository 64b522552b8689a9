"""User SQL fragments (recipe ``select.where``, ``--where``) are one condition or an error, and the catalog is
unchanged after every attempt, through every entry point: `recipe validate`, `recipe show --sql`,
`export --dry-run`, a real export, `generate --where`, `difficulty --where` (CLI and library)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from export.conftest import build_catalog

from redstar_data.catalog import Catalog
from redstar_data.catalog.fragments import condition_problem, condition_sql
from redstar_data.difficulty.run import score
from redstar_data.errors import ConfigError, RecipeError
from redstar_data.export.run import export
from redstar_data.generate.backends.base import SamplingParams
from redstar_data.generate.backends.scripted import ScriptedTeacher
from redstar_data.generate.run import generate

from .conftest import one_line_error, snapshot

ISSUE = (
    "TRUE)) SELECT 1 AS x; DELETE FROM traces; DROP TABLE problems CASCADE; "
    "CREATE TEMP TABLE zz AS WITH q AS (SELECT 1 WHERE (TRUE"
)
# (fragment, what the refusal says)
INJECTIONS = [
    (ISSUE, "closes a parenthesis"),
    ("TRUE); DELETE FROM traces; --", "closes a parenthesis"),
    ("TRUE; DELETE FROM traces", "';'"),
    ("1=1;", "';'"),
    ("TRUE) OR (TRUE", "closes a parenthesis"),  # escapes the AND: selects everything
    ("(TRUE", "unclosed"),
    ("TRUE /* ) ; DELETE FROM traces; SELECT (", "unterminated /* comment"),
    ("TRUE UNION SELECT 1", "cannot parse"),
    ("TRUE ORDER BY 1", "cannot parse"),
    ("TRUE) SELECT 1; DELETE FROM verifications; SELECT (1", "closes a parenthesis"),
    ("'a' = 'a'); DELETE FROM traces; SELECT ('a", "closes a parenthesis"),
    ("problem_id = $1", "parameter"),
    ("problem_id = ?", "parameter"),
    ("", "empty"),
    ("   \n ", "empty"),
    ("x = 1\x00; DELETE FROM traces", "NUL"),
]
# legitimate conditions: accepted, select what they say, change nothing
LEGIT = [
    ("problem LIKE '%;%' OR source_id = 'beta'", {"beta"}),  # a semicolon inside a string literal
    ("source_id = 'beta' -- a trailing comment )", {"beta"}),
    ("source_id = 'beta' /* ); DELETE FROM traces; */", {"beta"}),
    ("source_id <> 'x'');DELETE FROM traces;--' AND source_id = 'beta'", {"beta"}),  # quote doubling
    ("source_id = 'beta' OR source_id = E'\\\\'' ); DELETE FROM traces; --'", {"beta"}),  # E-string escape
    ("source_id = 'beta' OR source_id = $$ ); DELETE FROM traces; $$", {"beta"}),  # dollar quoting
    (
        "problem_id IN (SELECT problem_id FROM problems WHERE source_id = 'alpha' "
        "ORDER BY problem_id LIMIT 5)",
        {"alpha"},
    ),  # a subquery with ORDER BY and LIMIT
    ("((source_id = 'beta')) AND (answer IS NOT NULL OR level IS NULL)", {"beta"}),
    ("EXISTS (SELECT 1 FROM sources s WHERE s.source_id = p.source_id AND s.source_id = 'beta')", {"beta"}),
]


@pytest.fixture(scope="module")
def built_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("hostile") / "catalog.duckdb"
    with Catalog.open(p) as cat:
        build_catalog(cat)
    return p


@pytest.fixture
def cat_file(built_file: Path, tmp_path: Path) -> Path:
    """A copy of the built catalog per test (building one takes longer than copying it)."""
    p = tmp_path / "catalog.duckdb"
    shutil.copyfile(built_file, p)
    return p


def _recipe(folder: Path, where: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "hostile.yaml"
    p.write_text(
        "name: h\noutput: {dir: out}\nselect:\n  where: " + json.dumps(where) + "\n", encoding="utf-8"
    )
    return p


@pytest.mark.parametrize(("frag", "why"), INJECTIONS)
def test_checker_refuses_and_says_why(frag, why):
    problem = condition_problem(frag)
    assert problem is not None and why in problem, problem


# every entry point, for the issue's attack and the two other shapes (statements; escaping the AND)
@pytest.mark.parametrize(("frag", "why"), [INJECTIONS[0], INJECTIONS[2], INJECTIONS[4]])
def test_injection_is_refused_everywhere_and_changes_nothing(tmp_path, cat_file, run_cli, cases, frag, why):
    cases(9)  # recipe validate, show, dry run, export, generate and difficulty CLI, three library calls
    before = snapshot(cat_file)
    rec = _recipe(tmp_path, frag)
    for args in (
        ["recipe", "validate", rec, "--catalog", cat_file],
        ["recipe", "show", rec, "--sql"],
        ["export", rec, "--dry-run", "--catalog", cat_file],
        ["export", rec, "--catalog", cat_file, "--out", tmp_path / "o"],
    ):
        err = one_line_error(run_cli(args))
        assert str(rec) in err and "select.where" in err and "not a single SQL condition" in err, err
        assert why in err, err
    for cmd in (["generate", "-n", "1"], ["difficulty", "--method", "label"]):
        err = one_line_error(run_cli([*cmd, "--where", frag, "--catalog", cat_file]))
        assert "--where" in err and "not a single SQL condition" in err and why in err, err
    # the library entry points refuse it too (not only the CLI)
    with Catalog.open(cat_file) as cat:
        with pytest.raises(RecipeError, match="select.where"):
            export(cat, rec, dry_run=True)
        with pytest.raises(ConfigError, match="--where"):
            generate(cat, ScriptedTeacher(), n=1, params=SamplingParams(max_tokens=100), where=frag)
        for method in ("label", "pass_rate"):
            with pytest.raises(ConfigError, match="--where"):
                score(cat, method=method, run="teacher-a", where=frag)
    assert not (tmp_path / "o").exists()
    assert snapshot(cat_file) == before


@pytest.mark.parametrize(("frag", "sources"), LEGIT)
def test_legitimate_conditions_select_what_they_say(built_file, frag, sources):
    assert condition_problem(frag) is None
    with Catalog.open(built_file, read_only=True) as cat:
        rep = export(cat, _recipe(built_file.parent / f"r{LEGIT.index((frag, sources))}", frag), dry_run=True)
    assert rep.available > 0 and set(rep.rungs[0].by_source) == sources


def test_legitimate_conditions_run_in_every_stage_and_change_only_their_rows(
    tmp_path, cat_file, run_cli, cases
):
    cases(5)
    before = snapshot(cat_file)
    for i, (frag, _) in enumerate(LEGIT[:3]):
        rec = _recipe(tmp_path / str(i), frag)
        assert run_cli(["recipe", "validate", rec, "--catalog", cat_file]).code == 0
    assert snapshot(cat_file) == before
    frag = LEGIT[0][0]  # a ';' inside a string literal, through generate and difficulty
    with Catalog.open(cat_file) as cat:
        r = generate(
            cat, ScriptedTeacher(), n=1, params=SamplingParams(max_tokens=100), where=frag, run_id="w"
        )
        score(cat, method="pass_rate", run="teacher-a", where=frag)
        for q in (
            "SELECT DISTINCT p.source_id FROM traces t JOIN problems p USING (problem_id) WHERE t.run_id = 'w'",
            "SELECT DISTINCT p.source_id FROM difficulty d JOIN problems p USING (problem_id) "
            "WHERE d.method = 'pass_rate'",
        ):
            assert cat.arrow(q).column(0).to_pylist() == ["beta"], q
        assert r.n_problems == 30
    after = snapshot(cat_file)
    for t in ("problems", "sources", "verifications", "exports", "dedup"):
        assert after[t] == before[t], t


def test_dry_run_and_validate_use_a_read_only_connection(tmp_path, cat_file, run_cli, monkeypatch):
    """Even a fragment the checker let through could not write: the dry run's connection is read-only."""
    import redstar_data.recipes.schema as schema

    monkeypatch.setattr(schema, "condition_problem", lambda text: None)  # switch the checker off
    import redstar_data.recipes.compile as compile_mod

    monkeypatch.setattr(compile_mod, "condition_sql", lambda text, **kw: f"({text})")
    before = snapshot(cat_file)
    rec = _recipe(tmp_path, ISSUE)
    for args in (
        ["recipe", "validate", rec, "--catalog", cat_file],
        ["export", rec, "--dry-run", "--catalog", cat_file],
    ):
        res = run_cli(args)
        assert res.code == 1 and "read-only" in res.err, res.err
    assert snapshot(cat_file) == before


def test_condition_sql_parenthesises_on_own_lines():
    # a trailing -- comment cannot swallow what the caller puts after the condition
    assert condition_sql("a = 1 -- note", key="k") == "(\na = 1 -- note\n)"
    with pytest.raises(ConfigError) as e:
        condition_sql("a = 1); DROP TABLE t; --", key="select.where", file="r.yaml")
    assert e.value.key == "select.where" and e.value.file == "r.yaml" and e.value.hint


def test_each_parser_layer_refuses_on_its_own():
    """The tokenizer check runs first; the parse-tree checks behind it must hold without it."""
    from redstar_data.catalog import fragments as f

    assert f._binds_as_one("a AND b OR NOT c") and f._binds_as_one("x IN (SELECT 1 ORDER BY 1)")
    assert not f._binds_as_one("TRUE) OR (TRUE") and not f._binds_as_one("TRUE) AND (TRUE")
    assert "more than one condition" in f._tree_problem("SELECT 1 WHERE (TRUE) GROUP BY 1")
    assert "more than one condition" in f._tree_problem("SELECT 1 WHERE (TRUE) ORDER BY 1 LIMIT 1")
    assert "more than one condition" in f._tree_problem("WITH q AS (SELECT 1) SELECT 1 WHERE (TRUE)")
    assert "does not parse as one" in f._tree_problem("SELECT 1 WHERE (TRUE); DELETE FROM t")
    assert "parameter" in f._tree_problem("SELECT 1 WHERE (a = $1)")
    assert f._tree_problem("SELECT 1 WHERE (\na = 1\n)") is None
