"""Benchmark: redstar's math verifier vs math-verify 0.9.0 on the same labelled rows, one core each.

Usage: .venv/bin/python benchmarks/verifier.py [--n N] [--data DIR]
Prints accuracy / precision / recall / F1 / timeouts / items/s / p50 / p99 for both and the ratios, and writes
benchmarks/results/verifier.json. Rows: ../shared/data/verifier/{dev,pairs-dev}.jsonl (pairs are checked as
``\\boxed{candidate}`` against the reference, exactly like math-verify gets them).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "verifier"


def load(path: Path, n: int | None) -> list[tuple[str, str, bool, str]]:
    rows = [json.loads(line) for line in path.open()]
    out = []
    for r in rows[:n]:
        if "response" in r:
            out.append((r["response"], r["reference"], bool(r["label"]), r.get("dataset", "")))
        else:
            out.append(("\\boxed{" + r["candidate"] + "}", r["reference"], bool(r["label"]), r["category"]))
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
    from redstar_data.verify.math import check_many
    from redstar_data.verify.pool import Worker

    # per-item latency: one warm worker, items sent one at a time (what check_many does per worker)
    w = Worker()
    w.ensure()  # start-up (imports, sympy warm-up) is not per-item cost; check_many below includes it
    lat, preds, timeouts = [], [], 0
    t0 = time.perf_counter()
    for resp, ref, _, _ in rows:
        s = time.perf_counter()
        label = w.call("check", (resp, ref), 5.0)[0]
        lat.append(time.perf_counter() - s)
        preds.append(label == "correct")
        timeouts += label == "timeout"
    wall = time.perf_counter() - t0
    w.kill()
    # end-to-end check_many with one worker (includes worker start-up) for the record
    t1 = time.perf_counter()
    verdicts = check_many([(r[0], r[1]) for r in rows], workers=1)
    e2e = time.perf_counter() - t1
    assert [v.label == "correct" for v in verdicts] == preds
    return {"preds": preds, "lat": lat, "wall": wall, "timeouts": timeouts, "check_many_wall": e2e}


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
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    results: dict[str, dict] = {}
    for fname in ("dev.jsonl", "pairs-dev.jsonl"):
        rows = load(args.data / fname, args.n)
        gold = [r[2] for r in rows]
        mine = run_redstar(rows)
        anchor = run_math_verify(rows)
        a, b = summarise("redstar", mine, gold), summarise("math-verify", anchor, gold)
        fails = sorted(
            {rows[i][3] for i, (p, g) in enumerate(zip(mine["preds"], gold, strict=True)) if p != g}
        )
        results[fname] = {
            "rows": len(rows),
            "redstar": a,
            "math_verify": b,
            "redstar_check_many_items_per_s": len(rows) / mine["check_many_wall"],
            "redstar_fail_categories": fails,
            "ratios": {
                k: (a[k] / b[k] if b[k] else None) for k in ("accuracy", "precision", "recall", "items_per_s")
            },
        }
        print(f"\n{fname} ({len(rows)} rows, one core each)")
        print(
            f"{'':14}{'acc':>7}{'prec':>7}{'rec':>7}{'f1':>7}{'tmo':>5}{'items/s':>10}{'p50ms':>8}{'p99ms':>8}"
        )
        for name, s in (("redstar", a), ("math-verify", b)):
            print(
                f"{name:14}{s['accuracy']:7.3f}{s['precision']:7.3f}{s['recall']:7.3f}{s['f1']:7.3f}"
                f"{s['timeouts']:5d}{s['items_per_s']:10.1f}{s['p50_ms']:8.2f}{s['p99_ms']:8.1f}"
            )
        r = results[fname]["ratios"]
        print(
            f"{'ratio':14}{r['accuracy']:7.3f}{r['precision']:7.3f}{r['recall']:7.3f}{'':12}{r['items_per_s']:10.1f}x"
        )
        print(
            f"redstar check_many(workers=1) end-to-end: {results[fname]['redstar_check_many_items_per_s']:.1f}"
            f" items/s; still failing in: {', '.join(fails) or '-'}"
        )
    out = ROOT / "benchmarks" / "results" / "verifier.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
