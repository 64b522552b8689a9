"""Difficulty scoring on a real catalog: judge (through a stand-in backend), pass_rate, label."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pytest

from redstar_data.difficulty.judge import PROMPT_VERSION, parse_judgement
from redstar_data.difficulty.run import score
from redstar_data.errors import ConfigError
from redstar_data.generate.backends.base import Completion, GenerationBackend, GenerationRequest
from redstar_data.ids import trace_id


class StandInJudge:
    """A STAND-IN judge backend (not a model): replies with canned texts keyed by a word in the problem."""

    name = "stand-in"

    def __init__(self, model: str, replies: dict[str, str]) -> None:
        self.model = model
        self.replies = replies
        self.requests: list[GenerationRequest] = []

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        out = []
        for r in requests:
            self.requests.append(r)
            prompt = r.messages[-1]["content"]
            key = next((k for k in self.replies if k in prompt), None)
            if key is None or self.replies[key] == "<error>":
                out.append(Completion(r.key, 0, "", "error", error="boom"))
            else:
                out.append(Completion(r.key, 0, self.replies[key], "stop"))
        return out

    def describe(self) -> dict[str, Any]:
        return {}

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ('{"score": 7, "justification": "needs an invariant"}', 7.0),
        ('```json\n{"difficulty": "4", "reason": "routine"}\n```', 4.0),
        ("<think>Maybe 3? No.</think>\nScore: 8\nJustification: AIME-level casework", 8.0),
        ("I would rate this **Difficulty: 6/10** because it needs two ideas.", 6.0),
        ("This sits at 9/10 on the rubric.", 9.0),
        ("Rating of 10", 10.0),
        ("5", 5.0),
        ('Draft {"score": 2} ... final {"score": 3, "justification": "x"}', 3.0),
        ("Score: 11", None),
        ("It is a hard problem with 3 variables and 2 equations.", None),
        ("", None),
    ],
)
def test_parse_judgement(text, want):
    assert parse_judgement(text).score == want


LEVELS = [("Level 3", 3.0), ("5", 5.0), ("4.5", 4.5), ("MEDIUM_HARD", 3.0), ("very hard", 5.0),
          ("Medium-Hard", 3.0), ("interview", 3.0), ("UNKNOWN_DIFFICULTY", None), ("", None), (None, None)]  # fmt: skip


def test_level_score_rule(catalog):
    """The catalog's level_score macro (catalog/views/00_rules.sql), used by ingest and --method label."""
    got = [(lv, catalog.scalar("SELECT level_score(?::VARCHAR)", [lv])) for lv, _ in LEVELS]
    assert got == LEVELS


def test_judge_scores_stores_unparsed_and_retries_errors(catalog, add):
    ids = add(
        catalog,
        "train",
        ["alpha problem: 1+1", "beta problem: integrals", "gamma problem: ???", "delta problem: IMO"],
    )
    backend = StandInJudge(
        "judge-m",
        {
            "alpha": '{"score": 2, "justification": "one step"}',
            "beta": "Score: 5/10",
            "gamma": "I cannot tell how hard this is.",
            "delta": "<error>",
        },
    )
    assert isinstance(backend, GenerationBackend)
    rep = score(catalog, method="judge", backend=backend)
    assert (rep.n_scored, rep.n_unparsed, rep.n_errors, rep.n_written) == (2, 1, 1, 3)
    rows = {r["problem_id"]: r for r in catalog.arrow("SELECT * FROM difficulty").to_pylist()}
    assert rows[ids[0]]["score"] == 2.0 and rows[ids[0]]["model"] == "judge-m"
    assert json.loads(rows[ids[0]]["details"])["justification"] == "one step"
    assert rows[ids[2]]["score"] is None
    assert json.loads(rows[ids[2]]["details"])["unparsed"] == "I cannot tell how hard this is."
    assert ids[3] not in rows  # backend error: nothing stored, retried next time
    req = next(r for r in backend.requests if r.key == ids[0])
    assert "1 to 10" in req.messages[-1]["content"] and "alpha problem" in req.messages[-1]["content"]
    assert req.meta["prompt_version"] == PROMPT_VERSION and req.params.temperature == 0.0

    backend.replies["delta"] = "Difficulty: 9"
    again = score(catalog, method="judge", backend=backend)
    assert again.n_candidates == 1 and again.n_written == 1
    assert catalog.count("difficulty") == 4
    other = score(catalog, method="judge", backend=StandInJudge("judge-2", {"problem": "7/10"}))
    assert other.n_written == 4 and other.mean_score == 7.0  # another model: scored side by side


