"""Benchmark: redstar's math verifier vs math-verify 0.9.0 on the same labelled rows, one core each.

Usage: .venv/bin/python benchmarks/verifier.py [--n N] [--data DIR] [--sets dev,pairs-dev,gen-dev,gen-measure]
Prints accuracy / precision / recall / F1 / timeouts / items/s / p50 / p99 / max for both and the ratios, the
failures by category, and writes benchmarks/results/verifier.json. Rows: ../shared/data/verifier/{dev,pairs-dev}.jsonl
and both halves of the generated notation set benchmarks/data/verifier_pairs.jsonl (``gen-dev`` is what rules
were developed on, ``gen-measure`` is only measured). Pairs are checked as ``\\boxed{candidate}`` against the
reference, exactly like math-verify gets them; generated rows about extraction carry a whole ``response``.
Also ``check_many`` end to end with one worker and with one worker per core (start-up included).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "verifier"
GENERATED = ROOT / "benchmarks" / "data" / "verifier_pairs.jsonl"


def load(path: Path, n: int | None, split: str | None = None) -> list[tuple[str, str, bool, str]]:
    rows = [json.loads(line) for line in path.open()]
    if split is not None:
        rows = [r for r in rows if r["split"] == split]
    out = []
    for r in rows[:n]:
        cat = r.get("category") or r.get("dataset", "")
        if "response" in r:
            out.append((r["response"], r["reference"], bool(r["label"]), cat))
        else:
            out.append(("\\boxed{" + r["candidate"] + "}", r["reference"], bool(r["label"]), cat))
    return out


def scores(preds: list[bool], gold: list[bool]) -> dict[str, float]:
    tp = sum(p and g for p, g in zip(preds, gold, strict=True))
    fp = sum(p and not g for p, g in zip(preds, gold, strict=True))
    fn = sum(not p and g for p, g in zip(preds, gold, strict=True))
    acc = sum(p == g for p, g in zip(preds, gold, strict=True)) / len(gold)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"accuracy": acc, "precision": prec, "recall": rec, "f1": f1}


def run_redstar(rows: list[tuple[str, str, bool, str]]) -> dict:
    from redstar_data.verify.math import DEFAULT_TIMEOUT, check_many
    from redstar_data.verify.pool import Worker, WorkerTimeout

    # per-item latency: one warm worker, items sent one at a time (what check_many does per worker)
    w = Worker()
    w.ensure()  # start-up (imports, sympy warm-up) is not per-item cost; check_many below includes it
    lat, preds, timeouts = [], [], 0
    t0 = time.perf_counter()
    for resp, ref, _, _ in rows:
        s = time.perf_counter()
        try:
            label = w.call("check", (resp, ref), DEFAULT_TIMEOUT)[0]
        except WorkerTimeout:
            label = "timeout"
        lat.append(time.perf_counter() - s)
        preds.append(label == "correct")
        timeouts += label == "timeout"
    wall = time.perf_counter() - t0
    w.kill()
    # end-to-end check_many (worker start-up included): one worker, then one per core
    t1 = time.perf_counter()
    verdicts = check_many([(r[0], r[1]) for r in rows], workers=1)
    e2e = time.perf_counter() - t1
    t2 = time.perf_counter()
    check_many([(r[0], r[1]) for r in rows], workers=os.cpu_count())
    e2e_all = time.perf_counter() - t2
    differ = sum((v.label == "correct") != p for v, p in zip(verdicts, preds, strict=True))
    return {
        "preds": preds,
        "lat": lat,
        "wall": wall,
        "timeouts": timeouts,
        "check_many_wall": e2e,
        "check_many_all_wall": e2e_all,
        "check_many_differ": differ,  # items whose verdict changed between runs (a timeout on a loaded machine)
    }


def run_math_verify(rows: list[tuple[str, str, bool, str]]) -> dict:
    from math_verify import parse, verify

    verify(parse("$x^2+\\pi$"), parse("$\\pi+x x$"))  # same warm-up as redstar's worker gets
    lat, preds, timeouts = [], [], 0
    t0 = time.perf_counter()
    for resp, ref, _, _ in rows:
        s = time.perf_counter()
        try:
            ok = bool(verify(parse("$" + ref + "$"), parse(resp)))
        except Exception:  # noqa: BLE001 - anchor errors count as 'not correct'
            ok = False
            timeouts += 1
        lat.append(time.perf_counter() - s)
        preds.append(ok)
    return {"preds": preds, "lat": lat, "wall": time.perf_counter() - t0, "timeouts": timeouts}


def summarise(name: str, res: dict, gold: list[bool]) -> dict:
    lat = sorted(res["lat"])
    out = scores(res["preds"], gold)
    out.update(
        timeouts=res["timeouts"],
        items_per_s=len(lat) / res["wall"],
        p50_ms=1000 * statistics.median(lat),
        p99_ms=1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))],
        max_ms=1000 * lat[-1],
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--sets", default="dev,pairs-dev,gen-dev,gen-measure")
    args = ap.parse_args()
    sources = {
        "dev": (args.data / "dev.jsonl", None),
        "pairs-dev": (args.data / "pairs-dev.jsonl", None),
        "gen-dev": (GENERATED, "dev"),
        "gen-measure": (GENERATED, "measure"),
    }
    results: dict[str, dict] = {}
    for name in args.sets.split(","):
        path, split = sources[name]
        rows = load(path, args.n, split)
        gold = [r[2] for r in rows]
        mine = run_redstar(rows)
        anchor = run_math_verify(rows)
        a, b = summarise("redstar", mine, gold), summarise("math-verify", anchor, gold)
        fails: dict[str, list[str]] = {}
        for i, (p, g) in enumerate(zip(mine["preds"], gold, strict=True)):
            if p != g:
                fails.setdefault(rows[i][3] or "-", []).append(f"{'FP' if p else 'FN'} {rows[i][1][:60]!r}")
        results[name] = {
            "rows": len(rows),
            "redstar": a,
            "math_verify": b,
            "redstar_check_many_items_per_s": len(rows) / mine["check_many_wall"],
            "redstar_check_many_all_cores_items_per_s": len(rows) / mine["check_many_all_wall"],
            "cores": os.cpu_count(),
            "check_many_verdicts_differ": mine["check_many_differ"],
            "redstar_failures_by_category": fails,
            "ratios": {
                k: (a[k] / b[k] if b[k] else None) for k in ("accuracy", "precision", "recall", "items_per_s")
            },
        }
        print(f"\n{name} ({len(rows)} rows, one core each)")
        print(
            f"{'':14}{'acc':>7}{'prec':>7}{'rec':>7}{'f1':>7}{'tmo':>5}{'items/s':>10}{'p50ms':>8}{'p99ms':>8}"
            f"{'maxms':>9}"
        )
        for label, sc in (("redstar", a), ("math-verify", b)):
            print(
                f"{label:14}{sc['accuracy']:7.3f}{sc['precision']:7.3f}{sc['recall']:7.3f}{sc['f1']:7.3f}"
                f"{sc['timeouts']:5d}{sc['items_per_s']:10.1f}{sc['p50_ms']:8.2f}{sc['p99_ms']:8.1f}{sc['max_ms']:9.1f}"
            )
        r = results[name]["ratios"]
        print(
            f"{'ratio':14}{r['accuracy']:7.3f}{r['precision']:7.3f}{r['recall']:7.3f}{'':12}{r['items_per_s']:10.1f}x"
        )
        print(
            f"check_many end to end: {results[name]['redstar_check_many_items_per_s']:.1f} items/s (1 worker), "
            f"{results[name]['redstar_check_many_all_cores_items_per_s']:.1f} items/s ({os.cpu_count()} workers)"
        )
        for cat, items in sorted(fails.items()):
            print(f"  failing in {cat}: {len(items)}: " + "; ".join(items[:3]))
    out = ROOT / "benchmarks" / "results" / "verifier.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
