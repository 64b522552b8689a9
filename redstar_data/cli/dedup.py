"""`redstar dedup` and `redstar decontam`: duplicate clusters and benchmark contamination flags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from redstar_data.cli._options import CatalogOpt

if TYPE_CHECKING:
    from redstar_data.dedup.run import DedupReport


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def dedup(
    threshold: Annotated[
        float, typer.Option("--threshold", help="Jaccard similarity of near-duplicates.")
    ] = 0.8,
    num_perm: Annotated[int, typer.Option("--num-perm", help="MinHash permutations.")] = 128,
    ngram: Annotated[int, typer.Option("--ngram", help="Shingle size in normalised words.")] = 5,
    bands: Annotated[
        int | None,
        typer.Option("--bands", help="LSH bands (default: chosen for the threshold, 16 for 0.8/128)."),
    ] = None,
    rows: Annotated[int | None, typer.Option("--rows", help="Rows per band (default: chosen).")] = None,
    source_priority: Annotated[
        str | None,
        typer.Option(
            "--source-priority",
            help="Comma-separated sources, best first: the canonical member of "
            "a cluster comes from the first listed source it belongs to. Saved in the catalog: later runs "
            "without it reuse it; give it again to change it ('' clears it).",
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Sketching processes (default: up to 2).")
    ] = None,
    catalog: CatalogOpt = None,
) -> None:
    """Cluster exact and near-duplicate problems (normalised-text hash + MinHash LSH) into `dedup`.

    Every non-benchmark problem gets a row: its cluster (the canonical member's problem_id) and whether it
    is canonical. Canonical rule: --source-priority, then has a reference answer, then smallest id.
    The priority is saved in the catalog: a later run without --source-priority reuses it.
    Incremental: only problems without a row are sketched and compared with the stored index; changing
    any option recomputes everything. Recipes select canonical problems through the canonical_problems view.

    Example:

      redstar dedup
      redstar dedup --threshold 0.85 --source-priority math_train,numina
      redstar dedup                       # new problems only; reuses the saved priority
      redstar sql "SELECT method, count(*) FROM dedup WHERE NOT is_canonical GROUP BY 1"
    """
    from redstar_data.catalog import Catalog
    from redstar_data.cli._output import print_table, progress_bar
    from redstar_data.dedup.run import dedup as run_dedup

    with Catalog.open(catalog) as cat, progress_bar(transient=True) as sink:
        rep = run_dedup(
            cat,
            threshold=threshold,
            num_perm=num_perm,
            ngram=ngram,
            bands=bands,
            rows=rows,
            source_priority=None if source_priority is None else _split(source_priority),
            workers=workers,
            progress=sink,
        )
    p = rep.params
    print_table(
        "dedup",
        ["", "value"],
        [
            ["problems (non-benchmark)", rep.n_problems],
            ["sketched this run", rep.n_processed],
            [
                "mode",
                "rebuilt"
                if rep.rebuilt
                else "incremental"
                if rep.incremental
                else "full"
                if rep.n_processed
                else "up to date",
            ],
            ["clusters", rep.n_clusters],
            ["duplicates (non-canonical)", rep.n_duplicates],
            ["  exact (same normalised text)", rep.n_exact_duplicates],
            ["  near (minhash)", rep.n_near_duplicates],
            [
                "params",
                f"threshold {p['threshold']}, {p['num_perm']} perms, {p['ngram']}-grams, "
                f"{p['bands']}x{p['rows']} bands",
            ],
            ["source priority", _priority_line(rep)],
            ["seconds", f"{rep.seconds:.1f}"],
        ],
    )


def _priority_line(rep: DedupReport) -> str:
    """Where the canonical rule's priority came from, so a reused or replaced priority is never silent."""
    names = ", ".join(rep.source_priority) or "none"
    if rep.priority_source == "saved":
        return f"{names} (saved by an earlier run; --source-priority to change)"
    if rep.priority_source == "none":
        return "none (--source-priority a,b to set; it is saved for later runs)"
    if not rep.priority_changed:
        return f"{names} (given; same as saved)"
    if rep.previous_priority is None:
        return f"{names} (given; saved for later runs)"
    return f"{names} (given; replaces saved {', '.join(rep.previous_priority) or 'none'})"


def decontam(
    against: Annotated[
        str,
        typer.Option(
            "--against", help="Comma-separated benchmark names, e.g. math500,aime24 (benchmark sources)."
        ),
    ],
    ngram: Annotated[
        int, typer.Option("--ngram", help="Word n-gram size for overlap (see docs/dedup.md).")
    ] = 13,
    min_matches: Annotated[int, typer.Option("--min-matches", help="Shared n-grams needed to flag.")] = 1,
    min_tokens: Annotated[
        int,
        typer.Option(
            "--min-tokens",
            help="Benchmark problems shorter than --ngram but with at least this many tokens are flagged "
            "where they appear whole inside a training problem (shorter ones: exact match only).",
        ),
    ] = 6,
    boilerplate_df: Annotated[
        int,
        typer.Option(
            "--boilerplate-df",
            help="N-grams found in this many benchmark problems or more are boilerplate, not evidence "
            "(measured: docs/dedup.md); 0 counts every n-gram.",
        ),
    ] = 5,
    examples: Annotated[
        int, typer.Option("--examples", help="Flags shown with their matched text (evidence).")
    ] = 5,
    catalog: CatalogOpt = None,
) -> None:
    """Flag training problems that contain a benchmark problem (n-gram overlap, containment of a short
    benchmark problem, or same normalised text).

    Flags go to `contamination` with the benchmark, the matched benchmark problem, the method
    (ngram | contain | exact) and the overlapping span; running again adds only new flags. Benchmarks are
    sources with is_benchmark = TRUE (ingested from ../shared/data/benchmarks/<name>.jsonl when the ingest
    stage provides it).

    Example:

      redstar decontam --against math500,aime24
      redstar decontam --against math500,aime24,amc23,olympiadbench,gsm8k,minerva_math --ngram 13
      redstar sql "SELECT benchmark, method, count(*) FROM contamination GROUP BY ALL"
    """
    from redstar_data.catalog import Catalog
    from redstar_data.cli._output import print_table, progress_bar
    from redstar_data.dedup.run import decontaminate
    from redstar_data.ingest.benchmarks import ensure_benchmarks

    with Catalog.open(catalog) as cat, progress_bar(transient=True) as sink:
        ensure_benchmarks(cat, _split(against))  # benchmark files -> benchmark sources, once
        rep = decontaminate(
            cat,
            against=_split(against),
            ngram=ngram,
            min_matches=min_matches,
            min_tokens=min_tokens,
            boilerplate_df=boilerplate_df,
            progress=sink,
        )
        shown = cat.rows(
            """SELECT c.benchmark, c.method, c.matched_ngrams, c.problem_id, c.overlap FROM contamination c
               WHERE list_contains(?::VARCHAR[], c.benchmark) ORDER BY c.created_at DESC, c.problem_id LIMIT ?""",
            [_split(against), examples],
        ) if examples > 0 else []  # fmt: skip
    rows = [[b, n] for b, n in rep.per_benchmark.items()]
    rows += [
        ["problems checked", rep.n_checked],
        ["benchmark problems", rep.n_benchmark_problems],
    ]
    if rep.min_tokens < rep.ngram:
        rows.append(
            [f"  short ({rep.min_tokens}-{rep.ngram - 1} tokens, checked whole)", rep.n_short_checked]
        )
    rows += [
        ["flagged problems", rep.n_flagged],
        ["new flag rows", rep.n_rows_written],
        ["seconds", f"{rep.seconds:.1f}"],
    ]
    if rep.boilerplate_df:
        rows.append([f"  boilerplate n-grams ignored (in >= {rep.boilerplate_df} benchmark problems)",
                     rep.n_boilerplate_ngrams])  # fmt: skip
    print_table(f"decontamination ({rep.ngram}-grams)", ["benchmark", "flagged"], rows)
    if rep.boilerplate_examples:
        print_table("boilerplate (not evidence)", ["n-gram"], [[e] for e in rep.boilerplate_examples])
    if shown:
        print_table(
            "evidence: matched text of the latest flags",
            ["benchmark", "method", "matched", "problem", "matched text"],
            [[b, m, n, pid[:12], (o or "")[:160]] for b, m, n, pid, o in shown],
        )


def register(app: typer.Typer) -> None:
    app.command("dedup")(dedup)
    app.command("decontam")(decontam)
