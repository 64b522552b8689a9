"""The catalog stage and the CLI command on a real DuckDB file."""

from __future__ import annotations

import pyarrow as pa
from typer.testing import CliRunner

from redstar_data.ids import problem_id, trace_id
from redstar_data.progress import RecordingProgress
from redstar_data.verify.math import VERSION
from redstar_data.verify.run import verify


def _seed(catalog) -> None:  # noqa: ANN001
    probs = [("What is 6*7?", "42"), ("Solve x^2=4, x>0.", "2"), ("Prove it.", None)]
    pids = [problem_id(p, None) for p, _ in probs]
    catalog.append(
        "problems",
        pa.table(
            {
                "problem_id": pids,
                "source_id": ["t"] * 3,
                "domain": ["math"] * 3,
                "problem": [p for p, _ in probs],
                "answer": [a for _, a in probs],
            }
        ),
    )
    texts = [
        ("r1", pids[0], "Six times seven. " * 5 + "\\boxed{42}", "stop"),
        ("r1", pids[1], "<think>x is 2 or -2 and " * 3, "length"),
        ("r1", pids[2], "It holds. " * 10 + "\\boxed{QED}", "stop"),
        ("r2", pids[0], "I think it is \\boxed{41}. " * 3, "stop"),
    ]
    catalog.append(
        "traces",
        pa.table(
            {
                "trace_id": [trace_id(p, r, 0) for r, p, _, _ in texts],
                "problem_id": [p for _, p, _, _ in texts],
                "run_id": [r for r, _, _, _ in texts],
                "sample_index": pa.array([0] * 4, pa.int32()),
                "text": [t for _, _, t, _ in texts],
                "finish_reason": [f for _, _, _, f in texts],
            }
        ),
    )


def test_verify_labels_flags_and_resumes(catalog) -> None:  # noqa: ANN001
    _seed(catalog)
    rec = RecordingProgress()
    rep = verify(catalog, run="r1", workers=1, progress=rec)
    assert rep.labelled == 3 and rep.labels == {"correct": 1, "no_answer": 1, "error": 1}
    assert rep.flags["truncated"] == 1 and rec.events
    rows = catalog.arrow(
        "SELECT label, verifier, verifier_version, details FROM verifications ORDER BY label"
    )
    assert set(rows.column("verifier_version").to_pylist()) == {VERSION}
    assert "no reference answer" in rows.column("details").to_pylist()[1]
    again = verify(catalog, run="r1", workers=1)
    assert again.labelled == 0 and again.flags == {}
    rest = verify(catalog, workers=1)
    assert rest.labels == {"incorrect": 1}
    # an older version's labels are kept; only the current version's are re-done
    catalog.execute("UPDATE verifications SET verifier_version = '0.0.1'")
    assert verify(catalog, workers=1).labelled == 4
    assert catalog.scalar("SELECT count(*) FROM verifications") == 8


def test_cli_verify(catalog_path, catalog) -> None:  # noqa: ANN001
    from redstar_data.cli.app import app

    _seed(catalog)
    catalog.close()
    res = CliRunner().invoke(app, ["verify", "--catalog", str(catalog_path), "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "correct" in res.output and "truncated" in res.output
    res = CliRunner().invoke(app, ["verify", "--catalog", str(catalog_path), "--run", "nope"])
    assert res.exit_code == 1 and "unknown run" in res.output + str(res.exception)


class ExactMatchVerifier:
    """TEST STAND-IN verifier for a made-up 'toy' domain: correct when the response equals the reference."""

    name = "toy-exact"
    version = "0.1.0"

    def check(self, response: str, reference: str):  # noqa: ANN201
        from redstar_data.verify.base import Verdict

        return Verdict(
            "correct" if response.strip() == reference else "incorrect", extracted=response.strip()
        )

    def check_many(self, pairs, *, workers=None, progress=None):  # noqa: ANN001, ANN201
        return [self.check(r, g) for r, g in pairs]


def test_verifiers_dispatch_by_domain(catalog, monkeypatch) -> None:  # noqa: ANN001
    """A new domain is one registration: its traces get its verifier, math traces keep the math one;
    a domain with no verifier is left unlabelled and reported."""
    from redstar_data.registry import VERIFIERS

    _seed(catalog)
    toy = [("Say yes.", "yes", "toy"), ("Say no.", "no", "toy"), ("Draw it.", "x", "poetry")]
    pids = [problem_id(p, None) for p, _, _ in toy]
    catalog.append(
        "problems",
        pa.table(
            {
                "problem_id": pids,
                "source_id": ["t"] * 3,
                "domain": [d for _, _, d in toy],
                "problem": [p for p, _, _ in toy],
                "answer": [a for _, a, _ in toy],
            }
        ),
    )
    catalog.append(
        "traces",
        pa.table(
            {
                "trace_id": [trace_id(p, "r3", 0) for p in pids],
                "problem_id": pids,
                "run_id": ["r3"] * 3,
                "sample_index": pa.array([0] * 3, pa.int32()),
                "text": ["yes", "\\boxed{no}", "a picture"],
                "finish_reason": ["stop"] * 3,
            }
        ),
    )
    monkeypatch.setitem(VERIFIERS._targets, "toy", f"{__name__}:ExactMatchVerifier")
    rep = verify(catalog, workers=1)
    assert rep.no_verifier == {"poetry": 1}
    got = dict(
        catalog.sql(
            "SELECT p.domain || ':' || v.label, v.verifier FROM verifications v "
            "JOIN traces t USING (trace_id) JOIN problems p USING (problem_id) WHERE t.run_id = 'r3'"
        ).fetchall()
    )
    assert got == {"toy:correct": "toy-exact", "toy:incorrect": "toy-exact"}
    math = catalog.sql("SELECT DISTINCT verifier FROM verifications v JOIN traces t USING (trace_id) "
                       "WHERE t.run_id <> 'r3'").fetchall()  # fmt: skip
    assert math == [("math",)]


def test_verify_caps_duckdb_memory_while_it_runs_and_restores_it(catalog) -> None:  # noqa: ANN001
    """Without the cap DuckDB's buffer pool kept every trace page read (4.3 GB on 200k x 20k characters)."""
    _seed(catalog)
    before = catalog.scalar("SELECT current_setting('memory_limit')")
    seen: list[str] = []
    verify(
        catalog,
        workers=1,
        memory_limit="300MB",
        progress=lambda ev: seen.append(catalog.scalar("SELECT current_setting('memory_limit')")),
    )
    assert seen and all(s.startswith("286.1 MiB") or s.startswith("300") for s in seen), seen
    assert catalog.scalar("SELECT current_setting('memory_limit')") == before
