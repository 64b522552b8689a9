"""Export paths: a `.partial` it made (marked), swapped in atomically, its own stale partials cleaned and no one
else's folder touched; relative `output.dir` from the recipe's folder; `~` expanded; a file in the way refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from export.conftest import build_catalog

import redstar_data.export.run as export_run
from redstar_data.catalog import Catalog
from redstar_data.errors import RecipeError
from redstar_data.export.run import PARTIAL_MARKER, export

from .conftest import one_line_error


@pytest.fixture(scope="module")
def built_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("exp") / "catalog.duckdb"
    with Catalog.open(p) as cat:
        build_catalog(cat, per_source={"alpha": 12, "beta": 6, "gamma": 2})
    return p


@pytest.fixture
def cat(built_file, tmp_path):
    import shutil

    shutil.copyfile(built_file, tmp_path / "c.duckdb")
    c = Catalog.open(tmp_path / "c.duckdb")
    yield c
    c.close()


def _recipe(folder: Path, out: str | None = None, name: str = "r") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{name}.yaml"
    p.write_text(f"name: {name}\n" + (f"output: {{dir: {out!r}}}\n" if out else ""), encoding="utf-8")
    return p


def test_a_users_partial_folder_is_never_deleted(cat, tmp_path):
    mine = tmp_path / "o.partial"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    with pytest.raises(RecipeError, match="not made by redstar") as e:
        export(cat, _recipe(tmp_path / "rec"), out_dir=tmp_path / "o")
    assert e.value.key == "output.dir"
    assert (mine / "thesis.tex").read_text() == "years of work" and not (tmp_path / "o").exists()


def test_a_stale_partial_of_a_killed_export_is_cleaned(cat, tmp_path):
    stale = tmp_path / "o.partial"
    (stale / "4000").mkdir(parents=True)
    (stale / PARTIAL_MARKER).write_text("x")
    (stale / "4000" / "train.parquet").write_bytes(b"half written" * 1000)
    rep = export(cat, _recipe(tmp_path / "rec"), out_dir=tmp_path / "o")
    assert not stale.exists() and (tmp_path / "o" / "manifest.json").is_file() and rep.n_rows > 0
    assert not (tmp_path / "o" / PARTIAL_MARKER).exists()


def test_the_old_export_is_swapped_out_atomically(cat, tmp_path):
    rec = _recipe(tmp_path / "rec")
    out = tmp_path / "o"
    export(cat, rec, out_dir=out)
    old_inode = out.stat().st_ino
    (out / "stale-file").write_text("from the old export")
    seen = []
    real = export_run._exchange

    def watch(a, b):  # the moment of the swap: both folders exist, the new one complete
        seen.append((b.exists(), (a / "manifest.json").is_file(), (b / PARTIAL_MARKER).is_file()))
        ok = real(a, b)
        seen.append((b.exists(), (b / "manifest.json").is_file()))
        return ok

    export_run._exchange = watch
    try:
        export(cat, rec, out_dir=out)
    finally:
        export_run._exchange = real
    assert seen == [(True, True, True), (True, True)]
    assert out.stat().st_ino != old_inode and not (out / "stale-file").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("c.duckdb")) == [
        "o",
        "rec",
    ]  # nothing left beside it


def test_without_an_exchange_the_old_export_is_moved_aside_then_removed(cat, tmp_path, monkeypatch):
    rec = _recipe(tmp_path / "rec")
    out = tmp_path / "o"
    export(cat, rec, out_dir=out)
    monkeypatch.setattr(export_run, "_exchange", lambda a, b: False)
    export(cat, rec, out_dir=out)
    assert (out / "manifest.json").is_file() and not (out / PARTIAL_MARKER).exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("c.duckdb")) == ["o", "rec"]


def test_a_failed_export_leaves_no_partial_and_the_old_export_intact(cat, tmp_path):
    rec = _recipe(tmp_path / "rec")
    out = tmp_path / "o"
    export(cat, rec, out_dir=out)
    before = (out / "manifest.json").read_bytes()

    def boom(ev):
        if ev.done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export(cat, rec, out_dir=out, progress=boom)
    assert (out / "manifest.json").read_bytes() == before and not (tmp_path / "o.partial").exists()


def test_relative_output_dir_is_taken_from_the_recipe_folder(cat, tmp_path, monkeypatch):
    rec = _recipe(tmp_path / "downloads", out="sets/mine")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    rep = export(cat, rec)
    assert Path(rep.out_dir) == tmp_path / "downloads" / "sets" / "mine"
    assert (tmp_path / "downloads" / "sets" / "mine" / "manifest.json").is_file()
    assert list(elsewhere.iterdir()) == []


def test_home_is_expanded_in_output_dir_and_out(cat, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    rep = export(cat, _recipe(tmp_path / "rec", out="~/sets/a"))
    assert (
        Path(rep.out_dir) == tmp_path / "home" / "sets" / "a"
        and (tmp_path / "home/sets/a/manifest.json").is_file()
    )
    rep = export(cat, _recipe(tmp_path / "rec"), out_dir="~/sets/b")
    assert (tmp_path / "home" / "sets" / "b" / "manifest.json").is_file()
    assert not (tmp_path / "~").exists()


@pytest.mark.parametrize("where", ["file", "parent_is_file"])
def test_a_file_in_the_way_is_refused_in_one_line(built_file, tmp_path, run_cli, where):
    blocker = tmp_path / "o"
    blocker.write_text("not a folder")
    out = blocker if where == "file" else blocker / "sub"
    err = one_line_error(
        run_cli(["export", _recipe(tmp_path / "rec"), "--catalog", built_file, "--out", out])
    )
    assert str(out) in err or str(blocker) in err, err
    assert blocker.read_text() == "not a folder"


def test_shipped_recipes_keep_writing_under_the_current_directory(tmp_path, monkeypatch):
    from redstar_data.recipes.load import load_recipe

    monkeypatch.chdir(tmp_path)
    r, _, path = load_recipe("demo.yaml")
    assert export_run.output_dir(r, path, None) == Path("exports/demo_sft")
    assert os.path.isabs(export_run.output_dir(r, path, "~/x"))
