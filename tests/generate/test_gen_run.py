from __future__ import annotations

import json

import pytest

from redstar_data.errors import ConfigError, SqlError
from redstar_data.generate.backends.base import Completion, SamplingParams
from redstar_data.generate.backends.scripted import ScriptedTeacher
from redstar_data.generate.prompts import PromptTemplates
from redstar_data.generate.run import default_run_id, generate
from redstar_data.ids import trace_id
from redstar_data.progress import RecordingProgress

from .conftest import add_problems

P = SamplingParams(max_tokens=4000, temperature=0.6, top_p=0.9, seed=7)


class Flaky(ScriptedTeacher):
    """Fails every sample of the problems in ``bad`` (once each if ``heal``), or raises on call ``boom_at``."""

    def __init__(self, bad=(), heal=False, boom_at=None, exc=KeyboardInterrupt):
        super().__init__()
        self.bad, self.heal, self.boom_at, self.exc, self.calls = set(bad), heal, boom_at, exc, 0

    def generate(self, requests):
        self.calls += 1
        if self.calls == self.boom_at:
            raise self.exc()
        out = []
        for c in super().generate(requests):
            if c.key in self.bad:
                out.append(Completion(c.key, c.sample_index, "", "error", error="HTTP 400: context too long"))
            else:
                out.append(c)
        if self.heal:
            self.bad = set()
        return out


def _counts(cat, run_id):
    return cat.arrow(
        "SELECT count(*) AS n, count(DISTINCT trace_id) AS d FROM traces WHERE run_id = ?", [run_id]
    ).to_pylist()[0]


def test_run_row_records_everything(catalog):
    add_problems(catalog, 6)
    tpl = PromptTemplates()
    r = generate(catalog, ScriptedTeacher(), n=3, params=P, batch_size=4)
    assert r.run_id == default_run_id(ScriptedTeacher(), P, tpl) and r.run_id.startswith(
        "scripted-scripted-teacher-v1-"
    )
    assert (r.n_problems, r.n_wanted, r.n_generated, r.status) == (6, 18, 18, "finished")
    row = catalog.arrow("SELECT * FROM runs").to_pylist()[0]
    assert row["kind"] == "teacher" and row["backend"] == "scripted" and row["model"] == "scripted-teacher-v1"
    assert row["prompt_template"] == tpl.text() and row["system_prompt"] == tpl.system
    assert json.loads(row["sampling_params"]) == {
        "temperature": 0.6,
        "top_p": 0.9,
        "max_tokens": 4000,
        "seed": 7,
        "stop": [],
        "extra": {},
    }
    assert row["n_samples"] == 3 and row["status"] == "finished" and row["finished_at"] >= row["started_at"]
    stats = json.loads(row["stats"])
    assert stats["n_generated"] == 18 and stats["n_traces_total"] == 18
    t = catalog.arrow("SELECT * FROM traces ORDER BY problem_id, sample_index").to_pylist()
    assert all(x["trace_id"] == trace_id(x["problem_id"], r.run_id, x["sample_index"]) for x in t)
    assert all(x["n_tokens"] > 0 and x["prompt_tokens"] > 0 for x in t)
    assert {x["sample_index"] for x in t} == {0, 1, 2}
    assert json.loads(t[1]["meta"]) == {"seed": 8}  # seed + sample_index


def test_rerun_does_nothing_and_more_samples_continue_the_run(catalog):
    add_problems(catalog, 5)
    r1 = generate(catalog, ScriptedTeacher(), n=2, params=P)
    r2 = generate(catalog, ScriptedTeacher(), n=2, params=P)
    assert r2.run_id == r1.run_id and (r2.n_existing, r2.n_generated) == (10, 0)
    before = catalog.arrow("SELECT trace_id, text FROM traces ORDER BY trace_id").to_pylist()
    r3 = generate(catalog, ScriptedTeacher(), n=4, params=P)
    assert (r3.n_existing, r3.n_generated) == (10, 10)
    assert _counts(catalog, r1.run_id) == {"n": 20, "d": 20}
    after = catalog.arrow("SELECT trace_id, text FROM traces ORDER BY trace_id").to_pylist()
    assert all(b in after for b in before)
    assert catalog.scalar("SELECT n_samples FROM runs") == 4


def test_truncated_kept_and_marked(catalog):
    add_problems(catalog, 4)
    r = generate(catalog, ScriptedTeacher(), n=2, params=SamplingParams(max_tokens=30))
    assert r.n_truncated == 8 and r.n_generated == 8
    assert (
        catalog.scalar("SELECT count(*) FROM traces WHERE finish_reason = 'length' AND n_tokens <= 30") == 8
    )


def test_failures_reported_per_problem_not_written_and_retried(catalog):
    ids = add_problems(catalog, 6)
    be = Flaky(bad={ids[1], ids[4]}, heal=False)
    prog = RecordingProgress()
    r = generate(catalog, be, n=3, params=P, batch_size=2, progress=prog)
    assert r.n_failed == 6 and r.status == "incomplete" and r.n_generated == 12
    assert r.failures == sorted(
        [(ids[1], "HTTP 400: context too long"), (ids[4], "HTTP 400: context too long")]
    )
    assert catalog.scalar("SELECT count(*) FROM traces WHERE problem_id IN (?, ?)", [ids[1], ids[4]]) == 0
    assert catalog.scalar("SELECT status FROM runs") == "incomplete"
    assert (
        prog.events[-1].done == 18 and prog.events[-1].total == 18 and prog.events[-1].metrics["failed"] == 6
    )
    r2 = generate(catalog, ScriptedTeacher(), n=3, params=P)  # next run retries only the failed ones
    assert (r2.n_existing, r2.n_generated, r2.status) == (12, 6, "finished")
    assert _counts(catalog, r.run_id) == {"n": 18, "d": 18}


