"""ensure_benchmarks: benchmark files become is_benchmark sources once; math_hard is the level-5 stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redstar_data.errors import IngestError
from redstar_data.ingest.benchmarks import candidate_dirs, default_data_dir, ensure_benchmarks


def _bench_dir(tmp_path: Path) -> Path:
    d = tmp_path / "bench"
    d.mkdir()
    rows = [
        {"id": f"m{i}", "problem": f"Problem {i}", "answer": str(i), "level": 5 if i % 2 else 3}
        for i in range(6)
    ]
    (d / "math500.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (d / "aime24.jsonl").write_text(json.dumps({"id": "a1", "problem": "AIME one", "answer": "7"}) + "\n")
    return d


def test_ensure_benchmarks_is_idempotent_and_marks_benchmarks(catalog, tmp_path: Path) -> None:
    d = _bench_dir(tmp_path)
    assert ensure_benchmarks(catalog, ["math500", "aime24", "math_hard"], d) == {
        "math500": "math500",
        "aime24": "aime24",
        "math_hard": "math_hard",
    }
    before = catalog.fingerprint()
    ensure_benchmarks(catalog, ["math_hard", "aime24"], d)
    assert catalog.fingerprint() == before
    rows = dict(catalog.rows("SELECT source_id, is_benchmark FROM sources"))
    assert rows == {"math500": True, "aime24": True, "math_hard": True}
    hard = catalog.arrow("SELECT p.level FROM problem_sources ps JOIN problems p USING (problem_id) "
                         "WHERE ps.source_id = 'math_hard'").column(0).to_pylist()  # fmt: skip
    assert hard == ["5", "5", "5"]


def test_missing_benchmark_lists_available(catalog, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="benchmark 'gpqa' not found") as e:
        ensure_benchmarks(catalog, ["gpqa"], _bench_dir(tmp_path))
    assert "aime24" in (e.value.hint or "")


def test_default_dir_env(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REDSTAR_BENCHMARKS", str(tmp_path))
    assert default_data_dir() == tmp_path
    monkeypatch.delenv("REDSTAR_BENCHMARKS")
    assert all(d.parts[-3:] == ("shared", "data", "benchmarks") for d in candidate_dirs())


def test_real_shared_benchmarks(catalog, shared_data: Path) -> None:
    names = ["math500", "aime24", "amc23", "gsm8k", "olympiadbench", "minerva_math", "math_hard"]
    ensure_benchmarks(catalog, names, shared_data / "benchmarks")
    counts = dict(catalog.rows("SELECT source_id, count(*) FROM problem_sources GROUP BY 1"))
    assert counts["math500"] == 500 and counts["math_hard"] == 134 and counts["aime24"] == 30
    assert counts["olympiadbench"] == 675 and counts["gsm8k"] == 1319
    assert catalog.count("rejects") == 0


def test_default_dir_names_what_it_tried(monkeypatch, tmp_path: Path) -> None:
    """Outside a checkout's neighbourhood (cwd has no ../shared) and with the env unset, the checkout is
    tried next; with neither, the error lists both places."""
    import redstar_data.ingest.benchmarks as b

    monkeypatch.delenv("REDSTAR_BENCHMARKS", raising=False)
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    tried = b.candidate_dirs()
    assert tried[0] == tmp_path / "a" / "shared" / "data" / "benchmarks"
    (tmp_path / "a" / "shared" / "data" / "benchmarks").mkdir(parents=True)
    assert b.default_data_dir() == tried[0]  # the current directory's neighbour comes first
    monkeypatch.setattr(b, "candidate_dirs", lambda: [tmp_path / "nope1", tmp_path / "nope2"])
    with pytest.raises(IngestError, match="nope1.*nope2"):
        b.default_data_dir()


def test_a_file_path_is_a_benchmark_named_by_its_stem(catalog, tmp_path: Path) -> None:
    f = _bench_dir(tmp_path) / "aime24.jsonl"
    own = tmp_path / "my_bench.jsonl"
    own.write_bytes(f.read_bytes())
    assert ensure_benchmarks(catalog, [str(own)]) == {"my_bench": "my_bench"}
    assert catalog.scalar("SELECT is_benchmark FROM sources WHERE source_id = 'my_bench'") is True
    assert ensure_benchmarks(catalog, [str(own)]) == {"my_bench": "my_bench"}  # reused, not read again
