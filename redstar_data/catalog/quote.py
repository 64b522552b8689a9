"""SQL quoting in one place: string literals and identifiers for SQL that redstar builds itself."""

from __future__ import annotations


def literal(s: str) -> str:
    """A SQL string literal: ``it's`` → ``'it''s'``. Prefer a ``$name`` parameter where the SQL runs once."""
    return "'" + s.replace("'", "''") + "'"


def ident(s: str) -> str:
    """A quoted SQL identifier (inner double quotes doubled), safe for any column name a source has."""
    return '"' + s.replace('"', '""') + '"'
