"""Rendering: rich tables to stdout, messages to stderr, and a rich progress bar fed by ProgressEvents."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from redstar_data.progress import ProgressCallback, ProgressEvent

# no emoji codes: a path or text holding ":train:" must print as written, not as a picture
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False, soft_wrap=True)  # messages are lines: the terminal wraps them


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    """A rich table whose title, headers and cells are plain text: a source named ``[bold]x`` or a path
    holding ``:train:`` prints as written (Text is never read as markup or emoji codes)."""
    t = Table(title=None if title is None else Text(title, style="italic"), show_lines=False)
    for c in columns:
        t.add_column(Text(str(c)))
    for r in rows:
        t.add_row(*(Text("" if v is None else str(v)) for v in r))
    return t


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    console.print(table(title, columns, rows))


def print_json(obj: Any) -> None:
    console.print_json(json.dumps(obj, default=str))


@contextmanager
def progress_bar(transient: bool = False) -> Iterator[ProgressCallback]:
    """A ProgressCallback drawing one rich bar per stage, with extra metrics (e.g. tok/s) in the text."""
    prog = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[metrics]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=err_console,
        transient=transient,
    )
    tasks: dict[str, TaskID] = {}

    def sink(ev: ProgressEvent) -> None:
        metrics = "  ".join(
            f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in ev.metrics.items()
        )
        if ev.stage not in tasks:
            tasks[ev.stage] = prog.add_task(ev.stage, total=ev.total, metrics=metrics)
        prog.update(tasks[ev.stage], completed=ev.done, total=ev.total, metrics=metrics)

    with prog:
        yield sink
