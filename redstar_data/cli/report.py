"""`redstar report`: write the catalog's charts to one self-contained, offline HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from redstar_data.cli._options import CatalogOpt


def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path("report.html"),
    catalog: CatalogOpt = None,
) -> None:
    """Write one HTML file of charts a curator looks at: problems per source and domain, difficulty by
    method, trace lengths per run and teacher, pass rate by difficulty and source, labels and quality
    flags, duplicate cluster sizes, contamination by benchmark with examples, and per export its rows per
    rung, source and teacher, lengths, difficulty and the funnel from candidates to rows.

    The file is self-contained (plotly.js and the data inlined): it opens offline, can be mailed or
    archived. Only aggregates are shipped (a few KB of data whatever the catalog's size); the catalog is
    opened read-only. Needs the `view` extra: pip install 'redstar[view]'.

    Example:

      redstar report
      redstar report --out reports/catalog.html --catalog runs/big.duckdb
    """
    from redstar_data.catalog import Catalog
    from redstar_data.cli._output import console, progress_bar
    from redstar_data.report.run import report as run_report

    with Catalog.open(catalog, read_only=True) as cat, progress_bar(transient=True) as sink:
        rep = run_report(cat, out, progress=sink)
    console.print(
        f"wrote {rep.path} ({rep.n_bytes / 1e6:.1f} MB, {len(rep.charts)} charts) in {rep.elapsed_s:.1f}s "
        f"(queries {rep.query_s:.1f}s)"
    )
    if rep.empty:
        console.print(f"[dim]no data yet for: {', '.join(rep.empty)}[/]")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
