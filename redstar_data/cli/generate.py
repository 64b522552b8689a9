"""`redstar generate`: sample n traces per problem from a teacher backend into a (resumable) run."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any

import typer

from redstar_data.cli._options import CatalogOpt, LimitOpt, RunOpt, WhereOpt
from redstar_data.errors import ConfigError

DEFAULT_MODELS = {"scripted": "scripted-teacher-v1"}


def _parse_value(v: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(v)
    except yaml.YAMLError:
        return v


def backend_options(
    backend: str, model: str | None, explicit: dict[str, Any], extra: list[str]
) -> dict[str, Any]:
    """Constructor kwargs for ``backend``: the CLI flags the user set plus ``-o KEY=VALUE`` pairs.

    A flag the backend does not take is an error (e.g. --tensor-parallel-size with openai), not ignored.
    """
    from redstar_data.registry import BACKENDS

    cls = BACKENDS.get(backend)
    accepted = [p for p in inspect.signature(cls).parameters if p not in ("self", "_")]
    opts: dict[str, Any] = {}
    mdl = model or DEFAULT_MODELS.get(backend)
    if not mdl:
        raise ConfigError(f"--model is required for the {backend} backend")
    opts["model"] = mdl
    for item in extra:
        if "=" not in item:
            raise ConfigError(f"backend option {item!r} is not KEY=VALUE", key="--option")
        k, v = item.split("=", 1)
        explicit[k.strip().replace("-", "_")] = _parse_value(v)
    for k, v in explicit.items():
        if v is None:
            continue
        if k not in accepted:
            raise ConfigError(f"the {backend} backend has no option {k!r}", key=k, allowed=accepted)
        opts[k] = v
    return opts


def generate(
    backend: Annotated[
        str,
        typer.Option(
            "--backend", "-b", help="scripted | openai | vllm | transformers (see `redstar ls backends`)."
        ),
    ] = "scripted",
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Model name (openai), path or Hub id (vllm, transformers)."),
    ] = None,
    n: Annotated[
        int, typer.Option("-n", "--n", help="Samples per problem (the run keeps indices 0..n-1).")
    ] = 8,
    temperature: Annotated[float, typer.Option("--temperature")] = 0.7,
    top_p: Annotated[float, typer.Option("--top-p")] = 0.95,
    max_tokens: Annotated[int, typer.Option("--max-tokens", help="Max new tokens per sample.")] = 16384,
    seed: Annotated[int, typer.Option("--seed", help="Base seed; sample i uses seed + i.")] = 0,
    where: WhereOpt = None,
    limit: LimitOpt = None,
    run: RunOpt = None,
    base_url: Annotated[
        list[str] | None,
        typer.Option(
            "--base-url",
            envvar="OPENAI_BASE_URL",
            help="openai: server URL ending in /v1; give it several times for a load-balanced pool of "
            "endpoints (no Ray needed).",
        ),
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option(
            "--ray-address",
            help="Run --replicas copies of the backend as Ray actors on this cluster: auto (the one this "
            "node belongs to), HOST:PORT, ray://HOST:10001, or local (a private cluster on this machine).",
        ),
    ] = None,
    replicas: Annotated[
        int | None,
        typer.Option("--replicas", help="Ray: engine replicas (each with --tensor-parallel-size GPUs)."),
    ] = None,
    chunk_size: Annotated[
        int | None,
        typer.Option(
            "--chunk-size", help="Ray: problems per call to a replica (default --batch-size / --replicas)."
        ),
    ] = None,
    max_failures: Annotated[
        int,
        typer.Option(
            "--max-failures",
            help="Replica pools: drop a replica (or endpoint) after this many failures in a row.",
        ),
    ] = 3,
    unit_timeout: Annotated[
        float | None,
        typer.Option(
            "--unit-timeout",
            help="Ray: seconds a replica may take for one --chunk-size unit before it counts as hung "
            "(the unit is re-queued elsewhere and the replica charged a failure).",
        ),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", help="openai: requests in flight.")
    ] = None,
    tensor_parallel_size: Annotated[
        int | None, typer.Option("--tensor-parallel-size", help="vllm: GPUs per model.")
    ] = None,
    prompts: Annotated[
        Path | None,
        typer.Option(
            "--prompts",
            help="YAML file overriding the prompt templates (system:, templates: {math, code, geometry}).",
        ),
    ] = None,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size",
            help="Finished problems per commit (and per call for batch backends: scripted, transformers, "
            "vllm); the openai backend keeps --concurrency requests in flight across commits.",
        ),
    ] = 64,
    commit_every: Annotated[
        float,
        typer.Option("--commit-every", help="Also commit what has finished after this many seconds."),
    ] = 2.0,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option", "-o", help="Extra backend option KEY=VALUE (repeatable), e.g. -o max_model_len=32768."
        ),
    ] = None,
    include_benchmarks: Annotated[
        bool,
        typer.Option(
            "--include-benchmarks",
            help="Also sample problems of benchmark sources (skipped by default: training on them is contamination).",
        ),
    ] = False,
    extra: Annotated[
        list[str] | None,
        typer.Option(
            "--extra",
            "-x",
            help="Extra sampling field KEY=VALUE sent to the backend and stored with the run "
            "(repeatable), e.g. -x top_k=20 -x min_p=0.05.",
        ),
    ] = None,
    catalog: CatalogOpt = None,
) -> None:
    """Sample N traces per problem from a teacher into a run; run it again to fill in what is missing.

    The run id defaults to <backend>-<model>-<hash of sampling params and prompts>, so the same command
    continues the same run; --run NAME names it. Finished traces are committed every --batch-size problems
    or --commit-every seconds, whichever comes first: Ctrl-C or kill -9 loses at most what was in flight
    and not yet committed, and never duplicates. Failed samples are listed
    and retried by the next invocation; truncated ones are kept with finish_reason "length".
    The "scripted" backend is an OFFLINE STAND-IN teacher for demos and tests, not a model.

    Example:

      redstar generate --backend scripted -n 4 --limit 100
      redstar generate --backend openai --base-url http://localhost:8000/v1 --model Qwen/QwQ-32B \\
          -n 8 --temperature 0.7 --top-p 0.95 --max-tokens 16384 --where "domain = 'math'"
      redstar generate --backend vllm --model Qwen/QwQ-32B --tensor-parallel-size 4 -n 8 --run qwq-math
      redstar generate --backend vllm --model Qwen/QwQ-32B --ray-address auto --replicas 16 \\
          --tensor-parallel-size 4 -n 8 --run qwq-math
      redstar generate --backend openai --model Qwen/QwQ-32B --base-url http://gpu1:8000/v1 \\
          --base-url http://gpu2:8000/v1 -n 8
    """
    from redstar_data.catalog import Catalog
    from redstar_data.cli._output import console, err_console, print_table, progress_bar
    from redstar_data.generate.backends import SamplingParams
    from redstar_data.generate.prompts import load_templates
    from redstar_data.generate.run import generate as run_generate

    urls = list(dict.fromkeys(base_url or []))
    explicit = {
        "base_url": urls[0] if backend == "openai" and len(urls) == 1 else None,
        "concurrency": concurrency,
        "tensor_parallel_size": tensor_parallel_size,
    }
    opts = backend_options(backend, model, explicit, option or [])
    templates = load_templates(prompts) if prompts else None
    sampling_extra: dict[str, Any] = {}
    for item in extra or []:
        if "=" not in item:
            raise ConfigError(f"sampling field {item!r} is not KEY=VALUE", key="--extra")
        k, v = item.split("=", 1)
        sampling_extra[k.strip()] = _parse_value(v)
    params = SamplingParams(
        n=n, temperature=temperature, top_p=top_p, max_tokens=max_tokens, seed=seed, extra=sampling_extra
    )
    be = _build_backend(
        backend, opts, urls, ray_address, replicas, chunk_size, batch_size, max_failures, unit_timeout
    )
    try:
        with Catalog.open(catalog) as cat, progress_bar() as sink:
            report = run_generate(
                cat,
                be,
                n=n,
                params=params,
                run_id=run,
                where=where,
                limit=limit,
                domain_templates=templates,
                batch_size=batch_size,
                commit_every_s=commit_every,
                include_benchmarks=include_benchmarks,
                progress=sink,
            )
    finally:
        be.close()
    print_table(
        f"run {report.run_id}",
        ["", "value"],
        [
            ["problems selected", report.n_problems],
            ["samples wanted", report.n_wanted],
            ["already there", report.n_existing],
            ["generated now", report.n_generated],
            ["truncated (kept)", report.n_truncated],
            ["failed (retry later)", report.n_failed],
            ["traces/s", f"{report.traces_per_s:.1f}"],
            ["tokens/s", f"{report.tokens_per_s:.0f}"],
            ["status", report.status],
            ["seconds", f"{report.seconds:.1f}"],
        ],
    )
    if report.pool:
        from redstar_data.redact import redact

        pool = redact(report.pool)  # endpoint URLs and servers' error bodies may carry credentials
        print_table(
            "replicas",
            ["replica", "where", "status", "traces", "tokens", "failures", "last error"],
            [
                [
                    r["name"],
                    r.get("base_url") or f"{r.get('node', '')} pid {r.get('pid', '')}".strip(),
                    r["status"],
                    r["traces"],
                    r["tokens"],
                    r["failures"],
                    r["last_error"] or "",
                ]
                for r in pool["replicas"]
            ],
        )
    if report.failures:
        from rich.markup import escape

        from redstar_data.redact import redact_text

        err_console.print(
            f"[red]{report.n_failed} samples failed on {len(report.failures)} problems "
            "(not written; run the same command again to retry):"
        )
        for pid, err in report.failures[:20]:
            err_console.print(f"  {pid}: {escape(redact_text(err))}")
        if len(report.failures) > 20:
            err_console.print(f"  ... and {len(report.failures) - 20} more (see runs.stats)")
        raise typer.Exit(3)
    console.print(f"run id: {report.run_id}")


def _build_backend(
    backend: str,
    opts: dict[str, Any],
    urls: list[str],
    ray_address: str | None,
    replicas: int | None,
    chunk_size: int | None,
    batch_size: int,
    max_failures: int,
    unit_timeout: float | None = None,
) -> Any:
    """One backend, a pool of OpenAI endpoints (several --base-url), or Ray replicas (--ray-address)."""
    from redstar_data.generate.backends import get_backend

    if ray_address is None and replicas is not None:
        raise ConfigError(
            "--replicas needs --ray-address", key="--replicas", hint="use --ray-address local on one machine"
        )
    if ray_address is not None:
        if backend == "openai":
            raise ConfigError(
                "the openai backend is pooled over endpoints, not Ray actors",
                key="--ray-address",
                hint="give --base-url once per server (or a router URL) and drop --ray-address",
            )
        from redstar_data.generate.ray_pool import ray_pool

        n = replicas or 1
        return ray_pool(
            backend,
            opts,
            replicas=n,
            address=ray_address,
            chunk_size=chunk_size or max(1, batch_size // n),
            max_failures=max_failures,
            unit_timeout_s=unit_timeout,
        )
    if backend == "openai" and len(urls) > 1:
        from redstar_data.generate.endpoint_pool import endpoint_pool

        return endpoint_pool(urls, opts, max_failures=max_failures)
    return get_backend(backend, **opts)


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
