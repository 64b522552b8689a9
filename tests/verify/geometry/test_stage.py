"""``redstar verify`` on geometry problems in a real catalog: the geometry verifier labels them with the
problems' ``choices`` / ``answer_letter`` columns, and a bare letter answer is a final answer for the flags."""

from __future__ import annotations

import json

import pyarrow as pa

from redstar_data.ids import problem_id, trace_id
from redstar_data.verify.geometry import VERSION
from redstar_data.verify.run import verify

PROBLEMS = [
    ("Find m \\angle 4.", "55", ["26", "39", "55", "62"], "C", "geometry"),
    ("Find y.", "4 \\sqrt { 3 }", ["2 \\sqrt { 3 }", "4", "4 \\sqrt { 3 }", "8"], "C", "geometry"),
    ("As shown in the diagram, AB=4. Find BC.", "2*sqrt(3)", None, None, "geometry"),
]
TRACES = [  # (problem index, text, label expected)
    (0, "Angle 3 is 125°, so angle 4 is 55°.\n\nAnswer: C", "correct"),
    (0, "Angle 4 is 55°, that is option B.\n\nAnswer: B", "incorrect"),
    (1, "The hypotenuse is 8, so y = 4√3.\n\n**C**", "correct"),
    (1, "So y = 2\\sqrt{3}, the answer is \\boxed{2\\sqrt{3}}.", "incorrect"),
    (2, "BC = \\sqrt{12} = 2\\sqrt{3}. The answer is \\boxed{2\\sqrt{3}}.", "correct"),
    (2, "I need the figure to continue with the construction of the bisector.", "no_answer"),
]


def _seed(catalog) -> list[str]:  # noqa: ANN001
    pids = [problem_id(p, None) for p, *_ in PROBLEMS]
    catalog.append(
        "problems",
        pa.table(
            {
                "problem_id": pids,
                "source_id": ["t"] * len(PROBLEMS),
                "domain": [d for *_, d in PROBLEMS],
                "problem": [p for p, *_ in PROBLEMS],
                "answer": [a for _, a, *_ in PROBLEMS],
                "choices": [json.dumps(c) if c else None for _, _, c, _, _ in PROBLEMS],
                "answer_letter": [letter for *_, letter, _ in PROBLEMS],
            }
        ),
    )
    catalog.append(
        "traces",
        pa.table(
            {
                "trace_id": [trace_id(pids[i], "r1", k) for k, (i, _, _) in enumerate(TRACES)],
                "problem_id": [pids[i] for i, _, _ in TRACES],
                "run_id": ["r1"] * len(TRACES),
                "sample_index": pa.array(range(len(TRACES)), pa.int32()),
                "text": [t for _, t, _ in TRACES],
                "finish_reason": ["stop"] * len(TRACES),
            }
        ),
    )
    return pids


def test_verify_labels_geometry_with_choices_and_flags_letters_as_answers(catalog) -> None:  # noqa: ANN001
    pids = _seed(catalog)
    rep = verify(catalog, workers=1)
    assert rep.labelled == len(TRACES) and rep.no_verifier == {} and "geometry" in rep.verifier
    rows = catalog.arrow(
        "SELECT t.text, v.verifier, v.verifier_version, v.label FROM verifications v JOIN traces t USING (trace_id)"
    ).to_pylist()
    got = {r["text"]: (r["verifier"], r["label"]) for r in rows}
    for _, text, label in TRACES:
        assert got[text] == ("geometry", label), text
    assert {r["verifier_version"] for r in rows if r["verifier"] == "geometry"} == {VERSION}
    flagged = catalog.arrow(
        "SELECT t.text, f.flag FROM trace_flags f JOIN traces t USING (trace_id) WHERE f.flag = 'no_final_answer'"
    ).to_pylist()
    # "Answer: C" and "**C**" are final answers for geometry; only the trace without one is flagged
    assert [r["text"] for r in flagged] == [TRACES[5][1]]
    assert verify(catalog, workers=1).labelled == 0  # resumable: nothing left to do
    assert len(pids) == len(PROBLEMS)