def test_interrupt_keeps_committed_batches_and_resume_completes_exactly_once(catalog):
    add_problems(catalog, 10)
    be = Flaky(boom_at=3)
    with pytest.raises(KeyboardInterrupt):
        generate(catalog, be, n=2, params=P, batch_size=3)
    rid = default_run_id(be, P, PromptTemplates())
    assert _counts(catalog, rid) == {"n": 12, "d": 12}  # two batches of 3 problems x 2 samples
    assert catalog.scalar("SELECT status FROM runs") == "interrupted"
    r = generate(catalog, ScriptedTeacher(), n=2, params=P, batch_size=3)
    assert (r.n_existing, r.n_generated) == (12, 8) and _counts(catalog, rid) == {"n": 20, "d": 20}


def test_where_limit_and_problem_ids_select_problems(catalog):
    ids = add_problems(catalog, 10)
    r = generate(catalog, ScriptedTeacher(), n=1, params=P, where="level IN ('1', '2')", run_id="w")
    assert r.n_problems == 4
    r = generate(catalog, ScriptedTeacher(), n=1, params=P, limit=3, run_id="l")
    assert (
        catalog.arrow("SELECT problem_id FROM traces WHERE run_id = 'l' ORDER BY 1").column(0).to_pylist()
        == ids[:3]
    )
    r = generate(
        catalog, ScriptedTeacher(), n=2, params=P, problem_ids=[ids[5], "not-a-problem"], run_id="ids"
    )
    assert (r.n_problems, r.n_generated) == (1, 2)
    with pytest.raises(SqlError, match="--where 'no_such_col = 1'"):
        generate(catalog, ScriptedTeacher(), n=1, params=P, where="no_such_col = 1")


def test_continuing_a_run_with_other_settings_is_refused(catalog):
    add_problems(catalog, 2)
    generate(catalog, ScriptedTeacher(), n=1, params=P, run_id="mine")
    with pytest.raises(ConfigError, match="already exists with a different sampling_params"):
        generate(catalog, ScriptedTeacher(), n=1, params=SamplingParams(temperature=1.0), run_id="mine")
    with pytest.raises(ConfigError, match="model"):
        generate(catalog, ScriptedTeacher(model="other"), n=1, params=P, run_id="mine")


def test_backend_returning_unasked_samples_is_a_bug(catalog):
    add_problems(catalog, 1)

    class Liar(ScriptedTeacher):
        def generate(self, requests):
            return [Completion(requests[0].key, 99, "x", "stop")]

    from redstar_data.errors import BackendError

    with pytest.raises(BackendError, match="not asked for"):
        generate(catalog, Liar(), n=1, params=P)


def test_custom_templates_reach_the_backend_and_the_run(catalog):
    add_problems(catalog, 2)
    seen = []

    class Spy(ScriptedTeacher):
        def generate(self, requests):
            seen.extend(requests)
            return super().generate(requests)

    tpl = {"system": "Judge it.", "math": "Rate 1-10: {problem}"}
    generate(catalog, Spy(), n=1, params=P, domain_templates=tpl, kind="judge", run_id="judge1")
    assert seen[0].messages[0] == {"role": "system", "content": "Judge it."}
    assert seen[0].messages[1]["content"].startswith("Rate 1-10: What is")
    assert seen[0].meta["answer"] is not None and seen[0].meta["meta"]["family"] == "addition"
    row = catalog.arrow("SELECT kind, system_prompt, prompt_template FROM runs").to_pylist()[0]
    assert (
        row["kind"] == "judge"
        and row["system_prompt"] == "Judge it."
        and "Rate 1-10" in row["prompt_template"]
    )


def test_bad_arguments(catalog):
    with pytest.raises(ConfigError, match="n must be at least 1"):
        generate(catalog, ScriptedTeacher(), n=0, params=P)
    with pytest.raises(ConfigError, match="batch_size"):
        generate(catalog, ScriptedTeacher(), n=1, params=P, batch_size=0)


def test_backend_crash_marks_the_run_failed_and_keeps_committed_work(catalog):
    add_problems(catalog, 6)
    be = Flaky(boom_at=2, exc=RuntimeError)
    with pytest.raises(RuntimeError):
        generate(catalog, be, n=1, params=P, batch_size=2, run_id="crash")
    assert catalog.scalar("SELECT status FROM runs") == "failed"
    assert catalog.scalar("SELECT count(*) FROM traces") == 2


def test_write_traces_is_idempotent_and_scoped_to_its_run(catalog):
    from redstar_data.generate.run import write_traces

    cs = [
        Completion("p1", 0, "a", "stop", 3, 2),
        Completion("p1", 0, "dup", "stop"),
        Completion("p1", 1, "b", "length"),
    ]
    assert write_traces(catalog, "r1", cs, seed=3) == 2
    assert write_traces(catalog, "r1", cs, seed=3) == 0
    assert write_traces(catalog, "r2", cs) == 2  # same problem and index, other run: other traces
    rows = catalog.arrow("SELECT run_id, sample_index, text, meta FROM traces ORDER BY 1, 2").to_pylist()
    assert [(r["run_id"], r["sample_index"], r["text"]) for r in rows] == [
        ("r1", 0, "a"),
        ("r1", 1, "b"),
        ("r2", 0, "a"),
        ("r2", 1, "b"),
    ]
    assert json.loads(rows[1]["meta"]) == {"seed": 4} and rows[2]["meta"] is None
