"""Reference answers taken from solutions (issue 18) on a NuminaMath-style and a MetaMath-style file.

Usage: .venv/bin/python benchmarks/verifier_references.py

Writes two small files in those layouts (built here from a seeded RNG; nothing downloaded) to
benchmarks/data/solutions_{numina,metamath}_style.jsonl: NuminaMath-CoT's ``{problem, solution}`` with a
boxed final answer, MetaMath's ``{query, response}`` ending in ``The answer is: X``. Some rows have no final
answer, some two different ones (a contradicting second box, a box that disagrees with the stated answer).
Counts found / missing / ambiguous from ``answer_from_solution`` against what each row was built with, then
the NuminaMath-style file end to end: ``redstar ingest`` → ``redstar verify`` (which fills the references)
on a fresh catalog, with the labels of traces of those problems. Results: benchmarks/results/verifier_references.json.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"


def _value(rng: random.Random) -> str:
    a, b = rng.randint(1, 40), rng.randint(2, 9)
    return rng.choice(
        [str(a), f"\\frac{{{a}}}{{{b}}}", f"{a}\\sqrt{{{b}}}", f"({a}, {b})", f"x={a}", f"{a}\\pi"]
    )


def build(n: int = 60, seed: int = 18) -> tuple[list[dict], list[dict]]:
    """Rows with their intended outcome in ``_expect`` (found / missing / ambiguous)."""
    rng = random.Random(seed)
    numina, meta = [], []
    for i in range(n):
        v, w = _value(rng), _value(rng)
        while w == v:
            w = _value(rng)
        kind = rng.choices(["found", "missing", "ambiguous"], [8, 1, 1])[0]
        steps = f"Problem {i}. We compute step by step; the partial result is ${rng.randint(2, 99)}$."
        if kind == "found":
            tail = rng.choice(
                [f"Thus the answer is $\\boxed{{{v}}}$.", f"$$\\boxed{{{v}}}$$", f"so \\fbox{{{v}}}."]
            )
        elif kind == "missing":
            tail = "Hence the claim holds for every n."
        else:
            tail = f"First we get $\\boxed{{{v}}}$, and then $\\boxed{{{w}}}$."
        numina.append(
            {
                "problem": f"Problem {i}: find it.",
                "solution": f"{steps}\n{tail}",
                "_expect": kind,
                "_value": v,
            }
        )
        kind = rng.choices(["found", "missing", "ambiguous"], [8, 1, 1])[0]
        body = f"Let's compute: {rng.randint(2, 99)} + {rng.randint(2, 99)}."
        if kind == "found":
            resp = f"{body}\nSo the result is {v}.\nThe answer is: {v}"
        elif kind == "missing":
            resp = f"{body}\nWe stop here."
        else:
            resp = f"{body}\nSo we get $\\boxed{{{w}}}$.\nThe answer is: {v}"
        meta.append(
            {
                "query": f"Question {i}?",
                "response": resp,
                "type": "GSM_Rephrased",
                "_expect": kind,
                "_value": v,
            }
        )
    return numina, meta


def count(rows: list[dict], field: str) -> dict:
    from redstar_data.verify.equivalence import equivalent
    from redstar_data.verify.reference import answer_from_solution

    got: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    wrong = 0
    for r in rows:
        a = answer_from_solution(r[field])
        rules[a.rule] += 1
        outcome = "found" if a.answer is not None else ("ambiguous" if a.rule == "ambiguous" else "missing")
        got[outcome] += 1
        if outcome != r["_expect"] or (
            a.answer is not None and not equivalent(r["_value"], a.answer, None)[0]
        ):
            wrong += 1
    return {
        "rows": len(rows),
        **{k: got[k] for k in ("found", "missing", "ambiguous")},
        "rules": dict(rules),
        "not_as_built": wrong,
    }


def end_to_end(numina: list[dict]) -> dict:
    """``redstar ingest`` the NuminaMath-style file, add one correct trace per problem, ``redstar verify``."""
    import pyarrow as pa

    from redstar_data.catalog import Catalog
    from redstar_data.ids import trace_id

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "numina.jsonl"
        src.write_text(
            "".join(json.dumps({"problem": r["problem"], "solution": r["solution"]}) + "\n" for r in numina)
        )
        cat_path = Path(tmp) / "c.duckdb"
        red = [sys.executable, "-m", "redstar_data.cli.app"]
        ing = subprocess.run(
            [*red, "ingest", str(src), "--catalog", str(cat_path)], capture_output=True, text=True
        )
        if ing.returncode:
            return {"error": ing.stdout[-500:] + ing.stderr[-500:]}
        cat = Catalog.open(cat_path)
        pids = [p for (p,) in cat.rows("SELECT problem_id FROM problems ORDER BY row_number")]
        texts = [f"Working... so the answer is $\\boxed{{{r['_value']}}}$." for r in numina]
        cat.append(
            "traces",
            pa.table(
                {
                    "trace_id": [trace_id(p, "ref", 0) for p in pids],
                    "problem_id": pids,
                    "run_id": ["ref"] * len(pids),
                    "sample_index": pa.array([0] * len(pids), pa.int32()),
                    "text": texts,
                    "finish_reason": ["stop"] * len(pids),
                }
            ),
        )
        cat.close()
        ver = subprocess.run(
            [*red, "verify", "--catalog", str(cat_path), "--workers", "2"], capture_output=True, text=True
        )
        cat = Catalog.open(cat_path)
        labels = dict(cat.rows("SELECT label, count(*) FROM verifications GROUP BY 1"))
        rules = dict(
            cat.rows(
                "SELECT json_extract_string(meta, '$.answer_from.rule') AS r, count(*) FROM problems GROUP BY 1"
            )
        )
        cat.close()
    return {"verify_exit": ver.returncode, "labels": labels, "answer_from": rules}


def main() -> None:
    numina, meta = build()
    DATA.mkdir(parents=True, exist_ok=True)
    for name, rows in (("numina", numina), ("metamath", meta)):
        path = DATA / f"solutions_{name}_style.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    res = {"numina_style": count(numina, "solution"), "metamath_style": count(meta, "response")}
    res["numina_style_catalog"] = end_to_end(numina)
    for k, v in res.items():
        print(k, json.dumps(v))
    (ROOT / "benchmarks" / "results" / "verifier_references.json").write_text(
        json.dumps(res, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
