"""Generation overheads: redstar's OpenAIBackend vs the official `openai` client, and trace write cost.

1. HTTP client throughput. A local chat-completions server that answers at once runs in a SEPARATE
   process (the machine has 2 cores). The same R requests go through (a) redstar's OpenAIBackend and
   (b) a plain asyncio loop over the official ``openai.AsyncOpenAI`` client with a semaphore of the same
   size, alternating, several rounds; we report median requests/s and the ratio (goal >= 0.9).
2. Catalog write cost: seconds to write 10k traces through generate's write path
   (``run.write_traces``: Arrow build + anti-join insert, one transaction per 512-trace batch), next
   to a raw ``INSERT INTO traces SELECT * FROM arrow`` of the same batches (the anchor).
3. Uneven latency (long-CoT tails): the server (separate process) answers after ``--latency-ms``, and
   1 request in ``--slow-every`` (chosen by a hash of the prompt, so the same ones every time) after
   10x that. We time redstar's whole run loop, ``generate()`` into a catalog over the openai backend
   (streaming: ``concurrency`` requests in flight across commits), against the ideal, a plain asyncio
   loop over ``openai.AsyncOpenAI`` keeping ``concurrency`` requests in flight over the same prompts,
   and report traces/s and the ratio. The same run with the backend forced to batch-by-batch (what
   generate() did before streaming: each batch of ``--batch-size`` waits for its slowest answer) is
   shown next to it.

Run: .venv/bin/python benchmarks/generate.py [--requests 2000] [--concurrency 32] [--rounds 3] [--traces 10000]
     [--uneven-problems 640] [--latency-ms 50] [--slow-every 10] [--only uneven]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "generate.json"


# -- the server (separate process) -------------------------------------------------------------------
def latency_s(body: dict, latency_ms: float, slow_every: int) -> float:
    """Seconds the server waits before answering: 10x for 1 prompt in ``slow_every``, by content hash."""
    if latency_ms <= 0:
        return 0.0
    prompt = str((body.get("messages") or [{}])[-1].get("content", ""))
    slow = slow_every > 0 and int(hashlib.md5(prompt.encode()).hexdigest()[:8], 16) % slow_every == 0
    return latency_ms / 1000 * (10 if slow else 1)


async def _serve(port: int, latency_ms: float = 0.0, slow_every: int = 10) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = json.loads(await reader.readexactly(length)) if length else {}
                if wait := latency_s(body, latency_ms, slow_every):
                    await asyncio.sleep(wait)
                n = int(body.get("n", 1))
                choices = [
                    {
                        "index": i,
                        "message": {"role": "assistant", "content": "Let me think. \\boxed{42}"},
                        "finish_reason": "stop",
                    }
                    for i in range(n)
                ]
                data = json.dumps(
                    {
                        "id": "b",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model"),
                        "choices": choices,
                        "usage": {
                            "prompt_tokens": 20,
                            "completion_tokens": 6 * n,
                            "total_tokens": 20 + 6 * n,
                        },
                    }
                ).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(data)).encode()
                    + b"\r\n\r\n"
                    + data
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def start_server(latency_ms: float = 0.0, slow_every: int = 10) -> tuple[subprocess.Popen, str]:
    cmd = [
        sys.executable,
        __file__,
        "--serve",
        "--latency-ms",
        str(latency_ms),
        "--slow-every",
        str(slow_every),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}/v1"


# -- the two clients ---------------------------------------------------------------------------------
MESSAGES = [{"role": "system", "content": "Think step by step."}, {"role": "user", "content": "What is 6*7?"}]


def run_redstar(base_url: str, n_requests: int, concurrency: int) -> float:
    from redstar_data.generate.backends.base import GenerationRequest, SamplingParams
    from redstar_data.generate.backends.openai_http import OpenAIBackend

    be = OpenAIBackend("bench", base_url=base_url, concurrency=concurrency)
    params = SamplingParams(n=1, max_tokens=64, seed=0)
    reqs = [GenerationRequest(f"p{i}", tuple(MESSAGES), (0,), params) for i in range(n_requests)]
    be.generate(reqs[:concurrency])  # warm the connections, as the anchor's warm-up does
    t0 = time.perf_counter()
    out = be.generate(reqs)
    dt = time.perf_counter() - t0
    be.close()
    assert len(out) == n_requests and all(c.finish_reason == "stop" for c in out)
    return n_requests / dt


def run_openai(base_url: str, n_requests: int, concurrency: int) -> float:
    import openai

    async def main() -> float:
        client = openai.AsyncOpenAI(base_url=base_url, api_key="x", max_retries=0)
        sem = asyncio.Semaphore(concurrency)

        async def one() -> str | None:
            async with sem:
                r = await client.chat.completions.create(
                    model="bench", messages=MESSAGES, temperature=0.7, top_p=0.95, max_tokens=64, seed=0, n=1
                )
            return r.choices[0].message.content

        await asyncio.gather(*(one() for _ in range(concurrency)))
        t0 = time.perf_counter()
        out = await asyncio.gather(*(one() for _ in range(n_requests)))
        dt = time.perf_counter() - t0
        await client.close()
        assert len(out) == n_requests and all(out)
        return n_requests / dt

    return asyncio.run(main())


# -- uneven latency: redstar's run loop vs an ideal client loop --------------------------------------
def uneven_catalog(path: Path, n_problems: int) -> list[list[dict[str, str]]]:
    """A catalog with ``n_problems`` math problems; returns the chat messages generate() will send."""
    import pyarrow as pa

    from redstar_data.catalog import Catalog
    from redstar_data.generate.prompts import PromptTemplates
    from redstar_data.ids import problem_id

    texts = [f"What is {i} + {i}? Explain each step." for i in range(n_problems)]
    with Catalog.open(path) as cat:
        cat.insert_new(
            "problems",
            pa.table(
                {
                    "problem_id": [problem_id(t) for t in texts],
                    "source_id": ["bench"] * n_problems,
                    "domain": ["math"] * n_problems,
                    "problem": texts,
                    "answer": [str(2 * i) for i in range(n_problems)],
                }
            ),
            ["problem_id"],
        )
    tpl = PromptTemplates()
    return [tpl.build({"problem": t, "domain": "math"}) for t in texts]


class _BatchOnly:
    """The openai backend without ``stream``: generate() then sends batch by batch, as it used to."""

    def __init__(self, backend: object) -> None:
        self.name, self.model = backend.name, backend.model  # type: ignore[attr-defined]
        self.generate, self.describe, self.close = backend.generate, backend.describe, backend.close  # type: ignore[attr-defined]


def run_redstar_loop(
    base_url: str, path: Path, run_id: str, concurrency: int, batch_size: int, streaming: bool = True
) -> float:
    """traces/s of ``generate()`` (plan, requests, HTTP, commits) for one fresh run over the catalog."""
    from redstar_data.catalog import Catalog
    from redstar_data.generate.backends.base import SamplingParams
    from redstar_data.generate.backends.openai_http import OpenAIBackend
    from redstar_data.generate.run import generate

    be = OpenAIBackend("bench", base_url=base_url, concurrency=concurrency)
    try:
        with Catalog.open(path) as cat:
            t0 = time.perf_counter()
            rep = generate(
                cat,
                be if streaming else _BatchOnly(be),  # type: ignore[arg-type]
                n=1,
                params=SamplingParams(max_tokens=64, seed=0),
                run_id=run_id,
                batch_size=batch_size,
            )
            dt = time.perf_counter() - t0
    finally:
        be.close()
    assert rep.n_failed == 0 and rep.n_generated == rep.n_problems
    return rep.n_generated / dt


def run_ideal_loop(base_url: str, prompts: list[list[dict[str, str]]], concurrency: int) -> float:
    """traces/s of a plain asyncio loop over ``openai.AsyncOpenAI``, ``concurrency`` requests in flight."""
    import openai

    async def main() -> float:
        client = openai.AsyncOpenAI(base_url=base_url, api_key="x", max_retries=0)
        sem = asyncio.Semaphore(concurrency)

        async def one(messages: list[dict[str, str]]) -> str | None:
            async with sem:
                r = await client.chat.completions.create(
                    model="bench", messages=messages, temperature=0.7, top_p=0.95, max_tokens=64, seed=0, n=1
                )
            return r.choices[0].message.content

        t0 = time.perf_counter()
        out = await asyncio.gather(*(one(m) for m in prompts))
        dt = time.perf_counter() - t0
        await client.close()
        assert len(out) == len(prompts) and all(out)
        return len(prompts) / dt

    return asyncio.run(main())


def uneven_latency(
    n_problems: int, concurrency: int, batch_size: int, rounds: int, latency_ms: float, slow_every: int
) -> dict[str, object]:
    proc, url = start_server(latency_ms, slow_every)
    rs, ideal, batch = [], [], []
    try:
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "uneven.duckdb"
            prompts = uneven_catalog(path, n_problems)
            n_slow = sum(
                latency_s({"messages": m}, latency_ms, slow_every) > latency_ms / 1000 for m in prompts
            )
            for r in range(rounds):  # alternate, so load changes on this shared box hit all alike
                rs.append(run_redstar_loop(url, path, f"stream-{r}", concurrency, batch_size))
                ideal.append(run_ideal_loop(url, prompts, concurrency))
                batch.append(
                    run_redstar_loop(url, path, f"batch-{r}", concurrency, batch_size, streaming=False)
                )
    finally:
        proc.terminate()
        proc.wait()
    work_s = (n_problems - n_slow) * latency_ms / 1000 + n_slow * 10 * latency_ms / 1000
    res: dict[str, object] = {
        "problems": n_problems,
        "slow_problems": n_slow,
        "latency_ms": latency_ms,
        "slow_latency_ms": 10 * latency_ms,
        "concurrency": concurrency,
        "batch_size": batch_size,
        "rounds": rounds,
        "bound_traces_per_s": concurrency / (work_s / n_problems),  # server time only, no client cost
        "redstar_traces_per_s": statistics.median(rs),
        "ideal_traces_per_s": statistics.median(ideal),
        "batch_by_batch_traces_per_s": statistics.median(batch),
        "redstar_all": rs,
        "ideal_all": ideal,
        "batch_by_batch_all": batch,
    }
    res["ratio"] = res["redstar_traces_per_s"] / res["ideal_traces_per_s"]  # type: ignore[operator]
    res["batch_by_batch_ratio"] = res["batch_by_batch_traces_per_s"] / res["ideal_traces_per_s"]  # type: ignore[operator]
    return res


# -- write cost --------------------------------------------------------------------------------------
def write_cost(n_traces: int, batch: int = 512, prefill: int = 0) -> dict[str, float]:
    import pyarrow as pa

    from redstar_data.catalog import Catalog
    from redstar_data.generate.backends.base import Completion
    from redstar_data.generate.run import TRACE_SCHEMA, write_traces
    from redstar_data.ids import trace_id

    text = ("Let me think about this step by step. Wait, let me check that again. " * 30) + "\\boxed{42}"
    comps = [Completion(f"problem{i // 8:07d}", i % 8, text, "stop", 600, 40) for i in range(n_traces)]
    res = {}
    with tempfile.TemporaryDirectory() as d:
        with Catalog.open(Path(d) / "w.duckdb") as cat:
            if prefill:  # an older, bigger catalog: the anti-join has to look through these
                cat.execute("SET enable_progress_bar = false")
                cat.execute(
                    "INSERT INTO traces (trace_id, problem_id, run_id, sample_index, text, finish_reason) "
                    "SELECT md5('old' || i::VARCHAR), 'oldp' || (i // 8)::VARCHAR, 'old-run', (i % 8)::INTEGER, "
                    "repeat('old trace text ', 100), 'stop' FROM range(?) t(i)",
                    [prefill],
                )
                cat.execute("CHECKPOINT")
            t0 = time.perf_counter()
            for s in range(0, n_traces, batch):
                write_traces(cat, "bench-run", comps[s : s + batch], seed=0)
            res["redstar_s"] = time.perf_counter() - t0
            assert cat.count("traces") == n_traces + prefill
        with Catalog.open(Path(d) / "raw.duckdb") as cat:
            t0 = time.perf_counter()
            for s in range(0, n_traces, batch):
                part = comps[s : s + batch]
                tbl = pa.table(
                    {
                        "trace_id": [trace_id(c.key, "bench-run", c.sample_index) for c in part],
                        "problem_id": [c.key for c in part],
                        "run_id": ["bench-run"] * len(part),
                        "sample_index": [c.sample_index for c in part],
                        "text": [c.text for c in part],
                        "finish_reason": [c.finish_reason for c in part],
                        "n_tokens": [c.n_tokens for c in part],
                        "prompt_tokens": [c.prompt_tokens for c in part],
                        "meta": [None] * len(part),
                    },
                    schema=TRACE_SCHEMA,
                )
                with cat.transaction():
                    cat.append("traces", tbl)
            res["raw_insert_s"] = time.perf_counter() - t0
    scale = 10_000 / n_traces
    return {
        "redstar_s_per_10k": res["redstar_s"] * scale,
        "raw_insert_s_per_10k": res["raw_insert_s"] * scale,
        "ratio_raw_over_redstar": res["raw_insert_s"] / res["redstar_s"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--traces", type=int, default=10_000)
    ap.add_argument(
        "--prefill",
        type=int,
        default=1_000_000,
        help="also time the writes into a catalog already holding this many traces (0: skip)",
    )
    ap.add_argument("--uneven-problems", type=int, default=640, help="uneven case: problems (1 sample each)")
    ap.add_argument("--latency-ms", type=float, default=50.0, help="uneven case: normal answer latency")
    ap.add_argument("--slow-every", type=int, default=10, help="uneven case: 1 in K answers takes 10x longer")
    ap.add_argument("--batch-size", type=int, default=64, help="uneven case: generate()'s batch_size")
    ap.add_argument(
        "--only",
        action="append",
        choices=["http", "writes", "uneven"],
        help="run only these cases (repeatable); the other sections of --out are kept",
    )
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    if args.serve:
        asyncio.run(_serve(0, args.latency_ms, args.slow_every))
        return
    cases = set(args.only or ["http", "writes", "uneven"])
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    print(f"{'measure':<44}{'redstar':>12}{'anchor':>12}{'ratio':>8}")

    if "http" in cases:
        proc, url = start_server()
        try:
            rs, oa = [], []
            for _ in range(args.rounds):  # alternate, so load changes on this shared box hit both alike
                rs.append(run_redstar(url, args.requests, args.concurrency))
                oa.append(run_openai(url, args.requests, args.concurrency))
        finally:
            proc.terminate()
            proc.wait()
        http = {
            "requests": args.requests,
            "concurrency": args.concurrency,
            "rounds": args.rounds,
            "redstar_rps": statistics.median(rs),
            "openai_client_rps": statistics.median(oa),
            "redstar_rps_all": rs,
            "openai_client_rps_all": oa,
        }
        http["ratio"] = http["redstar_rps"] / http["openai_client_rps"]
        from redstar_data.generate.backends import openai_http

        http["redstar_http_client"] = f"{openai_http.httpx.__name__} {openai_http.httpx.__version__}"
        results["http"] = http
        print(
            f"{'HTTP requests/s (c=' + str(args.concurrency) + ', median)':<44}{http['redstar_rps']:>12.0f}"
            f"{http['openai_client_rps']:>12.0f}{http['ratio']:>8.2f}   anchor: openai.AsyncOpenAI loop"
        )

    if "writes" in cases:
        runs = [write_cost(args.traces) for _ in range(args.rounds)]  # the first one pays warm-up costs
        writes = {
            "traces": args.traces,
            "rounds": args.rounds,
            **{k: statistics.median(r[k] for r in runs) for k in runs[0]},
        }
        if args.prefill:
            big = write_cost(args.traces, prefill=args.prefill)
            writes[f"redstar_s_per_10k_with_{args.prefill}_existing"] = big["redstar_s_per_10k"]
        results["writes"] = writes
        print(
            f"{'seconds to write 10k traces':<44}{writes['redstar_s_per_10k']:>12.2f}"
            f"{writes['raw_insert_s_per_10k']:>12.2f}{writes['ratio_raw_over_redstar']:>8.2f}   anchor: raw INSERT"
        )
        if args.prefill:
            print(
                f"seconds to write 10k traces into a catalog holding {args.prefill} traces: "
                f"{writes[f'redstar_s_per_10k_with_{args.prefill}_existing']:.2f}"
            )

    if "uneven" in cases:
        t0 = time.perf_counter()
        u = uneven_latency(
            args.uneven_problems,
            args.concurrency,
            args.batch_size,
            args.rounds,
            args.latency_ms,
            args.slow_every,
        )
        u["case_wall_s"] = time.perf_counter() - t0
        results["uneven_latency"] = u
        label = f"traces/s, uneven latency (c={args.concurrency}, median)"
        print(
            f"{label:<44}{u['redstar_traces_per_s']:>12.1f}{u['ideal_traces_per_s']:>12.1f}"
            f"{u['ratio']:>8.2f}   anchor: openai.AsyncOpenAI loop, c in flight"
        )
        print(
            f"{'  same, batch by batch (before streaming)':<44}{u['batch_by_batch_traces_per_s']:>12.1f}"
            f"{u['ideal_traces_per_s']:>12.1f}{u['batch_by_batch_ratio']:>8.2f}"
        )
        print(
            f"  {u['slow_problems']}/{u['problems']} answers at {u['slow_latency_ms']:g} ms, the rest at "
            f"{u['latency_ms']:g} ms; server-side bound {u['bound_traces_per_s']:.1f} traces/s; "
            f"case took {u['case_wall_s']:.1f} s"
        )

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
