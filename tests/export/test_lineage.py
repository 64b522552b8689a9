"""Trace-level lineage: exported rows, cards, manifests and named queries name each trace's own teacher,
run and source, not the source that first held its problem (issue 15, finding 1)."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from redstar_data.catalog.sql_files import named_queries
from redstar_data.export.run import export
from redstar_data.ingest.run import ingest


def _responses(path, model: str, flag: bool) -> None:
    rows = [
        {"problem": f"What is {i} + {i}?", "answer": str(2 * i), "response": f"{2 * i}. \\boxed{{{2 * i}}}",
         "model": model, "source_correct": flag}
        for i in range(6)
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _rows(cat, query: str) -> list[tuple]:
    t = cat.arrow(query)
    return list(zip(*(t[c].to_pylist() for c in t.column_names), strict=True))


def test_export_rows_card_manifest_and_queries_carry_the_traces_teacher(catalog, tmp_path):
    # the problems come first from "qwq_out", then the same problems again with another teacher's responses
    _responses(tmp_path / "qwq_out.jsonl", "QwQ-32B", True)
    _responses(tmp_path / "r1_out.jsonl", "DeepSeek-R1", False)
    ingest(catalog, str(tmp_path / "qwq_out.jsonl"))
    ingest(catalog, str(tmp_path / "r1_out.jsonl"))
    tids = [r[0] for r in _rows(catalog, "SELECT trace_id FROM traces ORDER BY trace_id")]
    catalog.append(
        "verifications",
        pa.table({"trace_id": tids, "verifier": ["math"] * len(tids), "verifier_version": ["9.9"] * len(tids),
                  "label": ["correct"] * len(tids)}),
    )  # fmt: skip
    # per-response metadata stays on the trace (the problem's meta keeps whichever source came first)
    metas = _rows(
        catalog,
        "SELECT r.model, json_extract_string(t.meta, '$.row_meta.source_correct') FROM traces t JOIN runs r "
        "USING (run_id) ORDER BY 1, 2",
    )
    assert set(metas) == {("DeepSeek-R1", "false"), ("QwQ-32B", "true")}

    rec = tmp_path / "r.yaml"
    rec.write_text("name: one_teacher\nkind: sft\ntraces: {runs: [import-r1_out-DeepSeek-R1]}\n")
    rep = export(catalog, rec, out_dir=tmp_path / "o")
    t = pq.read_table(tmp_path / "o" / "train.parquet").to_pylist()
    assert len(t) == 6
    for row in t:
        assert row["model"] == "DeepSeek-R1"
        assert row["run_id"] == "import-r1_out-DeepSeek-R1"
        assert row["source_id"] == "r1_out"  # the trace's own source
        assert row["problem_source_id"] == "qwq_out"  # the problem's first source, named as such
        assert (row["verifier"], row["verifier_version"], row["label"]) == ("math", "9.9", "correct")
    rung = rep.rungs[-1]
    assert rung.by_source == {"r1_out": 6}
    assert rung.by_model == {"DeepSeek-R1": 6}
    assert rung.by_run == {"import-r1_out-DeepSeek-R1": 6}
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["rungs"][-1]["by_model"] == {"DeepSeek-R1": 6}
    card = (tmp_path / "o" / "README.md").read_text()
    assert "| DeepSeek-R1 | 6 |" in card and "qwq_out" not in card.split("## Recipe")[0]
    assert "https://github.com/)" not in card and str(tmp_path) not in card

    per_model = _rows(catalog, named_queries()["pass_rate_by_model"])
    assert [(m, s, n) for m, s, n, *_ in per_model] == [
        ("DeepSeek-R1", "r1_out", 6),
        ("QwQ-32B", "qwq_out", 6),
    ]


def test_export_difficulty_comes_from_the_rows_level_label(catalog, tmp_path):
    """Issue 15 (10): the longcot dumps keep MATH's level in ``meta.level``; it was ignored, so the problems
    had no level, no label difficulty, and every exported row said ``difficulty: unknown``."""
    rows = [
        {"problem": f"What is {i} + {i}?", "reference_answer": str(2 * i), "response": f"\\boxed{{{2 * i}}}",
         "teacher_model": "Sky-T1", "meta": {"level": 1 + i % 5, "benchmark": "math500"}}
        for i in range(6)
    ]  # fmt: skip
    (tmp_path / "sky.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    ingest(catalog, str(tmp_path / "sky.jsonl"))
    tids = [r[0] for r in _rows(catalog, "SELECT trace_id FROM traces ORDER BY trace_id")]
    catalog.append(
        "verifications",
        pa.table({"trace_id": tids, "verifier": ["math"] * len(tids), "verifier_version": ["9.9"] * len(tids),
                  "label": ["correct"] * len(tids)}),
    )  # fmt: skip
    assert _rows(catalog, "SELECT count(*) FROM difficulty WHERE method = 'label'") == [(6,)]
    rec = tmp_path / "r.yaml"
    rec.write_text("name: levels\nkind: sft\ntraces: {run_kinds: [import]}\n")
    rep = export(catalog, rec, out_dir=tmp_path / "o")
    got = sorted(r["difficulty"] for r in pq.read_table(tmp_path / "o" / "train.parquet").to_pylist())
    assert got == ["1", "1", "2", "3", "4", "5"]
    assert "unknown" not in rep.rungs[-1].by_difficulty
