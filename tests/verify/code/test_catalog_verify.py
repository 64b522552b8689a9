"""`redstar verify` on a catalog with math and code traces, and a code + math export: the real stages."""

from __future__ import annotations

import json
import shutil

import pyarrow.parquet as pq
import pytest

from redstar_data.catalog import Catalog
from redstar_data.difficulty.run import score
from redstar_data.export.run import export
from redstar_data.generate.backends import get_backend
from redstar_data.generate.backends.base import SamplingParams
from redstar_data.generate.run import generate
from redstar_data.ingest.demo_code import CODE_PROBLEMS, write_code_problems
from redstar_data.ingest.run import ingest
from redstar_data.recipes.load import REPO_RECIPES
from redstar_data.verify.run import verify


@pytest.fixture(scope="module")
def pipeline(sandbox, tmp_path_factory):
    """ingest (math + code) -> generate -> verify once for the module: (catalog file, verify report).
    Each test works on its own copy of the file (``mixed``), so neither sees the other's writes."""
    d = tmp_path_factory.mktemp("mixed")
    path = d / "catalog.duckdb"
    with Catalog.open(path) as catalog:
        ingest(catalog, "synthetic:math?n=40&seed=1")
        ingest(catalog, str(write_code_problems(d / "code.jsonl")))
        generate(catalog, get_backend("scripted", seed=0), n=4, run_id="mix",
                 params=SamplingParams(n=4, temperature=0.7, max_tokens=4096, seed=0))  # fmt: skip
        rep = verify(catalog, run="mix", workers=2)
    return path, rep


@pytest.fixture
def mixed(pipeline, tmp_path):
    path, rep = pipeline
    shutil.copy(path, tmp_path / "catalog.duckdb")
    assert not path.with_name(path.name + ".wal").exists()  # closed = checkpointed: the file is whole
    with Catalog.open(tmp_path / "catalog.duckdb") as catalog:
        yield catalog, rep


def test_verify_dispatches_on_domain_and_stores_details(mixed):
    catalog, rep = mixed
    rows = catalog.rows(
        "SELECT p.domain, v.verifier, v.verifier_version, v.label, v.details FROM verifications v "
        "JOIN traces t USING (trace_id) JOIN problems p USING (problem_id)"
    )
    by = {(d, ver) for d, ver, _, _, _ in rows}
    assert by == {("math", "math"), ("code", "code")}  # each domain's own verifier, nothing crossed
    code = [(lbl, json.loads(det), vv) for d, _, vv, lbl, det in rows if d == "code"]
    assert len(code) == len(CODE_PROBLEMS) * 4
    assert {lbl for lbl, _, _ in code} >= {"correct", "incorrect"}
    for lbl, det, vv in code:
        assert vv.startswith("1.") and det["sandbox"] == "bwrap" and det["tests_run"] >= 1
        assert set(det["outcomes"]) <= {
            "passed",
            "wrong_answer",
            "timeout",
            "error",
            "memory",
            "output_limit",
        }
        if lbl == "correct":
            assert det["first_failure"] is None and det["outcomes"] == {"passed": det["tests_total"]}
        elif lbl in ("incorrect", "timeout", "error"):
            assert det["first_failure"]["index"] >= 0
    assert rep.labelled == len(rows)
    assert verify(catalog, run="mix").labelled == 0  # idempotent: nothing left to do

    # quality flags know the domain: a code trace's final answer is its program, so exactly the code traces
    # the verifier found no program in are flagged no_final_answer (filter 1.1.0 flagged every one)
    code_q = ("SELECT v.trace_id, v.label FROM verifications v JOIN traces t USING (trace_id) "
              "JOIN problems p USING (problem_id) WHERE p.domain = 'code'")  # fmt: skip
    code_ids = dict(catalog.rows(code_q))
    no_final = {
        tid for (tid,) in catalog.rows("SELECT trace_id FROM trace_flags WHERE flag = 'no_final_answer'")
    }
    assert no_final & set(code_ids) == {tid for tid, lbl in code_ids.items() if lbl == "no_answer"}
    assert len(no_final & set(code_ids)) < len(code_ids)
    # a catalog flagged by 1.1.0: re-flagging replaces the old version's rows (recipes exclude on any row)
    flags_now = sorted(catalog.rows("SELECT trace_id, flag, filter_version FROM trace_flags"))
    catalog.execute("DELETE FROM trace_flags")
    catalog.execute("INSERT INTO trace_flags (trace_id, flag, detail, filter_version) SELECT trace_id, "
                    "'no_final_answer', 'no \\boxed{}', '1.1.0' FROM traces")  # fmt: skip
    verify(catalog, run="mix")
    assert sorted(catalog.rows("SELECT trace_id, flag, filter_version FROM trace_flags")) == flags_now

    # the named code pass-rate query and the per-domain trace_labels view
    q = (REPO_RECIPES.parent / "catalog" / "queries" / "code_pass_rate.sql").read_text()
    (src, run, n, n_ok, rate, *_rest) = catalog.rows(q)[0]
    assert run == "mix" and n == len(code) and rate == round(n_ok / n, 4)
    n_lab = catalog.scalar("SELECT count(*) FROM trace_labels t JOIN problems p USING (problem_id) "
                           "WHERE p.domain = 'code' AND t.label IS NOT NULL")  # fmt: skip
    assert n_lab == len(code)

    # difficulty for code problems: by pass rate (code verifier) and by the TACO labels
    pr = score(catalog, method="pass_rate", run="mix", verifier="code")
    assert pr.n_scored == len(CODE_PROBLEMS)
    score(catalog, method="label")
    levels = dict(catalog.rows("SELECT p.level, d.score FROM difficulty d JOIN problems p USING (problem_id) "
                                  "WHERE d.method = 'label' AND p.domain = 'code'"))  # fmt: skip
    assert levels["EASY"] < levels["MEDIUM"] < levels["HARD"]


def test_export_mixes_code_and_math_by_domain(mixed, tmp_path):
    catalog, _ = mixed
    rep = export(catalog, REPO_RECIPES / "demo-code-math.yaml", out_dir=tmp_path / "mix")
    files = sorted((tmp_path / "mix").rglob("*.parquet"))
    rows = [r for f in files for r in pq.read_table(f).to_pylist()]
    assert rep.n_rows == len(rows) > 0
    domains = [r.get("domain") for r in rows]
    n_code = sum(1 for r in rows if "```python" in r["messages"][-1]["content"])
    assert n_code >= 1 and len(rows) - n_code >= 3
    # a user recipe with the default exclude_flags (every flag) keeps its code traces (issue 14: the math
    # no_final_answer flag fired on every code trace and dropped them all)
    strict = tmp_path / "strict.yaml"
    text = (REPO_RECIPES / "demo-code-math.yaml").read_text()
    strict.write_text(text.replace("exclude_flags: [truncated]", "exclude_flags: true"))
    export(catalog, strict, out_dir=tmp_path / "strict")
    srows = [
        r for f in sorted((tmp_path / "strict").rglob("*.parquet")) for r in pq.read_table(f).to_pylist()
    ]
    assert sum(1 for r in srows if "```python" in r["messages"][-1]["content"]) == n_code
    if domains[0] is not None:
        assert set(domains) == {"math", "code"}
