"""Benchmark: the code verifier (bubblewrap sandbox + forking harness) vs a plain subprocess + rlimits runner
per test case (what public harnesses do), on the same traces, in the same run, both with --workers threads.

Usage: .venv/bin/python benchmarks/code_verify.py [--workers 2] [--timeout 4] [--rounds 2] [--no-hostile]
Traces: every labelled solution and raw response in ../shared/data/code/problems.jsonl. Both runners stop
at a trace's first failing test and compare outputs with the same rules (redstar_data.verify.code.compare).
Reports tests/s and traces/s for both and the ratio, per-test overhead beyond the program's own run time
(p50/p95/p99; ours: the harness's whole cycle for a test - from the previous result to this one, fork, pipes,
limits, reaping and framing included - minus the time the program ran in its child; plus, as a host-side
cross-check, each trace's wall time less sandbox start and the programs' run time, per test), label agreement,
and the hostile suite with bubblewrap, with the same harness without it (--unsafe-no-sandbox), and with the
plain runner. Each round also splits the time by trace (``split``): the traces both runners label
``timeout`` cost ``--timeout`` seconds of a core on their last test in any harness, so they bound every
harness's ratio (plain's total over their floor), and the ratio without them is the harness's own.
Writes benchmarks/results/code_verify.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from redstar_data.verify.code.compare import compare_stdout, compare_value
from redstar_data.verify.code.formats import CodeSpec, spec_from_row
from redstar_data.verify.code.judge import CALL_PRELUDE, run_spec
from redstar_data.verify.code.plain import plain_run
from redstar_data.verify.code.sandbox import Limits, RunResult

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "code" / "problems.jsonl"
OUT = ROOT / "benchmarks" / "results" / "code_verify.json"

_CALL_DRIVER = """

import json as _json, sys as _sys
_args = _json.loads(_sys.stdin.read())
_fn = globals().get({fn!r})
if _fn is None:
    _fn = getattr(Solution(), {fn!r})
