"""generate(): create or continue a generation run: plan the missing traces, sample them, commit in batches.

Idempotence comes from the keys, not from bookkeeping: the wanted set is (problem_id, sample_index < n)
over the selected problems, the done set is the run's rows in ``traces``, and the work is their
anti-join. ``trace_id = ids.trace_id(problem_id, run_id, sample_index)`` and every commit (``batch_size``
finished problems, or ``commit_every_s``) is written with an insert-new anti-join inside one
transaction, so a crash (kill -9) loses at most the work in flight and not yet committed, and a re-run
never duplicates. Streaming backends keep their concurrency full across commits (no batch tails).
Failed completions are not written: they are reported per problem and asked again on the next run.
Truncated ones are kept with finish_reason "length".
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, closing
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa

from redstar_data.catalog import Catalog
from redstar_data.catalog.fragments import condition_sql
from redstar_data.errors import BackendError, CatalogError, ConfigError, SqlError
from redstar_data.generate.backends.base import (
    Completion,
    GenerationBackend,
    GenerationRequest,
    SamplingParams,
    iter_completions,
)
from redstar_data.generate.prompts import PromptTemplates, resolve_templates
from redstar_data.ids import stable_hash, trace_id
from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress
from redstar_data.redact import redact, redact_text

STAGE = "generate"
_PROBLEM_COLS = (
    "problem_id, domain, problem, answer, level, meta, images, CAST(choices AS VARCHAR) AS choices"
)


@dataclass
class GenerateReport:
    """What one ``generate()`` call did. Rates count only this call's work."""

    run_id: str
    n_problems: int = 0  # problems selected
    n_wanted: int = 0  # problems x n
    n_existing: int = 0  # traces of the run that were already there
    n_generated: int = 0  # traces written now
    n_truncated: int = 0
    n_failed: int = 0  # samples that failed (not written; retried next run)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (problem_id, error), one per problem
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    status: str = "running"
    # replicated backends (generate/pool.py): per-replica health, re-queued units, failures; else None
    pool: dict[str, Any] | None = None

    @property
    def traces_per_s(self) -> float:
        return self.n_generated / self.seconds if self.seconds > 0 else 0.0

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["failures"] = [list(f) for f in self.failures]
        d["traces_per_s"] = round(self.traces_per_s, 3)
        d["tokens_per_s"] = round(self.tokens_per_s, 3)
        return d


def default_run_id(
    backend: GenerationBackend, params: SamplingParams, templates: PromptTemplates, kind: str = "teacher"
) -> str:
    """``<backend>-<model slug>-<hash>``: same backend, model, sampling params (without n) and prompts →
    same run, so asking for more samples later continues it."""
    p = params.to_dict()
    p.pop("n", None)
    h = stable_hash(
        {
            "kind": kind,
            "backend": backend.name,
            "model": backend.model,
            "params": p,
            "prompt": templates.text(),
            "system": templates.system,
        }
    )[:10]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(str(backend.model)).name or str(backend.model))[:48]
    return f"{backend.name}-{slug}-{h}"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _params_json(params: SamplingParams) -> str:
    d = params.to_dict()
    d.pop("n", None)  # n lives in runs.n_samples; it may grow when a run is continued
    return json.dumps(redact(d), sort_keys=True)  # an -x api_key=... is sent, never stored


