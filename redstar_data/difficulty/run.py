"""`redstar difficulty`: score problems by judge, pass_rate or label into ``difficulty``.

Idempotent per (problem_id, method, model): the missing work is an anti-join, so a re-run scores only what
has no row yet (a judge reply that failed with a backend error is not stored and is retried next time;
an unparseable reply is stored with score NULL, so it is not asked again).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pyarrow as pa

from redstar_data.catalog import Catalog
from redstar_data.catalog.fragments import condition_sql
from redstar_data.catalog.quote import literal
from redstar_data.difficulty import judge as judge_mod
from redstar_data.difficulty.pass_rate import PASS_RATE_SQL
from redstar_data.errors import ConfigError
from redstar_data.generate.backends.base import GenerationBackend, SamplingParams
from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress

Method = Literal["judge", "pass_rate", "label"]
METHODS = ("judge", "pass_rate", "label")
JUDGE_BATCH = 64


@dataclass
class DifficultyReport:
    method: str
    model: str | None = None
    n_candidates: int = 0
    n_scored: int = 0
    n_unparsed: int = 0
    n_errors: int = 0
    n_written: int = 0
    mean_score: float | None = None
    histogram: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _problems_sql(
    where: str | None, limit: int | None, method: str, model_expr: str, also: str | None = None
) -> str:
    """The problems with no ``difficulty`` row for (method, model) yet, in problem_id order.

    ``also`` is one more condition on ``p``; the user's ``where`` is checked and placed as one condition.
    """
    conds = [f"AND ({also})"] if also else []
    if where is not None:
        conds.append(f"AND {condition_sql(where, key='--where')}")
    lim = f"LIMIT {int(limit)}" if limit is not None else ""
    return f"""
        SELECT p.problem_id, p.problem, p.level, p.source_id FROM problems p
        WHERE NOT EXISTS (SELECT 1 FROM difficulty d WHERE d.problem_id = p.problem_id
                          AND d.method = {literal(method)} AND {model_expr}) {" ".join(conds)}
        ORDER BY p.problem_id {lim}
    """


def score(
    catalog: Catalog,
    *,
    method: Method,
    backend: GenerationBackend | None = None,
    model: str | None = None,
    run: str | None = None,
    verifier: str = "math",
    where: str | None = None,
    limit: int | None = None,
    judge_max_tokens: int = judge_mod.DEFAULT_PARAMS.max_tokens,
    progress: ProgressCallback = null_progress,
) -> DifficultyReport:
    """Score the problems that have no ``difficulty`` row for this (method, model) yet.

    ``judge_max_tokens``: the judge's reply budget; a reasoning model thinks before it scores, so give it
    room (a reply cut off before the score is stored as unparsed)."""
    t0 = time.perf_counter()
    if method not in METHODS:
        raise ConfigError(f"unknown difficulty method {method!r}", key="--method", allowed=METHODS)
    if method == "judge":
        if judge_max_tokens < 1:
            raise ConfigError(
                f"judge max tokens must be at least 1, got {judge_max_tokens}", key="--max-tokens"
            )
        params = replace(judge_mod.DEFAULT_PARAMS, max_tokens=int(judge_max_tokens))
        rep = _judge(catalog, backend, model, where, limit, params, progress)
    elif method == "pass_rate":
        rep = _pass_rate(catalog, run, verifier, where, limit, progress)
    else:
        rep = _label(catalog, where, limit, progress)
    cond, params = (
        ("method = 'label'", [])
        if method == "label"
        else ("method = ? AND model = ?", [rep.method, rep.model])
    )
    rep.mean_score = catalog.scalar(f"SELECT avg(score) FROM difficulty WHERE {cond}", params)
    hist = catalog.rows(
        f"SELECT coalesce(CAST(round(score) AS INTEGER)::VARCHAR, 'null') AS s, count(*) FROM difficulty "
        f"WHERE {cond} GROUP BY 1 ORDER BY 1",
        params,
    )
    rep.histogram = {str(k): int(v) for k, v in hist}
    rep.seconds = time.perf_counter() - t0
    return rep


def _write(catalog: Catalog, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    tbl = pa.table(
        {
            "problem_id": pa.array([r["problem_id"] for r in rows], pa.string()),
            "method": pa.array([r["method"] for r in rows], pa.string()),
            "model": pa.array([r["model"] for r in rows], pa.string()),
            "score": pa.array([r["score"] for r in rows], pa.float64()),
            "details": pa.array(
                [json.dumps(r["details"], sort_keys=True, ensure_ascii=False) for r in rows], pa.string()
            ),
        }
    )
    with catalog.transaction():
        return catalog.insert_new("difficulty", tbl, ["problem_id", "method", "model"])


def _judge(
    catalog: Catalog,
    backend: GenerationBackend | None,
    model: str | None,
    where: str | None,
    limit: int | None,
    params: SamplingParams,
    progress: ProgressCallback,
) -> DifficultyReport:
    if backend is None:
        raise ConfigError(
            "the judge method needs a generation backend",
            key="--backend",
            hint="e.g. redstar difficulty --method judge --backend openai --model M",
        )
    mdl = model or backend.model
    rep = DifficultyReport("judge", mdl)
    todo = (
        catalog.sql(
            _problems_sql(where, limit, "judge", "d.model = $mdl"),
            {"mdl": mdl},
            where="--where",
        )
        .to_arrow_table()
        .to_pylist()
    )
    rep.n_candidates = len(todo)
    progress(ProgressEvent("difficulty: judge", 0, len(todo)))
    for s in range(0, len(todo), JUDGE_BATCH):
        chunk = todo[s : s + JUDGE_BATCH]
        reqs = [judge_mod.build_request(r["problem_id"], r["problem"], params) for r in chunk]
        out = {c.key: c for c in backend.generate(reqs)}
        rows = []
        for r in chunk:
            c = out.get(r["problem_id"])
            if c is None or c.finish_reason == "error":
                rep.n_errors += 1
                continue
            j = judge_mod.parse_judgement(c.text)
            details: dict[str, Any] = {
                "prompt_version": judge_mod.PROMPT_VERSION,
                "parsed_by": j.how,
                "backend": backend.name,
            }
            if j.score is None:
                rep.n_unparsed += 1
                details["unparsed"] = c.text[:4000]
            else:
                rep.n_scored += 1
                details["justification"] = j.justification
            rows.append(
                {
                    "problem_id": r["problem_id"],
                    "method": "judge",
                    "model": mdl,
                    "score": j.score,
                    "details": details,
                }
            )
        rep.n_written += _write(catalog, rows)
        progress(
            ProgressEvent(
                "difficulty: judge",
                min(s + JUDGE_BATCH, len(todo)),
                len(todo),
                metrics={"unparsed": rep.n_unparsed, "errors": rep.n_errors},
            )
        )
    return rep


def _pass_rate(
    catalog: Catalog,
    run: str | None,
    verifier: str,
    where: str | None,
    limit: int | None,
    progress: ProgressCallback,
) -> DifficultyReport:
    if not run:
        raise ConfigError("the pass_rate method needs a run", key="--run", hint="see `redstar sql` on runs")
    if not catalog.scalar("SELECT count(*) FROM traces WHERE run_id = ?", [run]):
        raise ConfigError(
            f"run {run!r} has no traces",
            key="--run",
            hint="generate and verify it first (redstar generate / redstar verify)",
        )
    rep = DifficultyReport("pass_rate", run)
    sql = f"""
        SELECT s.*, 1.0 - s.pass_rate AS score
        FROM ({PASS_RATE_SQL}) s JOIN ({_problems_sql(where, None, "pass_rate", "d.model = ?")}) p
        USING (problem_id) ORDER BY problem_id {f"LIMIT {int(limit)}" if limit is not None else ""}
    """
    todo = catalog.sql(sql, [verifier, run, run], where="--where").to_arrow_table().to_pylist()
    rep.n_candidates = len(todo)
    rows = [
        {
            "problem_id": r["problem_id"],
            "method": "pass_rate",
            "model": run,
            "score": r["score"],
            "details": {
                "n_traces": r["n_traces"],
                "n_verified": r["n_verified"],
                "n_correct": r["n_correct"],
                "verifier": verifier,
            },
        }
        for r in todo
    ]
    rep.n_scored = len(rows)
    rep.n_written = _write(catalog, rows)
    progress(ProgressEvent("difficulty: pass_rate", len(rows), len(rows)))
    return rep


def _label(
    catalog: Catalog, where: str | None, limit: int | None, progress: ProgressCallback
) -> DifficultyReport:
    # any existing label row counts (ingest may already have written one, with its own model value)
    rep = DifficultyReport("label", None)
    sql = _problems_sql(where, limit, "label", "TRUE", also="p.level IS NOT NULL")
    todo = (
        catalog.sql(f"SELECT *, level_score(level) AS score FROM ({sql})", where="--where")
        .to_arrow_table()
        .to_pylist()
    )
    rep.n_candidates = len(todo)
    rows = []
    for r in todo:
        v = r["score"]
        if v is None:
            rep.n_unparsed += 1
        else:
            rep.n_scored += 1
        rows.append(
            {
                "problem_id": r["problem_id"],
                "method": "label",
                "model": r["source_id"],
                "score": v,
                # the same details as the label scores written at ingest
                "details": {"raw": r["level"], "source_id": r["source_id"]},
            }
        )
    rep.n_written = _write(catalog, rows)
    progress(ProgressEvent("difficulty: label", len(rows), len(rows)))
    return rep
