"""The offline demo runs end to end on a fresh catalog and is idempotent; the CLI runs the same demo."""

from __future__ import annotations

import pyarrow.parquet as pq
from typer.testing import CliRunner

from redstar_data.catalog import Catalog
from redstar_data.demo import run_demo


def test_demo_end_to_end_and_cli_rerun_does_nothing(catalog_path, tmp_path):
    """One demo through the library (what each stage did), then the same demo through `redstar demo` on
    the same catalog: the command runs, and nothing is done twice (one demo run instead of three)."""
    with Catalog.open(catalog_path) as catalog:
        rep = run_demo(catalog, n=40, samples=3, seed=0, out_dir=tmp_path / "ex")
        stages = {(s, w.split(" ->")[0]): c for s, w, c, _ in rep.stages}
        assert stages[("ingest", "problems (new)")] > 30
        assert stages[("generate", "traces (scripted teacher)")] == 3 * catalog.count("problems")
        assert stages[("verify", "traces labelled")] == catalog.count("traces")
        assert rep.labels.get("correct") and rep.labels.get("incorrect")
        sft = pq.read_table(tmp_path / "ex" / "demo_sft" / "train.parquet")
        dpo = pq.read_table(tmp_path / "ex" / "demo_dpo" / "train.parquet")
        assert sft.num_rows > 0 and "messages" in sft.column_names
        assert dpo.num_rows > 0 and {"prompt", "chosen", "rejected"} <= set(dpo.column_names)
        # the code + math mix is an export when the code sandbox runs here (else a note says why not); the
        # vision SFT set of the Pillow-drawn geometry problems always is
        n_exports = (3 if rep.notes else 4) + 1
        assert catalog.count("exports") == n_exports
        assert stages[("ingest", "geometry problems with diagrams (new)")] == 8
        geo = pq.read_table(tmp_path / "ex" / "demo_geo_sft" / "train.parquet")
        assert geo.num_rows > 0 and b"huggingface" in geo.schema.metadata
        for r in geo.to_pylist():
            assert (
                r["images"][0]["bytes"].startswith(b"\x89PNG")
                and r["messages"][1]["content"][0]["type"] == "image"
            )
        labels = dict(catalog.rows(
            "SELECT v.label, count(*) FROM verifications v JOIN traces t USING (trace_id) JOIN problems p "
            "USING (problem_id) WHERE p.domain = 'geometry' AND v.verifier = 'geometry' GROUP BY ALL"
        ))  # fmt: skip
        assert labels.get("correct") and labels.get("incorrect")  # the stand-in teacher is right and wrong
        if not rep.notes:
            code = catalog.rows(
                "SELECT v.label, count(*) FROM verifications v JOIN traces t USING (trace_id) JOIN problems p "
                "USING (problem_id) WHERE p.domain = 'code' AND v.verifier = 'code' GROUP BY ALL"
            )
            assert sum(n for _, n in code) == 3 * 6 and {"correct"} <= {lbl for lbl, _ in code}
            mix = pq.read_table(tmp_path / "ex" / "demo_code_math" / "train.parquet").to_pylist()
            assert any("```python" in r["messages"][-1]["content"] for r in mix)
        before = {t: catalog.count(t) for t in ("problems", "traces", "verifications", "exports")}

    from redstar_data.cli.app import app

    args = [
        "demo",
        "--n",
        "40",
        "--samples",
        "3",
        "--out",
        str(tmp_path / "ex"),
        "--catalog",
        str(catalog_path),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "redstar demo" in res.output and "generate" in res.output
    assert (tmp_path / "ex" / "demo_dpo" / "manifest.json").exists()
    with Catalog.open(catalog_path) as catalog:
        assert {t: catalog.count(t) for t in before} == before  # no new problem, trace, label or export
    assert pq.read_metadata(tmp_path / "ex" / "demo_sft" / "train.parquet").num_rows == sft.num_rows