def _open_run(
    catalog: Catalog,
    run_id: str,
    backend: GenerationBackend,
    params: SamplingParams,
    templates: PromptTemplates,
    n: int,
    kind: str,
) -> None:
    """Create the runs row, or check that an existing one used the same backend, model, params, prompts."""
    row = catalog.one(
        "SELECT kind, backend, model, prompt_template, system_prompt, "
        "sampling_params::VARCHAR, n_samples FROM runs WHERE run_id = ?",
        [run_id],
    )
    pjson = _params_json(params)
    meta = json.dumps({"backend_options": redact(backend.describe())}, sort_keys=True, default=str)
    if row is None:
        catalog.execute(
            "INSERT INTO runs (run_id, kind, backend, model, prompt_template, system_prompt, sampling_params, "
            "n_samples, status, started_at, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)",
            [
                run_id,
                kind,
                backend.name,
                backend.model,
                templates.text(),
                templates.system,
                pjson,
                n,
                _now(),
                meta,
            ],
        )
        return
    have = {
        "kind": row[0],
        "backend": row[1],
        "model": row[2],
        "prompt_template": row[3],
        "system_prompt": row[4],
        "sampling_params": json.loads(row[5]) if row[5] else None,
    }
    want = {
        "kind": kind,
        "backend": backend.name,
        "model": backend.model,
        "prompt_template": templates.text(),
        "system_prompt": templates.system,
        "sampling_params": json.loads(pjson),
    }
    diff = [k for k in want if have[k] != want[k]]
    if diff:
        raise ConfigError(
            f"run {run_id!r} already exists with a different {', '.join(diff)}",
            key="run",
            hint="continue it with the same settings, or pass a new --run NAME",
        )
    catalog.execute(
        "UPDATE runs SET status = 'running', n_samples = greatest(n_samples, ?), "
        "finished_at = NULL WHERE run_id = ?",
        [n, run_id],
    )


# a problem held by any benchmark source (see ingest/benchmarks): never a training problem unless asked
NOT_BENCHMARK = (
    "NOT EXISTS (SELECT 1 FROM problem_sources m JOIN sources b USING (source_id) "
    "WHERE m.problem_id = p.problem_id AND b.is_benchmark) "
    "AND p.source_id NOT IN (SELECT source_id FROM sources WHERE is_benchmark)"
)


def _selection_sql(
    where: str | None, with_ids: bool, limit: int | None, include_benchmarks: bool = False
) -> str:
    sql = "SELECT problem_id FROM problems p WHERE TRUE"
    if not include_benchmarks and not with_ids:  # explicit ids (eval) name their problems
        sql += f" AND {NOT_BENCHMARK}"
    if where is not None:  # an empty --where is an error, not "everything"
        sql += f" AND {condition_sql(where, key='--where')}"
    if with_ids:
        sql += " AND p.problem_id IN (SELECT problem_id FROM __rs_gen_ids)"
    sql += " ORDER BY problem_id"  # deterministic, so --limit picks the same problems on a resume
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql


def plan_missing(
    catalog: Catalog,
    run_id: str,
    n: int,
    *,
    where: str | None = None,
    limit: int | None = None,
    problem_ids: Sequence[str] | None = None,
    include_benchmarks: bool = False,
) -> tuple[int, int, pa.Table]:
    """(problems selected, traces existing, table of (problem_id, missing: list<int>)) for the run.
    Benchmark problems are left out unless ``include_benchmarks`` (or named in ``problem_ids``)."""
    sel = _selection_sql(where, problem_ids is not None, limit, include_benchmarks)
    with ExitStack() as scope:
        if problem_ids is not None:
            ids = pa.table({"problem_id": pa.array(list(problem_ids), pa.string())})
            scope.enter_context(catalog.registered("__rs_gen_ids", ids))
        try:
            scope.enter_context(catalog.temp_table("__rs_gen_sel", sel))
        except SqlError as e:
            raise SqlError(
                e.duckdb_message, sel, where=f"--where {where!r}" if where else "problem selection"
            ) from e
        n_sel = int(catalog.scalar("SELECT count(*) FROM __rs_gen_sel"))
        n_have = int(
            catalog.scalar(
                "SELECT count(*) FROM traces t JOIN __rs_gen_sel s USING (problem_id) "
                "WHERE t.run_id = ? AND t.sample_index < ?",
                [run_id, n],
            )
        )
        missing = catalog.arrow(
            """
            SELECT s.problem_id, list(r.sample_index ORDER BY r.sample_index) AS missing
            FROM __rs_gen_sel s CROSS JOIN range(?) AS r(sample_index)
            WHERE NOT EXISTS (SELECT 1 FROM traces t WHERE t.run_id = ? AND t.problem_id = s.problem_id
                              AND t.sample_index = r.sample_index)
            GROUP BY s.problem_id ORDER BY s.problem_id
            """,
            [n, run_id],
        )
        return n_sel, n_have, missing


