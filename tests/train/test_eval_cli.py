"""`redstar eval` end to end: benchmark ingest, transformers generation with the tiny model, verify, store."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from redstar_data.cli.app import app

pytestmark = pytest.mark.slow  # more than ~10 s: real training / subprocesses; CI runs it too


def test_cli_eval_transformers_stores_and_prints(shared_data, tiny_model, tmp_path):
    import json

    from redstar_data.catalog import Catalog

    cat = tmp_path / "eval.duckdb"
    small = tmp_path / "tinybench.jsonl"  # a small benchmark file in the shared format
    rows = [{"id": f"t{i}", "problem": f"What is {i} + {i}?", "answer": str(2 * i)} for i in range(1, 6)]
    small.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["eval", "--backend", "transformers", "--model", str(tiny_model), "--bench", f"{small},amc23"]
    args += ["-n", "2", "--limit", "3", "--max-tokens", "8", "--run", "tiny-eval", "--catalog", str(cat)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, (res.output, res.exception)
    assert "eval run tiny-eval" in res.output and "tinybench" in res.output and "amc23" in res.output
    assert "pass@1" in res.output and "maj@2" in res.output
    with Catalog.open(cat) as c:
        rows = c.arrow("SELECT * FROM eval_results ORDER BY benchmark").to_pylist()
        assert [r["benchmark"] for r in rows] == ["amc23", "tinybench"]
        assert c.scalar("SELECT count(*) FROM sources WHERE source_id = 'tinybench' AND is_benchmark") == 1
        assert all(r["n_problems"] == 3 and r["n_samples"] == 2 for r in rows)
        assert all(0.0 <= r["pass_at_1"] <= r["pass_at_n"] <= 1.0 for r in rows)
        assert c.scalar("SELECT count(*) FROM traces WHERE run_id = 'tiny-eval'") == 12
        assert c.scalar("SELECT kind FROM runs WHERE run_id = 'tiny-eval'") == "eval"
        assert (
            c.scalar(
                "SELECT count(*) FROM latest_labels l JOIN traces t USING (trace_id) "
                "WHERE t.run_id = 'tiny-eval'"
            )
            == 12
        )
    # re-running does only the missing work and replaces (not duplicates) the stored scores
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    with Catalog.open(cat) as c:
        assert c.scalar("SELECT count(*) FROM traces WHERE run_id = 'tiny-eval'") == 12
        assert c.scalar("SELECT count(*) FROM eval_results") == 2
    res = CliRunner().invoke(app, ["eval", "--compare", "tiny-eval", "tiny-eval", "--catalog", str(cat)])
    assert res.exit_code == 0 and "tiny-eval − tiny-eval" in res.output and "0.0" in res.output
