"""`redstar dedup`, `redstar decontam` and `redstar difficulty` end to end on a catalog file."""

from __future__ import annotations

from typer.testing import CliRunner

from redstar_data.catalog import Catalog
from redstar_data.cli.app import app
from redstar_data.errors import ConfigError, RedstarError

from .test_dedup import BASE, VARIANTS

runner = CliRunner()


def test_cli_dedup_decontam_difficulty(catalog_path, add):
    with Catalog.open(catalog_path) as cat:
        add(cat, "train", BASE + [v for _, v in VARIANTS])
        add(cat, "math500", [BASE[3]], benchmark=True)
        cat.execute("UPDATE problems SET level = 'Level 2'")
    r = runner.invoke(app, ["dedup", "-c", str(catalog_path), "--source-priority", "train"])
    assert r.exit_code == 0, r.output
    assert "duplicates" in r.output and "16x8" in r.output
    assert "saved for later runs" in r.output
    r = runner.invoke(app, ["dedup", "-c", str(catalog_path), "--source-priority", "train"])
    assert r.exit_code == 0 and "up to date" in r.output and "same as saved" in r.output
    # without the flag the saved priority is reused (and said so), so nothing is rebuilt
    r = runner.invoke(app, ["dedup", "-c", str(catalog_path)])
    assert r.exit_code == 0 and "up to date" in r.output and "saved by an earlier run" in r.output
    r = runner.invoke(app, ["decontam", "-c", str(catalog_path), "--against", "math500"])
    assert r.exit_code == 0, r.output
    assert "math500" in r.output
    r = runner.invoke(app, ["decontam", "-c", str(catalog_path), "--against", "nope"])
    assert isinstance(r.exception, RedstarError) and "nope" in str(r.exception)
    r = runner.invoke(app, ["difficulty", "-c", str(catalog_path), "--method", "label"])
    assert r.exit_code == 0, r.output
    with Catalog.open(catalog_path, read_only=True) as cat:
        assert cat.count("dedup") == len(BASE) + len(VARIANTS)
        # the benchmark problem itself (also a train member) and its reworded copy
        assert cat.scalar("SELECT count(DISTINCT problem_id) FROM contamination") == 2
        assert cat.scalar("SELECT min(score) FROM difficulty WHERE method = 'label'") == 2.0
    r = runner.invoke(app, ["difficulty", "-c", str(catalog_path), "--method", "pass_rate"])
    assert isinstance(r.exception, ConfigError) and "needs a run" in str(r.exception)