def _problem_rows(catalog: Catalog, ids: list[str]) -> dict[str, dict[str, Any]]:
    with catalog.registered("__rs_gen_batch", pa.table({"problem_id": pa.array(ids, pa.string())})):
        rows = catalog.arrow(
            f"SELECT {_PROBLEM_COLS} FROM problems WHERE problem_id IN (SELECT problem_id FROM __rs_gen_batch)"
        ).to_pylist()
    out = {}
    for r in rows:
        if isinstance(r.get("meta"), str):
            try:
                r["meta"] = json.loads(r["meta"])
            except ValueError:
                r["meta"] = {}
        r["images"] = _image_ids(r.get("images"))
        out.setdefault(r["problem_id"], r)
    return out


def _image_ids(value: Any) -> list[str]:
    """``problems.images`` (a JSON list of image ids, sha256 of the bytes) as a list; NULL/empty → []."""
    if value is None:
        return []
    ids = json.loads(value) if isinstance(value, str) else value
    return [str(i) for i in ids or []]


def _image_bytes(catalog: Catalog, rows: Mapping[str, Mapping[str, Any]]) -> dict[str, bytes]:
    """The bytes of every image the batch's problems show, read once per batch from the catalog."""
    wanted = sorted({i for r in rows.values() for i in r["images"]})
    if not wanted:
        return {}
    from redstar_data.images.store import get_images

    got = get_images(catalog, wanted)
    missing = [i for i in wanted if i not in got]
    if missing:
        owner = next(pid for pid, r in rows.items() if missing[0] in r["images"])
        raise CatalogError(
            f"problem {owner} shows image {missing[0]} that is not in the catalog's images table",
            hint="re-ingest the source that holds this problem's images",
        )
    return got


TRACE_SCHEMA = pa.schema(
    [
        ("trace_id", pa.string()),
        ("problem_id", pa.string()),
        ("run_id", pa.string()),
        ("sample_index", pa.int32()),
        ("text", pa.string()),
        ("finish_reason", pa.string()),
        ("n_tokens", pa.int32()),
        ("prompt_tokens", pa.int32()),
        ("meta", pa.string()),
    ]
)


def write_traces(
    catalog: Catalog, run_id: str, completions: Sequence[Completion], seed: int | None = None
) -> int:
    """Write finished completions as traces in ONE transaction; trace ids already there are skipped.

    The anti-join is scoped to the run (``scope={"run_id": ...}``): a trace id hashes its run id, so the
    check is the same, but DuckDB's zone maps skip other runs' row groups (benchmarks/generate.py).
    """
    unique: dict[tuple[str, int], Completion] = {}
    for c in completions:
        unique.setdefault((c.key, c.sample_index), c)
    if not unique:
        return 0
    cols: dict[str, list[Any]] = {name: [] for name in TRACE_SCHEMA.names}
    for c in unique.values():
        cols["trace_id"].append(trace_id(c.key, run_id, c.sample_index))
        cols["problem_id"].append(c.key)
        cols["run_id"].append(run_id)
        cols["sample_index"].append(c.sample_index)
        cols["text"].append(c.text)
        cols["finish_reason"].append(c.finish_reason)
        cols["n_tokens"].append(c.n_tokens)
        cols["prompt_tokens"].append(c.prompt_tokens)
        cols["meta"].append(None if seed is None else f'{{"seed": {seed + c.sample_index}}}')
    with catalog.transaction():
        return catalog.insert_new(
            "traces",
            pa.table(cols, schema=TRACE_SCHEMA),
            ["trace_id"],
            scope={"run_id": run_id},
            distinct=True,
        )


