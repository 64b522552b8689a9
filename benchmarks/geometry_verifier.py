"""The geometry verifier against the math verifier (the anchor) on the same labelled geometry responses.

Usage: PYTHONPATH=$PWD .venv/bin/python benchmarks/geometry_verifier.py

Sets: the hand-labelled pairs (``tests/verify/geometry/pairs.yaml``), the real-style responses for every
dev problem (``tests/verify/geometry/dev_responses.jsonl`` joined with ``../shared/data/geo/problems.jsonl``) and
the independent audit sets (``tests/verify/geometry/audit_pairs.yaml`` and the notation audit
``notation_pairs.yaml``, joined the same way).
Both verifiers grade the same (response, reference) rows in the same run, one worker each: the geometry
verifier with the problem's ``choices`` / ``answer_letter``, the math verifier with ``answer`` only (what
``redstar verify`` did for geometry rows before there was a geometry verifier). Accuracy per category,
items/s, and the machine's load average. Results: benchmarks/results/geometry_verifier.json.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from redstar_data.verify import geometry, math

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests" / "verify" / "geometry"
DEV = ROOT.parent / "shared" / "data" / "geo" / "problems.jsonl"


def _sets() -> dict[str, list[dict]]:
    pairs = yaml.safe_load((TESTS / "pairs.yaml").read_text(encoding="utf-8"))["pairs"]
    out = {
        "pairs": [
            {"cat": p["cat"], "label": p["label"], "response": p["response"], "answer": p["answer"],
             "choices": p.get("choices"), "answer_letter": p.get("letter")}
            for p in pairs
        ]
    }  # fmt: skip
    if DEV.is_file():
        probs = {r["id"]: r for r in map(json.loads, DEV.read_text(encoding="utf-8").splitlines())}
        rows = [
            json.loads(x) for x in (TESTS / "dev_responses.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        out["dev_responses"] = [
            {**r, **{k: probs[r["id"]][k] for k in ("answer", "choices", "answer_letter")}} for r in rows
        ]
        audit = yaml.safe_load((TESTS / "audit_pairs.yaml").read_text(encoding="utf-8"))["cases"]
        out["audit"] = [
            {**c, **{k: probs[c["id"]][k] for k in ("answer", "choices", "answer_letter")}} for c in audit
        ]
        notation = yaml.safe_load((TESTS / "notation_pairs.yaml").read_text(encoding="utf-8"))["cases"]
        out["notation_audit"] = [
            {**c, **{k: probs[c["id"]][k] for k in ("answer", "choices", "answer_letter")}} for c in notation
        ]
    return out


def _score(rows: list[dict], labels: list[str]) -> dict:
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for r, got in zip(rows, labels, strict=True):
        per[r["cat"]]["n"] += 1
        per[r["cat"]]["right"] += got == r["label"]
    return {
        "accuracy": round(sum(c["right"] for c in per.values()) / len(rows), 4),
        "by_category": {k: f"{c['right']}/{c['n']}" for k, c in sorted(per.items())},
    }


def main() -> None:
    results: dict = {"load_avg_before": os.getloadavg()}
    for name, rows in _sets().items():
        t0 = time.monotonic()
        geo = geometry.check_many(
            [(r["response"], {k: r[k] for k in ("answer", "choices", "answer_letter")}) for r in rows],
            workers=1,
        )
        t_geo = time.monotonic() - t0
        t0 = time.monotonic()
        anchor = math.check_many([(r["response"], r["answer"]) for r in rows], workers=1)
        t_math = time.monotonic() - t0
        results[name] = {
            "n": len(rows),
            f"geometry {geometry.VERSION}": {**_score(rows, [v.label for v in geo]),
                                              "items_per_s": round(len(rows) / t_geo, 1)},
            f"math {math.VERSION} (anchor)": {**_score(rows, [v.label for v in anchor]),
                                               "items_per_s": round(len(rows) / t_math, 1)},
        }  # fmt: skip
    results["load_avg_after"] = os.getloadavg()
    out = ROOT / "benchmarks" / "results" / "geometry_verifier.json"
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
