"""Recipe → SQL over the catalog's tables and views. Pure: strings in, strings out; tested on a real DuckDB.

``selection_sql(recipe)`` yields one row per exported item (an SFT trace, a DPO pair, an RL prompt) with
its ids, its source, its difficulty bucket, its split and ``ord``: the position in the one deterministic
order that ladders and mixes cut prefixes from. No text is carried: the export joins the text in when it
streams rows out, so the ordered selection of a million rows stays a few tens of MB.
"""

from __future__ import annotations

from dataclasses import dataclass

from redstar_data.catalog.fragments import condition_sql
from redstar_data.catalog.quote import literal
from redstar_data.recipes import mix as mixmod
from redstar_data.recipes import pickers
from redstar_data.recipes.schema import DpoFormat, Recipe, RlFormat


def _in(col: str, values: list[str]) -> str:
    return f"{col} IN ({', '.join(literal(v) for v in values)})" if values else "FALSE"


@dataclass(frozen=True)
class Compiled:
    """The SQL of a recipe: ``selection`` (ordered rows), and the pieces it was built from."""

    selection: str
    problems: str
    where_clause: str | None


def _labels(r: Recipe) -> str:
    """The latest label per trace (the catalog's ``labels_of`` rule), pinned to one version when asked."""
    t = r.traces
    version = "NULL" if t.verifier_version == "latest" else literal(t.verifier_version)
    label = "label"
    if not t.allow_weak_extraction:  # a fallback extraction is not a confident "correct"
        label = (
            "CASE WHEN label = 'correct' AND coalesce(TRY_CAST(json_extract(details, '$.weak') AS BOOLEAN), "
            "FALSE) THEN 'correct_weak' ELSE label END"
        )
    if t.verifier == "domain":  # each trace's label from its problem's domain verifier (math, code, ...)
        return f"""labels AS (
    SELECT trace_id, {label} AS label, verifier_version FROM (
        SELECT l.* FROM labels_of(NULL, {version}) l
        JOIN traces tt USING (trace_id) JOIN problems pp ON pp.problem_id = tt.problem_id
        WHERE l.verifier = pp.domain
    )
)"""
    return f"""labels AS (
    SELECT trace_id, {label} AS label, verifier_version FROM labels_of({literal(t.verifier)}, {version})
)"""


def _trace_conds(r: Recipe) -> list[tuple[str, str]]:
    """The trace exclusions, each named for the dry run's funnel."""
    t, s = r.traces, r.select
    conds = []
    if t.runs:
        conds.append(("runs", _in("t.run_id", t.runs)))
    else:
        conds.append((
            "run kinds",
            f"t.run_id IN (SELECT run_id FROM runs WHERE {_in('kind', list(t.run_kinds))})",
        ))  # fmt: skip
    if t.min_tokens is not None:
        conds.append(("length (min_tokens)", f"t.n_tokens >= {int(t.min_tokens)}"))
    if t.max_tokens is not None:
        conds.append(("length (max_tokens)", f"t.n_tokens <= {int(t.max_tokens)}"))
    if s.exclude_flags:
        flag_cond = "" if s.exclude_flags is True else " AND " + _in("f.flag", list(s.exclude_flags))
        conds.append(
            ("flags", f"NOT EXISTS (SELECT 1 FROM trace_flags f WHERE f.trace_id = t.trace_id{flag_cond})")
        )
    return conds


def _candidates(r: Recipe, upto: int | None = None) -> str:
    conds = [c for _, c in _trace_conds(r)][:upto]
    where = ("WHERE " + " AND ".join(conds)) if conds else ""
    return f"""cand AS (
    SELECT t.trace_id, t.problem_id, t.n_tokens, t.run_id, ru.model,
           json_extract_string(t.meta, '$.source_id') AS trace_source, l.label, l.verifier_version
    FROM traces t JOIN labels l USING (trace_id) LEFT JOIN runs ru USING (run_id) {where}
)"""


def _difficulty(r: Recipe) -> str | None:
    d = r.select.difficulty
    if d is None:
        return None
    model = f" AND model = {literal(d.model)}" if d.model is not None else ""
    return f"""diff AS (
    SELECT problem_id, score AS difficulty_score FROM (
        SELECT problem_id, score, row_number() OVER (
            PARTITION BY problem_id ORDER BY created_at DESC, model DESC NULLS LAST) AS rn
        FROM difficulty WHERE method = {literal(d.method)}{model}
    ) WHERE rn = 1
)"""


