"""`redstar browse`: serve the local, read-only web viewer on the catalog."""

from __future__ import annotations

from typing import Annotated

import typer

from redstar_data.cli._options import CatalogOpt


def browse(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (loopback unless --allow-remote).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Allow a non-loopback --host (anyone who reaches it can read the whole catalog; no login).",
        ),
    ] = False,
    catalog: CatalogOpt = None,
) -> None:
    """Serve a local web viewer on the catalog: search problems, open one with its traces side by side
    (answer highlighted, verdict, flags, difficulty, duplicates, contamination evidence), page through
    an export's rows.

    Read-only: the catalog is opened read-only and only fixed, parameterised queries run; all catalog
    text is escaped (model output is shown as text, never run). Binds 127.0.0.1; a non-loopback --host
    is refused unless --allow-remote. Long traces load when expanded. Needs the `view` extra.

    Example:

      redstar browse                     # http://127.0.0.1:8765
      redstar browse --port 9000 --catalog runs/big.duckdb
    """
    from redstar_data.browse.app import check_bind, serve
    from redstar_data.cli._output import console

    check_bind(host, allow_remote)
    shown = f"[{host}]" if ":" in host else host
    console.print(f"redstar browse: http://{shown}:{port}/ (read-only; Ctrl-C to stop)")
    serve(catalog, host=host, port=port, allow_remote=allow_remote)


def register(app: typer.Typer) -> None:
    app.command("browse")(browse)
