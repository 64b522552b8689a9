"""`redstar train KIND CONFIG` (+ `--launcher accelerate`, `redstar train plan`) and `redstar eval`: redstar_train's own commands, found by the `redstar` app.

redstar_data never imports redstar_train: the ``redstar.commands`` entry point (pyproject.toml) names
``register`` here and ``redstar_data.cli.app`` calls every such hook. Heavy libraries load inside the
commands, so ``redstar --help`` stays fast; without the [train] extra a command fails with the install line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

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
    kind: Annotated[
        str, typer.Argument(help="sft | dpo | rl | plan | tiny-model | tiny-vlm", show_default=False)
    ],
    config: Annotated[
        Path,
        typer.Argument(
            help="Training YAML (see recipes/train/); tiny-model/tiny-vlm: the folder to write.",
            show_default=False,
        ),
    ],
    output_dir: Annotated[
        Path | None, typer.Option("--output-dir", "-o", help="Override output_dir from the config.")
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", help="Override trl.max_steps (smoke runs).")
    ] = None,
    resume_from_checkpoint: Annotated[
        str | None,
        typer.Option(
            "--resume-from-checkpoint",
            help="Continue from output_dir/checkpoint-N (a path), or 'latest' for the newest checkpoint.",
        ),
    ] = None,
    launcher: Annotated[
        str,
        typer.Option("--launcher", help="none (this process) | accelerate (N processes, any engine)."),
    ] = "none",
    accelerate_config: Annotated[
        Path | None,
        typer.Option(
            "--accelerate-config", help="accelerate file (recipes/train/distributed/); default: the config's."
        ),
    ] = None,
    num_processes: Annotated[
        int | None, typer.Option("--num-processes", help="Processes (GPUs) over all machines.")
    ] = None,
    num_machines: Annotated[int | None, typer.Option("--num-machines", help="Machines taking part.")] = None,
    machine_rank: Annotated[int, typer.Option("--machine-rank", help="This machine's rank (0 = main).")] = 0,
    main_process_ip: Annotated[
        str | None, typer.Option("--main-process-ip", help="Address of machine 0 (multi-node).")
    ] = None,
    main_process_port: Annotated[
        int | None, typer.Option("--main-process-port", help="Rendezvous port on machine 0.")
    ] = None,
    gpus: Annotated[int | None, typer.Option("--gpus", help="plan: GPUs in total.")] = None,
    gpu_mem: Annotated[float, typer.Option("--gpu-mem", help="plan: memory per GPU, GiB.")] = 80.0,
    strategy: Annotated[
        str | None,
        typer.Option(
            "--strategy", help="plan: ddp | zero2 | zero3(_offload) | fsdp2(_offload); default: the config's."
        ),
    ] = None,
    seq_len: Annotated[
        int | None, typer.Option("--seq-len", help="plan: tokens per sequence (default context.max_length).")
    ] = None,
    micro_batch: Annotated[
        int | None, typer.Option("--micro-batch", help="plan: sequences per GPU per step (default TRL's).")
    ] = None,
    gpus_per_node: Annotated[int, typer.Option("--gpus-per-node", help="plan: for CPU RAM per node.")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="plan: print JSON instead of a table.")] = False,
) -> None:
    """Train with TRL from a redstar config: SFT on an export's messages, DPO on pairs, RL (GRPO/RLOO/REINFORCE++).

    The config names the model, the export (a directory, a ladder rung via data.size, a parquet file,
    a save_to_disk dir or a Hub id), context.max_length (+ optional Position Interpolation through
    context.rope_scaling) and any TRL argument under trl:. Over-length rows are dropped and counted,
    never truncated. Outputs go to output_dir (default runs/train/<name>, git-ignored).

    --launcher accelerate starts --num-processes ranks with `accelerate launch` and the config's
    distributed.accelerate_config (DDP, FSDP2, DeepSpeed ZeRO-2/3; recipes/train/distributed/). Rank 0
    writes the report and prints the summary. `redstar train plan CONFIG` prints the memory per GPU of
    one step for every sharding strategy and says whether it fits (docs/train.md, "Memory plan").

    Example:

      redstar train sft recipes/train/sft_qwen2.5_7b_ladder.yaml --launcher accelerate --num-processes 8
      redstar train plan recipes/train/sft_qwen2.5_32b_ladder.yaml --gpus 8 --gpu-mem 80
      redstar train dpo recipes/train/dpo_qwen2.5_7b.yaml --resume-from-checkpoint latest
      redstar train rl recipes/train/rl_reinforce_pp_qwen2.5_7b.yaml --max-steps 10
      redstar train tiny-model runs/tiny_qwen2   # the local random model the *_tiny_cpu.yaml configs train
      redstar train tiny-vlm runs/tiny_vlm       # the local random VLM sft_vlm_tiny_cpu.yaml trains
      accelerate launch --config_file recipes/train/distributed/zero3.yaml -m redstar_train.sft CONFIG

    Needs the [train] extra: pip install 'redstar[train]'.
    """
    if kind == "tiny-model":
        from redstar_data.cli._output import console
        from redstar_train.tiny import build_tiny_qwen2

        out = build_tiny_qwen2(config)
        console.print(f"wrote a tiny random Qwen2 + locally trained BPE tokenizer to {escape(str(out))}")
        return
    if kind == "tiny-vlm":
        from redstar_data.cli._output import console
        from redstar_train.tiny_vlm import build_tiny_vlm

        out = build_tiny_vlm(config)
        console.print(
            f"wrote a tiny random vision-language model (CLIP tower + Qwen2) + tokenizer + processor "
            f"to {escape(str(out))}"
        )
        return
    if kind == "plan":
        _plan(config, gpus, gpu_mem, strategy, seq_len, micro_batch, gpus_per_node, as_json)
        return
    if kind not in KINDS:
        raise ConfigError(
            f"unknown training kind {kind!r}", key="KIND", allowed=(*KINDS, "plan", "tiny-model", "tiny-vlm")
        )
    if launcher not in ("none", "accelerate"):
        raise ConfigError(f"unknown launcher {launcher!r}", key="--launcher", allowed=["none", "accelerate"])
    from redstar_data.cli._output import console, print_table, progress_bar
    from redstar_data.deps import require
    from redstar_train.config import load_config

    require(f"redstar train {kind}", "train", "torch", "transformers", "trl")

    over: dict[str, Any] = {}
    if output_dir is not None:
        over["output_dir"] = str(output_dir)
    if max_steps is not None:
        over["trl"] = {"max_steps": max_steps}
    cfg = load_config(config, kind=kind, overrides=over or None)
    if launcher == "accelerate":
        _launch(
            kind,
            config,
            cfg,
            output_dir,
            max_steps,
            resume_from_checkpoint,
            accelerate_config,
            num_processes,
            num_machines,
            machine_rank,
            main_process_ip,
            main_process_port,
        )
        return
    from redstar_train.distributed import rank
    from redstar_train.runner import train as run_training

    resume: str | bool | None = True if resume_from_checkpoint == "latest" else resume_from_checkpoint
    if rank() != 0:  # the other ranks of a distributed launch train silently
        run_training(cfg, resume_from_checkpoint=resume)
        return
    with progress_bar() as sink:
        report = run_training(cfg, progress=sink, resume_from_checkpoint=resume)
    last = report.log_history[-2] if len(report.log_history) > 1 else (report.log_history or [{}])[-1]
    rows: list[list[Any]] = [
        ["algorithm", report.algo],
        ["processes", report.world_size],
        ["rows in export", report.data.n_rows],
        ["rows trained on", report.data.n_kept],
    ]
    rows += [[f"dropped ({reason})", n] for reason, n in report.data.dropped.items()]
    rows += [
        ["steps", report.global_step],
        ["train time s", f"{report.train_runtime_s:.1f}"],
        ["samples/s", f"{report.train_samples_per_s:.2f}"],
        ["seconds", f"{report.seconds:.1f}"],
    ]
    if report.resumed_from:
        rows.append(["resumed from", f"{report.resumed_from} (step {report.start_step})"])
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


def _launch(
    kind: str,
    config: Path,
    cfg: Any,
    output_dir: Path | None,
    max_steps: int | None,
    resume_from_checkpoint: str | None,
    accelerate_config: Path | None,
    num_processes: int | None,
    num_machines: int | None,
    machine_rank: int,
    main_process_ip: str | None,
    main_process_port: int | None,
) -> None:
    """Run the ranks through `accelerate launch`; their output streams through, the exit code is kept."""
    import subprocess

    from redstar_data.cli._output import console
    from redstar_data.errors import RedstarError
    from redstar_train.distributed import launch_command

    passthrough: list[str] = []
    if output_dir is not None:
        passthrough += ["--output-dir", str(output_dir)]
    if max_steps is not None:
        passthrough += ["--max-steps", str(max_steps)]
    if resume_from_checkpoint is not None:
        passthrough += ["--resume-from-checkpoint", resume_from_checkpoint]
    cmd = launch_command(
        kind,
        config,
        cfg,
        accelerate_config=accelerate_config,
        num_processes=num_processes,
        num_machines=num_machines,
        machine_rank=machine_rank,
        main_process_ip=main_process_ip,
        main_process_port=main_process_port,
        train_args=passthrough,
    )
    console.print(f"[dim]launching: {' '.join(cmd[2:])}")
    rc = subprocess.call(cmd)
    if rc != 0:
        raise RedstarError(
            f"distributed training exited with code {rc}",
            hint="the ranks' own error lines are above; rerun with --launcher none to debug one process",
        )


def _plan(
    config: Path,
    gpus: int | None,
    gpu_mem: float,
    strategy: str | None,
    seq_len: int | None,
    micro_batch: int | None,
    gpus_per_node: int,
    as_json: bool,
) -> None:
    """`redstar train plan`: memory per GPU of one step, every strategy side by side, the chosen one marked."""
    from dataclasses import replace

    from redstar_data.cli._output import console, print_json, print_table
    from redstar_train.config import load_config
    from redstar_train.distributed import plan_input
    from redstar_train.memory import GIB, STRATEGIES, model_shape, plan

    cfg = load_config(config)
    inp = plan_input(
        cfg,
        num_gpus=gpus,
        gpu_mem_gib=gpu_mem,
        strategy=strategy,
        seq_len=seq_len,
        micro_batch=micro_batch,
        gpus_per_node=gpus_per_node,
    )
    shape = model_shape(cfg.model.path)
    plans = [plan(shape, replace(inp, strategy=s)) for s in STRATEGIES]
    chosen = next(p for p in plans if p.strategy == inp.strategy)
    if as_json:
        print_json({"chosen": inp.strategy, "plans": [p.to_dict() for p in plans]})
        return

    def gib(v: int) -> str:
        return f"{v / GIB:.1f}" if v else "–"

    comps = [
        ("weights", "weights"),
        ("gradients", "grads"),
        ("optimizer", "optimizer"),
        ("gathered", "gathered"),
        ("reference", "reference"),
        ("activations", "activations"),
        ("logits", "logits"),
        ("vLLM", "vllm"),
        ("overhead", "overhead"),
    ]
    rows: list[list[Any]] = [[label, *(gib(getattr(p, attr)) for p in plans)] for label, attr in comps]
    rows.append(["TOTAL", *(f"{p.total / GIB:.1f}" for p in plans)])
    rows.append([f"fits {gpu_mem:g}", *("yes" if p.fits else "NO" for p in plans)])
    rows.append(["CPU/node", *(gib(p.cpu_per_node) for p in plans)])
    heads = ["GiB/GPU", *(f"{p.strategy}*" if p.strategy == inp.strategy else p.strategy for p in plans)]
    title = (
        f"{shape.name} ({shape.total_params / 1e9:.2f}B) {cfg.kind}, {inp.num_gpus} GPUs x {gpu_mem:g} GiB, "
        f"{inp.micro_batch} x {inp.seq_len} tokens/GPU, checkpointing {'on' if inp.gradient_checkpointing else 'off'}"
        f", Liger {'on' if inp.liger else 'off'}"
    )
    print_table(title, heads, rows)
    verdict = "fits" if chosen.fits else "does NOT fit"
    console.print(
        f"{inp.strategy} (*, from the config): {chosen.total / GIB:.1f} GiB of {gpu_mem:g} GiB per GPU: {verdict}."
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
            "--bench",
            help="Comma-separated benchmarks (files in ../shared/data/benchmarks/<name>.jsonl; "
            "geometry: the multimodal dev set ../shared/data/geo).",
        ),
    ] = None,
    n: Annotated[int, typer.Option("-n", "--n", help="Samples per problem.")] = 8,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            help="At most this many problems per benchmark: a fixed pseudo-random spread (the smallest "
            "problem ids), the same on every run, not the first rows of the file.",
        ),
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
      redstar eval --backend vllm --model Qwen/Qwen2.5-VL-7B-Instruct --bench geometry -n 4   # choice/value accuracy
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
    # with one sample per problem maj@1 and pass@1 are pass@1 again: one column, not three named alike
    many = n > 1
    print_table(
        f"eval run {report.run_id} (n={n}, scores in %, {report.seconds:.1f} seconds)",
        ["benchmark", "problems", "pass@1", *([f"maj@{n}", f"pass@{n}"] if many else [])],
        [
            [
                r.benchmark,
                r.n_problems,
                _fmt(r.pass_at_1, True),
                *([_fmt(r.maj_at_n, True), _fmt(r.pass_at_n, True)] if many else []),
            ]
            for r in report.results
        ],
    )
    console.print(f"run id: {report.run_id}")


def register(app: typer.Typer) -> None:
    """The ``redstar.commands`` entry point: add ``train`` and ``eval`` to the ``redstar`` app."""
    app.command("train")(train)
    app.command("eval")(eval_cmd)