def _bucket(r: Recipe) -> str:
    d = r.select.difficulty
    if d is None:
        return "coalesce(p.level, 'unknown')"
    if d.method == "label":
        return "coalesce(CAST(d.difficulty_score AS VARCHAR), p.level, 'unknown')"
    # pass_rate / judge scores: buckets of width 0.1 (pass_rate) or 1 (judge rubric)
    width = "0.1" if d.method == "pass_rate" else "1"
    return f"coalesce(printf('%.1f', floor(d.difficulty_score / {width}) * {width}), p.level, 'unknown')"


def _problem_conds(r: Recipe) -> list[tuple[str, str]]:
    """The problem exclusions, in order, each named for the dry run's funnel."""
    s = r.select
    conds = []
    if s.domains:
        conds.append(("domains", _in("p.domain", s.domains)))
    if s.sources:
        conds.append((
            "sources",
            f"({_in('p.source_id', s.sources)} OR EXISTS (SELECT 1 FROM problem_sources m "
            f"WHERE m.problem_id = p.problem_id AND {_in('m.source_id', s.sources)}))",
        ))  # fmt: skip
    if s.exclude_benchmarks:
        conds.append((
            "benchmark",
            "NOT EXISTS (SELECT 1 FROM problem_sources m JOIN sources b USING (source_id) "
            "WHERE m.problem_id = p.problem_id AND b.is_benchmark) "
            "AND p.source_id NOT IN (SELECT source_id FROM sources WHERE is_benchmark)",
        ))  # fmt: skip
    if s.exclude_contaminated:
        conds.append(("contamination", "NOT p.is_contaminated"))
    if s.canonical_only:
        conds.append(("duplicates", "p.is_canonical"))
    if s.difficulty is not None:
        dc = ["d.difficulty_score IS NOT NULL"]
        if s.difficulty.min is not None:
            dc.append(f"d.difficulty_score >= {float(s.difficulty.min)!r}")
        if s.difficulty.max is not None:
            dc.append(f"d.difficulty_score <= {float(s.difficulty.max)!r}")
        conds.append(("difficulty", " AND ".join(dc)))
    if s.where:
        conds.append(("where", condition_sql(s.where, key="select.where")))
    return conds


def problems_sql(r: Recipe, upto: int | None = None) -> str:
    """The selected problems (one row each) with source, bucket, rank key and split: the ``prob`` CTE
    (``upto``: only the first exclusions, for the funnel)."""
    s = r.select
    seed = int(r.seed)
    conds = [c for _, c in _problem_conds(r)][:upto]
    joins = ""
    if s.difficulty is not None:
        joins += " LEFT JOIN diff d USING (problem_id)"
    if s.where:
        # the free clause sees canonical_problems' and problem_stats' columns
        joins += " LEFT JOIN problem_stats USING (problem_id)"
    frac = float(r.split.validation)
    threshold = int(frac * 2**32)
    where = ("WHERE " + "\n      AND ".join(conds)) if conds else ""
    return f"""prob AS (
    SELECT p.problem_id, p.source_id, p.domain, {_bucket(r)} AS difficulty,
           md5('{seed}:rank:' || p.problem_id) AS prank,
           (('0x' || substr(md5('{seed}:split:' || p.problem_id), 1, 8))::UBIGINT < {threshold}) AS is_val
    FROM canonical_problems p{joins}
    {where}
)"""


