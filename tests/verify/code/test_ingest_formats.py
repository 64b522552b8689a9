"""Code problems through the real ingest stage, then back out as the verifier's CodeSpec."""

from __future__ import annotations

import base64
import json
import pickle
import zlib

import pyarrow.parquet as pq

from redstar_data.export.run import export
from redstar_data.ingest.run import ingest
from redstar_data.verify.code.formats import spec_from_catalog
from redstar_data.verify.code.judge import CodeVerifier
from redstar_data.verify.run import verify
from redstar_train.rewards import code_reward


def _specs(catalog):
    rows = catalog.rows("SELECT source_key, domain, level, tests, meta FROM problems ORDER BY source_key")
    return {k: (d, lvl, spec_from_catalog(t, m)) for k, d, lvl, t, m in rows}


def test_code_contests_rows_keep_private_and_generated_tests(catalog, tmp_path):
    row = {"name": "cf1A", "description": "Add two numbers.", "difficulty": 7,
           "public_tests": {"input": ["1 2\n"], "output": ["3\n"]},
           "private_tests": {"input": ["5 5\n"], "output": ["10\n"]},
           "generated_tests": {"input": ["0 0\n"], "output": ["0\n"]},
           "time_limit": {"seconds": 2, "nanos": 0}, "memory_limit_bytes": 268435456}  # fmt: skip
    f = tmp_path / "cc.jsonl"
    f.write_text(json.dumps(row) + "\n")
    rep = ingest(catalog, str(f))
    assert rep.preset == "code_contests"
    domain, level, spec = _specs(catalog)["cf1A"]
    assert domain == "code" and level == "7"
    assert [t.origin for t in spec.tests] == ["public", "private", "generated"]
    assert (spec.time_limit_s, spec.memory_mb) == (2.0, 256)


def test_livecodebench_rows_with_pickled_private_tests(catalog, tmp_path):
    priv = base64.b64encode(zlib.compress(pickle.dumps(json.dumps(
        [{"input": "[3, 4]", "output": "7", "testtype": "functional"}])))).decode()  # fmt: skip
    row = {"question_id": "lc1", "question_content": "Return the sum of a list.", "difficulty": "easy",
           "public_test_cases": json.dumps([{"input": "[1, 2]", "output": "3", "testtype": "functional"}]),
           "private_test_cases": priv, "metadata": json.dumps({"func_name": "total"}),
           "starter_code": "class Solution:\n    def total(self, nums):\n"}  # fmt: skip
    f = tmp_path / "lcb.jsonl"
    f.write_text(json.dumps(row) + "\n")
    rep = ingest(catalog, str(f))
    assert rep.preset == "livecodebench"
    domain, _, spec = _specs(catalog)["lc1"]
    assert domain == "code" and spec.mode == "call" and spec.fn_name == "total"
    assert [(t.input, t.output) for t in spec.tests] == [([[1, 2]], 3), ([[3, 4]], 7)]


def test_the_dev_problems_ingest_as_taco(catalog, shared_data):
    rep = ingest(catalog, str(shared_data / "code" / "problems.jsonl"))
    assert rep.preset == "taco" and rep.n_new == 30
    specs = _specs(catalog)
    assert all(d == "code" for d, _, _ in specs.values())
    _, _, lc = specs["apps-train-2404"]
    assert lc.mode == "call" and lc.fn_name == "findKthPositive"
    _, _, dna = specs["taco-cf520C-dna-alignment"]
    assert dna.invalid_tests == [156] and len(dna.tests) == 261
    _, _, mv = specs["apps-train-2287"]
    assert mv.special_judge


