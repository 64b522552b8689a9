"""The catalog stage: label every trace that has no label from its domain's current verifier, and flag it.

Each problem's domain picks its verifier from ``registry.VERIFIERS`` (math today; code and geometry
register theirs there); a trace is labelled by ``check_many`` of that verifier. Traces of a domain with no
registered verifier are left unlabelled and counted in ``VerifyReport.no_verifier``.

Resumable by construction: work is selected by anti-join on verifications(trace_id, verifier,
verifier_version) and trace_flags(trace_id, filter_version), streamed in bounded batches (``batch_size``
traces' texts in memory at a time, whatever the catalog holds; no ORDER BY, which would hold them all), and
each batch is committed on its own, so an interrupted run picks up where it stopped. Older versions' labels are never touched.
Traces whose problem has no reference answer get label 'error' with detail "no reference answer" (not
skipped): that keeps them out of the to-do set on the next run and makes the gap visible in reports.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from redstar_data.catalog import Catalog
from redstar_data.errors import ConfigError
from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress
from redstar_data.tokens import TokenCounter, load_counter
from redstar_data.verify.base import Verdict, Verifier
from redstar_data.verify.filters import (
    FILTER_VERSION,
    FinalAnswerFn,
    flag_trace,
    math_final_answer,
    truncation,
)

BATCH = 2000
TOKEN_UPDATE = 100_000  # token counts written per UPDATE
# DuckDB's buffer pool otherwise keeps every trace page it has read (tens of GB on a big catalog); the stage
# only needs one batch of texts plus the anti-join's keys, so a cap bounds the process without slowing it
MEMORY_LIMIT = "1GB"

# $domains/$names/$versions: the verifier of each domain, as parallel lists
_VERIFIERS = "(SELECT unnest($domains) AS domain, unnest($names) AS vname, unnest($versions) AS vversion)"
# the to-do sets' FROM/WHERE, shared by the stream and its count: a count over a subquery that selects
# t.text made DuckDB carry every text through the join (0.9 GB at 40k x 20k characters)
_TODO_FROM = f"""
FROM traces t JOIN problems p USING (problem_id) JOIN {_VERIFIERS} d USING (domain)
WHERE ($run IS NULL OR t.run_id = $run)
  AND NOT EXISTS (SELECT 1 FROM verifications v WHERE v.trace_id = t.trace_id
                  AND v.verifier = d.vname AND v.verifier_version = d.vversion)
"""
# a trace's real token count (None for whitespace estimates: words are not tokens) and its run's stated budget
_LENGTH_COLS = (
    " CASE WHEN coalesce(json_extract_string(t.meta, '$.token_counter'), '') <> 'whitespace-estimate'"
    " THEN t.n_tokens END AS real_tokens,"
    " (SELECT TRY_CAST(json_extract(r.sampling_params, '$.max_tokens') AS BIGINT) FROM runs r"
    "  WHERE r.run_id = t.run_id) AS budget"
)
_TODO_SQL = (
    "SELECT t.trace_id, t.text, t.finish_reason, p.answer, p.domain, CAST(p.tests AS VARCHAR) AS tests,"
    " CAST(p.meta AS VARCHAR) AS meta, CAST(p.choices AS VARCHAR) AS choices, p.answer_letter,"
    " CASE WHEN p.domain = 'code' THEN p.problem END AS problem,"  # a code statement's marks (judge.py)
    + _LENGTH_COLS
    + _TODO_FROM
)
_NO_VERIFIER_SQL = f"""
SELECT coalesce(p.domain, '(no problem row)') AS domain, count(*) AS n
FROM traces t LEFT JOIN problems p USING (problem_id)
WHERE ($run IS NULL OR t.run_id = $run)
  AND (p.domain IS NULL OR p.domain NOT IN (SELECT domain FROM {_VERIFIERS}))
