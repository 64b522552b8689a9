"""Choosing decontamination's boilerplate threshold (issue 15, finding 9): how many benchmark problems share
an n-gram before it is boilerplate, and what ignoring such n-grams does to recall and false flags.

1. Document frequency (DF) of every 13-gram over the distinct normalised problems of the six benchmark sets
   in ../shared/data/benchmarks: the histogram, and for each threshold K the runs of consecutive n-grams
   with DF >= K inside one problem, with their text. Short runs are boilerplate (answer-format
   instructions, definitions, table markup); long runs are a passage several sub-questions of one
   problem share (OlympiadBench's escape room), which is content.
2. Effect, in one real catalog, with ``decontaminate`` itself: benchmark = MATH-500 + AIME24 + AMC23; the
   disguised copies (recall, k = 0/1/2/4 edits) and the OlympiadBench + GSM8K + Minerva negatives of
   ``decontam_ngram.py``; plus "boilerplate negatives": every negative with an AIME/AMC-style closing
   instruction appended (a training set's own problems often end that way). By K (0 = off, today's
   behaviour) and by ``MIN_NOVEL_TOKENS`` (at K = 5): recall, false positives among the negatives and among
   the boilerplate negatives.

    .venv/bin/python benchmarks/decontam_boilerplate.py
"""

from __future__ import annotations

import collections
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from decontam_ngram import BENCH, DATA, NEG, add, disguise, load  # noqa: E402

from redstar_data.catalog import Catalog  # noqa: E402
from redstar_data.dedup import (
    decontam,  # noqa: E402
    normalize,  # noqa: E402
)
from redstar_data.dedup.decontam import MIN_NOVEL_TOKENS, SHARED_PASSAGE, decontaminate  # noqa: E402

N = 13
ALL = ["aime24", "amc23", "gsm8k", "math500", "minerva_math", "olympiadbench"]
TAILS = [
    "The answer can be written as $\\frac{m}{n}$, where $m$ and $n$ are relatively prime positive integers. "
    "What is $m+n$?",
    "Express the probability as $\\frac{m}{n}$ where $m$ and $n$ are relatively prime positive integers, "
    "and find $m+n$.",
]


def frequencies() -> dict:
    texts: dict[str, list[str]] = {}
    for name in ALL:
        for r in load(name):
            toks = normalize.tokens(r["problem"])
            texts.setdefault(" ".join(toks), toks)
    df: collections.Counter[tuple[str, ...]] = collections.Counter()
    for toks in texts.values():
        df.update({tuple(toks[i : i + N]) for i in range(len(toks) - N + 1)})
    hist = dict(sorted(collections.Counter(df.values()).items()))
    runs: dict[int, dict] = {}
    for k in (3, 4, 5, 6, 8):
        lengths: collections.Counter[int] = collections.Counter()
        examples: dict[str, int] = {}
        for toks in texts.values():
            grams = [tuple(toks[i : i + N]) for i in range(len(toks) - N + 1)]
            i = 0
            while i < len(grams):
                if df[grams[i]] < k:
                    i += 1
                    continue
                j = i
                while j < len(grams) and df[grams[j]] >= k:
                    j += 1
                lengths[j - i] += 1
                examples.setdefault(" ".join(toks[i : j - 1 + N])[:140], j - i)
                i = j
        runs[k] = {
            "run_lengths": dict(sorted(lengths.items())),
            "longest_examples": sorted(examples.items(), key=lambda x: -x[1])[:12],
        }
    return {"distinct_problems": len(texts), "ngrams": len(df), "df_histogram": hist, "runs": runs}


