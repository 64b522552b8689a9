"""The curation rules (catalog/views/00_rules.sql, 01_latest_labels.sql) and that every user agrees with them.

Latest label = highest verifier_version in NUMERIC order, then the newest row; pass rate = correct /
verified over latest labels. The views, recipes (SFT/DPO/RL), the difficulty pass_rate method and
`redstar stats` all read the same definitions, so one catalog gives one answer everywhere.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from redstar_data.ids import trace_id

T0 = dt.datetime(2026, 1, 1, 12, 0, 0)
RUN = "teacher"


def _traces(cat, pid: str, n: int) -> list[str]:
    tids = [trace_id(pid, RUN, i) for i in range(n)]
    cat.insert_new(
        "traces",
        pa.table(
            {
                "trace_id": tids,
                "problem_id": [pid] * n,
                "run_id": [RUN] * n,
                "sample_index": list(range(n)),
                "text": [f"<think>try {i}</think> \\boxed{{{i}}}" for i in range(n)],
                "finish_reason": ["stop"] * n,
                "n_tokens": [100 + 10 * i for i in range(n)],
            }
        ),
        ["trace_id"],
    )
    return tids


def _label(cat, rows: list[tuple[str, str, str, int]]) -> None:
    """rows: (trace_id, verifier_version, label, minutes after T0)."""
    cat.append(
        "verifications",
        pa.table(
            {
                "trace_id": [r[0] for r in rows],
                "verifier": ["math"] * len(rows),
                "verifier_version": [r[1] for r in rows],
                "label": [r[2] for r in rows],
                "created_at": [T0 + dt.timedelta(minutes=r[3]) for r in rows],
            }
        ),
    )


@pytest.fixture
def versions(catalog, add):
    """One problem, one trace: verifier 1.10.0 said correct; an OLDER verifier, 1.9.0, ran later and said
    incorrect. 1.10.0 must win (a string order puts '1.10.0' below '1.9.0')."""
    (pid,) = add(catalog, "src", ["What is 6 * 7?"], answers=["42"])
    catalog.append("runs", pa.table({"run_id": [RUN], "kind": ["teacher"]}))
    (tid,) = _traces(catalog, pid, 1)
    _label(catalog, [(tid, "1.10.0", "correct", 0), (tid, "1.9.0", "incorrect", 60)])
    return pid, tid


def test_a_1_10_0_label_beats_a_1_9_0_one(catalog, versions):
    pid, tid = versions
    assert catalog.sql("SELECT verifier_version, label FROM latest_labels").fetchall() == [
        ("1.10.0", "correct")
    ]
    assert catalog.sql("SELECT label FROM trace_labels").fetchall() == [("correct",)]
    assert catalog.sql("SELECT pass_rate FROM problem_stats").fetchall() == [(1.0,)]
    assert catalog.sql("SELECT label FROM labels_of('math', '1.9.0')").fetchall() == [("incorrect",)]


def test_same_version_newest_row_wins(catalog, versions):
    _, tid = versions
    _label(catalog, [(tid, "1.10.0", "incorrect", 5)])
    assert catalog.sql("SELECT label FROM latest_labels").fetchall() == [("incorrect",)]


def test_recipes_use_the_rule_and_pin_verifier_version(catalog, versions, tmp_path):
    """Recipe `traces.verifier_version`: 'latest' takes the 1.10.0 label; a pin takes that version only."""
    from redstar_data.export.run import export

    _, tid = versions

    rec = tmp_path / "latest.yaml"
    rec.write_text("name: s\ntraces: {verifier_version: latest}\n")
    export(catalog, rec, out_dir=tmp_path / "latest")
    latest = pq.read_table(tmp_path / "latest" / "train.parquet").to_pylist()
    assert [r["trace_id"] for r in latest] == [tid]
    rec = tmp_path / "pinned.yaml"
    rec.write_text("name: s\ntraces: {verifier_version: '1.9.0'}\nallow_smaller: true\n")
    rep = export(catalog, rec, dry_run=True)
    assert rep.available == 0  # 1.9.0 called the only trace incorrect
    rec = tmp_path / "rl.yaml"
    rec.write_text("name: r\nkind: rl\ntraces: {verifier_version: '1.9.0'}\n")
    export(catalog, rec, out_dir=tmp_path / "rl")
    (row,) = pq.read_table(tmp_path / "rl" / "train.parquet").to_pylist()
    assert row["pass_rate"] == 0.0


def test_pass_rate_is_one_rule_for_views_difficulty_and_rl(catalog, add, tmp_path):
    """3 correct, 1 incorrect, 1 unverified: pass rate 0.75 everywhere (unverified traces do not count)."""
    from redstar_data.difficulty.run import score
    from redstar_data.export.run import export

    (pid,) = add(catalog, "src", ["What is 1 + 1?"], answers=["2"])
    catalog.append("runs", pa.table({"run_id": [RUN], "kind": ["teacher"]}))
    tids = _traces(catalog, pid, 5)
    labels = ["correct", "correct", "incorrect", "correct"]
    _label(catalog, [(t, "1.0.0", lab, 0) for t, lab in zip(tids, labels, strict=False)])
    stats = catalog.sql("SELECT n_traces, n_verified, n_correct, pass_rate FROM problem_stats").fetchall()
    assert stats == [(5, 4, 3, 0.75)]
    score(catalog, method="pass_rate", run=RUN)
    assert catalog.sql("SELECT score FROM difficulty WHERE method = 'pass_rate'").fetchall() == [(0.25,)]
    rec = tmp_path / "rl.yaml"
    rec.write_text("name: r\nkind: rl\n")
    export(catalog, rec, out_dir=tmp_path / "rl")
    (row,) = pq.read_table(tmp_path / "rl" / "train.parquet").to_pylist()
    assert row["pass_rate"] == 0.75


def test_stats_runs_the_named_queries(catalog, versions, catalog_path):
    """`redstar stats` has no SQL of its own: each section is a named query (`redstar sql --named`)."""
    from typer.testing import CliRunner

    from redstar_data.catalog.sql_files import named_queries
    from redstar_data.cli.app import app
    from redstar_data.cli.sql import STATS_QUERIES

    assert {name for _, name in STATS_QUERIES} <= set(named_queries())
    catalog.close()
    res = CliRunner().invoke(app, ["stats", "--catalog", str(catalog_path)])
    assert res.exit_code == 0, res.output
    assert "labels per verifier" in res.output and "1.10.0" in res.output and "1.9.0" not in res.output