GROUP BY ALL ORDER BY ALL
"""
_FLAG_TODO_FROM = """
FROM traces t LEFT JOIN problems p USING (problem_id)
WHERE ($run IS NULL OR t.run_id = $run)
  AND NOT EXISTS (SELECT 1 FROM trace_flags f WHERE f.trace_id = t.trace_id AND f.filter_version = $fv)
"""
_FLAG_TODO_SQL = "SELECT t.trace_id, t.text, t.finish_reason, p.domain," + _LENGTH_COLS + _FLAG_TODO_FROM
# traces whose n_tokens the given tokenizer has not counted yet
_TOKENS_FROM = """
FROM traces t
WHERE ($run IS NULL OR t.run_id = $run)
  AND json_extract_string(t.meta, '$.token_counter') IS DISTINCT FROM $counter
"""
_DROP_OLD_FLAGS_SQL = (
    "DELETE FROM trace_flags WHERE filter_version <> $fv AND trace_id IN (SELECT unnest($ids::VARCHAR[]))"
)


@dataclass
class VerifyReport:
    verifier: str
    version: str
    labelled: int = 0
    labels: dict[str, int] = field(default_factory=dict)
    flagged_traces: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    no_verifier: dict[str, int] = field(default_factory=dict)
    token_counter: str | None = None  # the tokenizer that (re)counted n_tokens, when one was given
    tokens_counted: int = 0
    seconds: float = 0.0

    @property
    def items_per_s(self) -> float:
        return self.labelled / self.seconds if self.seconds else 0.0


def _rows(catalog: Catalog, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return catalog.arrow(sql, params).to_pylist()


def _count(catalog: Catalog, from_where: str, params: dict[str, Any]) -> int:
    return int(catalog.scalar("SELECT count(*)" + from_where, params))


def _reference(v: Verifier, row: dict[str, Any]) -> Any | None:
    """What the verifier compares against: ``v.reference(row)`` when it defines one (code: the tests and
    meta), else the problem's answer. None: nothing to verify against."""
    ref_of = getattr(v, "reference", None)
    if callable(ref_of):
        return ref_of(row)
    ans = row["answer"]
    return ans if (ans or "").strip() else None


def verify(
    catalog: Catalog,
    *,
    run: str | None = None,
    verifier: str | None = None,
    workers: int | None = None,
    progress: ProgressCallback = null_progress,
    batch_size: int = BATCH,
    verifier_options: dict[str, dict[str, Any]] | None = None,
    memory_limit: str | None = MEMORY_LIMIT,
    tokenizer: str | None = None,
) -> VerifyReport:
    """Label unlabelled traces (optionally of one run) and write quality flags; see module docstring.

    ``verifier_options``: keyword arguments per domain's verifier, e.g. ``{"code": {"timeout_s": 6,
    "all_tests": True}}``.

    ``verifier``: only that domain's verifier (a ``registry.VERIFIERS`` name); default every registered one.
    ``memory_limit``: DuckDB's memory cap while the stage runs (None: leave the catalog's setting).
    ``tokenizer``: a ``tokenizer.json`` (or a folder with one): first recount ``n_tokens`` of every trace
    (of the run) this tokenizer has not counted, batched, and name it in ``traces.meta.token_counter``
    (the card says which tokenizer counted); the budget check of the flags then reads real counts.
    """
    counter = load_counter(tokenizer) if tokenizer else None  # a bad path fails before any work
    with catalog.settings(memory_limit=memory_limit) if memory_limit else nullcontext():
        counted = _count_tokens(catalog, run, counter, progress) if counter is not None else 0
        report = _verify(catalog, run, verifier, workers, progress, batch_size, verifier_options)
    if counter is not None:
        report.token_counter, report.tokens_counted = counter.name, counted
    return report


