"""Dedup benchmark: the redstar engine on N synthetic math problems vs per-document datasketch, same run.

Data: realistic word problems from templates (topic x wording x numbers), 3-4 sentences, ~50-80 words.
About 10% of the originals get one planted near-duplicate variant, made the ways copies differ in practice:
LaTeX / whitespace reformatting, numbers respelled ("3" -> "three", "3.0", "$3$"), sentences reordered,
and one word swapped for a synonym or an extra word added. Ground truth: a problem and its variants are one
group, and so are originals drawn twice with the same template, topic and numbers (they differ only in flavour
text such as a name or an opening clause); everything else (the same template with other numbers) is distinct.

Both sides are scored on pairs: precision = predicted same-cluster pairs that are in one group, recall =
group pairs that land in one cluster (also reported for pairs whose true 5-shingle Jaccard >= threshold).

Baseline ("straightforward datasketch", the anchor the issue names): datasketch used the way its
documentation shows, with default parameters. Per document: ``normalize.tokens`` (redstar's token rules,
but one flat sequence: sentence boundaries are dropped, so 5-shingles run across sentences and a
reordered problem gets other shingles at the seams; under 5 tokens, one shingle of all of them), each
shingle space-joined and encoded, ``MinHash(num_perm=128)`` (default seed and hash function)
``update_batch``; ``MinHashLSH(threshold=0.8, num_perm=128)`` with the default ``weights=(0.5, 0.5)``,
i.e. 9 bands x 13 rows (redstar's engine uses 16 x 8, from weights 0.05/0.95), ``insert`` every document,
then ``query`` every document and union-find over all hits. No candidate check (every LSH hit is an edge,
no estimated-Jaccard test) and no same-numbers rule. So the comparison is the speed *and* the quality
that out-of-the-box usage gives, not the same algorithm run slower. It runs on the first
``--baseline-n`` documents (default 100k); its docs/s is measured there and the 1M time is scaled
linearly (stated). Recall "true J >= 0.8" uses redstar's within-sentence shingles for both sides.

    .venv/bin/python benchmarks/dedup.py --n 1000000 --baseline-n 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import time
from pathlib import Path

import numpy as np

from redstar_data.dedup import engine, normalize
from redstar_data.dedup.minhash import resolve_params

TOPICS = [
    ("apples", "a basket", "fruit"),
    ("marbles", "a jar", "toys"),
    ("books", "a shelf", "library items"),
    ("coins", "a purse", "money"),
    ("pencils", "a box", "school supplies"),
    ("cards", "a deck", "games"),
    ("stamps", "an album", "collectibles"),
    ("cookies", "a tin", "snacks"),
    ("tickets", "a booth", "passes"),
    ("bricks", "a pallet", "building blocks"),
    ("shells", "a bucket", "beach finds"),
    ("eggs", "a carton", "food"),
]
NAMES = [
    "Alice",
    "Bob",
    "Carmen",
    "Deepak",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jamal",
    "Kofi",
    "Lena",
]
TEMPLATES = [
    [
        "{N} has {a} {o} in {c}.",
        "{N} gives away {b} of them and then buys {d} more {o}.",
        "Each of the {o} costs {e} dollars.",
        "What is the total value, in dollars, of the {o} that {N} has now?",
    ],
    [
        "A rectangle has a length of {a} units and a width of {b} units.",
        "A square has the same perimeter as the rectangle.",
        "The side of a second square is {d} units longer than that side.",
        "Find the area of the second square, in square units.",
    ],
    [
        "{N} walks at {a} kilometers per hour for {b} hours.",
        "Then {N} rides a bike at {d} kilometers per hour for {e} hours.",
        "How many kilometers does {N} travel in total?",
    ],
    [
        "The sum of {a} consecutive integers is {b}.",
        "What is the largest of these integers if the smallest is {d}?",
        "Express your answer as an integer.",
    ],
    [
        "In {c}, the ratio of red {o} to blue {o} is {a} to {b}.",
        "There are {d} {o} in {c} in total.",
        "After {e} red {o} are removed, how many red {o} remain in {c}?",
    ],
    [
        "Let $f(x) = {a}x^2 + {b}x + {d}$.",
        "Compute $f({e})$ and then find the remainder when the result is divided by {a}.",
        "Give your answer as a nonnegative integer.",
    ],
    [
        "A fair die is rolled {a} times.",
        "{N} records the number of times a {b} appears.",
        "What is the probability that a {b} appears exactly {d} times?",
        "Express your answer as a common fraction in lowest terms.",
    ],
    [
        "A tank holds {a} liters of water when full.",
        "It is drained at {b} liters per minute while a pipe fills it at {d} liters per minute.",
        "Starting from full, after how many minutes is the tank empty?",
    ],
    [
        "{N} invests {a} dollars at an annual interest rate of {b} percent compounded yearly.",
        "How many dollars will the investment be worth after {d} years?",
        "Round your answer to the nearest whole dollar.",
    ],
    [
        "The average of {a} numbers is {b}.",
        "When one more number is added, the average becomes {d}.",
        "What number was added to the list of {a} numbers?",
    ],
]
SYNONYMS = {
    "What": "Determine",
    "Find": "Determine",
    "Compute": "Calculate",
    "How": "Tell me how",
    "total": "overall",
    "largest": "greatest",
    "remainder": "residue",
    "travel": "cover",
}
WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]


PREFIXES = [
    "",
    "",
    "In a math club meeting, ",
    "During a school fair, ",
    "On a rainy afternoon, ",
    "At the end of the week, ",
    "For a class project, ",
    "In a puzzle book, ",
    "Last summer, ",
]
CONTEXT = [
    "",
    "",
    "",
    "Show your reasoning.",
    "Assume all quantities are exact.",
    "Ignore any taxes or fees.",
    "No calculators are allowed.",
    "This problem is from a practice set.",
    "Think carefully before answering.",
]


def make_original(rng: random.Random, tid: int, topic: int, vals: dict[str, int]) -> list[str]:
    o, c, _ = TOPICS[topic]
    name = rng.choice(NAMES)
    sents = [s.format(N=name, o=o, c=c, **{k: str(v) for k, v in vals.items()}) for s in TEMPLATES[tid]]
    pre = rng.choice(PREFIXES)
    if pre:
        sents[0] = (
            pre + sents[0][0].lower() + sents[0][1:] if not sents[0].startswith(name) else pre + sents[0]
        )
    ctx = rng.choice(CONTEXT)
    return sents + [ctx] if ctx else sents


def make_variant(rng: random.Random, sents: list[str]) -> str:
    """A realistic copy: reformatting, respelled numbers, reordering and at most one word edit."""
    out = list(sents)
    kinds = rng.sample(["latex", "words", "decimal", "order", "ws", "synonym", "filler"], k=rng.randint(1, 3))
    import re

    for kind in kinds:
        if kind == "latex":
            out = [re.sub(r"(?<![\w$])(\d+)(?![\w$])", r"$\1$", s) for s in out]
        elif kind == "words":
            out = [
                re.sub(
                    r"(?<![\w.$])(\d+)(?![\w.$])",
                    lambda m: WORDS[int(m.group(1))] if int(m.group(1)) < len(WORDS) else m.group(1),
                    s,
                )
                for s in out
            ]
        elif kind == "decimal":
            out = [re.sub(r"(?<![\w.$])(\d+)(?![\w.$])", r"\1.0", s, count=1) for s in out]
        elif kind == "order" and len(out) > 2:
            i = rng.randrange(len(out) - 1)
            out[i], out[i + 1] = out[i + 1], out[i]
        elif kind == "ws":
            out = ["  " + s.replace(" ", "   ", 2) + "\n" for s in out]
        elif kind == "synonym":
            for k, v in SYNONYMS.items():
                j = next((i for i, s in enumerate(out) if k in s.split()), None)
                if j is not None:
                    out[j] = out[j].replace(k, v, 1)
                    break
        elif kind == "filler":
            out[0] = "Please solve the following. " + out[0] if rng.random() < 0.5 else out[0] + " Good luck."
    return " ".join(out)


def generate(n: int, dup_rate: float, seed: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``n`` texts, their group ids (a variant shares its original's) and the planted (original, variant)
    pairs as row indices."""
    rng = random.Random(seed)
    texts: list[str] = []
    group: list[int] = []
    planted: list[tuple[int, int]] = []
    seen: dict[str, int] = {}
    while len(texts) < n:
        tid, topic = rng.randrange(len(TEMPLATES)), rng.randrange(len(TOPICS))
        vals = {k: rng.randint(2, 60) for k in "abde"}
        sents = make_original(rng, tid, topic, vals)
        text = " ".join(sents)
        # the same template, topic and numbers is the same problem, whatever the flavour text around it
        o, c, _ = TOPICS[topic]
        core = " ".join(
            t.format(N="X", o=o, c=c, **{k: str(v) for k, v in vals.items()}) for t in TEMPLATES[tid]
        )
        gid = seen.setdefault(core, len(seen))
        texts.append(text)
        group.append(gid)
        if rng.random() < dup_rate and len(texts) < n:
            planted.append((len(texts) - 1, len(texts)))
            texts.append(make_variant(rng, sents))
            group.append(gid)
    perm = np.random.default_rng(seed).permutation(n)
    where = np.empty(n, dtype=np.int64)
    where[perm] = np.arange(n)
    pairs = where[np.asarray(planted, dtype=np.int64).reshape(-1, 2)]
    return [texts[i] for i in perm], np.asarray(group, dtype=np.int64)[perm], pairs