def test_judge_where_and_limit(catalog, add):
    a_ids = add(catalog, "a", ["alpha one", "alpha two", "alpha four"])
    add(catalog, "b", ["alpha three"])
    judge = StandInJudge("m", {"alpha": "3"})
    rep = score(catalog, method="judge", backend=judge, where="p.source_id = 'a'", limit=2)
    assert rep.n_written == 2  # limit
    rep = score(catalog, method="judge", backend=judge, where="p.source_id = 'a'")
    assert rep.n_written == 1  # the rest of source a, and only that: --where holds
    scored = {
        r[0] for r in catalog.sql("SELECT problem_id FROM difficulty WHERE method = 'judge'").fetchall()
    }
    assert scored == set(a_ids)


def _traces(catalog, pid: str, run: str, labels: list[str | None]) -> None:
    catalog.execute(
        "INSERT INTO runs (run_id, kind) SELECT ?, 'teacher' WHERE NOT EXISTS "
        "(SELECT 1 FROM runs WHERE run_id = ?)",
        [run, run],
    )
    tids = [trace_id(pid, run, i) for i in range(len(labels))]
    catalog.append(
        "traces",
        pa.table(
            {
                "trace_id": tids,
                "problem_id": [pid] * len(tids),
                "run_id": [run] * len(tids),
                "sample_index": list(range(len(tids))),
            }
        ),
    )
    ver = [(t, lab) for t, lab in zip(tids, labels, strict=True) if lab is not None]
    if ver:
        catalog.append(
            "verifications",
            pa.table(
                {
                    "trace_id": [t for t, _ in ver],
                    "verifier": ["math"] * len(ver),
                    "verifier_version": ["1"] * len(ver),
                    "label": [lab for _, lab in ver],
                }
            ),
        )


def test_pass_rate(catalog, add):
    ids = add(catalog, "train", ["p one", "p two", "p three"])
    _traces(catalog, ids[0], "small", ["correct"] * 6 + ["incorrect", "no_answer"])
    _traces(catalog, ids[1], "small", ["incorrect", "incorrect", None, None])
    _traces(catalog, ids[2], "small", [None, None])  # nothing verified: no row
    rep = score(catalog, method="pass_rate", run="small")
    assert rep.n_written == 2
    got = dict(catalog.rows("SELECT problem_id, score FROM difficulty"))
    assert got == {ids[0]: pytest.approx(0.25), ids[1]: 1.0}
    assert score(catalog, method="pass_rate", run="small").n_written == 0
    with pytest.raises(ConfigError, match="has no traces"):
        score(catalog, method="pass_rate", run="nope")
    with pytest.raises(ConfigError, match="needs a run"):
        score(catalog, method="pass_rate")


def test_label_idempotent_with_ingest_rows(catalog, add):
    ids = add(catalog, "math", ["l one", "l two", "l three", "l four"])
    for pid, lv in zip(ids, ["Level 3", "5", "MEDIUM", None], strict=True):
        catalog.execute("UPDATE problems SET level = ? WHERE problem_id = ?", [lv, pid])
    # ingest already wrote a label row for the first problem, with its own model value
    catalog.execute(
        "INSERT INTO difficulty (problem_id, method, model, score) VALUES (?, 'label', 'x', 3)", [ids[0]]
    )
    rep = score(catalog, method="label")
    assert rep.n_written == 2
    got = dict(catalog.rows("SELECT problem_id, score FROM difficulty"))
    assert got == {ids[0]: 3.0, ids[1]: 5.0, ids[2]: 2.0}
    assert score(catalog, method="label").n_written == 0


def test_bad_method_and_missing_backend(catalog):
    with pytest.raises(ConfigError, match="unknown difficulty method"):
        score(catalog, method="vibes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="needs a generation backend"):
        score(catalog, method="judge")


def test_label_where_with_a_subquery_that_orders(catalog, add):
    """A --where holding its own ORDER BY (a valid subquery) is used as written, not cut apart."""
    ids = add(catalog, "math", ["w one", "w two", "w three"])
    for pid, lv in zip(ids, ["Level 1", "Level 2", None], strict=True):
        catalog.execute("UPDATE problems SET level = ? WHERE problem_id = ?", [lv, pid])
    where = "p.problem_id IN (SELECT problem_id FROM problems ORDER BY problem_id LIMIT 2)"
    first_two = sorted(ids)[:2]
    rep = score(catalog, method="label", where=where)
    got = dict(catalog.rows("SELECT problem_id, score FROM difficulty"))
    # the subquery's two problems, less any without a level
    want = {p for p in first_two if p != ids[2]}
    assert set(got) == want and rep.n_written == len(want)
