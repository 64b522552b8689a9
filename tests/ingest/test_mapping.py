"""Presets, auto-detection, imported traces, level labels, and the fast problem-id SQL."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redstar_data.ids import problem_id, trace_id
from redstar_data.ingest.mapping import detect_preset, problem_id_fast_sql
from redstar_data.ingest.run import ingest


def _write(tmp_path: Path, name: str, rows: list[dict]) -> Path:
    p = tmp_path / name
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


@pytest.mark.parametrize(("cols", "preset"), [
    (["problem", "answer", "level"], "math"),
    (["question", "final_answer"], "math"),
    (["prompt", "response"], "prompt_response"),
    (["question", "input_output", "difficulty"], "taco"),
    (["messages"], "conversations"),
    (["conversations", "id"], "conversations"),
])  # fmt: skip
def test_detect_preset(cols, preset) -> None:
    assert detect_preset(cols) == preset


def test_prompt_response_imports_traces_with_sample_indices(catalog, tmp_path: Path) -> None:
    rows = [{"prompt": "What is 2+2?", "response": "It is 4.", "model": "m-a"},
            {"prompt": "What is 2+2?", "response": "Four, I think.", "model": "m-a"},
            {"prompt": "What is 3+3?", "response": "6", "model": "m-a"},
            {"prompt": "What is 2+2?", "response": "4!", "model": "m b"}]  # fmt: skip
    p = _write(tmp_path, "pairs.jsonl", rows)
    r = ingest(catalog, str(p))
    assert (r.preset, r.preset_auto, r.n_new, r.n_present, r.n_traces) == ("prompt_response", True, 2, 2, 4)
    assert r.run_ids == ["import-pairs-m-a", "import-pairs-m-b"]
    pid = problem_id("What is 2+2?")
    t = catalog.arrow("SELECT trace_id, run_id, sample_index, text, finish_reason, n_tokens FROM traces "
                      "WHERE problem_id = ? ORDER BY run_id, sample_index", [pid]).to_pylist()  # fmt: skip
    assert [(x["run_id"], x["sample_index"], x["text"]) for x in t] == [
        ("import-pairs-m-a", 0, "It is 4."),
        ("import-pairs-m-a", 1, "Four, I think."),
        ("import-pairs-m-b", 0, "4!"),
    ]
    assert t[0]["trace_id"] == trace_id(pid, "import-pairs-m-a", 0)
    assert t[1]["finish_reason"] == "import" and t[1]["n_tokens"] == 3
    run = catalog.arrow("SELECT kind, model FROM runs WHERE run_id = 'import-pairs-m-b'").to_pylist()[0]
    assert run == {"kind": "import", "model": "m b"}
    again = ingest(catalog, str(p))
    assert again.n_traces == 0 and catalog.count("traces") == 4


def test_model_flag_overrides_column(catalog, tmp_path: Path) -> None:
    p = _write(tmp_path, "pr.jsonl", [{"prompt": "Q1", "response": "A1", "teacher_model": "x"}])
    r = ingest(catalog, str(p), model="QwQ-32B")
    assert r.run_ids == ["import-pr-QwQ-32B"]


def test_conversations_first_user_and_assistant_turns(catalog, tmp_path: Path) -> None:
    rows = [
        {
            "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": "Q: 5*5?"},
                {"role": "assistant", "content": "25"},
                {"role": "user", "content": "again"},
            ]
        },
        {
            "conversations": None,
            "messages": [{"from": "human", "value": "Q: 6*6?"}, {"from": "gpt", "value": "36"}],
        },
    ]
    p = _write(tmp_path, "chats.jsonl", rows)
    r = ingest(catalog, str(p), model="chat-model")
    assert r.preset == "conversations" and r.n_new == 2 and r.n_traces == 2
    got = catalog.arrow(
        "SELECT p.problem, t.text FROM problems p JOIN traces t USING (problem_id) ORDER BY 1"
    ).to_pylist()
    assert got == [{"problem": "Q: 5*5?", "text": "25"}, {"problem": "Q: 6*6?", "text": "36"}]


def test_levels_go_to_problems_and_difficulty_labels(catalog, tmp_path: Path) -> None:
    rows = [
        {"problem": "p1", "level": "Level 3"},
        {"problem": "p2", "level": 5},
        {"problem": "p3", "level": "weird"},
        {"problem": "p4"},
    ]
    p = _write(tmp_path, "lv.jsonl", rows)
    ingest(catalog, str(p))
    ingest(catalog, str(p))
    got = catalog.arrow("SELECT p.problem, p.level, d.score, d.details FROM problems p LEFT JOIN difficulty d "
                        "USING (problem_id) ORDER BY 1").to_pylist()  # fmt: skip
    assert [(g["problem"], g["level"], g["score"]) for g in got] == [
        ("p1", "Level 3", 3.0),
        ("p2", "5", 5.0),
        ("p3", "weird", None),
        ("p4", None, None),
    ]
    assert json.loads(got[0]["details"]) == {"raw": "Level 3", "source_id": "lv"}
    assert catalog.scalar("SELECT count(*) FROM difficulty WHERE method = 'label' AND model = 'lv'") == 3


def test_dotted_path_mapping_and_answer_lists(catalog, tmp_path: Path) -> None:
    rows = [{"q": "Find x and y.", "meta": {"sol": ["step 1", "step 2"]}, "final_answer": ["1", "2"]}]
    p = _write(tmp_path, "dot.jsonl", rows)
    ingest(catalog, str(p), mapping={"problem": "q", "solution": "meta.sol"}, domain="algebra")
    row = catalog.arrow("SELECT domain, answer, solution FROM problems").to_pylist()[0]
    assert row == {"domain": "algebra", "answer": "1, 2", "solution": "step 1\n\nstep 2"}


TRICKY = [
    "plain",
    " lead",
    "trail ",
    "two  spaces",
    "tab\there",
    "new\nline",
    "cr\r\nlf",
    "é composed",
    "e\u0301 decomposed",
    "nbsp\u00a0kept",
    "\u3000ideographic",
    "",
    "  ",
    "x\x0by\x0cz",
    "ünï  cödé\n",
]


def _sql_ids(texts: list[str]) -> list[str]:
    con = duckdb.connect()
    return [r[0] for r in con.execute(f"SELECT {problem_id_fast_sql('t')} FROM unnest(?::VARCHAR[]) u(t)",
                                      [texts]).fetchall()]  # fmt: skip


def test_fast_problem_id_sql_agrees_with_python_on_tricky_text() -> None:
    assert _sql_ids(TRICKY) == [problem_id(t) for t in TRICKY]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab \t\n\r\x0b\x0céeu\u0301\u00a0$\\{}")), max_size=12),
                min_size=1, max_size=20))  # fmt: skip
def test_fast_problem_id_sql_agrees_with_python_property(texts: list[str]) -> None:
    assert _sql_ids(texts) == [problem_id(t) for t in texts]
