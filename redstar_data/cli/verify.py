"""`redstar verify`: label traces with the answer verifier and write quality flags."""

from __future__ import annotations

from typing import Annotated

import typer

from redstar_data.cli._options import CatalogOpt, RunOpt


def verify(
    catalog: CatalogOpt = None,
    run: RunOpt = None,
    verifier: Annotated[
        str | None,
        typer.Option(
            "--verifier",
            help="Only this domain's verifier (see: redstar ls verifiers); default: each problem's domain.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Worker processes (default: all cores).", show_default=False),
    ] = None,
    code_timeout: Annotated[
        float,
        typer.Option("--code-timeout", help="Code: seconds per test case (a problem's own limit wins)."),
    ] = 4.0,
    code_memory: Annotated[
        int, typer.Option("--code-memory", help="Code: MiB per test case (RLIMIT_AS).")
    ] = 1024,
    all_tests: Annotated[
        bool, typer.Option("--all-tests", help="Code: run every test, not only up to the first failure.")
    ] = False,
    tokenizer: Annotated[
        str | None,
        typer.Option(
            "--tokenizer",
            help="tokenizer.json (or a folder with one): recount n_tokens of every trace it has not counted "
            "(batched), named in traces.meta.token_counter and on export cards; the budget check of the "
            "truncated flag then reads real counts.",
        ),
    ] = None,
    unsafe_no_sandbox: Annotated[
        bool,
        typer.Option(
            "--unsafe-no-sandbox",
            help="Code: run programs WITHOUT the bubblewrap sandbox. UNSAFE: trusted code only.",
        ),
    ] = False,
) -> None:
    """Label every trace that has no label from the current verifier version, and flag quality problems.

    Labels (correct / incorrect / no_answer / timeout / error) go to `verifications` with the verifier name and version; older versions' labels are kept. Each item runs under a hard time limit in worker processes, so no input can stall the run.

    Quality flags (truncated, no_final_answer, repetition, language_mixing, too_short, too_long) go to `trace_flags`. Re-running only does what is missing.

    Each problem's domain picks the verifier: math traces by final-answer equivalence, code traces by running their last program against the problem's tests in a bubblewrap sandbox (docs/code.md). Code labels add timeout/error per test, unverifiable (special judge) and infra_error (sandbox failure: not stored, retried next run).

    Example:

      redstar verify --run sky-t1-aime24 --workers 8

      redstar verify --run taco-qwq --code-timeout 6 --all-tests

      redstar verify --tokenizer runs/tiny_qwen2   # real token counts for imported responses
    """
    from redstar_data.catalog import Catalog
    from redstar_data.cli._output import print_table, progress_bar
    from redstar_data.verify.run import verify as run_verify

    cat = Catalog.open(catalog)
    try:
        with progress_bar() as bar:
            if unsafe_no_sandbox:
                from redstar_data.cli._output import err_console

                err_console.print(
                    "[bold red]UNSAFE[/]: --unsafe-no-sandbox runs model-written programs WITHOUT isolation"
                )
            code = {"timeout_s": code_timeout, "memory_mb": code_memory, "all_tests": all_tests,
                    "unsafe_no_sandbox": unsafe_no_sandbox}  # fmt: skip
            report = run_verify(cat, run=run, verifier=verifier, workers=workers, progress=bar,
                                verifier_options={"code": code}, tokenizer=tokenizer)  # fmt: skip
    finally:
        cat.close()
    rows = [("label", k, v) for k, v in sorted(report.labels.items())]
    rows += [("flag", k, v) for k, v in sorted(report.flags.items())]
    rows += [("no verifier", d, n) for d, n in sorted(report.no_verifier.items())]
    if report.token_counter:
        rows.append(("tokens", f"recounted by {report.token_counter}", report.tokens_counted))
    rows.append(("total", "labelled", report.labelled))
    rows.append(("speed", "items/s", f"{report.items_per_s:.1f}"))
    rows.append(("time", "seconds", f"{report.seconds:.1f}"))
    print_table(f"verify ({report.verifier} {report.version})", ["kind", "name", "count"], rows)


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)
