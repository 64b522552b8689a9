"""pass@1 / maj@n / pass@n from labelled traces in a real catalog file; storage and compare."""

from __future__ import annotations

import pytest

from redstar_data.errors import CatalogError
from redstar_train.evaluate import compare, score, store

# problem -> list of (label, extracted) per sample index
CASES = {
    "p1": [
        ("correct", "4"),
        ("correct", " 4"),
        ("incorrect", "5"),
        ("incorrect", "5"),
    ],  # tie 2-2: first wins
    "p2": [("incorrect", "7"), ("incorrect", "7"), ("correct", "6"), ("no_answer", None)],  # majority wrong
    "p3": [("incorrect", "1"), ("incorrect", "2"), ("incorrect", "3"), ("incorrect", "3")],  # all wrong
    "p4": [("correct", "x+1"), ("correct", "X + 1")],  # two samples missing (failed): count as wrong
}


def _fill(catalog, run_id: str, cases: dict) -> None:
    con = catalog
    for i, pid in enumerate(cases):
        con.execute(
            "INSERT INTO problem_sources (problem_id, source_id, row_number) VALUES (?, 'bench', ?)",
            [pid, i + 1],
        )
        for s, (label, ext) in enumerate(cases[pid]):
            tid = f"{run_id}-{pid}-{s}"
            con.execute(
                "INSERT INTO traces (trace_id, problem_id, run_id, sample_index, text) VALUES (?,?,?,?,?)",
                [tid, pid, run_id, s, "..."],
            )
            con.execute(
                "INSERT INTO verifications (trace_id, verifier, verifier_version, label, extracted) "
                "VALUES (?, 'math', '1', ?, ?)",
                [tid, label, ext],
            )


def test_scores_from_labels(catalog):
    _fill(catalog, "run-a", CASES)
    r = score(catalog, "run-a", "bench", list(CASES), 4, "bench")
    assert r.n_problems == 4 and r.n_traces == 14 and r.verifier_version == "1"
    assert r.pass_at_1 == pytest.approx((2 / 4 + 1 / 4 + 0 + 2 / 4) / 4)
    assert r.maj_at_n == pytest.approx(2 / 4)  # p1 (tie -> first sample's answer 4), p4 (x+1 == X + 1)
    assert r.pass_at_n == pytest.approx(3 / 4)
    # restricted to a subset of the benchmark (--limit)
    r2 = score(catalog, "run-a", "bench", ["p3"], 4, "bench")
    assert (r2.n_problems, r2.pass_at_1, r2.pass_at_n) == (1, 0.0, 0.0)


def test_store_replaces_and_compare_diffs(catalog):
    _fill(catalog, "run-a", CASES)
    a = score(catalog, "run-a", "bench", list(CASES), 4, "bench")
    store(catalog, "run-a", [a])
    store(catalog, "run-a", [a])  # re-run replaces, no duplicate rows
    assert catalog.scalar("SELECT count(*) FROM eval_results WHERE run_id = 'run-a'") == 1
    better = {k: [("correct", "9")] * 4 for k in CASES}
    for k in CASES:  # same problems, another run
        for s in range(4):
            tid = f"run-b-{k}-{s}"
            catalog.execute(
                "INSERT INTO traces (trace_id, problem_id, run_id, sample_index) VALUES (?,?,?,?)",
                [tid, k, "run-b", s],
            )
            catalog.execute(
                "INSERT INTO verifications (trace_id, verifier, verifier_version, label, extracted)"
                " VALUES (?, 'math', '1', ?, ?)",
                [tid, *better[k][s]],
            )
    store(catalog, "run-b", [score(catalog, "run-b", "bench", list(CASES), 4, "bench")])
    rows = compare(catalog, "run-a", "run-b")
    assert len(rows) == 1 and rows[0]["benchmark"] == "bench"
    assert rows[0]["b_pass_at_1"] == 1.0 and rows[0]["d_pass_at_1"] == pytest.approx(1.0 - a.pass_at_1)
    assert rows[0]["d_pass_at_n"] == pytest.approx(0.25)
    with pytest.raises(CatalogError, match=r"no eval results for run\(s\) \['nope'\]"):
        compare(catalog, "run-a", "nope")


def test_cli_compare_prints_differences(catalog, catalog_path):
    from typer.testing import CliRunner

    from redstar_data.cli.app import app

    _fill(catalog, "run-a", CASES)
    store(catalog, "run-a", [score(catalog, "run-a", "bench", list(CASES), 4, "bench")])
    _fill_other = {k: [("incorrect", "0")] * 4 for k in CASES}
    for k in CASES:
        for s in range(4):
            tid = f"run-z-{k}-{s}"
            catalog.execute(
                "INSERT INTO traces (trace_id, problem_id, run_id, sample_index) VALUES (?,?,?,?)",
                [tid, k, "run-z", s],
            )
            catalog.execute(
                "INSERT INTO verifications (trace_id, verifier, verifier_version, label, extracted)"
                " VALUES (?, 'math', '1', ?, ?)",
                [tid, *_fill_other[k][s]],
            )
    store(catalog, "run-z", [score(catalog, "run-z", "bench", list(CASES), 4, "bench")])
    catalog.close()
    res = CliRunner().invoke(app, ["eval", "--compare", "run-a", "run-z", "--catalog", str(catalog_path)])
    assert res.exit_code == 0, (res.output, res.exception)
    assert "run-z − run-a" in res.output and "bench" in res.output
    assert "-50.0" in res.output and "-75" in res.output  # maj@n 50% -> 0%, pass@n 75% -> 0%
    res = CliRunner().invoke(app, ["eval", "--catalog", str(catalog_path)])
    assert res.exit_code != 0 and "--backend and --bench are required" in str(res.exception)


def test_limit_takes_a_fixed_spread_not_the_first_rows(catalog, tmp_path):
    """``--limit K``: the K smallest problem ids (a content-hash sample, the same on every run), in file order;
    not the first K rows, which in a file sorted by kind are one kind only."""
    import json

    from redstar_data.ingest.benchmarks import ensure_benchmarks
    from redstar_train.evaluate import benchmark_problems

    rows = [{"id": f"v{i}", "problem": f"Find the value {i} + {i}.", "answer": str(2 * i)} for i in range(8)]
    rows += [
        {"id": f"c{i}", "problem": f"Which is {i}? (A) {i} (B) {i + 1}", "answer": "A"} for i in range(8)
    ]
    path = tmp_path / "sorted_bench.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (sid,) = ensure_benchmarks(catalog, [str(path)]).values()
    every = benchmark_problems(catalog, sid, None)
    assert len(every) == 16
    some = benchmark_problems(catalog, sid, 6)
    assert some == [p for p in every if p in set(sorted(every)[:6])]  # the smallest ids, in file order
    assert some != every[:6] and benchmark_problems(catalog, sid, 6) == some