def _rows(r: Recipe) -> str:
    seed = int(r.seed)
    if r.kind == "sft":
        t = r.traces
        cap = (
            t.max_per_problem
            if t.max_per_problem is not None
            else (None if pickers.get(t.pick).keeps_all else 1)
        )
        kcond = f"WHERE x.k <= {int(cap)}" if cap is not None else ""
        return f"""picked AS (
    SELECT c.*, row_number() OVER (PARTITION BY c.problem_id ORDER BY {pickers.order_by(t.pick, seed)}) AS k
    FROM cand c WHERE c.label = 'correct'
),
rows AS (
    SELECT p.*, x.k, x.trace_id, x.n_tokens, x.verifier_version, x.label, x.run_id,
           coalesce(x.model, 'unknown') AS model, coalesce(x.trace_source, p.source_id) AS trace_source
    FROM prob p JOIN picked x USING (problem_id) {kcond}
)"""
    if r.kind == "dpo":
        f = r.fmt
        assert isinstance(f, DpoFormat)
        return f"""ch AS (
    SELECT c.*, row_number() OVER (PARTITION BY c.problem_id ORDER BY {pickers.order_by(f.chosen, seed)}) AS k
    FROM cand c WHERE c.label = 'correct'
),
rj AS (
    SELECT c.*, row_number() OVER (PARTITION BY c.problem_id ORDER BY {pickers.order_by(f.rejected, seed)}) AS k
    FROM cand c WHERE {_in("c.label", list(f.rejected_labels))}
),
rows AS (
    SELECT p.*, ch.k, ch.trace_id AS chosen_trace_id, rj.trace_id AS rejected_trace_id,
           ch.n_tokens AS n_tokens, rj.n_tokens AS rejected_tokens, ch.verifier_version,
           ch.label, rj.label AS rejected_label, ch.run_id, rj.run_id AS rejected_run_id,
           coalesce(ch.model, 'unknown') AS model, coalesce(rj.model, 'unknown') AS rejected_model,
           coalesce(ch.trace_source, p.source_id) AS trace_source,
           coalesce(rj.trace_source, p.source_id) AS rejected_trace_source
    FROM prob p JOIN ch USING (problem_id) JOIN rj ON rj.problem_id = p.problem_id AND rj.k = ch.k
    WHERE ch.k <= {int(f.max_pairs_per_problem)}
)"""
    f = r.fmt
    assert isinstance(f, RlFormat)
    conds = []
    if f.pass_rate is not None:
        lo, hi = f.pass_rate
        conds.append(f"ps.pass_rate BETWEEN {float(lo)!r} AND {float(hi)!r}")
    if f.require_answer:
        # something for the reward to check: an answer, or a code problem's tests (code has no answer)
        conds.append(
            "((pr.answer IS NOT NULL AND pr.answer <> '') OR (pr.domain = 'code' AND pr.tests IS NOT NULL))"
        )
    where = ("WHERE " + " AND ".join(conds)) if conds else ""
    return f"""ps AS (
    SELECT problem_id, count(label) AS n_verified, pass_rate(label) AS pass_rate,
           arg_min(verifier_version, version_key(verifier_version)) AS verifier_version
    FROM cand GROUP BY problem_id
),
rows AS (
    SELECT p.*, 1 AS k, ps.pass_rate, ps.n_verified, NULL::INTEGER AS n_tokens, ps.verifier_version,
           NULL::VARCHAR AS label, NULL::VARCHAR AS run_id, NULL::VARCHAR AS model, p.source_id AS trace_source
    FROM prob p JOIN problems pr USING (problem_id) LEFT JOIN ps USING (problem_id) {where}
)"""


def selection_sql(r: Recipe) -> Compiled:
    """The ordered selection; ``ord`` (1-based) is the row's place in the ladder/mix order."""
    ctes = [_labels(r), _candidates(r)]
    d = _difficulty(r)
    if d:
        ctes.append(d)
    prob = problems_sql(r)
    ctes += [prob, _rows(r)]
    if r.mix is None:
        order = "ORDER BY prank, k"
        final = f"SELECT r.*, row_number() OVER ({order}) AS ord FROM rows r"
    else:
        col = "domain" if r.mix.by == "domain" else "source_id"
        ctes.append(
            f"positioned AS (\n    SELECT r.*, row_number() OVER (PARTITION BY {col} ORDER BY prank, k) AS pos "
            "FROM rows r\n)"
        )
        w = mixmod.weight_case(r.mix, col)
        final = (
            f"SELECT * EXCLUDE (pos), row_number() OVER (ORDER BY (pos - 0.5) / ({w}), prank, k) AS ord "
            f"FROM positioned WHERE {mixmod.source_filter(r.mix, col)}"
        )
    sql = "WITH " + ",\n".join(ctes) + "\n" + final
    return Compiled(selection=sql, problems=prob, where_clause=r.select.where)


def funnel_sql(r: Recipe) -> list[tuple[str, str]]:
    """(step, count query) for the dry run's funnel: problems, then each problem exclusion, then the labelled
    traces of what remains and each trace exclusion (SFT/DPO: then the label rule). The last step, the rows
    the recipe yields, is the selection's own count."""
    head = [_labels(r)]
    d = _difficulty(r)
    if d:
        head.append(d)
    steps = []
    pconds = _problem_conds(r)
    for k, (name, _) in enumerate([("problems", ""), *pconds]):
        ctes = [*head, problems_sql(r, upto=k)]
        steps.append((name, "WITH " + ",\n".join(ctes) + "\nSELECT count(*) FROM prob"))
    if r.kind == "rl":
        return steps
    tconds = _trace_conds(r)
    for j, (name, _) in enumerate([("labelled traces of these problems", ""), *tconds]):
        ctes = [*head, problems_sql(r), _candidates(r, upto=j)]
        steps.append(
            (name, "WITH " + ",\n".join(ctes) + "\nSELECT count(*) FROM cand JOIN prob USING (problem_id)")
        )
    ctes = [*head, problems_sql(r), _candidates(r)]
    steps.append((
        "labels (correct)",
        "WITH " + ",\n".join(ctes) + "\nSELECT count(*) FROM cand JOIN prob USING (problem_id) WHERE label = 'correct'",
    ))  # fmt: skip
    return steps
