"""Choosing decontamination's n-gram size: recall on disguised benchmark copies vs false flags, per n.

Benchmark side: MATH-500, AIME24, AMC23 (../shared/data/benchmarks). Training side, in one real catalog:
* positives: each benchmark problem disguised the way copies appear in training sets: reformatted LaTeX,
  an added lead-in or closing sentence, and k single-word edits (synonyms / dropped words) spread
  over the text (k = 0, 1, 2, 4);
* negatives: the OlympiadBench, GSM8K and Minerva problems (other sources, same domain and style).
Recall = disguised copies flagged against their own source problem; false-positive rate = negatives
flagged. Runs ``redstar_data.dedup.decontam.decontaminate`` itself.

    .venv/bin/python benchmarks/decontam_ngram.py
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from redstar_data.catalog import Catalog
from redstar_data.dedup.decontam import decontaminate
from redstar_data.ids import problem_id

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "benchmarks"
BENCH = ["math500", "aime24", "amc23"]
NEG = ["olympiadbench", "gsm8k", "minerva_math"]
LEADS = ["Solve the following problem.", "Problem 7 from our practice sheet:", "Try this one:", ""]
TAILS = ["Show all your work.", "Put the final answer in a box.", "", ""]
SYN = {
    "find": "determine",
    "compute": "calculate",
    "what": "which",
    "number": "count",
    "the": "this",
    "of": "for",
    "is": "equals",
    "positive": "nonnegative",
    "integer": "whole number",
    "that": "which",
}


def disguise(text: str, k: int, rng: random.Random) -> str:
    words = text.replace("$", " $ ").split()
    spots = sorted(rng.sample(range(len(words)), min(k, len(words))))
    for i in spots:
        w = words[i]
        words[i] = SYN.get(w.lower(), "") if rng.random() < 0.7 else ""
    out = " ".join(w for w in words if w).replace(" $ ", "$").replace("\\frac", "\\dfrac")
    return " ".join(x for x in (rng.choice(LEADS), out, rng.choice(TAILS)) if x)


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text().splitlines() if line.strip()]


def add(cat: Catalog, source: str, texts: list[str], benchmark: bool) -> list[str]:
    cat.con.execute(
        "INSERT INTO sources (source_id, kind, uri, is_benchmark) VALUES (?, 'jsonl', ?, ?)",
        [source, f"bench://{source}", benchmark],
    )
    ids = [problem_id(t) for t in texts]
    cat.insert_new(
        "problems",
        pa.table(
            {
                "problem_id": ids,
                "source_id": [source] * len(ids),
                "domain": ["math"] * len(ids),
                "problem": texts,
            }
        ),
        ["problem_id"],
    )
    cat.insert_new(
        "problem_sources",
        pa.table({"problem_id": ids, "source_id": [source] * len(ids)}),
        ["problem_id", "source_id"],
    )
    return ids


def main() -> None:
    if not DATA.is_dir():
        print(f"{DATA} is absent; nothing to measure")  # noqa: T201
        sys.exit(0)
    rng = random.Random(0)
    results = {}
    with tempfile.TemporaryDirectory() as tmp, Catalog.open(Path(tmp) / "c.duckdb") as cat:
        truth: dict[str, tuple[str, int]] = {}
        for b in BENCH:
            rows = load(b)
            bids = add(cat, b, [r["problem"] for r in rows], True)
            for k in (0, 1, 2, 4):
                texts = [disguise(r["problem"], k, rng) for r in rows]
                ids = add(cat, f"train_{b}_k{k}", texts, False)
                for pid, bid in zip(ids, bids, strict=True):
                    truth.setdefault(pid, (bid, k))
        neg_ids: set[str] = set()
        for b in NEG:
            neg_ids.update(add(cat, f"neg_{b}", [r["problem"] for r in load(b)], False))
        for n in (5, 8, 10, 13, 20):
            cat.con.execute("DELETE FROM contamination")
            t = time.perf_counter()
            decontaminate(cat, against=BENCH, ngram=n)
            secs = time.perf_counter() - t
            flags = cat.con.execute(
                "SELECT DISTINCT problem_id, benchmark_problem_id FROM contamination"
            ).fetchall()
            hit = {(p, b) for p, b in flags}
            per_k = {}
            for k in (0, 1, 2, 4):
                pos = [(p, b) for p, (b, kk) in truth.items() if kk == k]
                per_k[f"recall_k{k}"] = round(sum((p, b) in hit for p, b in pos) / len(pos), 4)
            fp = len({p for p, _ in flags if p in neg_ids})
            results[n] = {
                **per_k,
                "false_positive_rate": round(fp / len(neg_ids), 4),
                "false_positives": fp,
                "seconds": round(secs, 2),
            }
    print(f"{'n':>3} {'R k=0':>7} {'R k=1':>7} {'R k=2':>7} {'R k=4':>7} {'FP rate':>8} {'FP':>4}")  # noqa: T201
    for n, r in results.items():
        print(
            f"{n:>3} {r['recall_k0']:>7} {r['recall_k1']:>7} {r['recall_k2']:>7} {r['recall_k4']:>7} "  # noqa: T201
            f"{r['false_positive_rate']:>8} {r['false_positives']:>4}"
        )
    out = Path(__file__).parent / "results" / "decontam_ngram.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"n_negatives": len(neg_ids), "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