def pair_scores(labels: np.ndarray, group: np.ndarray) -> tuple[float, float, int, int]:
    """(precision, recall, predicted pairs, true pairs) of clustering ``labels`` against ``group``."""

    def pairs(*cols: np.ndarray) -> int:
        _, counts = np.unique(np.stack(cols, axis=1), axis=0, return_counts=True)
        return int((counts * (counts - 1) // 2).sum())

    pred, true, both = pairs(labels), pairs(group), pairs(labels, group)
    return (both / pred if pred else 1.0), (both / true if true else 1.0), pred, true


def true_jaccard(a: str, b: str, n: int) -> float:
    def sh(t: str) -> set[tuple[str, ...]]:
        out: set[tuple[str, ...]] = set()
        for s in normalize.sentences(t):
            out.update(tuple(s[i : i + n]) for i in range(max(1, len(s) - n + 1)))
        return out

    x, y = sh(a), sh(b)
    return len(x & y) / len(x | y) if x | y else 1.0


def planted_recall(
    labels: np.ndarray, pairs: np.ndarray, texts: list[str], threshold: float, n: int, limit: int = 20000
) -> tuple[float, float, int]:
    """(recall on all planted pairs, recall on those with true Jaccard >= threshold, how many of those were
    checked: the true Jaccard is computed for the first ``limit`` pairs)."""
    if len(pairs) == 0:
        return 1.0, 1.0, 0
    found = labels[pairs[:, 0]] == labels[pairs[:, 1]]
    hi = [
        k
        for k, (i, j) in enumerate(pairs[:limit].tolist())
        if true_jaccard(texts[i], texts[j], n) >= threshold
    ]
    return float(found.mean()), float(found[hi].mean()) if hi else 1.0, len(hi)


def cpu_s() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_redstar(texts: list[str], threshold: float, workers: int) -> tuple[np.ndarray, float, dict]:
    params = resolve_params(threshold)
    t0 = time.perf_counter()
    sk = engine.sketch_all(texts, params, workers=workers)
    t_sketch = time.perf_counter() - t0
    ids = [f"{i:08d}" for i in range(len(texts))]
    res = engine.cluster(ids, sk, params, np.zeros(len(texts), np.int64), np.zeros(len(texts), bool))
    wall = time.perf_counter() - t0
    return res.canonical, wall, {**res.stats, "sketch_s": round(t_sketch, 2)}


def run_datasketch(texts: list[str], threshold: float, num_perm: int = 128) -> tuple[np.ndarray, float]:
    """The baseline as described in the module docstring: default datasketch, flat cross-sentence shingles,
    every LSH hit unioned (no check), so it shows what straightforward usage gets."""
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    hashes = []
    for i, t in enumerate(texts):
        toks = normalize.tokens(t)
        m = MinHash(num_perm=num_perm)
        m.update_batch([" ".join(toks[k : k + 5]).encode() for k in range(max(1, len(toks) - 4))])
        lsh.insert(i, m)
        hashes.append(m)
    parent = list(range(len(texts)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, m in enumerate(hashes):
        for j in lsh.query(m):
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    labels = np.asarray([find(i) for i in range(len(texts))])
    return labels, time.perf_counter() - t0


def peak_rss_mb() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def scores(labels: np.ndarray, group: np.ndarray, pairs: np.ndarray, texts: list[str], t: float) -> dict:
    p, _, pred, true = pair_scores(labels, group)
    r_all, r_hi, n_hi = planted_recall(labels, pairs, texts, t, 5)
    return {
        "precision": round(p, 4),
        "recall_planted": round(r_all, 4),
        f"recall_planted_J>={t}": round(r_hi, 4),
        "planted_pairs": len(pairs),
        "planted_pairs_J_checked": n_hi,
        "predicted_pairs": pred,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--baseline-n", type=int, default=100_000)
    ap.add_argument("--dup-rate", type=float, default=0.1)
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "dedup.json"))
    args = ap.parse_args()
    t_ = args.threshold

    t = time.perf_counter()
    texts, group, pairs = generate(args.n, args.dup_rate, args.seed)
    gen_s = time.perf_counter() - t
    c0 = cpu_s()
    labels, wall, stats = run_redstar(texts, t_, args.workers)
    cpu_full = cpu_s() - c0
    ours = {
        "docs": args.n,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu_full, 1),
        "docs_per_s": round(args.n / wall),
        "docs_per_cpu_s": round(args.n / cpu_full),
        **scores(labels, group, pairs, texts, t_),
        **stats,
    }
    rss_self, rss_kids = peak_rss_mb()
    ours["peak_rss_mb_main"], ours["peak_rss_mb_worker"] = round(rss_self), round(rss_kids)

    bn = min(args.baseline_n, args.n)
    sub = texts[:bn]
    sub_pairs = pairs[(pairs < bn).all(axis=1)]
    c0 = cpu_s()
    ours_sub, wall_sub, _ = run_redstar(sub, t_, args.workers)
    cpu_sub = cpu_s() - c0
    c0 = cpu_s()
    base_labels, base_wall = run_datasketch(sub, t_)
    cpu_base = cpu_s() - c0
    sub_ours = {
        "docs": bn,
        "wall_s": round(wall_sub, 2),
        "cpu_s": round(cpu_sub, 2),
        "docs_per_s": round(bn / wall_sub),
        "docs_per_cpu_s": round(bn / cpu_sub),
        **scores(ours_sub, group[:bn], sub_pairs, sub, t_),
    }
    base = {
        "docs": bn,
        "wall_s": round(base_wall, 2),
        "cpu_s": round(cpu_base, 2),
        "docs_per_s": round(bn / base_wall),
        "docs_per_cpu_s": round(bn / cpu_base),
        **scores(base_labels, group[:bn], sub_pairs, sub, t_),
        "scaled_wall_s_at_n": round(base_wall * args.n / bn, 1),
    }
    res = {
        "n": args.n,
        "dup_rate": args.dup_rate,
        "threshold": t_,
        "workers": args.workers,
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, shared with other jobs (see cpu_s)",
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        "generate_s": round(gen_s, 1),
        "redstar": ours,
        "subset_redstar": sub_ours,
        "subset_datasketch": base,
        "speedup_docs_per_s": round(ours["docs_per_s"] / base["docs_per_s"], 1),
        "speedup_docs_per_cpu_s": round(ours["docs_per_cpu_s"] / base["docs_per_cpu_s"], 1),
    }
    hdr = f"{'method':<22}{'docs':>9}{'wall s':>9}{'cpu s':>8}{'docs/s':>9}{'docs/cpu-s':>11}{'P':>7}{'R':>7}{'R(J>=t)':>9}"
    print(hdr)  # noqa: T201
    for name, r in (
        ("redstar engine", ours),
        ("redstar engine subset", sub_ours),
        ("datasketch per-doc", base),
    ):
        print(
            f"{name:<22}{r['docs']:>9}{r['wall_s']:>9}{r['cpu_s']:>8}{r['docs_per_s']:>9}{r['docs_per_cpu_s']:>11}"  # noqa: T201
            f"{r['precision']:>7.3f}{r['recall_planted']:>7.3f}{r[f'recall_planted_J>={t_}']:>9.3f}"
        )
    print(
        f"speedup docs/s (full engine vs baseline): {res['speedup_docs_per_s']}x, per CPU-second: "  # noqa: T201
        f"{res['speedup_docs_per_cpu_s']}x; baseline scaled to {args.n}: {base['scaled_wall_s_at_n']} s; "
        f"peak RSS main {rss_self:.0f} MB + worker {rss_kids:.0f} MB; load avg {res['load_avg_1m_at_end']}"
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
