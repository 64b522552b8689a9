"""Where the catalog's SQL lives: top-level ``catalog/`` in a checkout, ``redstar_data/_catalog_sql`` in a wheel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_PKG = Path(__file__).resolve().parents[1]


def sql_root() -> Path:
    """The folder holding ``migrations/``, ``views/`` and ``queries/``."""
    for cand in (_PKG / "_catalog_sql", _PKG.parent / "catalog"):
        if (cand / "migrations").is_dir():
            return cand
    raise FileNotFoundError("redstar's catalog SQL (catalog/migrations) is missing from this install")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


_MIG = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def migrations() -> list[Migration]:
    """All numbered migrations, in order."""
    out = []
    for p in sorted((sql_root() / "migrations").glob("*.sql")):
        m = _MIG.match(p.name)
        if not m:
            raise FileNotFoundError(f"migration file {p} is not named NNNN_name.sql")
        out.append(Migration(int(m.group(1)), m.group(2), p.read_text()))
    versions = [m.version for m in out]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration numbers in {sql_root() / 'migrations'}: {versions}")
    return out


def views() -> list[tuple[str, str]]:
    """(file name, SQL) of every view definition, in file order."""
    return [(p.name, p.read_text()) for p in sorted((sql_root() / "views").glob("*.sql"))]


def named_queries() -> dict[str, str]:
    """Named queries for ``redstar sql --named NAME``."""
    return {p.stem: p.read_text() for p in sorted((sql_root() / "queries").glob("*.sql"))}
