"""What a recipe selects: filters, pick policies, ladders, mixes, splits, oversize and bad SQL."""

from __future__ import annotations

import hashlib

import pyarrow.parquet as pq
import pytest

from redstar_data.errors import RecipeError
from redstar_data.export.run import export


def _rows(path):
    return pq.read_table(path).to_pylist()


def _expected_sft(built, *, flags=True):
    """Shortest correct, unflagged trace per selectable problem (computed in Python from the builder)."""
    pids = list(built.problems)
    dups, contaminated = {pids[1], pids[2]}, {pids[3]}
    out = {}
    for pid, p in built.problems.items():
        if p["source_id"] == "bench" or pid in dups or pid in contaminated or p["domain"] != "math":
            continue
        cands = [
            t
            for t in built.traces.values()
            if t["problem_id"] == pid
            and t["label"] == "correct"
            and not (flags and t["sample_index"] == 0 and p["j"] % 10 == 0)
        ]
        if cands:
            out[pid] = min(cands, key=lambda t: (t["n_tokens"], t["trace_id"]))["trace_id"]
    return out


def test_sft_default_selection_matches_python(catalog, built, write_recipe, tmp_path):
    rec = write_recipe("name: s\nselect: {domains: [math], exclude_flags: [truncated]}\n")
    rep = export(catalog, rec, out_dir=tmp_path / "o")
    got = {r["problem_id"]: r["trace_id"] for r in _rows(tmp_path / "o" / "train.parquet")}
    assert got == _expected_sft(built)
    assert rep.available == len(got)


def test_exclude_flags_changes_the_pick(catalog, built, write_recipe, tmp_path):
    rec = write_recipe("name: s\nselect: {domains: [math], exclude_flags: false}\n")
    export(catalog, rec, out_dir=tmp_path / "o")
    got = {r["problem_id"]: r["trace_id"] for r in _rows(tmp_path / "o" / "train.parquet")}
    assert got == _expected_sft(built, flags=False) != _expected_sft(built)


def test_flagged_traces_are_excluded_by_default(catalog, built, write_recipe, tmp_path):
    export(catalog, write_recipe("name: s\nselect: {domains: [math]}\n"), out_dir=tmp_path / "o")
    got = {r["problem_id"]: r["trace_id"] for r in _rows(tmp_path / "o" / "train.parquet")}
    assert got == _expected_sft(built)


def test_ladder_rungs_are_nested_prefixes(catalog, built, write_recipe, tmp_path):
    rec = write_recipe(
        "name: l\nsizes: [5, 20, 60]\ntraces: {pick: all_correct}\nselect: {domains: [math]}\n"
    )
    rep = export(catalog, rec, out_dir=tmp_path / "o")
    sets = [
        [(r["problem_id"], r["trace_id"]) for r in _rows(tmp_path / "o" / str(n) / "train.parquet")]
        for n in (5, 20, 60)
    ]
    assert [len(s) for s in sets] == [5, 20, 60] == [r.n_rows for r in rep.rungs]
    assert sets[0] == sets[1][:5] and sets[1] == sets[2][:20]  # prefixes, hence subsets
    assert len(set(sets[2])) == 60


def test_seed_changes_the_order(catalog, built, write_recipe, tmp_path):
    ids = []
    for seed in (0, 1):
        rec = write_recipe(
            f"name: l\nsizes: 10\nseed: {seed}\nselect: {{domains: [math]}}\n", f"r{seed}.yaml"
        )
        export(catalog, rec, out_dir=tmp_path / f"o{seed}")
        ids.append({r["problem_id"] for r in _rows(tmp_path / f"o{seed}" / "train.parquet")})
    assert ids[0] != ids[1]


def test_quotas_hold_within_one_row_per_source(catalog, built, write_recipe, tmp_path):
    rec = write_recipe(
        "name: m\nsizes: [7, 13, 35]\nmix: {quotas: {alpha: 20, beta: 10, gamma: 5}}\n"
        "select: {exclude_flags: true}\ntraces: {pick: all_correct}\n"
    )
    rep = export(catalog, rec, out_dir=tmp_path / "o")
    quotas = {"alpha": 20, "beta": 10, "gamma": 5}
    assert rep.available == 35 and rep.rungs[-1].by_source == quotas
    for rung in rep.rungs:
        rows = _rows(tmp_path / "o" / rung.config / "train.parquet")
        for src, q in quotas.items():
            n = sum(r["source_id"] == src for r in rows)
            assert abs(n - q / 35 * rung.n_rows) <= 1, (rung.n_rows, src, n)


def test_weights_hold_for_every_rung(catalog, built, write_recipe, tmp_path):
    rec = write_recipe("name: m\nsizes: [9, 30, 45]\nmix: {weights: {alpha: 2, beta: 1}}\n")
    rep = export(catalog, rec, out_dir=tmp_path / "o")
    for rung in rep.rungs:
        assert abs(rung.by_source["alpha"] - 2 / 3 * rung.n_rows) <= 1
        assert abs(rung.by_source["beta"] - 1 / 3 * rung.n_rows) <= 1
        assert set(rung.by_source) == {"alpha", "beta"}


