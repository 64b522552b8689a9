"""Field mapping: which source column (or JSON path) feeds which catalog field, presets for common layouts,
and the SQL that extracts and validates every field of every row in one pass inside DuckDB.

A row either becomes a problem (plus, when it carries a response, an imported trace) or a reject with
a reason code and the field at fault. Reason codes (each tested in ``tests/ingest/test_rejects.py``):

``undecodable_text`` (not UTF-8), ``invalid_json``, ``not_an_object``, ``duplicate_keys`` (one key twice in
one JSON object), ``missing_problem``, ``empty_problem``, ``wrong_type`` (e.g. the problem is a list or a
number), ``oversize_field`` (a field over ``max_field_bytes``), ``invalid_tests`` (tests not JSON),
``duplicate_source_key`` (an id seen earlier in the same source), ``wrong_column_count`` and
``csv_parse_error`` (CSV). Multiple-choice rows (``choices``, ``answer_letter``; see ``ingest/choices.py``):
``invalid_answer_letter``, ``answer_letter_mismatch``. Rows with images (``ingest/images.py``): the image
reasons of ``redstar_data/images/validate.py`` (``image_missing``, ``image_empty``, ``image_too_large``,
``image_bomb``, ``image_unreadable``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from redstar_data.catalog.quote import literal
from redstar_data.errors import IngestError
from redstar_data.ids import normalize_sql

FIELDS = ("problem", "answer", "solution", "level", "id", "domain", "tests", "images", "response", "model",
          "choices", "answer_letter")  # fmt: skip
TEXT_FIELDS = (
    "problem",
    "response",
    "model",
    "answer_letter",
)  # must be JSON strings (solution: a string or a list of them)
SIZE_CHECKED = ("problem", "answer", "solution", "response", "tests")
DEFAULT_MAX_FIELD_BYTES = 1_000_000

_ID = ["id", "unique_id", "problem_id", "uid", "idx"]
_MODEL = ["model", "teacher_model", "generator", "model_name"]
_RESPONSE = ["response", "completion", "generation", "output", "model_output"]
_ANSWER = ["answer", "gt", "final_answer", "ground_truth", "expected_answer", "reference_answer", "gold"]
_IMAGES = ["images", "image", "decoded_image"]
_CHOICES = ["choices", "options"]
_LETTER = ["answer_letter", "correct_letter", "answer_option"]

PRESETS: dict[str, dict[str, list[str]]] = {
    "math": {
        "problem": ["problem", "question", "query", "prompt"],
        "answer": _ANSWER,
        "solution": ["solution", "reference_solution", "meta.solution"],
        # MATH-style difficulty often sits in the row's metadata (SkyThought/longcot dumps: meta.level)
        "level": ["level", "difficulty", "meta.level", "meta.difficulty"],
        "id": _ID,
        "domain": ["domain"],
        "images": _IMAGES,
        "choices": _CHOICES,
        "answer_letter": _LETTER,
        "response": _RESPONSE,
        "model": _MODEL,
    },
    # Geometry with diagrams (the dev set in ../shared/data/geo, Geometry3K, GeoQA): images (paths relative
    # to the file, or `datasets` Image features), choices, the answer letter and the answer value
    "geo": {
        "problem": ["problem", "question", "problem_text", "query"],
        "answer": _ANSWER,
        "choices": _CHOICES,
        "answer_letter": _LETTER,
        "images": _IMAGES,
        "solution": ["solution", "rationale"],
        "level": ["level", "difficulty"],
        "id": _ID,
        "domain": ["domain"],
        "response": _RESPONSE,
        "model": _MODEL,
    },
    "prompt_response": {
        "problem": ["prompt", "instruction", "question", "problem", "input"],
        "response": _RESPONSE + ["chosen"],
        "answer": _ANSWER,
        "id": _ID,
        "domain": ["domain"],
        "model": _MODEL,
    },
    "taco": {
        "problem": ["question", "problem", "description"],
        "tests": ["input_output", "tests"],
        "level": ["difficulty", "level"],
        "id": _ID + ["name"],
        "domain": ["domain"],
        "response": _RESPONSE,
        "model": _MODEL,
    },
    # CodeContests: the other test sets, limits and solutions land in meta (verify/code/formats.py reads them)
    "code_contests": {
        "problem": ["description", "problem", "question"],
        "tests": ["public_tests"],
        "level": ["difficulty", "cf_rating"],
        "id": _ID + ["name"],
        "domain": ["domain"],
        "response": _RESPONSE,
        "model": _MODEL,
    },
    # LiveCodeBench code_generation(_lite): private tests (maybe pickled) and metadata land in meta
    "livecodebench": {
        "problem": ["question_content", "problem", "question"],
        "tests": ["public_test_cases"],
        "level": ["difficulty"],
        "id": ["question_id"] + _ID,
        "domain": ["domain"],
        "response": _RESPONSE,
        "model": _MODEL,
    },
    "conversations": {
        "id": _ID,
        "answer": _ANSWER,
        "domain": ["domain"],
        "model": _MODEL,
    },
}
PRESET_DOMAIN = {"math": "math", "geo": "geometry", "prompt_response": "general", "taco": "code",
                 "code_contests": "code", "livecodebench": "code", "conversations": "general"}  # fmt: skip
CONVERSATION_KEYS = ("messages", "conversations", "conversation")


def detect_preset(columns: Iterable[str]) -> str:
    """Pick a preset from the column names: conversations > livecodebench > code_contests > taco > geo (an
    image column and choices or an answer letter) > math > prompt_response."""
    cols = set(columns)
    if cols & set(CONVERSATION_KEYS):
        return "conversations"
    if cols & {"public_test_cases", "private_test_cases"}:
        return "livecodebench"
    if cols & {"public_tests", "private_tests", "generated_tests"}:
        return "code_contests"
    if cols & {"input_output", "tests"}:
        return "taco"
    if cols & set(_IMAGES) and cols & {*_CHOICES, *_LETTER}:
        return "geo"
    if cols & {"problem", "question"}:
        return "math"
    if cols & {"prompt", "instruction"}:
        return "prompt_response"
    return "math"


@dataclass
class Mapping_:
    """The resolved mapping: field → JSON path (``$."col"`` or nested) or None, and how it was chosen."""

    preset: str
    paths: dict[str, str | None]
    sources: dict[str, str]  # field → the column/path name as the user would write it
    conversation_key: str | None = None
    default_domain: str = "math"
    auto_detected: bool = False
    top_level_used: set[str] = field(default_factory=set)

    def describe(self) -> dict[str, object]:
        return {"preset": self.preset, "auto_detected": self.auto_detected, "fields": dict(self.sources),
                "conversation_key": self.conversation_key, "domain": self.default_domain}  # fmt: skip


def json_path(name: str) -> str:
    """``meta.solution`` → ``$."meta"."solution"`` (each part quoted, so any column name works)."""
    parts = name.split(".")
    return "$" + "".join('."' + p.replace('"', '\\"') + '"' for p in parts)


def resolve(
    columns: Sequence[str],
    *,
    mapping: Mapping[str, str] | None = None,
    preset: str | None = None,
    domain: str | None = None,
) -> Mapping_:
    """Resolve the mapping for a source with ``columns``: explicit ``--map`` entries win over the preset."""
    mapping = dict(mapping or {})
    bad = sorted(set(mapping) - set(FIELDS))
    if bad:
        raise IngestError(f"cannot map unknown field(s) {bad}", hint=f"fields: {', '.join(FIELDS)}")
    auto = preset is None
    if preset is None:
        preset = detect_preset(columns)
    if preset not in PRESETS:
        raise IngestError(f"unknown preset {preset!r}", hint=f"presets: {', '.join(PRESETS)}")
    cols = set(columns)
    sources: dict[str, str] = {}
    for f in FIELDS:
        if f in mapping:
            top = mapping[f].split(".")[0]
            if top not in cols:
                raise IngestError(f"--map {f}={mapping[f]}: the source has no column {top!r}",
                                  hint=f"columns: {', '.join(sorted(cols)) or '(none)'}")  # fmt: skip
            sources[f] = mapping[f]
            continue
        for cand in PRESETS[preset].get(f, []):
            if cand.split(".")[0] in cols:
                sources[f] = cand
                break
    conv = None
    if preset == "conversations" and not {"problem", "response"} <= set(mapping):
        conv = next((k for k in CONVERSATION_KEYS if k in cols), None)
        if conv is None:
            raise IngestError("preset conversations needs a messages/conversations column",
                              hint=f"columns: {', '.join(sorted(cols))}")  # fmt: skip
    if "problem" not in sources and conv is None and not cols:
        sources["problem"] = (
            "problem"  # no readable object in the sample: every row gets its own reject reason
        )
    if "problem" not in sources and conv is None:
        raise IngestError(f"no column holds the problem text (preset {preset}, columns: {', '.join(sorted(cols))})",
                          hint="name it with --map problem=COLUMN, or pick --preset")  # fmt: skip
    paths: dict[str, str | None] = {f: json_path(sources[f]) if f in sources else None for f in FIELDS}
    used = {s for s in sources.values() if "." not in s}
    if conv:
        used.add(conv)
        sources.setdefault("problem", f"{conv}[first user turn]")
        sources.setdefault("response", f"{conv}[first assistant turn]")
    return Mapping_(preset=preset, paths=paths, sources=sources, conversation_key=conv,
                    default_domain=domain or PRESET_DOMAIN[preset], auto_detected=auto,
                    top_level_used=used)  # fmt: skip


def jtype(x: str) -> str:
    """``json_type`` of a value that ``json_extract`` produced, from its first byte (no parse; 5x cheaper).
    json_extract writes values compactly, so the first byte decides; numbers all read as 'DOUBLE'."""
    return (
        f"(CASE coalesce(left({x}, 1), 'n') WHEN '\"' THEN 'VARCHAR' WHEN '{{' THEN 'OBJECT' WHEN '[' THEN 'ARRAY' "
        f"WHEN 'n' THEN 'NULL' WHEN 't' THEN 'BOOLEAN' WHEN 'f' THEN 'BOOLEAN' ELSE 'DOUBLE' END)"
    )


def _turn_sql(conv: str, roles: Sequence[str]) -> str:
    """The content of the first turn of ``conv`` whose role (or ShareGPT ``from``) is one of ``roles``."""
    spec = '[{"role":"VARCHAR","content":"JSON","from":"VARCHAR","value":"JSON"}]'
    role_list = ", ".join(literal(r) for r in roles)
    return (
        f"list_filter(try(from_json(json_extract(txt, {literal(json_path(conv))}), '{spec}')), "
        f'lambda x: coalesce(x.role, x."from") IN ({role_list}))[1]'
    )


# The stage row from the per-field columns of the inner SELECT that follows it (shared by both paths).
_STAGE_SELECT = """
    SELECT row_number, CASE WHEN reason IS NOT NULL THEN txt END AS txt, split_part(reason, ':', 1) AS reason,
           nullif(substr(reason, strlen(split_part(reason, ':', 1)) + 2), '') AS field,
           CASE WHEN reason IS NULL THEN {pid} END AS problem_id,
           key AS source_key, domain, problem, answer, solution, tests, images, level, response, model,
           choices, answer_letter,
           CASE WHEN reason IS NULL THEN {meta} END AS meta, keys
    FROM ("""


def _json_field_checks(m: Mapping_, val: Mapping[str, str]) -> list[tuple[str, str]]:
    """Type checks of the fields both paths read as JSON values (images, tests, choices)."""
    checks = []
    if "choices" in val:
        checks.append(
            (f"{jtype(val['choices'])} NOT IN ('ARRAY','NULL')", f"wrong_type:{m.sources['choices']}")
        )
    if "images" in val:
        checks.append(
            (f"{jtype(val['images'])} NOT IN ('ARRAY','VARCHAR','NULL')", f"wrong_type:{m.sources['images']}")
        )
    if "tests" in val:
        tv = val["tests"]
        checks.append(
            (f"{jtype(tv)} NOT IN ('OBJECT','ARRAY','VARCHAR','NULL')", f"wrong_type:{m.sources['tests']}")
        )
        checks.append(
            (f"{jtype(tv)} = 'VARCHAR' AND NOT json_valid({tv}->>'$')", f"invalid_tests:{m.sources['tests']}")
        )
    return checks


def _json_field_values(val: Mapping[str, str]) -> tuple[str, str, str]:
    """(images, tests, choices) from their JSON values: images a list of refs (one string becomes a list of
    one), tests a JSON value (a string holding JSON is parsed), choices a JSON list of strings (or NULL)."""
    images = "NULL::VARCHAR[]"
    if "images" in val:
        v = val["images"]
        images = f"CASE {jtype(v)} WHEN 'ARRAY' THEN from_json({v}, '[\"VARCHAR\"]') WHEN 'VARCHAR' THEN [({v}->>'$')] END"
    tests = "NULL::JSON"
    if "tests" in val:
        v = val["tests"]
        tests = f"CASE {jtype(v)} WHEN 'VARCHAR' THEN try(json({v}->>'$')) WHEN 'NULL' THEN NULL ELSE {v} END"
    choices = "NULL::JSON"
    if "choices" in val:
        v = val["choices"]
        choices = f"CASE WHEN {jtype(v)} = 'ARRAY' AND {v} <> '[]' THEN to_json(from_json({v}, '[\"VARCHAR\"]')) END"
    return images, tests, choices


def _domain_sql(m: Mapping_, text: str | None) -> str:
    default = literal(m.default_domain)
    return f"coalesce(nullif(trim({text}), ''), {default})" if text else default


def _json_over(v: str, max_bytes: int) -> str:
    """Whether JSON value ``v`` is over ``max_bytes``: a string by its text's UTF-8 bytes (unescaped, as the
    fast path measures it), anything else as JSON. The text is never longer than its JSON, so only values
    whose JSON is over the limit are unescaped."""
    text = f"strlen(CASE WHEN left({v}, 1) = '\"' THEN ({v}->>'$') ELSE {v}::VARCHAR END)"
    return f"(strlen({v}) > {int(max_bytes)} AND {text} > {int(max_bytes)})"


def extract_sql(m: Mapping_, parsed: str, *, max_field_bytes: int, meta_keys: Iterable[str]) -> str:
    """SELECT over the ``parsed`` subquery (row_number, txt, keys, reason0) giving one stage row per row.

    Columns: row_number, txt (rejected rows only), reason, field, problem_id, source_key, domain, problem,
    answer, solution, tests, images, level, response, model, meta, keys. Each JSON row is parsed once for
    all fields (one ``json_extract`` with a list of paths); ``meta_keys`` are the columns that feed meta.
    """
    present = [f for f in FIELDS if m.paths[f]]
    vidx = {f: i + 1 for i, f in enumerate(present)}
    meta_paths, meta = meta_sql(m, meta_keys, offset=len(present))
    vlist = ", ".join(literal(p) for p in [*(m.paths[f] for f in present), *meta_paths])  # type: ignore[misc]
    val = {f: f"v[{vidx[f]}]" for f in present}
    if m.conversation_key:
        # conversation turns: JSON values picked from the first user / assistant message
        if "problem" not in m.paths or m.paths["problem"] is None:
            turn = _turn_sql(m.conversation_key, ("user", "human"))
            val["problem"] = f"coalesce(({turn}).content, ({turn}).value)"
        if m.paths.get("response") is None:
            turn = _turn_sql(m.conversation_key, ("assistant", "gpt", "model"))
            val["response"] = f"coalesce(({turn}).content, ({turn}).value)"

    def t(f: str) -> str:
        return jtype(val[f])

    checks: list[tuple[str, str]] = []  # (condition, 'reason:field')
    pf = m.sources.get("problem", "problem")
    checks.append((f"{val['problem']} IS NULL OR {t('problem')} = 'NULL'", f"missing_problem:{pf}"))
    for f in TEXT_FIELDS:
        if f in val:
            checks.append((f"{t(f)} NOT IN ('VARCHAR', 'NULL')", f"wrong_type:{m.sources.get(f, f)}"))
    if "solution" in val:
        checks.append(
            (f"{t('solution')} NOT IN ('VARCHAR', 'ARRAY', 'NULL')", f"wrong_type:{m.sources['solution']}")
        )
    for f in ("answer", "level", "id", "domain"):
        if f in val:
            ok = "'VARCHAR','BIGINT','UBIGINT','DOUBLE','BOOLEAN','NULL'" + (
                ",'ARRAY'" if f == "answer" else ""
            )
            checks.append((f"{t(f)} NOT IN ({ok})", f"wrong_type:{m.sources.get(f, f)}"))
    checks += _json_field_checks(m, val)
    # only a value starting with a blank, an escape or the closing quote can be empty after trimming
    pv = val["problem"]
    pnorm = normalize_sql(f"({pv}->>'$')")
    checks.append((f"substring({pv}, 2, 1) IN (' ', '\\', '\"') AND {pnorm} = ''", f"empty_problem:{pf}"))
    for f in SIZE_CHECKED:
        if f in val:
            checks.append((_json_over(val[f], max_field_bytes), f"oversize_field:{m.sources.get(f, f)}"))
    for i, k in enumerate(meta_columns(m, meta_keys)):  # columns kept in meta obey the same limit
        checks.append((_json_over(f"v[{len(present) + 1 + i}]", max_field_bytes), f"oversize_field:{k}"))
    case = " ".join(f"WHEN {c} THEN {literal(r)}" for c, r in checks)
    reason = f"coalesce(reason0, CASE {case} END)"

    def s(f: str) -> str:
        # the value's text: ``->>'$'`` parses the one value. Slicing the quotes off unescaped strings
        # (``x[2:-2]``) looked cheaper but counts characters: 1.9x slower on 110-byte values, 1.7x on ids.
        return f"({val[f]}->>'$')" if f in val else "NULL::VARCHAR"  # typed: a later UPDATE may set it

    answer = (
        f"CASE WHEN {t('answer')} = 'ARRAY' THEN array_to_string(from_json({val['answer']}, '[\"VARCHAR\"]'), ', ') "
        f"ELSE {s('answer')} END"
        if "answer" in val
        else "NULL::VARCHAR"
    )
    solution = (
        f"CASE WHEN {t('solution')} = 'ARRAY' THEN array_to_string(from_json({val['solution']}, '[\"VARCHAR\"]'), "
        f"chr(10) || chr(10)) ELSE {s('solution')} END"
        if "solution" in val
        else "NULL::VARCHAR"
    )
    images, tests, choices = _json_field_values(val)
    domain = _domain_sql(m, s("domain") if "domain" in val else None)
    key = s("id")
    return (
        _STAGE_SELECT.format(pid=problem_id_fast_sql("problem", "images"), meta=meta)
        + f"""
        SELECT row_number, txt, keys, v, {reason} AS reason,
               {s("problem")} AS problem, {answer} AS answer, {solution} AS solution,
               {tests} AS tests, {images} AS images, nullif({s("level")}, '') AS level,
               nullif({s("response")}, '') AS response, nullif({s("model")}, '') AS model,
               {choices} AS choices, nullif(trim({s("answer_letter")}), '') AS answer_letter,
               {key} AS key, {domain} AS domain
        FROM (SELECT *, CASE WHEN reason0 IS NULL THEN json_extract(txt, [{vlist}]) END AS v FROM ({parsed}))
    )
    """
    )


# Fields read as text by the fast path (``json_transform`` to VARCHAR unescapes strings in the one parse);
# tests and images keep their JSON value, as the general path has it.
_FAST_TEXT = ("problem", "answer", "solution", "level", "id", "domain", "response", "model", "answer_letter")
# a number, boolean, list or object in these is not text
_STRICT_TEXT = ("problem", "solution", "response", "model", "answer_letter")


def _fast_slow_cond(f: str, t: str) -> str:
    """When the VARCHAR that ``json_transform`` gave for field ``f`` might not come from a JSON string (so the
    row must take the general path, which sees the JSON type). A list or object reads as its JSON text, so
    a value starting with ``[``/``{`` is ambiguous; for text-only fields so is anything a number or boolean
    would print as (a number has no space); for scalar fields a number with an exponent (printed as
    ``1e-07``, not ``1e-7``). Prefix tests and byte-range compares, several times cheaper than ``left(x, 1)``."""
    number = f"(({t} >= '0' AND {t} < ':') OR starts_with({t}, '-'))"
    if f in _STRICT_TEXT:
        lit = (f"WHEN {number} THEN NOT contains({t}, ' ') AND TRY_CAST({t} AS DOUBLE) IS NOT NULL "
               f"WHEN {t} IN ('true', 'false') THEN true")  # fmt: skip
    else:
        lit = f"WHEN {number} THEN contains({t}, 'e') OR contains({t}, 'E')"
    return f"CASE WHEN starts_with({t}, '[') OR starts_with({t}, '{{') THEN true {lit} ELSE false END"


def extract_fast_sql(
    m: Mapping_, parsed: str, *, max_field_bytes: int, meta_keys: Iterable[str]
) -> str | None:
    """The same stage rows as ``extract_sql`` from one ``json_transform`` per row instead of ``json_extract``
    plus a ``->>`` per value (measured: 1.5 - 1.6 instead of 1.7 - 1.9 CPU-s per 406k synthetic rows). Rows
    it cannot decide get reason ``__slow`` and keep ``txt`` and ``keys``; the caller runs ``extract_sql`` on
    just those. None when the mapping needs the general path: nested paths, conversation turns, or column
    names that differ only in case (a DuckDB struct's field names are case-insensitive)."""
    if m.conversation_key:
        return None
    present = [f for f in FIELDS if m.paths[f]]
    cols: dict[str, str] = {}  # source column -> the type json_transform reads it as
    for f in present:
        col = m.sources[f]
        if "." in col or m.paths[f] != json_path_top(col):
            return None
        ty = "VARCHAR" if f in _FAST_TEXT else "JSON"
        if cols.setdefault(col, ty) != ty:
            return None
    for k in meta_columns(m, meta_keys):
        if cols.setdefault(k, "JSON") != "JSON":
            return None
    if len({c.lower() for c in cols}) != len(cols):
        return None
    structure = json.dumps(cols)
    val = {f: f"struct_extract(s, {literal(m.sources[f])})" for f in present}
    _, meta = meta_sql(m, meta_keys, ref=lambda _i, k: f"struct_extract(s, {literal(k)})")
    slow = " OR ".join(_fast_slow_cond(f, val[f]) for f in present if f in _FAST_TEXT) or "false"

    checks: list[tuple[str, str]] = []
    pf = m.sources.get("problem", "problem")
    pv = val["problem"]
    checks.append((f"{pv} IS NULL", f"missing_problem:{pf}"))
    checks += _json_field_checks(m, val)
    # empty after normalising only if empty or starting with ASCII white space (NFC of anything else is not)
    checks.append((f"({pv} = '' OR (ascii({pv}) IN (9, 10, 11, 12, 13, 32) AND {normalize_sql(pv)} = ''))",
                   f"empty_problem:{pf}"))  # fmt: skip
    for f in SIZE_CHECKED:
        if f in val:
            over = (
                _json_over(val[f], max_field_bytes)
                if f == "tests"
                else f"strlen({val[f]}) > {int(max_field_bytes)}"
            )
            checks.append((over, f"oversize_field:{m.sources.get(f, f)}"))
    for k in meta_columns(m, meta_keys):  # columns kept in meta obey the same limit
        checks.append(
            (_json_over(f"struct_extract(s, {literal(k)})", max_field_bytes), f"oversize_field:{k}")
        )
    case = " ".join(f"WHEN {c} THEN {literal(r)}" for c, r in checks)

    def t(f: str) -> str:
        # an absent field is a typed NULL: the choices step may set ``answer`` from the letter later
        return val[f] if f in val else "NULL::VARCHAR"

    images, tests, choices = _json_field_values(val)
    domain = _domain_sql(m, val.get("domain"))
    return (
        _STAGE_SELECT.format(pid=problem_id_fast_sql("problem", "images"), meta=meta)
        + f"""
        SELECT row_number, txt, keys, s,
               CASE WHEN reason0 IS NOT NULL THEN reason0 WHEN s IS NULL OR {slow} THEN '__slow'
                    ELSE CASE {case} END END AS reason,
               {t("problem")} AS problem, {t("answer")} AS answer, {t("solution")} AS solution,
               {tests} AS tests, {images} AS images, nullif({t("level")}, '') AS level,
               nullif({t("response")}, '') AS response, nullif({t("model")}, '') AS model,
               {choices} AS choices, nullif(trim({t("answer_letter")}), '') AS answer_letter,
               {t("id")} AS key, {domain} AS domain
        FROM (SELECT *, CASE WHEN reason0 IS NULL THEN try(json_transform(txt, {literal(structure)})) END AS s
              FROM ({parsed}))
    )
    """
    )


def meta_columns(m: Mapping_, keys: Iterable[str]) -> list[str]:
    """The columns that feed ``problems.meta``: the source's own ``meta`` (first, when unmapped), then every
    other column no field uses, sorted."""
    cols = set(keys)
    extras = sorted(cols - m.top_level_used - {"meta"})
    return (["meta"] if "meta" in cols and "meta" not in m.top_level_used else []) + extras


def meta_sql(
    m: Mapping_, keys: Iterable[str], offset: int = 0, ref: Callable[[int, str], str] | None = None
) -> tuple[list[str], str]:
    """(JSON paths to extract, problems.meta expression): the source's ``meta`` object (if any) merged with
    every unmapped column. ``ref(i, key)`` is the SQL for the i-th path's JSON value (default
    ``v[offset + 1 + i]``, the ``json_extract`` list); the fast path passes struct fields instead."""
    names = meta_columns(m, keys)
    has_meta = bool(names) and names[0] == "meta"
    extras = names[1:] if has_meta else names
    paths = [json_path_top(k) for k in names]
    if not paths:
        return [], "NULL::JSON"
    if ref is None:
        ref = lambda i, _k: f"v[{offset + 1 + i}]"  # noqa: E731
    first = ref(0, names[0])
    base = (
        f"CASE {jtype(first)} WHEN 'OBJECT' THEN {first} WHEN 'NULL' THEN NULL "
        f"ELSE json_object('meta', {first}) END"
        if has_meta
        else "NULL"
    )
    if not extras:
        return paths, base
    off = 1 if has_meta else 0
    obj = "json_object(" + ", ".join(f"{literal(k)}, {ref(i + off, k)}" for i, k in enumerate(extras)) + ")"
    return paths, (obj if base == "NULL" else f"json_merge_patch(coalesce({base}, '{{}}'), {obj})")


def json_path_top(key: str) -> str:
    return '$."' + key.replace('"', '\\"') + '"'


def model_slug(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", model).strip("-") or "unknown"


def problem_id_fast_sql(text_col: str, images_col: str | None = None) -> str:
    """``ids.problem_id_sql`` with a fast path: ASCII text with no tab/newline/CR/FF/VT and no double space is
    already NFC and whitespace-normal, so only its end spaces are trimmed. Other rows take the exact
    ``ids.normalize_sql`` path. NFC + a regex replace cost ~10x the rest of ingest on typical rows;
    ``tests/ingest/test_mapping.py`` checks the two agree on tricky strings."""
    x = text_col
    plain = (
        f"strlen({x}) = length({x}) AND strpos({x}, '  ') = 0 AND strpos({x}, chr(10)) = 0 "
        f"AND strpos({x}, chr(9)) = 0 AND strpos({x}, chr(13)) = 0 AND strpos({x}, chr(12)) = 0 "
        f"AND strpos({x}, chr(11)) = 0"
    )
    # DuckDB's trim(x, ' ') is slow even with nothing to trim, so test the two ends first
    ends = f"(starts_with({x}, ' ') OR ends_with({x}, ' '))"
    norm = f"(CASE WHEN {plain} THEN (CASE WHEN {ends} THEN trim({x}, ' ') ELSE {x} END) ELSE {normalize_sql(x)} END)"
    if images_col is None:
        return f"md5({norm})"
    return (
        f"md5(CASE WHEN {images_col} IS NULL OR len({images_col}) = 0 THEN {norm} "
        f"ELSE {norm} || chr(0) || array_to_string({images_col}, chr(0)) END)"
    )
