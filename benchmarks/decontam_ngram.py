"""Choosing decontamination's n-gram size and containment threshold: recall on disguised benchmark copies
vs false flags.

Benchmark side: MATH-500, AIME24, AMC23 (../shared/data/benchmarks). Training side, in one real catalog:
* positives: each benchmark problem disguised the way copies appear in training sets: reformatted LaTeX,
  an added lead-in or closing sentence, and k single-word edits (synonyms / dropped words) spread
  over the text (k = 0, 1, 2, 4);
* negatives: the OlympiadBench, GSM8K and Minerva problems (other sources, same domain and style).
Recall = disguised copies flagged against their own source problem; false-positive rate = negatives
flagged. Runs ``redstar_data.dedup.decontam.decontaminate`` itself.

Three sweeps: n (with the default containment threshold); at n = 13, ``min_tokens`` (the shortest
benchmark problem looked for whole inside training problems; ``13`` = containment off, the old
behaviour); and a snippet probe for ``min_tokens``. The real short benchmark problems all carry specific
numbers and flag no negative at any threshold, so the probe asks what a *generic* short benchmark problem
would do: the first L tokens of every benchmark problem ("find the number of positive integers ...")
become a benchmark problem of L tokens, and we count the negatives its containment flags.

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
from redstar_data.dedup import normalize
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
    cat.execute(
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

        def measure(n: int, min_tokens: int) -> dict[str, float]:
            cat.execute("DELETE FROM contamination")
            t = time.perf_counter()
            decontaminate(cat, against=BENCH, ngram=n, min_tokens=min_tokens)
            secs = time.perf_counter() - t
            flags = cat.rows("SELECT DISTINCT problem_id, benchmark_problem_id FROM contamination")
            hit = {(p, b) for p, b in flags}
            per_k = {}
            for k in (0, 1, 2, 4):
                pos = [(p, b) for p, (b, kk) in truth.items() if kk == k]
                per_k[f"recall_k{k}"] = round(sum((p, b) in hit for p, b in pos) / len(pos), 4)
            fp = len({p for p, _ in flags if p in neg_ids})
            n_contain = cat.scalar(
                "SELECT count(DISTINCT problem_id) FROM contamination WHERE method = 'contain'"
            )
            return {
                **per_k,
                "false_positive_rate": round(fp / len(neg_ids), 4),
                "false_positives": fp,
                "problems_flagged_by_contain": int(n_contain or 0),
                "seconds": round(secs, 2),
            }

        for n in (5, 8, 10, 13, 20):
            results[n] = measure(n, 6)
        by_min_tokens = {m: measure(13, m) for m in (3, 4, 5, 6, 7, 8, 10, 13)}
        n_short = sum(1 for b in BENCH for r in load(b) if len(normalize.tokens(r["problem"])) < 13)
        probe = snippet_probe(cat, [r["problem"] for b in BENCH for r in load(b)], neg_ids)
    print(f"{'n':>3} {'R k=0':>7} {'R k=1':>7} {'R k=2':>7} {'R k=4':>7} {'FP rate':>8} {'FP':>4}")  # noqa: T201
    for n, r in results.items():
        print(
            f"{n:>3} {r['recall_k0']:>7} {r['recall_k1']:>7} {r['recall_k2']:>7} {r['recall_k4']:>7} "  # noqa: T201
            f"{r['false_positive_rate']:>8} {r['false_positives']:>4}"
        )
    out = Path(__file__).parent / "results" / "decontam_ngram.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    print(f"\nat n = 13 ({n_short} benchmark problems shorter than 13 tokens), by min_tokens:")  # noqa: T201
    print(f"{'min':>3} {'R k=0':>7} {'R k=1':>7} {'FP':>4} {'by contain':>10}")  # noqa: T201
    for m, r in by_min_tokens.items():
        print(  # noqa: T201
            f"{m:>3} {r['recall_k0']:>7} {r['recall_k1']:>7} {r['false_positives']:>4} "
            f"{r['problems_flagged_by_contain']:>10}"
        )
    print("\nsnippet probe: generic L-token benchmark problems (first L tokens of each benchmark problem)")  # noqa: T201
    print(f"{'L':>3} {'snippets':>8} {'flag >= 1 neg':>13} {'neg flags / snippet':>19}")  # noqa: T201
    for length, r in probe.items():
        print(  # noqa: T201
            f"{length:>3} {r['snippets']:>8} {r['share_flagging_a_negative']:>13} "
            f"{r['negatives_flagged_per_snippet']:>19}"
        )
    out.write_text(
        json.dumps(
            {
                "n_negatives": len(neg_ids),
                "results": results,
                "n_benchmark_shorter_than_13": n_short,
                "min_tokens_at_n13": by_min_tokens,
                "snippet_probe": probe,
            },
            indent=2,
        )
        + "\n"
    )


def snippet_probe(cat: Catalog, bench_texts: list[str], neg_ids: set[str]) -> dict[int, dict[str, float]]:
    """Per length L: how many negatives a generic L-token benchmark problem flags by containment.

    The snippets are the first L normalised tokens of every benchmark problem longer than L, ingested as
    one benchmark source per L and checked with ``min_tokens = 1`` (so only L decides)."""
    toks = [normalize.tokens(t) for t in bench_texts]
    lengths = range(3, 13)
    for length in lengths:
        # keep snippets that normalise back to themselves ("\\frac 3 20" would read as \\frac{3}{2} 0)
        snippets = sorted(
            {
                " ".join(t[:length])
                for t in toks
                if len(t) > length and normalize.tokens(" ".join(t[:length])) == t[:length]
            }
        )
        add(cat, f"probe_{length}", snippets, True)
    cat.execute("DELETE FROM contamination")
    probes = [f"probe_{length}" for length in lengths]
    decontaminate(cat, against=probes, ngram=13, min_tokens=1)
    flags = cat.rows(
        "SELECT benchmark, benchmark_problem_id, problem_id FROM contamination WHERE method = 'contain'"
    )
    out: dict[int, dict[str, float]] = {}
    for length in lengths:
        n_snip = int(cat.scalar("SELECT count(*) FROM problems WHERE source_id = ?", [f"probe_{length}"]))
        per: dict[str, set[str]] = {}
        for b, bp, p in flags:
            if b == f"probe_{length}" and p in neg_ids:
                per.setdefault(bp, set()).add(p)
        out[length] = {
            "snippets": n_snip,
            "share_flagging_a_negative": round(len(per) / n_snip, 4),
            "negatives_flagged_per_snippet": round(sum(map(len, per.values())) / n_snip, 4),
        }
    cat.execute("DELETE FROM contamination")
    return out


if __name__ == "__main__":
    main()
