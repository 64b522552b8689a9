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


def _tokenizer(path):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["[UNK]"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())  # fmt: skip
    tok.train_from_iterator([THOUGHT] * 3, trainer)
    path.mkdir()
    tok.save(str(path / "tokenizer.json"))
    return tok


def test_a_response_at_the_stated_budget_without_an_answer_is_truncated(catalog, tmp_path):
    """Length against the stated budget: a response that ends on a full stop (no tag, nothing mid-sentence)
    but fills the run's max_tokens with no final answer was cut by the budget. Counted by a real tokenizer
    (verify --tokenizer); a whitespace estimate never decides it, and without a stated budget nothing does."""
    tok = _tokenizer(tmp_path / "bpe")
    full = THOUGHT.strip()  # ends with "works."
    n = len(tok.encode(full, add_special_tokens=False).ids)
    rows = [
        {"id": "a", "problem": "Find x. (a)", "answer": "204", "response": full},
        # half the budget and no answer: short of it, so not cut by it
        {"id": "b", "problem": "Find x. (b)", "answer": "204", "response": full[: len(full) // 2].rsplit(" ", 1)[0] + "."},
    ]  # fmt: skip
    f = tmp_path / "budget.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))

    def flags():
        return catalog.arrow(
            "SELECT p.source_key AS k, l.label, f.detail FROM trace_labels l JOIN problems p USING (problem_id) "
            "LEFT JOIN trace_flags f ON f.trace_id = l.trace_id AND f.flag = 'truncated' ORDER BY k"
        ).to_pylist()

    words = len(full.split())
    # counted as whitespace estimates at ingest, and a budget the estimate of "a" reaches: still no flag
    ingest(catalog, str(f), model="m", max_tokens=words)
    rep = verify(catalog, workers=1)
    assert rep.token_counter is None
    assert catalog.scalar("SELECT max(n_tokens) FROM traces") == words
    assert [r["detail"] for r in flags()] == [None, None]  # words are not tokens: no budget check
    catalog.execute("DELETE FROM trace_flags")
    catalog.execute("DELETE FROM verifications")
    ingest(catalog, str(f), model="m", max_tokens=n)  # the budget stated again (the run's is updated)
    rep = verify(catalog, workers=1, tokenizer=str(tmp_path / "bpe"))
    assert rep.token_counter == "bpe" and rep.tokens_counted == 2
    got = flags()
    assert (
        got[0]["label"] == "no_answer"
        and got[0]["detail"] == f"{n} tokens of a stated budget of {n} and no final answer"
    )
    assert got[1]["detail"] is None
    assert catalog.rows(
        "SELECT n_tokens, json_extract_string(meta, '$.token_counter') FROM traces ORDER BY n_tokens DESC LIMIT 1"
    ) == [(n, "bpe")]
    assert verify(catalog, workers=1, tokenizer=str(tmp_path / "bpe")).tokens_counted == 0  # counted once


def test_verify_cli_counts_tokens_with_the_named_tokenizer(catalog_path, tmp_path):
    from typer.testing import CliRunner

    from redstar_data.catalog import Catalog
    from redstar_data.cli.app import app

    _tokenizer(tmp_path / "bpe")
    f = tmp_path / "r.jsonl"
    f.write_text(
        json.dumps({"problem": "Find x.", "answer": "204", "response": THOUGHT + "So $\\boxed{204}$."}) + "\n"
    )
    with Catalog.open(catalog_path) as cat:
        ingest(cat, str(f), model="m")
    r = CliRunner().invoke(
        app, ["verify", "-c", str(catalog_path), "--workers", "1", "--tokenizer", str(tmp_path / "bpe")]
    )
    assert r.exit_code == 0, r.output
    assert "recounted by bpe" in r.output
    with Catalog.open(catalog_path, read_only=True) as cat:
        assert cat.rows("SELECT json_extract_string(meta, '$.token_counter') FROM traces") == [("bpe",)]
    r = CliRunner().invoke(app, ["verify", "-c", str(catalog_path), "--tokenizer", str(tmp_path / "nope")])
    assert r.exit_code != 0 and "no tokenizer.json" in str(r.exception)
