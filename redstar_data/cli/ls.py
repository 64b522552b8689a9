"""`redstar ls KIND`: what the registries hold."""

from __future__ import annotations

import typer

from redstar_data.cli._output import print_table
from redstar_data.errors import ConfigError

KINDS = ("backends", "verifiers", "pickers", "formats", "sources")


def ls(kind: str = typer.Argument(..., help=f"One of: {', '.join(KINDS)}.")) -> None:
    """List the registered parts of one kind.

    Example:

      redstar ls backends
    """
    from redstar_data import registry

    regs = {
        "backends": registry.BACKENDS,
        "verifiers": registry.VERIFIERS,
        "pickers": registry.PICKERS,
        "formats": registry.FORMATS,
        "sources": registry.SOURCES,
    }
    if kind not in regs:
        raise ConfigError(f"unknown kind {kind!r}", allowed=KINDS)
    print_table(kind, ["name", "target", "what"], regs[kind].describe())


def register(app: typer.Typer) -> None:
    app.command("ls")(ls)
