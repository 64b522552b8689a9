"""`redstar`: assembles the command groups and runs them inside the error boundary.

Each stage's CLI module exposes ``register(app)``; heavy libraries are imported inside commands,
so ``redstar --help`` starts fast. Other packages add commands through the ``redstar.commands`` entry
point group (redstar_train registers ``train`` and ``eval`` this way), so redstar_data never imports them.
"""

from __future__ import annotations

import importlib
import inspect
from importlib.metadata import entry_points

import typer

from redstar_data.cli._errors import run_guarded

HELP = """redstar: build long chain-of-thought datasets in a DuckDB catalog and train on them.

Data flow: ingest → dedup/decontam/difficulty → generate → verify → export → train/eval.
Every command works on one catalog file (--catalog, env REDSTAR_CATALOG, default
catalog/redstar.duckdb) and is idempotent: running it again does only the missing work.

Example:

  redstar demo                      # the offline demo pipeline, end to end
  redstar ingest 'synthetic:math?n=1000&seed=0'
  redstar stats
"""

app = typer.Typer(
    help=HELP,
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print redstar's version and exit."),
) -> None:
    if version:
        from importlib.metadata import version as v

        typer.echo(f"redstar {v('redstar')}")
        raise typer.Exit()


# One module per stage; each has register(app). Listed here in data-flow order.
COMMAND_MODULES = (
    "ingest",
    "sql",
    "dedup",
    "difficulty",
    "generate",
    "verify",
    "export",
    "demo",
    "report",
    "browse",
    "ls",
)
COMMAND_ENTRY_POINTS = "redstar.commands"


def reflow_help(doc: str) -> str:
    """Join hard-wrapped prose lines of a docstring into paragraphs; keep indented example blocks as they are.

    Typer's rich help keeps single newlines, so docstrings wrapped at 110 columns would render ragged.
    """
    out = []
    for para in inspect.cleandoc(doc).split("\n\n"):
        lines = para.splitlines()
        if any(line.startswith((" ", "-", "|")) for line in lines):
            out.append(para)
        else:
            out.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(out)


def _reflow_all(typer_app: typer.Typer) -> None:
    for cmd in typer_app.registered_commands:
        doc = cmd.help or (cmd.callback.__doc__ if cmd.callback else None)
        if doc:
            cmd.help = reflow_help(doc)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _reflow_all(group.typer_instance)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"redstar_data.cli.{name}").register(app)
    for ep in sorted(entry_points(group=COMMAND_ENTRY_POINTS), key=lambda e: e.name):
        try:
            hook = ep.load()
        except ModuleNotFoundError as e:
            # install metadata older than the tree (a module since moved): skip that hook, not the CLI
            if e.name is None or not ep.module.startswith(e.name):
                raise
            continue
        hook(app)
    _reflow_all(app)


_register_all()


def main(argv: list[str] | None = None) -> None:
    """Run ``redstar`` (on ``argv``, default the process arguments) inside the one error boundary."""
    run_guarded(lambda: app(args=argv, prog_name="redstar"))


if __name__ == "__main__":
    main()
