"""A real catalog populated directly through the store API: sources, problems, runs, traces, labels, flags,
dedup, contamination and difficulty rows, with known counts so tests can assert exact selections."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from redstar_data.ids import problem_id, trace_id


@dataclass
class Built:
    """What the builder wrote (for expected values)."""

    problems: dict[str, dict]  # problem_id -> row
    traces: dict[str, dict]  # trace_id -> row incl. label


def build_catalog(cat, *, per_source: dict[str, int] | None = None, samples: int = 4, seed: int = 0) -> Built:
    """Problems in sources (math + one code source + a benchmark), ``samples`` traces each, labelled.

    Sample i of problem j has 100 * (i + 1) + j % 7 tokens; it is correct when (i + j) % 3 != 0, so
    every problem has correct and incorrect traces. Every 10th problem's sample 0 is flagged truncated.
    """
    per_source = per_source or {"alpha": 60, "beta": 30, "gamma": 10}
    src_rows = {"source_id": [], "kind": [], "uri": [], "is_benchmark": []}
    for s in [*per_source, "bench"]:
        src_rows["source_id"].append(s)
        src_rows["kind"].append("benchmark" if s == "bench" else "synthetic")
        src_rows["uri"].append(f"synthetic:{s}")
        src_rows["is_benchmark"].append(s == "bench")
    cat.append("sources", pa.table(src_rows))
    probs: dict[str, dict] = {}
    j = 0
    for s, n in per_source.items():
        for i in range(n):
            dom = "code" if s == "gamma" else "math"
            text = f"[{s}] What is {i} + {j}? Problem {j}."
            pid = problem_id(text)
            probs[pid] = {
                "problem_id": pid,
                "source_id": s,
                "source_key": str(i),
                "row_number": i + 1,
                "domain": dom,
                "problem": text,
                "answer": str(i + j),
                "solution": None,
                "tests": '[{"input": "1", "output": "1"}]' if dom == "code" else None,
                "level": f"Level {1 + j % 5}",
                "j": j,
            }
            j += 1
    bench_text = "[bench] A benchmark problem."
    bpid = problem_id(bench_text)
    probs[bpid] = {
        "problem_id": bpid,
        "source_id": "bench",
        "source_key": "0",
        "row_number": 1,
        "domain": "math",
        "problem": bench_text,
        "answer": "1",
        "solution": None,
        "tests": None,
        "level": None,
        "j": j,
    }
    cols = [
        "problem_id",
        "source_id",
        "source_key",
        "row_number",
        "domain",
        "problem",
        "answer",
        "solution",
        "level",
    ]
    tbl = {c: [p[c] for p in probs.values()] for c in cols}
    tbl["tests"] = pa.array([p["tests"] for p in probs.values()], pa.string())
    cat.insert_new("problems", pa.table(tbl), ["problem_id"])
    cat.insert_new(
        "problem_sources",
        pa.table({"problem_id": list(probs), "source_id": [p["source_id"] for p in probs.values()]}),
        ["problem_id", "source_id"],
    )
    cat.append("runs", pa.table({"run_id": ["teacher-a", "teacher-b"], "kind": ["teacher", "teacher"]}))
    traces: dict[str, dict] = {}
    for pid, p in probs.items():
        jj = p["j"]
        for i in range(samples):
            run = "teacher-a" if i < samples - 1 else "teacher-b"
            tid = trace_id(pid, run, i)
            label = "correct" if (i + jj) % 3 != 0 else "incorrect"
            traces[tid] = {
                "trace_id": tid,
                "problem_id": pid,
                "run_id": run,
                "sample_index": i,
                "text": f"<think>sample {i} of {jj}</think> The answer is \\boxed{{{p['answer']}}}.",
                "finish_reason": "stop",
                "n_tokens": 100 * (i + 1) + jj % 7,
                "label": label,
            }
    tcols = ["trace_id", "problem_id", "run_id", "sample_index", "text", "finish_reason", "n_tokens"]
    cat.insert_new("traces", pa.table({c: [t[c] for t in traces.values()] for c in tcols}), ["trace_id"])
    cat.append(
        "verifications",
        pa.table(
            {
                "trace_id": list(traces),
                "verifier": ["math"] * len(traces),
                "verifier_version": ["1.0.0"] * len(traces),
                "label": [t["label"] for t in traces.values()],
            }
        ),
    )
    flagged = [
        tid for tid, t in traces.items() if t["sample_index"] == 0 and probs[t["problem_id"]]["j"] % 10 == 0
    ]
    cat.append(
        "trace_flags",
        pa.table(
            {
                "trace_id": flagged,
                "flag": ["truncated"] * len(flagged),
                "filter_version": ["1"] * len(flagged),
            }
        ),
    )
    # dedup: every problem canonical except two duplicates in alpha
    pids = [pid for pid, p in probs.items() if p["source_id"] != "bench"]
    dup = {pids[1]: pids[0], pids[2]: pids[0]}
    cat.append(
        "dedup",
        pa.table(
            {
                "problem_id": pids,
                "exact_hash": pids,
                "cluster_id": [dup.get(p, p) for p in pids],
                "is_canonical": [p not in dup for p in pids],
                "method": ["minhash"] * len(pids),
            }
        ),
    )
    cat.append(
        "contamination", pa.table({"problem_id": [pids[3]], "benchmark": ["bench"], "method": ["ngram"]})
    )
    cat.append(
        "difficulty",
        pa.table(
            {
                "problem_id": pids,
                "method": ["label"] * len(pids),
                "score": [float(1 + probs[p]["j"] % 5) for p in pids],
                "model": ["level"] * len(pids),
            }
        ),
    )
    return Built(problems=probs, traces=traces)


@pytest.fixture
def built(catalog) -> Built:
    return build_catalog(catalog)


@pytest.fixture
def write_recipe(tmp_path: Path):
    def _write(text: str, name: str = "r.yaml") -> Path:
        p = tmp_path / name
        p.write_text(text)
        return p

    return _write


def build_geo_catalog(cat, *, samples: int = 3) -> Built:
    """The demo's geometry problems (a Pillow diagram each, some multiple choice) in source ``geo``, with
    ``samples`` traces each labelled by verifier ``geometry``: sample i of problem j is correct when
    (i + j) % 3 != 0. The last problem shows its diagram twice (two image parts, same bytes)."""
    import json

    from redstar_data.images import put_images
    from redstar_data.ingest.demo_geometry import geometry_problems

    rows = geometry_problems()
    infos = put_images(cat, [r["image_bytes"] for r in rows])
    cat.append("sources", pa.table({"source_id": ["geo"], "kind": ["file"], "uri": ["geo.jsonl"],
                                    "is_benchmark": [False]}))  # fmt: skip
    probs: dict[str, dict] = {}
    for j, (r, info) in enumerate(zip(rows, infos, strict=True)):
        ids = [info.image_id]
        if j == len(rows) - 1:
            ids = ids * 2
        pid = problem_id(r["problem"], ids)
        probs[pid] = {
            "problem_id": pid,
            "source_id": "geo",
            "source_key": r["id"],
            "row_number": j + 1,
            "domain": "geometry",
            "problem": r["problem"],
            "answer": r["answer"],
            "level": r["level"],
            "images": json.dumps(ids),
            "choices": None if r["choices"] is None else json.dumps(r["choices"]),
            "answer_letter": r["answer_letter"],
            "j": j,
        }
    cols = ["problem_id", "source_id", "source_key", "row_number", "domain", "problem", "answer", "level"]
    tbl = {c: [p[c] for p in probs.values()] for c in cols}
    for c in ("images", "choices", "answer_letter"):
        tbl[c] = pa.array([p[c] for p in probs.values()], pa.string())
    cat.insert_new("problems", pa.table(tbl), ["problem_id"])
    cat.insert_new(
        "problem_sources",
        pa.table({"problem_id": list(probs), "source_id": ["geo"] * len(probs)}),
        ["problem_id", "source_id"],
    )
    cat.append("runs", pa.table({"run_id": ["geo-teacher"], "kind": ["teacher"]}))
    traces: dict[str, dict] = {}
    for pid, p in probs.items():
        for i in range(samples):
            tid = trace_id(pid, "geo-teacher", i)
            ok = (i + p["j"]) % 3 != 0
            final = (p["answer_letter"] or p["answer"]) if ok else "0"
            traces[tid] = {
                "trace_id": tid,
                "problem_id": pid,
                "run_id": "geo-teacher",
                "sample_index": i,
                "text": f"<think>geo sample {i} of {p['j']}</think> The answer is \\boxed{{{final}}}.",
                "finish_reason": "stop",
                "n_tokens": 50 * (i + 1) + p["j"],
                "label": "correct" if ok else "incorrect",
            }
    tcols = ["trace_id", "problem_id", "run_id", "sample_index", "text", "finish_reason", "n_tokens"]
    cat.insert_new("traces", pa.table({c: [t[c] for t in traces.values()] for c in tcols}), ["trace_id"])
    cat.append(
        "verifications",
        pa.table(
            {
                "trace_id": list(traces),
                "verifier": ["geometry"] * len(traces),
                "verifier_version": ["1"] * len(traces),
                "label": [t["label"] for t in traces.values()],
            }
        ),
    )
    return Built(problems=probs, traces=traces)


@pytest.fixture
def geo(catalog) -> Built:
    return build_geo_catalog(catalog)
