"""Benchmark: redstar's math verifier vs the source authors' grader on real long chain-of-thought responses.

Usage: PYTHONPATH=$PWD .venv/bin/python benchmarks/longcot_agreement.py [--data DIR] [--workers N] [--out PATH]
Rows: ../shared/data/longcot/*.jsonl (README there). Every row with a ``meta.label_correct`` is checked with the
registered ``math`` verifier's ``check_many`` (what ``redstar verify`` calls) against ``reference_answer``, and
the verdict compared with the label. Per file: agreement, confusion (we say correct / the source says incorrect,
and the reverse), our ``no_answer`` count and items/s (one worker, start-up included). Every disagreement is
listed with our extraction and the source's, for reading by hand, and with the hand verdict on it from
benchmarks/data/longcot_verdicts.json (``unread`` when there is none). The source labels are a second opinion, not
ground truth (the harness string-matches in places): agreement is a reading aid, not an accuracy.
Writes benchmarks/results/longcot_agreement.json. Skips cleanly when the data folder is absent.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "longcot"
OUT = ROOT / "benchmarks" / "results" / "longcot_agreement.json"
VERDICTS = ROOT / "benchmarks" / "data" / "longcot_verdicts.json"  # hand verdicts on disagreements, by id


def verdicts() -> dict[str, list[str]]:
    """Hand verdicts (source_wrong / redstar_wrong / ambiguous, with the reason) read off each disagreement."""
    if not VERDICTS.is_file():
        return {}
    return {k: v for k, v in json.loads(VERDICTS.read_text()).items() if not k.startswith("_")}


def load(path: Path) -> list[dict]:
    """Rows of one file that carry the source's label (s1K rows have none)."""
    rows = [json.loads(line) for line in path.open()]
    return [r for r in rows if (r.get("meta") or {}).get("label_correct") is not None]


def measure(rows: list[dict], workers: int) -> tuple[dict, list[dict]]:
    """Agreement figures for one file and the rows where our verdict and the source label differ."""
    from redstar_data.registry import VERIFIERS

    verifier = VERIFIERS.get("math")()
    t0 = time.perf_counter()
    verdicts = verifier.check_many([(r["response"], r["reference_answer"]) for r in rows], workers=workers)
    wall = time.perf_counter() - t0
    ours_yes_src_no = ours_no_src_yes = no_answer = agree = 0
    differ: list[dict] = []
    for r, v in zip(rows, verdicts, strict=True):
        mine, theirs = v.label == "correct", bool(r["meta"]["label_correct"])
        no_answer += v.label == "no_answer"
        if mine == theirs:
            agree += 1
            continue
        ours_yes_src_no += mine
        ours_no_src_yes += theirs
        differ.append(
            {
                "id": r["id"],
                "ours": v.label,
                "source": "correct" if theirs else "incorrect",
                "extracted": (v.extracted or "")[:200],
                "method": v.method,
                "extraction": v.details.get("extraction"),
                "source_pred": (r["meta"].get("source_pred") or "")[:200] or None,
                "reference": r["reference_answer"][:200],
            }
        )
    n = len(rows)
    stats = {
        "labelled": n,
        "agreement": round(agree / n, 4) if n else None,
        "disagree": n - agree,
        "ours_correct_source_incorrect": ours_yes_src_no,
        "ours_incorrect_source_correct": ours_no_src_yes,
        "no_answer": no_answer,
        "items_per_s": round(n / wall, 1) if wall else None,
        "chars": sum(len(r["response"]) for r in rows),
    }
    return stats, differ


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if not args.data.is_dir():
        print(f"skip: {args.data} is absent")
        return
    from redstar_data.verify.math import VERSION

    files: dict[str, dict] = {}
    disagreements: dict[str, list[dict]] = {}
    total = {"labelled": 0, "agree": 0, "no_answer": 0, "wall": 0.0}
    for path in sorted(args.data.glob("*.jsonl")):
        rows = load(path)
        if not rows:
            continue
        stats, differ = measure(rows, args.workers)
        files[path.name] = stats
        disagreements[path.name] = differ
        total["labelled"] += stats["labelled"]
        total["agree"] += stats["labelled"] - stats["disagree"]
        total["no_answer"] += stats["no_answer"]
        total["wall"] += stats["labelled"] / stats["items_per_s"]
        print(
            f"{path.name:42s} n={stats['labelled']:4d} agree={stats['agreement']:.3f} "
            f"we+/src-={stats['ours_correct_source_incorrect']:3d} we-/src+={stats['ours_incorrect_source_correct']:3d} "
            f"no_answer={stats['no_answer']:3d} {stats['items_per_s']:.0f} items/s"
        )
    read = verdicts()
    counts: dict[str, int] = {}
    for differ in disagreements.values():
        for d in differ:
            d["verdict"], d["why"] = read.get(d["id"], ["unread", ""])
            counts[d["verdict"]] = counts.get(d["verdict"], 0) + 1
    overall = {
        "labelled": total["labelled"],
        "agreement": round(total["agree"] / total["labelled"], 4),
        "disagree": total["labelled"] - total["agree"],
        "no_answer": total["no_answer"],
        "verdicts": counts,
        "items_per_s": round(total["labelled"] / total["wall"], 1),
    }
    print(
        f"{'all':42s} n={overall['labelled']:4d} agree={overall['agreement']:.3f} disagree={overall['disagree']}"
        f" verdicts={counts}"
    )
    out = {
        "verifier_version": VERSION,
        "workers": args.workers,
        "overall": overall,
        "files": files,
        "disagreements": disagreements,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