def generate(
    catalog: Catalog,
    backend: GenerationBackend,
    *,
    n: int,
    params: SamplingParams,
    run_id: str | None = None,
    where: str | None = None,
    limit: int | None = None,
    domain_templates: PromptTemplates | Mapping[str, Any] | str | Path | None = None,
    kind: str = "teacher",
    batch_size: int = 64,
    commit_every_s: float = 2.0,
    problem_ids: Sequence[str] | None = None,
    include_benchmarks: bool = False,
    progress: ProgressCallback = null_progress,
) -> GenerateReport:
    """Create or continue run ``run_id``: generate the samples (< n) still missing for the selected problems.

    ``where`` is SQL over ``problems``; ``problem_ids`` restricts to those problems; ``limit`` takes the
    first N selected problems by id. Problems of benchmark sources are skipped (sampling them for training
    is contamination) unless ``include_benchmarks`` or they are named in ``problem_ids``. Backend failures for one problem are reported in
    ``GenerateReport.failures``, not raised.

    Finished traces are committed every ``batch_size`` finished problems, or after ``commit_every_s``
    seconds when some are held, whichever comes first: the time bound keeps what a kill -9 can lose small
    when long-CoT answers take minutes. A streaming backend (``StreamingBackend``, e.g. openai) keeps
    its concurrency full across commits; a batch backend gets ``batch_size`` problems per call.
    """
    if n < 1:
        raise ConfigError(f"n must be at least 1, got {n}", key="n")
    if batch_size < 1:
        raise ConfigError(f"batch_size must be at least 1, got {batch_size}", key="batch_size")
    if commit_every_s <= 0:
        raise ConfigError(f"commit_every_s must be positive, got {commit_every_s}", key="commit_every_s")
    if limit is not None and limit < 0:
        raise ConfigError(f"limit must be >= 0, got {limit}", key="limit")
    templates = resolve_templates(domain_templates)
    params = SamplingParams(**{**params.to_dict(), "n": n, "stop": tuple(params.stop)})
    rid = run_id or default_run_id(backend, params, templates, kind)
    report = GenerateReport(run_id=rid)
    t0 = time.perf_counter()

    n_sel, n_have, missing = plan_missing(
        catalog,
        rid,
        n,
        where=where,
        limit=limit,
        problem_ids=problem_ids,
        include_benchmarks=include_benchmarks,
    )
    report.n_problems, report.n_wanted, report.n_existing = n_sel, n_sel * n, n_have
    _open_run(catalog, rid, backend, params, templates, n, kind)
    total = sum(len(m) for m in missing.column("missing").to_pylist())
    progress(ProgressEvent(STAGE, 0, total, {"traces/s": 0.0, "tok/s": 0.0}, message=rid))

    ids = missing.column("problem_id").to_pylist()
    todo = missing.column("missing").to_pylist()
    asked: dict[str, GenerationRequest] = {}  # pulled by the backend and not finished yet
    held: list[Completion] = []  # finished and not committed yet: what a kill -9 would lose
    failed_by_problem: dict[str, str] = {}
    done = held_problems = reported = 0
    last_commit = time.perf_counter()

    def commit() -> None:
        """Write the held traces in ONE transaction, then report progress."""
        nonlocal held_problems, last_commit, reported
        report.n_generated += write_traces(catalog, rid, held, params.seed) if held else 0
        for c in held:
            report.n_truncated += c.finish_reason == "length"
            report.completion_tokens += c.n_tokens or 0
            report.prompt_tokens += c.prompt_tokens or 0
        held.clear()
        held_problems, reported, last_commit = 0, done, time.perf_counter()
        el = last_commit - t0
        progress(
            ProgressEvent(
                STAGE,
                done,
                total,
                {
                    "traces/s": report.n_generated / el if el else 0.0,
                    "tok/s": report.completion_tokens / el if el else 0.0,
                    "failed": report.n_failed,
                    **_pool_health(backend),
                },
            )
        )

    requests = _requests(catalog, ids, todo, templates, params, batch_size, asked)
    try:
        stream = iter_completions(backend, requests, batch_size=batch_size, max_wait_s=commit_every_s)
        with closing(stream):
            for finished in stream:
                reqs = [asked.pop(k) for k in dict.fromkeys(c.key for c in finished) if k in asked]
                held.extend(_check(reqs, finished, failed_by_problem, report))
                done += sum(len(r.sample_indices) for r in reqs)
                held_problems += len(reqs)
                if held_problems >= batch_size or (
                    held and time.perf_counter() - last_commit >= commit_every_s
                ):
                    commit()
        unanswered = list(asked.values())  # requests the backend returned nothing at all for
        asked.clear()
        _check(unanswered, [], failed_by_problem, report)
        done += sum(len(r.sample_indices) for r in unanswered)
        if held or done != reported:
            commit()
    except BaseException as e:  # committed traces stay; the next call continues from them
        try:
            if held:  # finished work survives a Ctrl-C or a backend crash too
                commit()
        except Exception:  # never mask the original error
            pass
        report.seconds = time.perf_counter() - t0
        report.failures = sorted(failed_by_problem.items())
        report.pool = _pool_telemetry(backend)
        _close_run(catalog, rid, report, "interrupted" if isinstance(e, KeyboardInterrupt) else "failed")
        raise
    report.failures = sorted(failed_by_problem.items())
    report.seconds = time.perf_counter() - t0
    report.pool = _pool_telemetry(backend)
    _close_run(catalog, rid, report, "finished" if report.n_failed == 0 else "incomplete")
    return report


