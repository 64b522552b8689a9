"""Careful defaults, each overridable (issue 15, finding 4): exports take teacher/import runs only, a
fallback-extraction "correct" is not correct unless asked, generate leaves benchmark problems alone."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from redstar_data.export.run import export
from redstar_data.generate.run import plan_missing
from redstar_data.ids import trace_id


def _picked(tmp_path, name):
    return {
        r["problem_id"]: r["trace_id"] for r in pq.read_table(tmp_path / name / "train.parquet").to_pylist()
    }


def test_eval_runs_are_left_out_unless_their_kind_is_asked_for(catalog, built, write_recipe, tmp_path):
    pids = [p for p, v in built.problems.items() if v["domain"] == "math" and v["source_id"] != "bench"]
    catalog.append("runs", pa.table({"run_id": ["eval-x"], "kind": ["eval"]}))
    tids = [trace_id(p, "eval-x", 0) for p in pids]
    catalog.insert_new(
        "traces",
        pa.table({"trace_id": tids, "problem_id": pids, "run_id": ["eval-x"] * len(pids),
                  "sample_index": [0] * len(pids), "text": ["\\boxed{0}"] * len(pids), "n_tokens": [1] * len(pids)}),
        ["trace_id"],
    )  # fmt: skip
    catalog.append("verifications", pa.table({"trace_id": tids, "verifier": ["math"] * len(tids),
                                              "verifier_version": ["1.0.0"] * len(tids),
                                              "label": ["correct"] * len(tids)}))  # fmt: skip
    export(catalog, write_recipe("name: a\nselect: {domains: [math]}\n"), out_dir=tmp_path / "a")
    assert not set(_picked(tmp_path, "a").values()) & set(tids)
    rec = write_recipe("name: b\nselect: {domains: [math]}\ntraces: {run_kinds: [teacher, eval]}\n", "b.yaml")
    export(catalog, rec, out_dir=tmp_path / "b")
    picked = set(_picked(tmp_path, "b").values())
    assert picked and picked <= set(tids)  # the 1-token eval traces are the shortest correct ones


def test_a_weak_fallback_extraction_is_not_correct_by_default(catalog, built, write_recipe, tmp_path):
    export(catalog, write_recipe("name: a\nselect: {domains: [math]}\n"), out_dir=tmp_path / "a")
    before = _picked(tmp_path, "a")
    weak = sorted(before.values())[:5]
    # the verifier re-labels those traces, correct only through its last-number fallback
    catalog.append("verifications", pa.table({
        "trace_id": weak, "verifier": ["math"] * 5, "verifier_version": ["1.0.1"] * 5, "label": ["correct"] * 5,
        "details": [json.dumps({"extraction": "last_number", "weak": True})] * 5}))  # fmt: skip
    export(catalog, write_recipe("name: b\nselect: {domains: [math]}\n", "b.yaml"), out_dir=tmp_path / "b")
    assert not set(_picked(tmp_path, "b").values()) & set(weak)
    rec = write_recipe(
        "name: c\nselect: {domains: [math]}\ntraces: {allow_weak_extraction: true}\n", "c.yaml"
    )
    export(catalog, rec, out_dir=tmp_path / "c")
    assert _picked(tmp_path, "c") == before


def test_generate_skips_benchmark_problems_unless_asked(catalog, built):
    n_all = len(built.problems)
    n_sel, _, missing = plan_missing(catalog, "run-x", 1)
    assert n_sel == n_all - 1
    bench = [p for p, v in built.problems.items() if v["source_id"] == "bench"]
    assert bench[0] not in missing.column("problem_id").to_pylist()
    assert plan_missing(catalog, "run-x", 1, include_benchmarks=True)[0] == n_all
    assert plan_missing(catalog, "run-x", 1, problem_ids=bench)[0] == 1  # eval names its problems
