"""`redstar demo`: the offline pipeline end to end (synthetic problems, scripted teacher, exports)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from redstar_data.cli._options import CatalogOpt


def demo(
    n: Annotated[int, typer.Option("--n", help="Synthetic problems to ingest.")] = 2000,
    samples: Annotated[int, typer.Option("--samples", help="Teacher samples per problem.")] = 4,
    seed: Annotated[int, typer.Option("--seed", help="Seed for problems, teacher and exports.")] = 0,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the exports (one sub-folder per recipe).")
    ] = Path("exports"),
    catalog: CatalogOpt = None,
) -> None:
    """Run the offline demo: ingest → dedup → difficulty → scripted teacher → verify → SFT/DPO/RL exports.

    No GPU and no network: the teacher is a scripted STAND-IN that writes deterministic long traces with right and wrong answers. A few geometry problems come with diagrams drawn by Pillow (the image path runs offline too). The exports land in OUT/demo_sft, OUT/demo_dpo and OUT/demo_rl (the paths recipes/train/*_tiny_cpu.yaml read) and the vision SFT set in OUT/demo_geo_sft. Running it again does no work twice.

    Example:

      redstar demo
      redstar demo --n 1000 --samples 8 --out /tmp/demo
    """
    from redstar_data.catalog import Catalog, resolve_path
    from redstar_data.cli._output import console, print_table, progress_bar
    from redstar_data.demo import run_demo, summary_rows

    cat_path = resolve_path(catalog)
    with Catalog.open(cat_path) as cat, progress_bar(transient=True) as sink:
        rep = run_demo(cat, n=n, samples=samples, seed=seed, out_dir=out, progress=sink)
    print_table(
        f"redstar demo ({rep.seconds:.1f} s, catalog {cat_path})",
        ["stage", "what", "count", "seconds"],
        summary_rows(rep),
    )
    for note in rep.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    if rep.labels:
        console.print("labels: " + ", ".join(f"{k} {v}" for k, v in sorted(rep.labels.items())))
    console.print(f"catalog: {cat_path}    exports: " + ", ".join(f"{out}/{name}" for name in rep.exports))
    console.print(
        "next: redstar stats | redstar sql --named pass_rate_by_source | redstar export recipes/demo.yaml --dry-run"
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
