"""Accuracy goals on the real labelled sets (../shared/data/verifier), skipped when the folder is absent."""

from __future__ import annotations

import json
from pathlib import Path

from redstar_data.verify.math import check_many


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open()]


def test_dev_accuracy(shared_data: Path) -> None:
    rows = _load(shared_data / "verifier" / "dev.jsonl")
    verdicts = check_many([(r["response"], r["reference"]) for r in rows], workers=2)
    preds = [v.correct for v in verdicts]
    acc = sum(p == r["label"] for p, r in zip(preds, rows, strict=True)) / len(rows)
    tp = sum(p and r["label"] for p, r in zip(preds, rows, strict=True))
    fp = sum(p and not r["label"] for p, r in zip(preds, rows, strict=True))
    assert acc >= 0.985, acc
    assert tp / (tp + fp) >= 0.98
    assert not any(v.label in ("timeout", "error") for v in verdicts)


def test_pairs_accuracy(shared_data: Path) -> None:
    rows = _load(shared_data / "verifier" / "pairs-dev.jsonl")
    verdicts = check_many([("\\boxed{" + r["candidate"] + "}", r["reference"]) for r in rows], workers=2)
    acc = sum(v.correct == r["label"] for v, r in zip(verdicts, rows, strict=True)) / len(rows)
    assert acc >= 0.95, acc
