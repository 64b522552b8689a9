"""Row shapers = TRL dataset types, built in SQL so a million rows never become Python dicts.

- sft: ``messages`` = [system, user, assistant] (TRL "conversational language modeling"). A system
  message is always present: Qwen2.5's chat template injects its own when none is given.
- dpo: ``prompt`` = [system, user], ``chosen`` / ``rejected`` = [assistant] (TRL "conversational
  preference with explicit prompt"); both completions answer the same problem.
- rl: ``prompt`` = [system, user] + ``answer`` (+ ``tests`` for code): TRL "prompt-only"; GRPO/RLOO
  pass ``answer``/``tests`` to reward functions by name.

Every row also carries its lineage: ``problem_id``, ``problem_source_id`` (the source the problem was first
ingested from) and, per trace, its id, ``run_id``, teacher ``model``, ``source_id`` (the trace's own source:
the file an imported response came from, else the problem's), ``verifier``/``verifier_version`` and
``label``. A set built from one teacher's run names that teacher, not whichever source first held the problem.
"""

from __future__ import annotations

from redstar_data.catalog.quote import literal
from redstar_data.recipes.schema import Recipe


def _user(template: str) -> str:
    if template == "{problem}":
        return "p.problem"
    return f"replace({literal(template)}, '{{problem}}', p.problem)"


def _prompt(r: Recipe) -> str:
    f = r.fmt
    return (
        f"[{{'role': 'system', 'content': {literal(f.system_prompt)}}}, "
        f"{{'role': 'user', 'content': {_user(f.user_template)}}}]"
    )


def sft_columns(r: Recipe) -> tuple[str, str]:
    """(SELECT list, FROM/JOIN clause) over the selection table aliased ``s``."""
    f = r.fmt
    cols = (
        "s.problem_id, s.trace_id, s.run_id, s.model, s.trace_source AS source_id, "
        f"s.source_id AS problem_source_id, {literal(r.traces.verifier)} AS verifier, s.verifier_version, s.label, "
        "s.difficulty, t.n_tokens, "
        f"[{{'role': 'system', 'content': {literal(f.system_prompt)}}}, "
        f"{{'role': 'user', 'content': {_user(f.user_template)}}}, "
        "{'role': 'assistant', 'content': t.text}] AS messages"
    )
    return cols, "JOIN problems p USING (problem_id) JOIN traces t ON t.trace_id = s.trace_id"


def dpo_columns(r: Recipe) -> tuple[str, str]:
    cols = (
        "s.problem_id, s.chosen_trace_id, s.rejected_trace_id, s.run_id AS chosen_run_id, "
        "s.rejected_run_id, s.model AS chosen_model, s.rejected_model, s.trace_source AS source_id, "
        "s.rejected_trace_source AS rejected_source_id, s.source_id AS problem_source_id, "
        f"{literal(r.traces.verifier)} AS verifier, s.verifier_version, s.label AS chosen_label, s.rejected_label, "
        "s.difficulty, "
        f"{_prompt(r)} AS prompt, "
        "[{'role': 'assistant', 'content': c.text}] AS chosen, "
        "[{'role': 'assistant', 'content': x.text}] AS rejected, "
        "c.n_tokens AS chosen_tokens, x.n_tokens AS rejected_tokens"
    )
    joins = (
        "JOIN problems p USING (problem_id) JOIN traces c ON c.trace_id = s.chosen_trace_id "
        "JOIN traces x ON x.trace_id = s.rejected_trace_id"
    )
    return cols, joins


def rl_columns(r: Recipe) -> tuple[str, str]:
    cols = (
        "s.problem_id, s.source_id, s.difficulty, p.domain, "
        f"{_prompt(r)} AS prompt, p.answer, CAST(p.tests AS VARCHAR) AS tests, s.pass_rate"
    )
    return cols, "JOIN problems p USING (problem_id)"


# The columns each TRL trainer reads (TRL 1.16 dataset_formats; TRAINING-NOTES §3-§5).
TRL_COLUMNS = {"sft": ("messages",), "dpo": ("prompt", "chosen", "rejected"), "rl": ("prompt", "answer")}


def rows_sql(r: Recipe, table: str, n: int, split: str | None) -> str:
    """The shaped rows of the first ``n`` selected items of one split, in ladder order."""
    from redstar_data.registry import FORMATS

    cols, joins = FORMATS.get(r.kind)(r)
    cond = f"s.ord <= {int(n)}"
    if split == "train":
        cond += " AND NOT s.is_val"
    elif split == "validation":
        cond += " AND s.is_val"
    return f"SELECT {cols} FROM {table} s {joins} WHERE {cond} ORDER BY s.ord"