_r = _fn(*_args)
print("\\n@@RESULT@@" + _json.dumps(_r))
"""


def traces(max_tests: int | None) -> list[tuple[str, str, CodeSpec, bool]]:
    out = []
    for line in DATA.read_text().splitlines():
        r = json.loads(line)
        spec = spec_from_row(r)
        if max_tests:
            spec.tests = spec.tests[:max_tests]
        if spec.special_judge:
            continue
        for key, good in (("solutions_correct", True), ("solutions_wrong", False)):
            for code in r[key]:
                if code.strip():
                    out.append((r["id"], code, spec, good))
    return out


def plain_trace(
    code: str, spec: CodeSpec, timeout_s: float, memory_mb: int, lat: list[float]
) -> tuple[str, int]:
    """The anchor: one ``python file.py`` per test case, stop at the first failure."""
    n = 0
    for _, t in spec.runnable():
        n += 1
        t0 = time.perf_counter()
        if spec.mode == "call":
            prog = CALL_PRELUDE + code + _CALL_DRIVER.format(fn=spec.fn_name)
            r = plain_run(prog, json.dumps(t.input), timeout_s=timeout_s, memory_mb=memory_mb)
            out, _, val = r.stdout.rpartition("\n@@RESULT@@")
            ok = (
                r.status == "ok"
                and compare_value(
                    val.strip() or None, t.output, unwrap=spec.unwrap_single, any_order=spec.any_order
                )[0]
            )
        else:
            r = plain_run(code, t.input, timeout_s=timeout_s, memory_mb=memory_mb)
            ok = (
                r.status == "ok"
                and compare_stdout(
                    r.stdout, t.output, float_tol=spec.float_tol, ignore_case=spec.case_insensitive
                )[0]
            )
        lat.append(time.perf_counter() - t0)
        if not ok:
            return ("incorrect" if r.status == "ok" else r.status), n
    return "correct", n


AMORTISED: list[float] = []  # per trace: (wall - sandbox start - programs' run time) / tests, host-observed
_AM_LOCK = threading.Lock()


def ours_trace(
    code: str, spec: CodeSpec, timeout_s: float, memory_mb: int, over: list[float]
) -> tuple[str, int]:
    runs: list[float] = []

    def hook(r: RunResult) -> None:
        if r.cycle_s is not None and r.run_s is not None:
            over.append(r.cycle_s - r.run_s)
        runs.append(r.run_s if r.run_s is not None else r.wall_s)

    t0 = time.perf_counter()
    o = run_spec(code, spec, limits=Limits(timeout_s=timeout_s, memory_mb=memory_mb), on_result=hook)
    wall = time.perf_counter() - t0
    n = int(o.details.get("tests_run", 0))
    if n and o.details.get("attempts") is None:
        with _AM_LOCK:
            AMORTISED.append((wall - float(o.details.get("start_s", 0.0)) - sum(runs)) / n)
    return o.label, n


def measure(fn, items, workers: int, timeout_s: float, memory_mb: int) -> dict:
    lat: list[float] = []
    lock = threading.Lock()

    def one(item):
        _, code, spec, _ = item
        mine: list[float] = []
        t = time.perf_counter()
        res = fn(code, spec, timeout_s, memory_mb, mine)
        res = (*res, time.perf_counter() - t)
        with lock:
            lat.extend(mine)
        return res

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as ex:
        results = list(ex.map(one, items))
    wall = time.perf_counter() - t0
    tests = sum(n for _, n, _ in results)
    return {"wall_s": wall, "traces": len(items), "tests": tests, "tests_per_s": tests / wall,
            "traces_per_s": len(items) / wall, "labels": [lbl for lbl, _, _ in results], "per_test_s": lat,
            "per_trace_s": [s for _, _, s in results]}  # fmt: skip


def split_timeouts(p: dict, r: dict, timeout_s: float) -> dict:
    """Where the time went, per trace (worker-seconds, the sum of each trace's own wall time): the traces
    both runners label ``timeout`` spend ``timeout_s`` on their last test in any harness (a busy loop holds
    a core until the deadline). Their share bounds every harness's ratio: even at zero cost for all else,
    no runner beats plain by more than plain's total over the timeouts' floor."""
    both = [i for i, (a, b) in enumerate(zip(p["labels"], r["labels"], strict=True)) if a == b == "timeout"]
    rest = [i for i in range(len(p["labels"])) if i not in set(both)]
    p_all, r_all = sum(p["per_trace_s"]), sum(r["per_trace_s"])
    p_rest, r_rest = sum(p["per_trace_s"][i] for i in rest), sum(r["per_trace_s"][i] for i in rest)
    floor = len(both) * timeout_s
    return {
        "timeout_traces": len(both),
        "plain_worker_s": p_all,
        "redstar_worker_s": r_all,
        "timeout_traces_worker_s_plain": p_all - p_rest,
        "timeout_traces_worker_s_redstar": r_all - r_rest,
        "ratio_worker_s_all": p_all / r_all,
        "ratio_worker_s_without_timeouts": p_rest / r_rest if r_rest else None,
        "bound_ratio_any_harness": p_all / floor if floor else None,
    }


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def hostile(timeout_s: float) -> dict:
    from redstar_data.verify.code.hostile import HOSTILE, LEGIT, driven_runner, run_suite, summary

    out = {}
    with tempfile.TemporaryDirectory() as d:
        for mode in ("bwrap", "unsafe", "plain"):
            vs = run_suite(driven_runner(mode, timeout_s=timeout_s, memory_mb=1024), workdir=d,
                           timeout_s=timeout_s, memory_mb=1024, programs=HOSTILE, skip_plain_unsafe=mode != "bwrap")  # fmt: skip
            vs += run_suite(driven_runner(mode, timeout_s=10, memory_mb=1024), workdir=d, timeout_s=10,
                            memory_mb=1024, programs=LEGIT)  # fmt: skip
            out[mode] = summary(vs)
            print(f"hostile suite [{mode}]: contained {out[mode]['contained']}/{out[mode]['hostile']}, "
                  f"legit passed {out[mode]['legit_passed']}/{out[mode]['legit']}", flush=True)  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=4.0)
    ap.add_argument("--memory", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--max-tests", type=int, default=60, help="first N tests of each problem (0: all)")
    ap.add_argument("--no-hostile", action="store_true")
    ap.add_argument("--hostile-only", action="store_true")
    a = ap.parse_args()
    if a.hostile_only:
        res = json.loads(OUT.read_text()) if OUT.exists() else {}
        res["hostile"] = hostile(2.0)
        OUT.write_text(json.dumps(res, indent=2) + "\n")
        return
    items = traces(a.max_tests or None)
    rounds = []
    for k in range(a.rounds):
        # alternate which runner goes first, so machine-load drift hits both
        order = (("plain", plain_trace), ("redstar", ours_trace))
        if k % 2:
            order = order[::-1]
        AMORTISED.clear()
        load_before = os.getloadavg()
        got = {name: measure(fn, items, a.workers, a.timeout, a.memory) for name, fn in order}
        p, r = got["plain"], got["redstar"]
        agree = sum(x == y for x, y in zip(p["labels"], r["labels"], strict=True))
        good = [it[3] for it in items]
        rounds.append({
            "plain": {k2: v for k2, v in p.items() if k2 not in ("labels", "per_test_s")},
            "redstar": {k2: v for k2, v in r.items() if k2 not in ("labels", "per_test_s")},
            "ratio_tests_per_s": r["tests_per_s"] / p["tests_per_s"],
            "ratio_traces_per_s": r["traces_per_s"] / p["traces_per_s"],
            "label_agreement": f"{agree}/{len(items)}",
            "redstar_correct_vs_gold": sum((lbl == "correct") == g for lbl, g in zip(r["labels"], good, strict=True)),
            "plain_correct_vs_gold": sum((lbl == "correct") == g for lbl, g in zip(p["labels"], good, strict=True)),
            "redstar_overhead_ms_p50": 1000 * pct(r["per_test_s"], 0.5),
            "redstar_overhead_ms_p95": 1000 * pct(r["per_test_s"], 0.95),
            "redstar_overhead_ms_p99": 1000 * pct(r["per_test_s"], 0.99),
            "redstar_amortised_overhead_ms_p50": 1000 * pct(AMORTISED, 0.5),
            "redstar_amortised_overhead_ms_mean": 1000 * statistics.fmean(AMORTISED) if AMORTISED else None,
            "load_avg_before": load_before,
            "load_avg_after": os.getloadavg(),
            "plain_per_test_ms_p50": 1000 * pct(p["per_test_s"], 0.5),
            "plain_per_test_ms_p99": 1000 * pct(p["per_test_s"], 0.99),
            "split": split_timeouts(p, r, a.timeout),
        })  # fmt: skip
        x = rounds[-1]
        print(f"round {k + 1}: {len(items)} traces, tests run plain {p['tests']} / redstar {r['tests']}")
        print(f"  plain   {p['tests_per_s']:8.1f} tests/s {p['traces_per_s']:6.2f} traces/s  "
              f"per-test p50 {x['plain_per_test_ms_p50']:.1f} ms p99 {x['plain_per_test_ms_p99']:.1f} ms")  # fmt: skip
        print(f"  redstar {r['tests_per_s']:8.1f} tests/s {r['traces_per_s']:6.2f} traces/s  "
              f"overhead p50 {x['redstar_overhead_ms_p50']:.1f} ms p95 {x['redstar_overhead_ms_p95']:.1f} ms "
              f"p99 {x['redstar_overhead_ms_p99']:.1f} ms (amortised per test, host wall: "
              f"p50 {x['redstar_amortised_overhead_ms_p50']:.1f} ms)")  # fmt: skip
        print(f"  load average before {load_before[0]:.2f}, after {x['load_avg_after'][0]:.2f}")
        print(f"  ratio   {x['ratio_tests_per_s']:.2f}x tests/s, {x['ratio_traces_per_s']:.2f}x traces/s; labels agree "
              f"{x['label_agreement']}; correct-vs-gold redstar {x['redstar_correct_vs_gold']} plain {x['plain_correct_vs_gold']}", flush=True)  # fmt: skip
        sp = x["split"]
        print(f"  {sp['timeout_traces']} traces time out in both ({a.timeout:g} s on their last test, in any harness): "
              f"{sp['timeout_traces_worker_s_redstar']:.1f} of redstar's {sp['redstar_worker_s']:.1f} worker-s; "
              f"without them {sp['ratio_worker_s_without_timeouts']:.2f}x; with them no harness can pass "
              f"{sp['bound_ratio_any_harness'] or float('nan'):.2f}x", flush=True)  # fmt: skip
    res = {
        "machine": {"cpus": os.cpu_count(), "load_avg_at_end": os.getloadavg(), "workers": a.workers},
        "timeout_s": a.timeout,
        "max_tests_per_problem": a.max_tests,
        "memory_mb": a.memory,
        "rounds": rounds,
        "median_ratio_tests_per_s": statistics.median(x["ratio_tests_per_s"] for x in rounds),
        "median_ratio_traces_per_s": statistics.median(x["ratio_traces_per_s"] for x in rounds),
    }
    if not a.no_hostile:
        res["hostile"] = hostile(2.0)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(res, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
