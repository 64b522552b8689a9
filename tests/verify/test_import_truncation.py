"""Imported responses that were cut off (no finish reason recorded) are flagged truncated and labelled
no_answer, not incorrect through the last-number fallback (issue 15, finding 5)."""

from __future__ import annotations

import json

from redstar_data.ingest.run import ingest
from redstar_data.verify.filters import truncation
from redstar_data.verify.run import verify

THOUGHT = "Let me try x = 12, then 3 times 12 is 36, which is too small, so maybe 48 works. " * 40


def test_cut_off_imports_are_truncated_no_answer(catalog, tmp_path):
    rows = [
        # Sky-T1 style, the thought never closed (the 14B AIME rows: 100K characters, no answer)
        {"id": "a", "problem": "Find x. (a)", "answer": "204", "response": "<|begin_of_thought|>\n\n" + THOUGHT},
        # untagged, stops mid-sentence with no final answer
        {"id": "b", "problem": "Find x. (b)", "answer": "204", "response": THOUGHT + "so the value of 7 and"},
        # complete and wrong: stays incorrect
        {"id": "c", "problem": "Find x. (c)", "answer": "204", "response": THOUGHT + "The answer is $\\boxed{48}$."},
    ]  # fmt: skip
    f = tmp_path / "cut.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ingest(catalog, str(f), model="m")
    verify(catalog, workers=1)
    t = catalog.arrow(
        "SELECT p.source_key AS k, l.label, coalesce(list_contains(l.flags, 'truncated'), FALSE) AS cut "
        "FROM trace_labels l JOIN problems p USING (problem_id) ORDER BY k"
    ).to_pylist()
    assert [(r["k"], r["label"], r["cut"]) for r in t] == [
        ("a", "no_answer", True),
        ("b", "no_answer", True),
        ("c", "incorrect", False),
    ]


def test_a_missing_closing_tag_alone_is_not_truncation():
    done = "<|begin_of_thought|>x<|end_of_thought|><|begin_of_solution|>So it is $\\boxed{5}$."
    assert truncation(done, "import") is None
    assert truncation("Short reply that ends and", "import") is None  # too short to judge
    assert truncation(THOUGHT + "and then", "stop") is None  # a generated trace says why it stopped