def _count_tokens(
    catalog: Catalog, run: str | None, counter: TokenCounter, progress: ProgressCallback
) -> int:
    """Recount n_tokens with ``counter`` where it has not counted them: texts streamed in batches (bounded
    memory), one batched encode per batch, the counts written by one UPDATE per ``TOKEN_UPDATE`` rows (an
    UPDATE joins on trace_id, a scan of the ids: once per batch would be quadratic on a big catalog)."""
    params = {"run": run, "counter": counter.name}
    total = _count(catalog, _TOKENS_FROM, params)
    done = 0
    pending: list[pa.Table] = []

    def flush() -> None:
        if not pending:
            return
        counts = pa.concat_tables(pending)
        pending.clear()
        with catalog.transaction(), catalog.registered("__rs_tok", counts):
            catalog.execute(
                "UPDATE traces SET n_tokens = k.n, meta = json_merge_patch(coalesce(traces.meta, '{}'), "
                "json_object('token_counter', $counter)) FROM __rs_tok k WHERE traces.trace_id = k.trace_id",
                {"counter": counter.name},
            )

    for batch in catalog.stream("SELECT t.trace_id, t.text" + _TOKENS_FROM, params, BATCH):
        texts = [t or "" for t in batch.column("text").to_pylist()]
        pending.append(pa.table({"trace_id": batch.column("trace_id"),
                                 "n": pa.array(counter.count(texts), pa.int32())}))  # fmt: skip
        done += len(texts)
        del texts, batch
        if sum(len(t) for t in pending) >= TOKEN_UPDATE:
            flush()
        progress(ProgressEvent("tokens", done, total))
    flush()
    return done


def _verify(
    catalog: Catalog,
    run: str | None,
    verifier: str | None,
    workers: int | None,
    progress: ProgressCallback,
    batch_size: int,
    verifier_options: dict[str, dict[str, Any]] | None,
) -> VerifyReport:
    from redstar_data.registry import VERIFIERS

    by_domain: dict[str, Verifier] = {
        d: VERIFIERS.get(d)(**(verifier_options or {}).get(d, {}))
        for d in ([verifier] if verifier is not None else VERIFIERS.names())
    }
    if run is not None and not catalog.scalar("SELECT count(*) FROM runs WHERE run_id = ?", [run]):
        if not catalog.scalar("SELECT count(*) FROM traces WHERE run_id = ?", [run]):
            raise ConfigError(
                f"unknown run {run!r}", hint="list runs with: redstar sql 'SELECT run_id FROM runs'"
            )
    report = VerifyReport(
        verifier=", ".join(v.name for v in by_domain.values()),
        version=", ".join(v.version for v in by_domain.values()),
    )
    t0 = time.monotonic()
    if "math" in by_domain:  # math problems with a worked solution but no answer: take it from the solution
        from redstar_data.verify.reference import fill_references

        fill_references(catalog)
    domains = list(by_domain)
    vparams = {
        "domains": domains,
        "names": [by_domain[d].name for d in domains],
        "versions": [by_domain[d].version for d in domains],
    }
    total = _count(catalog, _TODO_FROM, {"run": run, **vparams})
    if verifier is None:
        report.no_verifier = {
            r["domain"]: r["n"] for r in _rows(catalog, _NO_VERIFIER_SQL, {"run": run, **vparams})
        }
    labels: Counter[str] = Counter()
    for batch in catalog.stream(_TODO_SQL, {"run": run, **vparams}, batch_size):
        chunk = batch.to_pylist()
        by_id: dict[str, Verdict] = {}
        for domain, v in by_domain.items():
            refs = [(r, _reference(v, r)) for r in chunk if r["domain"] == domain]
            with_ref = [(r, ref) for r, ref in refs if ref is not None]
            if with_ref:
                verdicts = v.check_many([(r["text"] or "", ref) for r, ref in with_ref], workers=workers)
                by_id.update((r["trace_id"], vd) for (r, _), vd in zip(with_ref, verdicts, strict=True))
        out = {
            "trace_id": [],
            "verifier": [],
            "verifier_version": [],
            "label": [],
            "extracted": [],
            "details": [],
        }
        for r in chunk:
            vd = by_id.get(r["trace_id"])
            if vd is not None and vd.label == "infra_error":
                # the sandbox failed, not the trace: no row, so the next run retries it (never a zero)
                labels["infra_error"] += 1
                continue
            if vd is None:
                label, extracted, details = "error", None, {"error": "no reference answer"}
            else:
                label, extracted = vd.label, vd.extracted
                details = {**vd.details, "method": vd.method}
                # a cut-off response answered nothing: its fallback number is not a wrong answer
                if label == "incorrect" and vd.details.get("weak"):
                    cut = truncation(r["text"] or "", r["finish_reason"], n_tokens=r["real_tokens"],
                                     budget=r["budget"])  # fmt: skip
                    if cut:
                        label, details["truncated"] = "no_answer", cut
            v = by_domain[r["domain"]]
            out["trace_id"].append(r["trace_id"])
            out["verifier"].append(v.name)
            out["verifier_version"].append(v.version)
            out["label"].append(label)
            out["extracted"].append(extracted)
            out["details"].append(json.dumps(details, default=str))
            labels[label] += 1
        report.labelled += len(out["trace_id"])
        del chunk, batch  # one batch of texts at a time
        if out["trace_id"]:
            with catalog.transaction():
                catalog.insert_new(
                    "verifications", pa.table(out), ["trace_id", "verifier", "verifier_version"]
                )
        elapsed = time.monotonic() - t0
        progress(ProgressEvent("verify", report.labelled, total, {"items/s": report.labelled / elapsed}))
    report.labels = dict(labels)
    _flag(catalog, run, report, progress, batch_size)
    report.seconds = time.monotonic() - t0
    return report


