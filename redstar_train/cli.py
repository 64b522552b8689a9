"""`redstar train KIND CONFIG` and `redstar eval`: redstar_train's own commands, found by the `redstar` app.

redstar_data never imports redstar_train: the ``redstar.commands`` entry point (pyproject.toml) names
``register`` here and ``redstar_data.cli.app`` calls every such hook. Heavy libraries load inside the
commands, so ``redstar --help`` stays fast; without the [train] extra a command fails with the install line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from redstar_data.cli._options import CatalogOpt, RunOpt
from redstar_data.errors import ConfigError

KINDS = ("sft", "dpo", "rl")


def _fmt(v: Any, pct: bool = False) -> str:
    if v is None:
        return "–"
    if pct:
        return f"{100 * v:.1f}"
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def train(
    kind: Annotated[str, typer.Argument(help="sft | dpo | rl", show_default=False)],
    config: Annotated[Path, typer.Argument(help="Training YAML (see recipes/train/).", show_default=False)],
    output_dir: Annotated[
        Path | None, typer.Option("--output-dir", "-o", help="Override output_dir from the config.")
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", help="Override trl.max_steps (smoke runs).")
    ] = None,
) -> None:
    """Train with TRL from a redstar config: SFT on an export's messages, DPO on pairs, RL (GRPO/RLOO/REINFORCE++).

    The config names the model, the export (a directory, a ladder rung via data.size, a parquet file,
    a save_to_disk dir or a Hub id), context.max_length (+ optional Position Interpolation through
    context.rope_scaling) and any TRL argument under trl:. Over-length rows are dropped and counted,
    never truncated. Outputs go to output_dir (default runs/train/<name>, git-ignored).

    Example:

      redstar train sft recipes/train/sft_qwen2.5_7b_ladder.yaml
      redstar train dpo recipes/train/dpo_qwen2.5_7b.yaml --output-dir runs/train/dpo-try
      redstar train rl recipes/train/rl_reinforce_pp_qwen2.5_7b.yaml --max-steps 10
      python -m redstar_train.sft recipes/train/sft_tiny_cpu.yaml

    Needs the [train] extra: pip install 'redstar[train]'.
    """
    if kind not in KINDS:
        raise ConfigError(f"unknown training kind {kind!r}", key="KIND", allowed=KINDS)
    from redstar_data.cli._output import console, print_table, progress_bar
    from redstar_data.deps import require
    from redstar_train.config import load_config

    require(f"redstar train {kind}", "train", "torch", "transformers", "trl")
    from redstar_train.runner import train as run_training

    over: dict[str, Any] = {}
    if output_dir is not None:
        over["output_dir"] = str(output_dir)
    if max_steps is not None:
        over["trl"] = {"max_steps": max_steps}
    cfg = load_config(config, kind=kind, overrides=over or None)
    with progress_bar() as sink:
        report = run_training(cfg, progress=sink)
    last = report.log_history[-2] if len(report.log_history) > 1 else (report.log_history or [{}])[-1]
    rows: list[list[Any]] = [
        ["algorithm", report.algo],
        ["rows in export", report.data.n_rows],
        ["rows trained on", report.data.n_kept],
    ]
    rows += [[f"dropped ({reason})", n] for reason, n in report.data.dropped.items()]
    rows += [
        ["steps", report.global_step],
        ["train time s", f"{report.train_runtime_s:.1f}"],
        ["samples/s", f"{report.train_samples_per_s:.2f}"],
    ]
    for key in ("loss", "rewards/margins", "reward", "kl"):
        if key in last:
            rows.append([f"last {key}", _fmt(last[key])])
    rows.append(["model saved to", report.output_dir if report.model_saved else "(save_model: false)"])
    print_table(f"redstar train {kind}: {cfg.name}", ["", "value"], rows)
    if report.data.n_dropped:
        console.print(
            f"[yellow]{report.data.n_dropped} over-length rows were dropped "
            f"(longest {report.data.max_tokens} tokens > max_length {cfg.context.max_length})."
        )


def eval_cmd(
    backend: Annotated[
        str | None, typer.Option("--backend", "-b", help="transformers | vllm | openai | scripted.")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model path, Hub id or served name.")
    ] = None,
    bench: Annotated[
        str | None,
        typer.Option(
            "--bench", help="Comma-separated benchmarks (files in ../shared/data/benchmarks/<name>.jsonl)."
        ),
    ] = None,
    n: Annotated[int, typer.Option("-n", "--n", help="Samples per problem.")] = 8,
    limit: Annotated[
        int | None, typer.Option("--limit", help="At most this many problems per benchmark.")
    ] = None,
    run: RunOpt = None,
    temperature: Annotated[float, typer.Option("--temperature")] = 0.6,
    top_p: Annotated[float, typer.Option("--top-p")] = 0.95,
    max_tokens: Annotated[int, typer.Option("--max-tokens", help="Max new tokens per sample.")] = 32768,
    seed: Annotated[int, typer.Option("--seed", help="Base seed; sample i uses seed + i.")] = 0,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Problems per backend call.")] = 64,
    bench_dir: Annotated[
        Path | None,
        typer.Option("--bench-dir", help="Directory of benchmark JSONL files (default: shared data)."),
    ] = None,
    option: Annotated[
        list[str] | None, typer.Option("--option", "-o", help="Backend option KEY=VALUE (repeatable).")
    ] = None,
    compare_runs: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--compare", help="Show the difference per benchmark between two eval runs: RUN_A RUN_B."
        ),
    ] = None,
    catalog: CatalogOpt = None,
) -> None:
    """Evaluate a model on benchmarks: pass@1 (mean over n samples), maj@n and pass@n per benchmark.

    Ingests the benchmark files as benchmark sources (once), generates n samples per problem with any
    backend into an eval run (resumable), verifies them with the math verifier, stores the scores in
    eval_results and prints them. maj@n votes over normalised extracted answers (docs/train.md).
    --compare RUN_A RUN_B prints B − A per benchmark from stored results, without generating.

    Example:

      redstar eval --backend vllm --model runs/train/sft-7b --bench math500,aime24,amc23,olympiadbench,math_hard -n 8
      redstar eval --backend transformers --model runs/train/tiny --bench math500 -n 2 --limit 5 --max-tokens 64
      redstar eval --compare vllm-Qwen2.5-7B-Instruct-1a2b3c4d5e sft-7b-eval
    """
    from redstar_data.catalog import Catalog
    from redstar_data.cli._output import console, print_table, progress_bar
    from redstar_train.evaluate import compare, evaluate

    if compare_runs is not None:
        with Catalog.open(catalog, read_only=False) as cat:
            rows = compare(cat, *compare_runs)
        a, b = compare_runs
        print_table(
            f"{b} − {a}",
            [
                "benchmark",
                "pass@1 A",
                "pass@1 B",
                "Δ pass@1",
                "maj@n A",
                "maj@n B",
                "Δ maj@n",
                "pass@n A",
                "pass@n B",
                "Δ pass@n",
            ],
            [
                [
                    r["benchmark"],
                    *(
                        _fmt(r[f"{p}_{m}"], pct=True)
                        for m in ("pass_at_1", "maj_at_n", "pass_at_n")
                        for p in ("a", "b", "d")
                    ),
                ]
                for r in rows
            ],
        )
        return
    if not backend or not bench:
        raise ConfigError("--backend and --bench are required (or use --compare RUN_A RUN_B)", key="--bench")
    from redstar_data.cli.generate import backend_options
    from redstar_data.generate.backends import SamplingParams, get_backend

    opts = backend_options(backend, model, {}, option or [])
    params = SamplingParams(n=n, temperature=temperature, top_p=top_p, max_tokens=max_tokens, seed=seed)
    be = get_backend(backend, **opts)
    benches = [b.strip() for b in bench.split(",") if b.strip()]
    try:
        with Catalog.open(catalog) as cat, progress_bar(transient=True) as sink:
            report = evaluate(
                cat,
                be,
                benches=benches,
                n=n,
                limit=limit,
                run_id=run,
                params=params,
                bench_dir=bench_dir,
                batch_size=batch_size,
                progress=sink,
            )
    finally:
        close = getattr(be, "close", None)
        if close is not None:
            close()
    print_table(
        f"eval run {report.run_id} (n={n}, %)",
        ["benchmark", "problems", "pass@1", f"maj@{n}", f"pass@{n}"],
        [
            [
                r.benchmark,
                r.n_problems,
                _fmt(r.pass_at_1, True),
                _fmt(r.maj_at_n, True),
                _fmt(r.pass_at_n, True),
            ]
            for r in report.results
        ],
    )
    console.print(f"run id: {report.run_id}")


def register(app: typer.Typer) -> None:
    """The ``redstar.commands`` entry point: add ``train`` and ``eval`` to the ``redstar`` app."""
    app.command("train")(train)
    app.command("eval")(eval_cmd)