def test_rl_export_carries_every_test_the_reward_needs(sandbox, catalog, tmp_path):
    """The RL set's ``tests`` is the stored spec (tests + the meta keys the verifier reads): the reward then
    runs CodeContests' private/generated and LiveCodeBench's pickled private tests, not only the public."""
    priv = base64.b64encode(zlib.compress(pickle.dumps(json.dumps(
        [{"input": "[3, 4]", "output": "7", "testtype": "functional"}])))).decode()  # fmt: skip
    rows = {
        "cc.jsonl": {"name": "cf1A", "description": "Add two numbers.", "solutions": {"language": [3], "solution": ["x" * 50]},
                     "public_tests": {"input": ["1 2\n"], "output": ["3\n"]},
                     "private_tests": {"input": ["5 5\n"], "output": ["10\n"]},
                     "generated_tests": {"input": ["0 7\n"], "output": ["7\n"]}, "time_limit": {"seconds": 2, "nanos": 0}},
        "lcb.jsonl": {"question_id": "lc1", "question_content": "Return the sum of a list.",
                      "public_test_cases": json.dumps([{"input": "[1, 2]", "output": "3", "testtype": "functional"}]),
                      "private_test_cases": priv, "metadata": json.dumps({"func_name": "total"})},
    }  # fmt: skip
    for name, row in rows.items():
        (tmp_path / name).write_text(json.dumps(row) + "\n")
        ingest(catalog, str(tmp_path / name))
    rec = tmp_path / "rl.yaml"
    rec.write_text("name: rl_code\nkind: rl\nselect: {domains: [code], canonical_only: false}\n")
    export(catalog, rec, out_dir=tmp_path / "rl")
    out = {
        r["problem_id"]: r for f in (tmp_path / "rl").rglob("*.parquet") for r in pq.read_table(f).to_pylist()
    }
    by_key = dict(catalog.rows("SELECT problem_id, source_key FROM problems"))
    got = {by_key[pid]: r["tests"] for pid, r in out.items()}
    assert set(got) == {"cf1A", "lc1"}
    cc, lc = (CodeVerifier().spec(got[k]) for k in ("cf1A", "lc1"))
    assert [t.origin for t in cc.tests] == ["public", "private", "generated"] and cc.time_limit_s == 2.0
    assert [(t.input, t.output, t.origin) for t in lc.tests] == [
        ([[1, 2]], 3, "public"),
        ([[3, 4]], 7, "private"),
    ]
    assert "solutions" not in json.loads(got["cf1A"])["meta"]  # only what the verifier reads
    # a program that only knows the public answers earns nothing; a real one earns the reward
    fake = "```python\nprint(3)\n```"
    real = "```python\na, b = map(int, input().split())\nprint(a + b)\n```"
    lc_real = "```python\nclass Solution:\n    def total(self, nums):\n        return sum(nums)\n```"
    lc_fake = "```python\nclass Solution:\n    def total(self, nums):\n        return 3\n```"
    tests = [got["cf1A"], got["cf1A"], got["lc1"], got["lc1"]]
    assert code_reward(None, [fake, real, lc_fake, lc_real], tests=tests) == [0.0, 1.0, 0.0, 1.0]


def test_statement_marks_reach_catalog_verify_and_the_rl_reward(catalog, sandbox, tmp_path):
    """Ingest maps the statement out of the row into ``problems.problem``; its marks (answers in any letter
    case, a stated float tolerance) must still apply when a stored trace is verified and when the RL set's
    ``tests`` grade a completion, as they do on a raw row (test_response_styles.py)."""
    rows = [
        {"id": "cf-any-case", "question": "Print YES if n is odd, otherwise NO. You can print each letter in any "
         "case (upper or lower).", "input_output": {"inputs": ["1\n", "2\n"], "outputs": ["YES\n", "NO\n"]},
         "response": "<think>parity</think>\n```python\nprint('yes' if int(input()) % 2 else 'no')\n```"},
        {"id": "cf-exact-case", "question": "Print YES if n is odd, otherwise NO.",
         "input_output": {"inputs": ["1\n", "2\n"], "outputs": ["YES\n", "NO\n"]},
         "response": "<think>parity</think>\n```python\nprint('yes' if int(input()) % 2 else 'no')\n```"},
        {"id": "cf-tolerance", "question": "Print 1/n. Your answer is accepted if its absolute or relative error "
         "does not exceed 10^{-6}.", "input_output": {"inputs": ["3\n"], "outputs": ["0.333333333333\n"]},
         "response": "<think>divide</think>\n```python\nprint(f'{1 / int(input()):.7f}')\n```"},
    ]  # fmt: skip
    src = tmp_path / "marks.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ingest(catalog, str(src))
    verify(catalog)
    labels = dict(catalog.rows(
        "SELECT p.source_key, l.label FROM latest_labels l JOIN traces t USING (trace_id) "
        "JOIN problems p USING (problem_id)"
    ))  # fmt: skip
    assert labels == {"cf-any-case": "correct", "cf-exact-case": "incorrect", "cf-tolerance": "correct"}
    rec = tmp_path / "rl.yaml"
    rec.write_text("name: rl_marks\nkind: rl\nselect: {domains: [code], canonical_only: false}\n")
    export(catalog, rec, out_dir=tmp_path / "rl")
    by_key = dict(catalog.rows("SELECT problem_id, source_key FROM problems"))
    tests = {by_key[r["problem_id"]]: r["tests"] for f in (tmp_path / "rl").rglob("*.parquet")
             for r in pq.read_table(f).to_pylist()}  # fmt: skip
    keys = sorted(tests)
    got = code_reward(None, [next(r["response"] for r in rows if r["id"] == k) for k in keys],
                      tests=[tests[k] for k in keys])  # fmt: skip
    assert dict(zip(keys, got, strict=True)) == {
        "cf-any-case": 1.0,
        "cf-exact-case": 0.0,
        "cf-tolerance": 1.0,
    }