def test_no_problem_crosses_splits(catalog, built, write_recipe, tmp_path):
    rec = write_recipe("name: s\nsizes: [30, 120]\nsplit: {validation: 0.3}\ntraces: {pick: all_correct}\n")
    export(catalog, rec, out_dir=tmp_path / "o")
    val_all = set()
    for n in (30, 120):
        tr = {r["problem_id"] for r in _rows(tmp_path / "o" / str(n) / "train.parquet")}
        va = {r["problem_id"] for r in _rows(tmp_path / "o" / str(n) / "validation.parquet")}
        assert tr and va and not tr & va
        val_all |= va
    # a problem is in validation in every rung or in none
    tr_big = {r["problem_id"] for r in _rows(tmp_path / "o" / "120" / "train.parquet")}
    assert not val_all & tr_big


def test_oversize_request_names_available_count(catalog, built, write_recipe, tmp_path):
    rec = write_recipe("name: s\nsizes: 100000\nselect: {domains: [math]}\n")
    with pytest.raises(RecipeError) as e:
        export(catalog, rec, dry_run=True)
    n = len(_expected_sft(built, flags=False))
    assert f"the {n:,} rows the selection holds" in str(e.value)
    assert e.value.key == "sizes" and str(rec) in str(e.value) and "allow_smaller" in e.value.hint
    assert not (tmp_path / "exports").exists()


def test_allow_smaller_takes_what_there_is(catalog, built, write_recipe, tmp_path):
    rec = write_recipe("name: s\nsizes: [10, 100000]\nallow_smaller: true\n")
    rep = export(catalog, rec, out_dir=tmp_path / "o")
    assert rep.rungs[-1].n_rows == rep.available and rep.notes
    assert pq.read_metadata(tmp_path / "o" / "100000" / "train.parquet").num_rows == rep.available


def test_bad_sql_in_where_shows_duckdb_message_file_and_clause(catalog, built, write_recipe):
    rec = write_recipe('name: s\nselect:\n  where: "no_such_column > 3"\n')
    with pytest.raises(RecipeError) as e:
        export(catalog, rec, dry_run=True)
    msg = str(e.value)
    assert str(rec) in msg and "select.where" in msg and "no_such_column > 3" in msg
    assert "Binder Error" in msg and "no_such_column" in msg


def test_where_sees_problem_stats_and_problem_columns(catalog, built, write_recipe):
    rec = write_recipe("name: s\nselect:\n  where: \"source_id = 'beta' AND pass_rate >= 0.5\"\n")
    rep = export(catalog, rec, dry_run=True)
    assert set(rep.rungs[0].by_source) == {"beta"} and rep.available > 0


def test_difficulty_range_and_buckets(catalog, built, write_recipe):
    rec = write_recipe("name: s\nselect: {difficulty: {method: label, min: 2, max: 3}}\n")
    rep = export(catalog, rec, dry_run=True)
    assert set(rep.rungs[0].by_difficulty) == {"2.0", "3.0"}


def test_runs_and_token_bounds(catalog, built, write_recipe, tmp_path):
    rec = write_recipe("name: s\ntraces: {runs: [teacher-b], pick: all_correct}\n")
    rep = export(catalog, rec, out_dir=tmp_path / "o")
    ids = {r["trace_id"] for r in _rows(tmp_path / "o" / "train.parquet")}
    assert ids and all(built.traces[t]["run_id"] == "teacher-b" for t in ids)
    rec = write_recipe("name: s\ntraces: {max_tokens: 250, min_tokens: 150, pick: all_correct}\n", "b.yaml")
    rep = export(catalog, rec, out_dir=tmp_path / "p")
    assert 150 <= rep.rungs[0].tokens["min"] and rep.rungs[0].tokens["max"] <= 250


def test_dpo_pairs_same_problem_correct_vs_incorrect(catalog, built, write_recipe, tmp_path):
    rec = write_recipe("name: d\nkind: dpo\nformat: {max_pairs_per_problem: 2}\n")
    export(catalog, rec, out_dir=tmp_path / "o")
    rows = _rows(tmp_path / "o" / "train.parquet")
    assert rows
    per_problem: dict[str, int] = {}
    for r in rows:
        c, x = built.traces[r["chosen_trace_id"]], built.traces[r["rejected_trace_id"]]
        assert c["problem_id"] == x["problem_id"] == r["problem_id"]
        assert c["label"] == "correct" and x["label"] == "incorrect"
        assert r["chosen"][0]["content"] == c["text"] and r["rejected"][0]["content"] == x["text"]
        per_problem[r["problem_id"]] = per_problem.get(r["problem_id"], 0) + 1
    assert max(per_problem.values()) <= 2
    first = [r for r in rows if r["chosen_trace_id"]]
    # pair 1 of a problem: its shortest correct vs its longest incorrect
    for pid in list(per_problem)[:10]:
        cands = [t for t in built.traces.values() if t["problem_id"] == pid]
        short = min(
            (t for t in cands if t["label"] == "correct"), key=lambda t: (t["n_tokens"], t["trace_id"])
        )
        assert any(r["chosen_trace_id"] == short["trace_id"] for r in first if r["problem_id"] == pid)
        # ... and the default rejected policy, longest_incorrect
        long = max(
            (t for t in cands if t["label"] == "incorrect"), key=lambda t: (t["n_tokens"], t["trace_id"])
        )
        pair = [r for r in first if r["problem_id"] == pid and r["chosen_trace_id"] == short["trace_id"]]
        assert pair[0]["rejected_trace_id"] == long["trace_id"]


