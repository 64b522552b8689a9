"""`redstar ingest SOURCE`: files, save_to_disk folders, Hub datasets and the synthetic source → problems."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from redstar_data.cli._options import CatalogOpt
from redstar_data.errors import ConfigError, IngestError


def _parse_maps(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        field, sep, col = item.partition("=")
        if not sep or not field.strip() or not col.strip():
            raise IngestError(f"--map {item!r} is not FIELD=COLUMN", hint="e.g. --map problem=question")
        out[field.strip()] = col.strip()
    return out


def ingest(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="One or more: file (.jsonl .json .parquet .csv), glob ('out/*.jsonl'), folder of such files, "
            "save_to_disk folder[:split], hf:org/name[:split], or synthetic:math?n=N&seed=S[&dups=PERCENT]. "
            "Each file is its own source (named by its stem).",
            show_default=False,
        ),
    ],  # fmt: skip
    name: Annotated[str | None, typer.Option("--name", help="Source id (default: the file stem).")] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="FIELD=COLUMN (repeatable); fields: problem, "
            "answer, solution, level, id, domain, tests, images, response, model. "
            "COLUMN may be a dotted path (meta.solution).",
        ),
    ] = None,  # fmt: skip
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            help="math | prompt_response | taco | conversations (default: detected from the columns).",
        ),
    ] = None,  # fmt: skip
    model: Annotated[
        str | None, typer.Option("--model", help="Model that wrote the responses (import run).")
    ] = None,
    benchmark: Annotated[
        bool, typer.Option("--benchmark", help="Mark the source as a benchmark set.")
    ] = False,
    domain: Annotated[
        str | None, typer.Option("--domain", help="Domain when no column gives it (math, code...).")
    ] = None,
    max_field_mb: Annotated[
        float, typer.Option("--max-field-mb", help="Reject rows with a field over this size.")
    ] = 1.0,
    max_image_mb: Annotated[
        float | None,
        typer.Option("--max-image-mb", help="Reject rows with an image over this size (default 32 MiB)."),
    ] = None,
    tokenizer: Annotated[
        str | None,
        typer.Option(
            "--tokenizer",
            help="tokenizer.json (or a folder with one) counting imported responses' tokens; "
            "without it n_tokens is a whitespace estimate, named so in traces.meta.token_counter.",
        ),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(
            "--max-tokens",
            help="The token budget the imported responses were generated under (stored on the import run): "
            "verify flags responses that reach it without a final answer as truncated.",
        ),
    ] = None,
    catalog: CatalogOpt = None,
) -> None:
    """Ingest a source into the catalog: map fields, hash problems, import responses, quarantine bad rows.

    Idempotent: ingesting the same source again adds nothing ("0 new, N already present"). Bad rows go
    to the `rejects` table with their row number and reason; the command fails only when nothing could
    be read. Rows that carry a response become traces of an `import` run.

    Example:

      redstar ingest 'synthetic:math?n=10000&seed=0'
      redstar ingest data/math500.jsonl --benchmark
      redstar ingest qa.csv --map problem=question --map answer=gt --name my_qa
      redstar ingest hf:AI-MO/NuminaMath-CoT:train --preset prompt_response
      redstar ingest ../shared/data/geo/problems.jsonl   # images (paths relative to the file), choices
    """
    maps = _parse_maps(map_ or [])
    from redstar_data.ingest.run import expand_sources

    paths = expand_sources(sources)
    if name and len(paths) > 1:
        raise ConfigError(f"--name names one source; {len(paths)} were given", key="--name",
                          hint="leave --name out: each file is named by its stem")  # fmt: skip
    for source in paths:
        _ingest_one(catalog, source, name, maps, preset, model, benchmark, domain, max_field_mb, tokenizer,
                    max_image_mb, max_tokens)  # fmt: skip


def _ingest_one(catalog: Any, source: str, name: str | None, maps: dict[str, str], preset: str | None,
                model: str | None, benchmark: bool, domain: str | None, max_field_mb: float,
                tokenizer: str | None, max_image_mb: float | None = None,
                max_tokens: int | None = None) -> None:  # fmt: skip
    from redstar_data.catalog import Catalog
    from redstar_data.cli._output import console, progress_bar
    from redstar_data.cli._output import table as make_table
    from redstar_data.ingest.run import ingest as run_ingest

    if not 0 < max_field_mb < float("inf"):  # nan and inf too
        raise ConfigError(f"the field size limit must be positive, got {max_field_mb} MB", key="--max-field-mb",
                          hint="e.g. --max-field-mb 1 (the default) or 4")  # fmt: skip
    image_opts = {}
    if max_image_mb is not None:
        if not 0 < max_image_mb < float("inf"):
            raise ConfigError(f"the image size limit must be positive, got {max_image_mb} MB", key="--max-image-mb",
                              hint="e.g. --max-image-mb 32 (the default)")  # fmt: skip
        image_opts["max_image_bytes"] = int(max_image_mb * 2**20)
    with Catalog.open(catalog) as cat, progress_bar(transient=True) as progress:
        report = run_ingest(cat, source, name=name, mapping=maps, preset=preset, model=model, benchmark=benchmark,
                            domain=domain, max_field_bytes=int(max_field_mb * 1_000_000), tokenizer=tokenizer,
                            max_tokens=max_tokens, progress=progress, **image_opts)  # fmt: skip
    rows = [("read", report.n_read), ("new", report.n_new), ("already present", report.n_present),
            ("rejected", report.n_rejected)]  # fmt: skip
    rows += [(f"  rejected: {k}", v) for k, v in sorted(report.rejects_by_reason.items())]
    if report.n_images_new:
        rows.append(("images stored (new)", report.n_images_new))
    rows.append(("seconds", f"{report.seconds:.1f}"))
    if report.n_skipped:
        rows.append(("skipped: blank lines", report.n_skipped))
    if report.n_traces or report.run_ids:
        rows.append(("imported traces", report.n_traces))
        rows.append(("traces already present", report.n_traces_present))
        rows += [(f"  no trace: {k}", v) for k, v in sorted(report.traces_skipped.items())]
    how = f"preset {report.preset}" + (" (detected)" if report.preset_auto else "")
    console.print(make_table(f"ingest {report.source_id} ({how})", ["", "rows"], rows))
    if report.mapping:
        console.print("mapping: " + escape(", ".join(f"{k}←{v}" for k, v in report.mapping.items())))
    for rid in report.run_ids:
        console.print(f"import run: {escape(rid)}")
    for note in report.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    console.print(f"{report.n_new} new, {report.n_present} already present"
                  + (f", {report.n_rejected} rejected (see: redstar sql --named rejects_by_reason)"
                     if report.n_rejected else ""))  # fmt: skip
    if report.n_good == 0 and report.n_rejected:
        row, why = report.first_reject or (0, "?")
        raise IngestError(f"nothing could be read from {source}: {report.n_read} rows, all rejected "
                          f"(the first, row {row}: {why})",
                          hint="see why with: redstar sql \"SELECT row_number, reason, detail FROM rejects "
                               f"WHERE source_id = '{report.source_id}'\"")  # fmt: skip
    if report.n_good == 0:
        raise IngestError(f"nothing could be read from {source}: it holds no rows",
                          hint="check that it is the file you meant: it is empty (no data rows, only blank lines or a header)")  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
