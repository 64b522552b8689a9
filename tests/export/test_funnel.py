"""The dry run's funnel: each exclusion of the recipe with what it removed, so a missing row has a reason
(issue 15, finding 3: "2 rows available" with no breakdown)."""

from __future__ import annotations

from typer.testing import CliRunner

from redstar_data.export.run import export


def test_funnel_names_every_exclusion_with_its_count(catalog, built, write_recipe):
    rec = write_recipe(
        "name: f\nkind: sft\nsizes: [10, 40]\nselect: {domains: [math], exclude_flags: true}\n"
        "traces: {max_tokens: 250, runs: [teacher-a]}\n"
    )
    rep = export(catalog, rec, dry_run=True)
    f = {step: (x, n) for step, x, n in rep.funnel}
    probs = built.problems
    math = {p for p, v in probs.items() if v["domain"] == "math"}
    assert f["problems"] == (None, len(probs))
    assert f["domains"] == (len(probs) - len(math), len(math))
    assert f["benchmark"][0] == 1  # the benchmark problem
    assert f["contamination"][0] == 1
    assert f["duplicates"][0] == 2
    kept = f["duplicates"][1]
    assert kept == len(math) - 4
    # traces of the kept problems, then runs, length and flags each remove theirs
    assert f["labelled traces of these problems"] == (None, kept * 4)
    assert f["runs"] == (kept, kept * 3)  # the fourth sample is teacher-b's
    assert f["length (max_tokens)"] == (kept, kept * 2)  # sample 2 has 300+ tokens
    assert f["flags"][0] > 0
    assert f["labels (correct)"][0] > 0
    steps = [s for s, _, _ in rep.funnel]
    assert steps[-1] == "rows (picked per problem)" and rep.funnel[-1][2] == rep.available
    for (_, _, before), (_, x, after) in zip(rep.funnel, rep.funnel[1:], strict=False):
        assert x is None or before - x == after  # every count adds up


def test_dry_run_prints_the_funnel(catalog_path, catalog, built, write_recipe):
    from redstar_data.cli.app import app

    catalog.close()
    rec = write_recipe("name: f\nkind: sft\nsizes: [4000]\nallow_smaller: true\n")
    res = CliRunner().invoke(app, ["export", str(rec), "--dry-run", "--catalog", str(catalog_path)])
    assert res.exit_code == 0, res.output
    assert "funnel" in res.output
    for step in ("benchmark", "contamination", "duplicates", "labels (correct)", "size 4,000 requested"):
        assert step in res.output, step
