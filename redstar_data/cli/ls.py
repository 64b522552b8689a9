"""`redstar ls KIND`: what the registries hold."""

from __future__ import annotations

import typer

from redstar_data.cli._output import print_table
from redstar_data.errors import ConfigError
from redstar_data.registry import REGISTRIES

KINDS = tuple(REGISTRIES)


def ls(kind: str = typer.Argument(..., help=f"One of: {', '.join(KINDS)}.")) -> None:
    """List the registered parts of one kind.

    Example:

      redstar ls backends
    """
    if kind not in REGISTRIES:
        raise ConfigError(f"unknown kind {kind!r}", allowed=KINDS)
    print_table(kind, ["name", "target", "what"], REGISTRIES[kind].describe())


def register(app: typer.Typer) -> None:
    app.command("ls")(ls)
