"""Imported responses are counted by a named tokenizer when one is given, and the card says which counted;
without one the count is named a whitespace estimate (issue 15, finding 6)."""

from __future__ import annotations

import json

import pyarrow as pa

from redstar_data.export.run import export
from redstar_data.ingest.run import ingest


def _tokenizer(path):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    corpus = [f"What is {i} + {i}? The sum is {2 * i}. \\boxed{{{2 * i}}}" for i in range(300)]
    tok.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=300, special_tokens=["[UNK]"],
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))  # fmt: skip
    path.mkdir()
    tok.save(str(path / "tokenizer.json"))
    return tok


def _responses(path):
    rows = [{"problem": f"What is {i} + {i}?", "answer": str(2 * i), "response": f"Adding:{i}+{i}={2 * i}. \\boxed{{{2 * i}}}"}
            for i in range(8)]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows


def _label_all(cat):
    tids = cat.arrow("SELECT trace_id FROM traces")["trace_id"].to_pylist()
    cat.append("verifications", pa.table({"trace_id": tids, "verifier": ["math"] * len(tids),
                                          "verifier_version": ["1"] * len(tids), "label": ["correct"] * len(tids)}))  # fmt: skip


def test_ingest_counts_tokens_with_the_named_tokenizer(catalog, tmp_path):
    tok = _tokenizer(tmp_path / "tiny_bpe")
    rows = _responses(tmp_path / "r.jsonl")
    ingest(catalog, str(tmp_path / "r.jsonl"), model="m", tokenizer=str(tmp_path / "tiny_bpe"))
    got = catalog.arrow(
        "SELECT text, n_tokens, json_extract_string(meta, '$.token_counter') AS c FROM traces ORDER BY text"
    ).to_pylist()
    want = sorted(r["response"] for r in rows)
    assert [g["text"] for g in got] == want
    for g in got:
        assert g["n_tokens"] == len(tok.encode(g["text"], add_special_tokens=False).ids) > 2  # not 2 words
        assert g["c"] == "tiny_bpe"
    _label_all(catalog)
    rec = tmp_path / "s.yaml"
    rec.write_text("name: s\n")
    export(catalog, rec, out_dir=tmp_path / "o")
    card = (tmp_path / "o" / "README.md").read_text()
    assert "Counted by: `tiny_bpe`." in card


def test_without_a_tokenizer_the_count_is_named_an_estimate(catalog, tmp_path):
    _responses(tmp_path / "r.jsonl")
    ingest(catalog, str(tmp_path / "r.jsonl"), model="m")
    assert catalog.arrow("SELECT DISTINCT json_extract_string(meta, '$.token_counter') AS c FROM traces")[
        "c"
    ].to_pylist() == ["whitespace-estimate"]
    _label_all(catalog)
    rec = tmp_path / "s.yaml"
    rec.write_text("name: s\n")
    export(catalog, rec, out_dir=tmp_path / "o")
    card = (tmp_path / "o" / "README.md").read_text()
    assert (
        "Counted by: `whitespace-estimate`. A `whitespace-estimate` is a count of words, not tokens." in card
    )


def test_traces_max_tokens_filters_on_the_real_count(catalog, tmp_path):
    """Finding 7: ``traces.max_tokens`` filtered on whitespace estimates (4,183 "tokens" that were 15,491).
    With a tokenizer named, a budget between the word count and the token count leaves the rows out."""
    tok = _tokenizer(tmp_path / "tiny_bpe")
    rows = _responses(tmp_path / "r.jsonl")
    words = max(len(r["response"].split()) for r in rows)
    tokens = min(len(tok.encode(r["response"], add_special_tokens=False).ids) for r in rows)
    assert words < tokens
    ingest(catalog, str(tmp_path / "r.jsonl"), model="m", tokenizer=str(tmp_path / "tiny_bpe"))
    _label_all(catalog)
    rec = tmp_path / "s.yaml"
    rec.write_text(f"name: s\ntraces: {{max_tokens: {words}}}\nallow_smaller: true\n")
    rep = export(catalog, rec, dry_run=True)
    assert rep.rungs[-1].n_rows == 0
