"""Shared option types, defined once so every command spells them the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        "-c",
        envvar="REDSTAR_CATALOG",
        help="Catalog file (default: catalog/redstar.duckdb; env REDSTAR_CATALOG).",
        show_default=False,
    ),
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would happen; write nothing.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed (results are deterministic per seed).")]
LimitOpt = Annotated[int | None, typer.Option("--limit", help="Process at most this many items.")]
WhereOpt = Annotated[
    str | None,
    typer.Option(
        "--where",
        help="One SQL condition over the problems table (checked: a single expression, no statements).",
    ),
]
RunOpt = Annotated[str | None, typer.Option("--run", help="Run id (name) in the catalog.")]
FormatOpt = Annotated[str, typer.Option("--format", help="Output: table | json | csv | parquet.")]