def _requests(
    catalog: Catalog,
    ids: list[str],
    todo: list[list[int]],
    templates: PromptTemplates,
    params: SamplingParams,
    batch_size: int,
    asked: dict[str, GenerationRequest],
) -> Iterator[GenerationRequest]:
    """The requests of the missing work, built lazily (problem rows read ``batch_size`` at a time), so a
    streaming backend holds only what it has in flight; each one is recorded in ``asked`` as it is pulled."""
    for start in range(0, len(ids), batch_size):
        batch_ids = ids[start : start + batch_size]
        rows = _problem_rows(catalog, batch_ids)
        blobs = _image_bytes(catalog, rows)
        for pid, idxs in zip(batch_ids, todo[start : start + batch_size], strict=True):
            row = rows[pid]
            req = GenerationRequest(
                key=pid,
                messages=tuple(templates.build(row)),
                sample_indices=tuple(idxs),
                params=params,
                images=tuple(blobs[i] for i in row["images"]),
                meta={
                    "problem": row["problem"],
                    "answer": row["answer"],
                    "level": row["level"],
                    "domain": row["domain"],
                    "meta": row["meta"] or {},
                },
            )
            asked[pid] = req
            yield req


def _check(
    requests: Sequence[GenerationRequest],
    completions: Sequence[Completion],
    failed: dict[str, str],
    report: GenerateReport,
) -> list[Completion]:
    """Keep finished completions; record failures per problem; flag samples the backend never returned."""
    wanted = {(r.key, i) for r in requests for i in r.sample_indices}
    good, seen = [], set()
    for c in completions:
        k = (c.key, c.sample_index)
        if k not in wanted:
            raise BackendError(
                f"backend returned a sample that was not asked for: problem {c.key} sample {c.sample_index}",
                hint="this is a bug in the backend",
            )
        if k in seen:
            continue
        seen.add(k)
        if c.finish_reason == "error":
            report.n_failed += 1
            failed.setdefault(c.key, redact_text(c.error or "unknown error"))
        else:
            good.append(c)
    for key, idx in sorted(wanted - seen):
        report.n_failed += 1
        failed.setdefault(key, f"backend returned nothing for sample {idx}")
    return good


def _pool_health(backend: GenerationBackend) -> dict[str, Any]:
    """``{"replicas": "r0 ok 120 · r1 dropped"}`` for the progress bar when the backend is a pool."""
    line = getattr(backend, "health_line", None)
    return {"replicas": line()} if callable(line) else {}


def _pool_telemetry(backend: GenerationBackend) -> dict[str, Any] | None:
    tel = getattr(backend, "telemetry", None)
    return tel() if callable(tel) else None


def _close_run(catalog: Catalog, run_id: str, report: GenerateReport, status: str) -> None:
    report.status = status
    try:
        n_total = catalog.scalar("SELECT count(*) FROM traces WHERE run_id = ?", [run_id])
        stats = redact({**report.to_dict(), "n_traces_total": int(n_total or 0)})
        stats["failures"] = stats["failures"][:100]
        catalog.execute(
            "UPDATE runs SET status = ?, finished_at = ?, stats = ? WHERE run_id = ?",
            [status, _now(), json.dumps(stats, default=str), run_id],
        )
    except SqlError:  # never mask the original error when closing after a failure
        if status == "finished":
            raise
