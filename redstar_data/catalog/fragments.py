"""User SQL conditions (``select.where``, ``--where``): checked by DuckDB's own parser to be ONE expression.

A recipe is a file people share and download, so its ``where`` must never be able to close the query it
is placed in and run statements of its own (``TRUE)) SELECT 1; DELETE FROM traces; ...``), nor escape
the surrounding ``AND`` (``TRUE) OR (TRUE``). A fragment is accepted only when

1. DuckDB's tokenizer sees balanced parentheses that never close one the fragment did not open, no ``;``
   outside string literals and comments, and no unterminated block comment;
2. ``SELECT 1 WHERE (\\n<fragment>\\n)`` parses as exactly one SELECT statement whose text is the whole
   wrapper (nothing split off), and
3. its parse tree is that bare SELECT with the fragment as its WHERE clause: no FROM, CTE, set operation,
   ORDER BY/LIMIT, GROUP BY or parameter.

Callers then place the fragment as ``(\\n<fragment>\\n)`` (``condition_sql``), so a trailing ``--`` comment
cannot swallow what follows. Only parsing happens here (on a private in-memory connection with external
access off): nothing is executed.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import duckdb

from redstar_data.errors import ConfigError

MAX_CHARS = 100_000
_HINT = (
    "write one SQL condition, e.g. \"domain = 'math' AND pass_rate >= 0.5\"; subqueries in parentheses "
    "are fine, statements (;), unbalanced parentheses and parameters are not"
)
_lock = threading.Lock()
_con: duckdb.DuckDBPyConnection | None = None


def _parser() -> duckdb.DuckDBPyConnection:
    global _con
    if _con is None:
        _con = duckdb.connect(":memory:", config={"enable_external_access": False})
    return _con


def _token_problem(text: str) -> str | None:
    """Parentheses, ``;`` and unterminated comments, as DuckDB's tokenizer sees them."""
    try:
        tokens = duckdb.tokenize(text)
    except duckdb.Error as e:  # pragma: no cover - the tokenizer is lenient
        return f"cannot tokenize: {e}"
    depth = 0
    ends = [pos for pos, _ in tokens[1:]] + [len(text)]
    for (pos, kind), end in zip(tokens, ends, strict=True):
        tok = text[pos:end].strip()
        if kind == duckdb.token_type.comment:
            if tok.startswith("/*") and not tok.endswith("*/"):
                return f"unterminated /* comment at character {pos + 1}"
            continue
        if kind != duckdb.token_type.operator:
            continue
        for ch in tok:
            if ch == ";":
                return f"';' at character {pos + 1}: a condition cannot hold statements"
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth < 0:
                    return f"')' at character {pos + 1} closes a parenthesis the condition did not open"
    if depth:
        return f"{depth} unclosed '('"
    return None


def _has_parameter(node: Any) -> bool:
    if isinstance(node, dict):
        if node.get("class") == "PARAMETER":
            return True
        return any(_has_parameter(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_parameter(v) for v in node)
    return False


def _tree_problem(wrapper: str) -> str | None:
    """The wrapper must be one bare ``SELECT 1 WHERE <expr>``, per DuckDB's parser."""
    con = _parser()
    try:
        stmts = con.extract_statements(wrapper)
    except duckdb.Error as e:
        return f"DuckDB cannot parse it: {str(e).splitlines()[0]}"
    if len(stmts) != 1 or stmts[0].type != duckdb.StatementType.SELECT or stmts[0].query != wrapper:
        return "it does not parse as one condition (it ends the query it is placed in)"
    raw = con.execute("SELECT json_serialize_sql(?)", [wrapper]).fetchall()[0][0]
    tree = json.loads(raw)
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        return "it does not parse as one condition"
    node = tree["statements"][0]["node"]
    bare = (
        node.get("type") == "SELECT_NODE"
        and not node.get("modifiers")
        and not node.get("cte_map", {}).get("map")
        and node.get("from_table", {}).get("type") == "EMPTY"
        and node.get("where_clause") is not None
        and not node.get("group_expressions")
        and not node.get("group_sets")
        and node.get("having") is None
        and node.get("qualify") is None
        and node.get("sample") is None
        and len(node.get("select_list", [])) == 1
    )
    if not bare:
        return "it is more than one condition (it changes the query around it)"
    if _has_parameter(node) or tree["statements"][0].get("named_param_map"):
        return "it uses a query parameter ($1, ?, $name); write the value itself"
    return None


def _binds_as_one(text: str) -> bool:
    """``NOT (<fragment>)`` must stay a NOT of the whole fragment: NOT binds more loosely than any comparison
    and more tightly than AND/OR, so a fragment that reaches out of its parentheses to join the conditions
    around it (``TRUE) OR (TRUE``) shows up as an AND/OR at the top, whatever the tokenizer thought."""
    wrapper = f"SELECT 1 WHERE NOT (\n{text}\n)"
    tree = json.loads(_parser().execute("SELECT json_serialize_sql(?)", [wrapper]).fetchall()[0][0])
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        return False
    where = tree["statements"][0]["node"].get("where_clause") or {}
    return where.get("type") == "OPERATOR_NOT"


def condition_problem(text: object) -> str | None:
    """Why ``text`` is not a single SQL condition, or None when it is one."""
    if not isinstance(text, str):
        return f"a condition must be text, got {type(text).__name__}"
    if not text.strip():
        return "the condition is empty"
    if len(text) > MAX_CHARS:
        return f"the condition is {len(text):,} characters long (at most {MAX_CHARS:,})"
    if "\x00" in text:
        return "the condition contains a NUL character"
    problem = _token_problem(text)
    if problem:
        return problem
    with _lock:
        problem = _tree_problem(f"SELECT 1 WHERE (\n{text}\n)")
        if problem is None and not _binds_as_one(text):
            problem = "it reaches outside its parentheses (it changes the conditions around it)"
        return problem


def condition_sql(text: str, *, key: str, file: str | None = None) -> str:
    """``text`` as a parenthesised condition ready to AND into a query; ConfigError naming file/key if not one."""
    problem = condition_problem(text)
    if problem:
        raise ConfigError(
            f"not a single SQL condition: {problem}\n  clause: {text}", file=file, key=key, hint=_HINT
        )
    return f"(\n{text}\n)"
