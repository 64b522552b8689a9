"""`redstar export RECIPE`, `redstar exports`, `redstar recipe validate|show`: recipes → training sets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from redstar_data.cli._options import CatalogOpt, DryRunOpt

RecipeArg = Annotated[str, typer.Argument(help="Recipe YAML (a path, or a name under recipes/).")]


def _print_counts(report: Any) -> None:
    from redstar_data.cli._output import console, print_table

    if report.funnel:
        rows = [[step, "" if x is None else f"-{x:,}", f"{n:,}"] for step, x, n in report.funnel]
        for r in report.rungs:
            asked = f"size {r.requested:,} requested" if r.requested is not None else "all rows"
            rows.append([f"{asked} ({r.config})", "", f"{r.n_rows:,}"])
        print_table("funnel: what each step keeps", ["step", "excluded", "remaining"], rows)
    title = (
        f"{report.name} ({report.kind}): {report.available:,} rows available ({report.seconds:.1f} seconds)"
    )
    print_table(
        title,
        ["size", "rows", "train", "validation", "tokens p50", "tokens max"],
        [
            [
                r.config if r.requested is not None else "all",
                f"{r.n_rows:,}",
                r.splits.get("train", 0),
                r.splits.get("validation", 0),
                r.tokens.get("p50", ""),
                r.tokens.get("max", ""),
            ]
            for r in report.rungs
        ],
    )
    if report.rungs:
        largest = report.rungs[-1]
        print_table("rows per source (largest size)", ["source", "rows"], sorted(largest.by_source.items()))
        print_table(
            "rows per difficulty (largest size)",
            ["difficulty", "rows"],
            sorted(largest.by_difficulty.items()),
        )
    for note in report.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")


def export_cmd(
    recipe: RecipeArg,
    catalog: CatalogOpt = None,
    dry_run: DryRunOpt = False,
    push: Annotated[
        str | None, typer.Option("--push", help="Also push to this Hub dataset repo (ORG/NAME).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: the recipe's output.dir).")
    ] = None,
) -> None:
    """Export a training set (SFT / DPO / RL) from the catalog, as a recipe describes.

    The dry run prints the counts per size, source and difficulty bucket and writes nothing.

    A real export writes parquet (and jsonl / save_to_disk if asked), a README.md dataset card and a manifest.json, records the export in the catalog's `exports` table, and pushes to the Hub with --push. The same catalog and recipe always give byte-identical files.

    Example:

      redstar export recipes/demo.yaml --dry-run
      redstar export recipes/redstar-math-sft.yaml --out exports/redstar_ladder
      redstar export recipes/redstar-dpo.yaml --push my-org/redstar-dpo
    """
    from redstar_data.catalog import Catalog
    from redstar_data.cli._output import console, progress_bar
    from redstar_data.export.run import export

    if dry_run:
        # a read-only connection: a dry run (and `recipe validate`) of a downloaded recipe cannot change
        # the catalog, whatever its SQL says
        with Catalog.open(catalog, read_only=True) as cat:
            report = export(cat, recipe, dry_run=True, push=push, out_dir=out)
        _print_counts(report)
        console.print("[dim]dry run: nothing written[/]")
        return
    with Catalog.open(catalog) as cat:
        with progress_bar(transient=True) as sink:
            report = export(cat, recipe, push=push, out_dir=out, progress=sink)
        _print_counts(report)
        console.print(f"wrote {report.n_rows:,} rows to {report.out_dir} (export {report.export_id})")
        if report.hub_url:
            console.print(f"pushed to {report.hub_repo}: {report.hub_url}")


def exports_cmd(
    catalog: CatalogOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per export (for scripts).")
    ] = False,
) -> None:
    """List the exports recorded in the catalog (newest first), with their lineage hashes.

    Example:

      redstar exports
      redstar exports --json
    """
    from redstar_data.catalog import Catalog
    from redstar_data.cli._output import print_table
    from redstar_data.export.run import list_exports

    with Catalog.open(catalog) as cat:
        rows = list_exports(cat).to_pylist()
    if as_json:
        import json

        for r in rows:
            typer.echo(json.dumps(r, default=str, sort_keys=True))
        return
    print_table(
        "exports",
        ["export_id", "rows", "recipe hash", "catalog fingerprint", "path", "hub", "created"],
        [
            [
                r["export_id"],
                f"{r['n_rows']:,}",
                r["recipe_hash"][:12],
                r["catalog_fingerprint"][:12],
                r["path"],
                r["hub_repo"] or "",
                str(r["created_at"])[:19],
            ]
            for r in rows
        ],
    )


recipe_app = typer.Typer(
    help="Check and inspect export recipes.\n\nExample:\n\n"
    "  redstar recipe validate recipes/redstar-dpo.yaml\n"
    "  redstar recipe show recipes/demo.yaml --sql",
    no_args_is_help=True,
)


@recipe_app.command("validate")
def recipe_validate(recipe: RecipeArg, catalog: CatalogOpt = None) -> None:
    """Validate a recipe file; with a catalog present, also compile it and print the counts (a dry run).

    Example:

      redstar recipe validate recipes/redstar-dpo.yaml
    """
    from redstar_data.catalog.connection import resolve_path
    from redstar_data.cli._output import console
    from redstar_data.recipes.load import load_recipe

    r, _, path = load_recipe(recipe)
    console.print(f"[green]ok[/]: {path} ({r.kind}, sizes {r.sizes or 'all'})")
    if resolve_path(catalog).exists():
        export_cmd(recipe, catalog=catalog, dry_run=True)


@recipe_app.command("show")
def recipe_show(
    recipe: RecipeArg, sql: Annotated[bool, typer.Option("--sql", help="Print the compiled SQL.")] = False
) -> None:
    """Print a recipe with includes resolved and every default spelled out (or its compiled SQL).

    Example:

      redstar recipe show recipes/demo.yaml --sql
    """
    from redstar_data.cli._output import console
    from redstar_data.recipes.compile import selection_sql
    from redstar_data.recipes.load import canonical_text, load_recipe

    r, _, _ = load_recipe(recipe)
    if sql:
        typer.echo(selection_sql(r).selection)
    else:
        console.print(canonical_text(r), markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)
    app.command("exports")(exports_cmd)
    app.add_typer(recipe_app, name="recipe")