def _flag(
    catalog: Catalog, run: str | None, report: VerifyReport, progress: ProgressCallback, batch_size: int
) -> None:
    params = {"run": run, "fv": FILTER_VERSION}
    total = _count(catalog, _FLAG_TODO_FROM, params)
    flags: Counter[str] = Counter()
    done = 0
    readers: dict[str | None, FinalAnswerFn] = {}

    def reader(domain: str | None) -> FinalAnswerFn:
        """The domain verifier's ``final_answer`` (geometry: option letters count), else the math reader."""
        if domain not in readers:
            from redstar_data.registry import VERIFIERS

            cls = VERIFIERS.get(domain) if domain in VERIFIERS.names() else None
            readers[domain] = getattr(cls, "final_answer", None) or math_final_answer
        return readers[domain]

    for batch in catalog.stream(_FLAG_TODO_SQL, params, batch_size):
        chunk = batch.to_pylist()
        done += len(chunk)
        out = {"trace_id": [], "flag": [], "detail": [], "filter_version": []}
        for r in chunk:
            found = flag_trace(r["text"] or "", r["finish_reason"], final_answer=reader(r["domain"]),
                               n_tokens=r["real_tokens"], budget=r["budget"])  # fmt: skip
            # clean traces leave no row and are re-checked next time (cheap, linear): no marker rows that
            # recipes filtering on trace_flags would have to know about
            if found:
                report.flagged_traces += 1
            for flag, detail in found:
                out["trace_id"].append(r["trace_id"])
                out["flag"].append(flag)
                out["detail"].append(detail)
                out["filter_version"].append(FILTER_VERSION)
                flags[flag] += 1
        ids = [r["trace_id"] for r in chunk]
        del chunk, batch
        with catalog.transaction():
            # flags are derived data and recipes exclude a trace on a flag row of any version: this version's
            # verdict replaces older versions' (up to 1.3.0 every code trace got no_final_answer), in the same
            # transaction, so a trace is never without its flags in between
            catalog.execute(_DROP_OLD_FLAGS_SQL, {"fv": FILTER_VERSION, "ids": ids})
            if out["trace_id"]:
                catalog.insert_new("trace_flags", pa.table(out), ["trace_id", "flag", "filter_version"])
        progress(ProgressEvent("flags", done, total))
    report.flags = dict(flags)