def effect() -> dict:
    rng = random.Random(0)
    out = {}
    with tempfile.TemporaryDirectory() as tmp, Catalog.open(Path(tmp) / "c.duckdb") as cat:
        truth: dict[str, tuple[str, int]] = {}
        for b in BENCH:
            rows = load(b)
            bids = add(cat, b, [r["problem"] for r in rows], True)
            for k in (0, 1, 2, 4):
                ids = add(cat, f"train_{b}_k{k}", [disguise(r["problem"], k, rng) for r in rows], False)
                for pid, bid in zip(ids, bids, strict=True):
                    truth.setdefault(pid, (bid, k))
        neg: set[str] = set()
        boiler: set[str] = set()
        for b in NEG:
            texts = [r["problem"] for r in load(b)]
            neg.update(add(cat, f"neg_{b}", texts, False))
            tailed = [f"{t} {TAILS[i % len(TAILS)]}" for i, t in enumerate(texts)]
            boiler.update(add(cat, f"negtail_{b}", tailed, False))
        cases = [(k, MIN_NOVEL_TOKENS) for k in (0, 3, 4, 5, 6, 8, 12)]
        cases += [(5, m) for m in (1, 4, 10, 13) if m != MIN_NOVEL_TOKENS]
        for k, novel in cases:
            decontam.MIN_NOVEL_TOKENS = novel
            cat.execute("DELETE FROM contamination")
            rep = decontaminate(cat, against=BENCH, ngram=N, boilerplate_df=k)
            flags = cat.rows("SELECT DISTINCT problem_id, benchmark_problem_id FROM contamination")
            hit = set(flags)
            res = {}
            for e in (0, 1, 2, 4):
                pos = [(p, b) for p, (b, kk) in truth.items() if kk == e]
                res[f"recall_k{e}"] = round(sum(x in hit for x in pos) / len(pos), 4)
            flagged = {p for p, _ in flags}
            res["false_positives"] = len(flagged & neg)
            res["boilerplate_negatives_flagged"] = len(flagged & boiler)
            res["n_boilerplate_ngrams"] = rep.n_boilerplate_ngrams
            res["boilerplate_examples"] = rep.boilerplate_examples
            out[f"K={k} novel={novel}"] = res
        decontam.MIN_NOVEL_TOKENS = MIN_NOVEL_TOKENS
        out["n_negatives"] = len(neg)
        out["n_boilerplate_negatives"] = len(boiler)
    return out


def main() -> None:
    if not DATA.is_dir():
        print(f"{DATA} is absent; nothing to measure")  # noqa: T201
        sys.exit(0)
    freq = frequencies()
    print(f"{freq['distinct_problems']} distinct problems, {freq['ngrams']} {N}-grams; DF histogram:")  # noqa: T201
    print("  " + ", ".join(f"{d}: {c}" for d, c in freq["df_histogram"].items()))  # noqa: T201
    for k, r in freq["runs"].items():
        print(f"K={k}: runs of n-grams with DF >= K (length: count) {r['run_lengths']}")  # noqa: T201
    eff = effect()
    print(f"\nshared passage: {SHARED_PASSAGE} n-grams; negatives {eff['n_negatives']}, "  # noqa: T201
          f"boilerplate negatives {eff['n_boilerplate_negatives']}")  # fmt: skip
    print(
        f"{'case':>16} {'R k=0':>7} {'R k=1':>7} {'R k=2':>7} {'R k=4':>7} {'FP':>4} {'FP tail':>8} {'ignored':>8}"
    )  # noqa: T201
    for k, r in eff.items():
        if isinstance(r, dict):
            print(  # noqa: T201
                f"{k:>16} {r['recall_k0']:>7} {r['recall_k1']:>7} {r['recall_k2']:>7} {r['recall_k4']:>7} "
                f"{r['false_positives']:>4} {r['boilerplate_negatives_flagged']:>8} {r['n_boilerplate_ngrams']:>8}"
            )
    out = Path(__file__).parent / "results" / "decontam_boilerplate.json"
    out.write_text(json.dumps({"ngram": N, "frequencies": freq, "effect": eff}, indent=2) + "\n")


if __name__ == "__main__":
    main()
