"""Row shapers = TRL dataset types, built in SQL so a million rows never become Python dicts.

- sft: ``messages`` = [system, user, assistant] (TRL "conversational language modeling"). A system
  message is always present: Qwen2.5's chat template injects its own when none is given.
- dpo: ``prompt`` = [system, user], ``chosen`` / ``rejected`` = [assistant] (TRL "conversational
  preference with explicit prompt"); both completions answer the same problem.
- rl: ``prompt`` = [system, user] + ``answer`` (+ ``tests`` for code): TRL "prompt-only"; GRPO/RLOO
  pass ``answer``/``tests`` to reward functions by name. A code row's ``tests`` is the catalog's stored form
  ``{"tests": <tests column>, "meta": <the meta keys the verifier reads>}`` (``code_reward`` and
  ``CodeVerifier`` take it as is): CodeContests' private/generated and LiveCodeBench's (pickled) private
  tests sit in meta, so exporting the tests column alone would reward programs on the public tests only.

Problems with images (a ``Shape`` with ``images``) give TRL's vision rows: every message's ``content`` is a
list of parts, the user turn ``[{"type": "image"}, ..., {"type": "text", "text": ...}]`` with one image part
per image in the order the problem shows them, plus an ``images`` column of ``{"bytes", "path"}`` structs
(the ``datasets`` ``Image`` encoding): the SQL ends such rows with their ``ord`` (``__rs_ord``) and
``export.images`` puts the bytes from the ``images`` blob table in its place. Multiple-choice problems get
their lettered options after the text (``redstar_data.choices``); RL rows then also carry ``choices`` and
``answer_letter`` for the reward function. A text-only selection keeps exactly the text-only shapes.

Every row also carries its lineage: ``problem_id``, ``problem_source_id`` (the source the problem was first
ingested from) and, per trace, its id, ``run_id``, teacher ``model``, ``source_id`` (the trace's own source:
the file an imported response came from, else the problem's), ``verifier``/``verifier_version`` and
``label``. A set built from one teacher's run names that teacher, not whichever source first held the problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from redstar_data.catalog.quote import literal
from redstar_data.choices import choices_block_sql
from redstar_data.recipes.schema import Recipe


@dataclass(frozen=True)
class Shape:
    """What the selected problems need beyond plain text (decided once per export from the selection)."""

    images: bool = False  # vision rows: content-part lists + an ``images`` column
    choices: bool = False  # lettered options after the problem text; RL rows carry choices/answer_letter


TEXT = Shape()

# one image part of a user turn; ``text`` is NULL so every part has the same struct type
_IMAGE_PART = "{'type': 'image', 'text': CAST(NULL AS VARCHAR)}"
_N_IMAGES = "coalesce(len(CAST(p.images AS VARCHAR[])), 0)"
# vision rows end with the row's ord; export.images swaps it for the ``images`` column (the bytes, joined
# from the blob table in one scan, never sorted by DuckDB)
_ORD = "s.ord AS __rs_ord"


def _problem(shape: Shape) -> str:
    return f"(p.problem || {choices_block_sql('p.choices')})" if shape.choices else "p.problem"


def _user(template: str, shape: Shape = TEXT) -> str:
    if template == "{problem}":
        return _problem(shape)
    return f"replace({literal(template)}, '{{problem}}', {_problem(shape)})"


def _text(expr: str) -> str:
    """One text part (vision rows: every ``content`` is a list of parts)."""
    return f"[{{'type': 'text', 'text': {expr}}}]"


def _user_parts(template: str, shape: Shape) -> str:
    """The vision user turn: one image part per image, then the text."""
    return f"list_transform(range({_N_IMAGES}), lambda x: {_IMAGE_PART}) || {_text(_user(template, shape))}"


def _msg(role: str, content: str) -> str:
    return f"{{'role': '{role}', 'content': {content}}}"


def _prompt_msgs(r: Recipe, shape: Shape) -> list[str]:
    f = r.fmt
    if shape.images:
        return [
            _msg("system", _text(literal(f.system_prompt))),
            _msg("user", _user_parts(f.user_template, shape)),
        ]
    return [_msg("system", literal(f.system_prompt)), _msg("user", _user(f.user_template, shape))]


def _prompt(r: Recipe, shape: Shape = TEXT) -> str:
    return "[" + ", ".join(_prompt_msgs(r, shape)) + "]"


def _assistant(text: str, shape: Shape) -> str:
    return _msg("assistant", _text(text) if shape.images else text)


def sft_columns(r: Recipe, shape: Shape = TEXT) -> tuple[str, str]:
    """(SELECT list, FROM/JOIN clause) over the selection table aliased ``s``."""
    messages = "[" + ", ".join([*_prompt_msgs(r, shape), _assistant("t.text", shape)]) + "]"
    cols = (
        "s.problem_id, s.trace_id, s.run_id, s.model, s.trace_source AS source_id, "
        f"s.source_id AS problem_source_id, {literal(r.traces.verifier)} AS verifier, s.verifier_version, s.label, "
        f"s.difficulty, t.n_tokens, {messages} AS messages"
    )
    if shape.images:
        cols += f", {_ORD}"
    return cols, "JOIN problems p USING (problem_id) JOIN traces t ON t.trace_id = s.trace_id"


def dpo_columns(r: Recipe, shape: Shape = TEXT) -> tuple[str, str]:
    cols = (
        "s.problem_id, s.chosen_trace_id, s.rejected_trace_id, s.run_id AS chosen_run_id, "
        "s.rejected_run_id, s.model AS chosen_model, s.rejected_model, s.trace_source AS source_id, "
        "s.rejected_trace_source AS rejected_source_id, s.source_id AS problem_source_id, "
        f"{literal(r.traces.verifier)} AS verifier, s.verifier_version, s.label AS chosen_label, s.rejected_label, "
        "s.difficulty, "
        f"{_prompt(r, shape)} AS prompt, "
        f"[{_assistant('c.text', shape)}] AS chosen, "
        f"[{_assistant('x.text', shape)}] AS rejected, "
        "c.n_tokens AS chosen_tokens, x.n_tokens AS rejected_tokens"
    )
    if shape.images:
        cols += f", {_ORD}"
    joins = (
        "JOIN problems p USING (problem_id) JOIN traces c ON c.trace_id = s.chosen_trace_id "
        "JOIN traces x ON x.trace_id = s.rejected_trace_id"
    )
    return cols, joins


def _code_tests() -> str:
    """A code problem's tests as the verifier reads them from the catalog: tests + the spec's meta keys
    (the code verifier's ``reference_meta_keys``, through the registry: export does not import verify) + the
    statement, whose marks (any-case answers, a stated float tolerance) the reward must apply too."""
    from redstar_data.registry import VERIFIERS

    keys = "[" + ", ".join(literal(k) for k in VERIFIERS.get("code").reference_meta_keys) + "]"
    meta = (
        "(SELECT coalesce(json_group_object(k, json_extract(p.meta, '$.\"' || k || '\"')), '{}') "
        f"FROM (SELECT unnest({keys}) AS k) WHERE json_extract(p.meta, '$.\"' || k || '\"') IS NOT NULL)"
    )
    return (
        "CASE WHEN p.domain = 'code' AND p.tests IS NOT NULL "
        f"THEN CAST(json_object('tests', p.tests, 'meta', {meta}, 'statement', p.problem) AS VARCHAR) "
        "ELSE CAST(p.tests AS VARCHAR) END"
    )


def rl_columns(r: Recipe, shape: Shape = TEXT) -> tuple[str, str]:
    cols = (
        "s.problem_id, s.source_id, s.difficulty, p.domain, "
        f"{_prompt(r, shape)} AS prompt, p.answer, {_code_tests()} AS tests, s.pass_rate"
    )
    if shape.images or shape.choices:
        cols += ", CAST(p.choices AS VARCHAR[]) AS choices, p.answer_letter"
    if shape.images:
        cols += f", {_ORD}"
    return cols, "JOIN problems p USING (problem_id)"


# The columns each TRL trainer reads (TRL 1.16 dataset_formats; TRAINING-NOTES §3-§5).
TRL_COLUMNS = {"sft": ("messages",), "dpo": ("prompt", "chosen", "rejected"), "rl": ("prompt", "answer")}


def trl_columns(kind: str, shape: Shape) -> list[str]:
    """The columns a trainer reads from this export (vision: + ``images``; RL choices: + the choice columns)."""
    cols = list(TRL_COLUMNS[kind])
    if kind == "rl" and (shape.images or shape.choices):
        cols += ["choices", "answer_letter"]
    if shape.images:
        cols.append("images")
    return cols


def rows_sql(r: Recipe, table: str, n: int, split: str | None, shape: Shape = TEXT) -> str:
    """The shaped rows of the first ``n`` selected items of one split, in ladder order."""
    from redstar_data.registry import FORMATS

    cols, joins = FORMATS.get(r.kind)(r, shape)
    cond = f"s.ord <= {int(n)}"
    if split == "train":
        cond += " AND NOT s.is_val"
    elif split == "validation":
        cond += " AND s.is_val"
    return f"SELECT {cols} FROM {table} s {joins} WHERE {cond} ORDER BY s.ord"
