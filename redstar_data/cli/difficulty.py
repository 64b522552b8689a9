"""`redstar difficulty`: score problems by LLM judge, pass rate of a run, or the source's label."""

from __future__ import annotations

from typing import Annotated

import typer

from redstar_data.cli._options import CatalogOpt, LimitOpt, RunOpt, WhereOpt


def difficulty(
    method: Annotated[str, typer.Option("--method", help="judge | pass_rate | label.")],
    backend: Annotated[
        str | None,
        typer.Option("--backend", "-b", help="judge: generation backend (see `redstar ls backends`)."),
    ] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="judge: model name / path.")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="judge with openai: server URL ending in /v1.")
    ] = None,
    option: Annotated[
        list[str] | None, typer.Option("--option", "-o", help="Extra backend option KEY=VALUE (repeatable).")
    ] = None,
    run: RunOpt = None,
    verifier: Annotated[str, typer.Option("--verifier", help="pass_rate: whose labels count.")] = "math",
    max_tokens: Annotated[
        int,
        typer.Option(
            "--max-tokens", help="judge: reply budget (raise it for reasoning models that think first)."
        ),
    ] = 1024,
    where: WhereOpt = None,
    limit: LimitOpt = None,
    catalog: CatalogOpt = None,
) -> None:
    """Score problem difficulty into `difficulty` (one row per problem, method and model; re-runs add only
    what is missing).

    judge: a rubric prompt asks the model for a 1-10 score and a one-line justification; unparseable
    replies are stored with score NULL and the text in details.unparsed. pass_rate: 1 - correct/verified
    over the latest labels of --run's traces. label: the level carried by the source (MATH "Level 3" -> 3).

    Example:

      redstar difficulty --method label
      redstar difficulty --method pass_rate --run small-model-8x
      redstar difficulty --method judge --backend openai --base-url http://localhost:8000/v1 --model Qwen/QwQ-32B
      redstar difficulty --method judge --backend vllm --model Qwen/Qwen2.5-7B-Instruct --where "domain='math'"
    """
    from redstar_data.catalog import Catalog
    from redstar_data.cli._output import print_table, progress_bar
    from redstar_data.difficulty.run import score
    from redstar_data.errors import ConfigError

    be = None
    if method == "judge":
        if not backend:
            raise ConfigError(
                "--method judge needs --backend",
                key="--backend",
                hint="e.g. --backend openai --base-url http://localhost:8000/v1 --model M",
            )
        from redstar_data.cli.generate import backend_options
        from redstar_data.generate.backends import get_backend

        explicit = {"base_url": base_url} if backend == "openai" else {}
        be = get_backend(backend, **backend_options(backend, model, explicit, option or []))
    try:
        with Catalog.open(catalog) as cat, progress_bar(transient=True) as sink:
            rep = score(
                cat,
                method=method,
                backend=be,
                model=model,
                run=run,  # type: ignore[arg-type]
                verifier=verifier,
                where=where,
                limit=limit,
                judge_max_tokens=max_tokens,
                progress=sink,
            )
    finally:
        if be is not None:
            be.close()
    mean = "" if rep.mean_score is None else f"{rep.mean_score:.2f}"
    rows = [
        ["method", rep.method],
        ["model / run", rep.model or "(source)"],
        ["to score", rep.n_candidates],
        ["scored", rep.n_scored],
        ["unparsed (score NULL)", rep.n_unparsed],
        ["backend errors (retry later)", rep.n_errors],
        ["rows written", rep.n_written],
        ["mean score (all rows)", mean],
        ["histogram", "  ".join(f"{k}:{v}" for k, v in rep.histogram.items())],
        ["seconds", f"{rep.seconds:.1f}"],
    ]
    print_table("difficulty", ["", "value"], rows)


def register(app: typer.Typer) -> None:
    app.command("difficulty")(difficulty)