def test_rl_pass_rate_window(catalog, built, write_recipe, tmp_path):
    rec = write_recipe("name: r\nkind: rl\nformat: {pass_rate: [0.7, 0.8]}\n")
    export(catalog, rec, out_dir=tmp_path / "o")
    rows = _rows(tmp_path / "o" / "train.parquet")
    assert rows and all(0.7 <= r["pass_rate"] <= 0.8 for r in rows)
    assert {r["answer"] for r in rows} <= {p["answer"] for p in built.problems.values()}
    code = [r for r in rows if r["domain"] == "code"]
    assert code and all(r["tests"] for r in code)


def test_dry_run_writes_nothing(catalog, built, write_recipe, tmp_path):
    rec = write_recipe("name: s\noutput: {dir: " + str(tmp_path / "o") + "}\n")
    rep = export(catalog, rec, dry_run=True)
    assert rep.available > 0 and not (tmp_path / "o").exists()
    assert catalog.count("exports") == 0


# -- every pick policy, checked against an order computed here in Python (not by the code under test) -----

_ORDER = {
    "shortest": lambda t, seed: (t["n_tokens"], t["trace_id"]),
    "longest": lambda t, seed: (-t["n_tokens"], t["trace_id"]),
    "random": lambda t, seed: hashlib.md5(f"{seed}:pick:{t['trace_id']}".encode()).hexdigest(),
}


def _selectable(built, pid: str) -> bool:
    pids = list(built.problems)
    p = built.problems[pid]
    return p["source_id"] != "bench" and pid not in {pids[1], pids[2], pids[3]} and p["domain"] == "math"


def _ranked(built, pid: str, label: str, order: str, seed: int) -> list[dict]:
    cands = [t for t in built.traces.values() if t["problem_id"] == pid and t["label"] == label]
    return sorted(cands, key=lambda t: _ORDER[order](t, seed))


def test_every_sft_pick_policy(catalog, built, write_recipe, tmp_path):
    seed = 7
    for pick in ("shortest_correct", "longest_correct", "random_correct", "all_correct"):
        rec = write_recipe(
            f"name: s\nseed: {seed}\nselect: {{domains: [math], exclude_flags: false}}\ntraces: {{pick: {pick}}}\n"
        )
        export(catalog, rec, out_dir=tmp_path / pick)
        got: dict[str, list[str]] = {}
        for r in sorted(_rows(tmp_path / pick / "train.parquet"), key=lambda r: r["trace_id"]):
            got.setdefault(r["problem_id"], []).append(r["trace_id"])
        order = "shortest" if pick == "all_correct" else pick.split("_")[0]
        want = {}
        for pid in built.problems:
            ranked = [t["trace_id"] for t in _ranked(built, pid, "correct", order, seed)]
            if _selectable(built, pid) and ranked:
                want[pid] = sorted(ranked) if pick == "all_correct" else ranked[:1]
        assert got == want, pick


def test_every_dpo_chosen_and_rejected_policy(catalog, built, write_recipe, tmp_path):
    """Pair k of a problem = its k-th chosen (correct) vs its k-th rejected (incorrect), per the policies."""
    seed = 3
    for chosen, rejected in (
        ("shortest_correct", "longest_incorrect"),
        ("longest_correct", "shortest_incorrect"),
        ("random_correct", "random_incorrect"),
        ("shortest_correct", "shortest_incorrect"),
    ):
        rec = write_recipe(
            f"name: d\nkind: dpo\nseed: {seed}\nselect: {{domains: [math], exclude_flags: false}}\n"
            f"format: {{chosen: {chosen}, rejected: {rejected}, max_pairs_per_problem: 2}}\n"
        )
        out = tmp_path / f"{chosen}-{rejected}"
        export(catalog, rec, out_dir=out)
        got = sorted(
            (r["problem_id"], r["chosen_trace_id"], r["rejected_trace_id"])
            for r in _rows(out / "train.parquet")
        )
        want = []
        for pid in built.problems:
            if not _selectable(built, pid):
                continue
            ch = _ranked(built, pid, "correct", chosen.split("_")[0], seed)
            rj = _ranked(built, pid, "incorrect", rejected.split("_")[0], seed)
            want += [(pid, c["trace_id"], x["trace_id"]) for c, x in list(zip(ch, rj, strict=False))[:2]]
        assert got == sorted(want), (chosen, rejected)
