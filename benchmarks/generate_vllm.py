"""The vllm backend against raw vLLM: output tokens/s of the same prompts, same engine, same seeds.

(a) anchor: ``vllm.LLM.generate`` over all prompts at once (rendered with the tokenizer's chat
    template, ``SamplingParams(n, seed=base_seed, max_tokens, ...)`` per prompt);
(b) redstar: ``generate()`` (what ``redstar generate --backend vllm`` runs) into a real catalog: plan,
    prompt building, ``--batch-size`` problems per engine call, commits, with the SAME engine object.
Both produce the same samples (same seeds), so the output token counts match and the ratio of output
tokens/s is the overhead of redstar's run loop. The engine is built once, outside the timings;
rounds alternate (a), (b), each (b) with a fresh run id. Goal: ratio >= 0.95.

Here: a tiny random Qwen2 (head_dim 64) built locally, on the CPU build of vLLM. On a GPU box, the same
script with flags: ``--model Qwen/QwQ-32B --tensor-parallel-size 4 --gpu-memory-utilization 0.9
--problems 512 --n 8 --max-tokens 4096 --no-enforce-eager``.

Run (the vLLM environment, see docs/scale-out.md):
  .venv-vllm/bin/python benchmarks/generate_vllm.py [--model DIR] [--problems 64] [--n 4] [--max-tokens 64]
      [--rounds 3] [--batch-size 64] [--gpu-memory-utilization 0.1] [--tensor-parallel-size 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results" / "generate_vllm.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None, help="model dir or Hub id (default: build the tiny model)")
    ap.add_argument("--problems", type=int, default=64)
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--gpu-memory-utilization", type=float, default=0.1)
    ap.add_argument("--tensor-parallel-size", type=int, default=1)
    ap.add_argument("--max-model-len", type=int, default=512)
    ap.add_argument("--enforce-eager", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--engine-kwargs", default="{}", help="JSON of extra vllm.LLM kwargs")
    args = ap.parse_args()
    engine_kwargs = {"enforce_eager": args.enforce_eager, **json.loads(args.engine_kwargs)}
    import torch

    if not torch.cuda.is_available():
        # vLLM's CPU build crashes ("CPU Generator does not use offset") when a seeded request's prefill
        # is chunked; with chunking off every prompt is prefilled whole (docs/scale-out.md).
        engine_kwargs.setdefault("enable_chunked_prefill", False)

    import vllm

    from redstar_data.catalog import Catalog
    from redstar_data.generate.backends.base import SamplingParams
    from redstar_data.generate.backends.vllm_offline import VLLMBackend
    from redstar_data.generate.prompts import resolve_templates
    from redstar_data.generate.run import generate

    work = Path(tempfile.mkdtemp(prefix="bench_vllm_"))
    model = args.model
    if model is None:
        from tests.generate.tiny_model import build_tiny_qwen2

        model = str(
            build_tiny_qwen2(work / "tiny", hidden_size=128, num_attention_heads=2, num_key_value_heads=1)
        )
    be = VLLMBackend(
        model,
        tensor_parallel_size=args.tensor_parallel_size,
        max_model_len=args.max_model_len,
        gpu_memory_utilization=args.gpu_memory_utilization,
        engine_kwargs=engine_kwargs,
    )
    t0 = time.perf_counter()
    llm = be._engine()
    engine_s = time.perf_counter() - t0
    tok = llm.get_tokenizer()

    cat = Catalog.open(work / "bench.duckdb")
    import pyarrow as pa

    from redstar_data.ids import problem_id

    texts = [f"What is {i} + {2 * i}? Explain briefly." for i in range(args.problems)]
    cat.insert_new(
        "problems",
        pa.table(
            {
                "problem_id": [problem_id(t) for t in texts],
                "source_id": ["bench"] * len(texts),
                "domain": ["math"] * len(texts),
                "problem": texts,
                "answer": [str(3 * i) for i in range(len(texts))],
            }
        ),
        ["problem_id"],
    )
    rows = cat.arrow(
        "SELECT problem_id, domain, problem, answer FROM problems ORDER BY problem_id"
    ).to_pylist()
    templates = resolve_templates(None)
    prompts = [
        tok.apply_chat_template(templates.build(r), tokenize=False, add_generation_prompt=True) for r in rows
    ]
    params = SamplingParams(temperature=args.temperature, top_p=1.0, max_tokens=args.max_tokens, seed=0)
    raw_params = vllm.SamplingParams(
        n=args.n, temperature=args.temperature, top_p=1.0, max_tokens=args.max_tokens, seed=0
    )

    llm.generate(prompts[:2], raw_params, use_tqdm=False)  # warm-up
    raw, ours = [], []
    for rnd in range(args.rounds):
        t0 = time.perf_counter()
        outs = llm.generate(prompts, raw_params, use_tqdm=False)
        dt = time.perf_counter() - t0
        toks = sum(len(c.token_ids) for o in outs for c in o.outputs)
        raw.append({"seconds": dt, "output_tokens": toks, "tokens_per_s": toks / dt})

        t0 = time.perf_counter()
        rep = generate(cat, be, n=args.n, params=params, run_id=f"bench-{rnd}", batch_size=args.batch_size)
        dt = time.perf_counter() - t0
        assert rep.n_generated == args.problems * args.n and rep.n_failed == 0
        ours.append(
            {
                "seconds": dt,
                "output_tokens": rep.completion_tokens,
                "tokens_per_s": rep.completion_tokens / dt,
            }
        )
        print(
            f"round {rnd}: raw {raw[-1]['tokens_per_s']:.0f} tok/s, redstar {ours[-1]['tokens_per_s']:.0f} tok/s",
            flush=True,
        )
    cat.close()
    be.close()

    med_raw = statistics.median(r["tokens_per_s"] for r in raw)
    med_ours = statistics.median(r["tokens_per_s"] for r in ours)
    res = {
        "benchmark": "generate_vllm",
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "vllm": vllm.__version__,
        "model": args.model or "tiny random Qwen2 (hidden 128, head_dim 64, 2 layers), built locally",
        "args": vars(args),
        "engine_start_s": round(engine_s, 1),
        "same_output_tokens": raw[-1]["output_tokens"] == ours[-1]["output_tokens"],
        "raw_llm_generate": [{k: round(v, 3) for k, v in r.items()} for r in raw],
        "redstar_generate": [{k: round(v, 3) for k, v in r.items()} for r in ours],
        "median_tokens_per_s": {"raw": round(med_raw, 1), "redstar": round(med_ours, 1)},
        "ratio": round(med_ours / med_raw, 3),
        "goal": ">= 0.95",
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
