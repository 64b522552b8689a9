"""Text in CLI messages prints as written: rich markup and emoji codes in paths are escaped (issue 15,
finding 9: `:train:` in a path became an emoji)."""

from __future__ import annotations

import subprocess
import sys


def test_emoji_codes_and_markup_in_a_path_print_as_written(tmp_path):
    bad = tmp_path / ":train:" / "[bold]x.jsonl"
    bad.parent.mkdir()
    bad.write_text('{"problem": "What is 1 + 1?", "answer": "2"}\n{"nope": 1}\n')
    res = subprocess.run(
        [sys.executable, "-m", "redstar_data", "ingest", str(bad), "--catalog", str(tmp_path / "c.duckdb")],
        capture_output=True, text=True, timeout=120, env={"COLUMNS": "400", "PATH": "", "PYTHONPATH": sys.path[0]},
    )  # fmt: skip
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "ingest [bold]x " in out  # the source name, markup and all
    missing = tmp_path / ":train:" / "missing.jsonl"
    res = subprocess.run(
        [sys.executable, "-m", "redstar_data", "ingest", str(missing), "--catalog", str(tmp_path / "c.duckdb")],
        capture_output=True, text=True, timeout=120, env={"COLUMNS": "400", "PATH": "", "PYTHONPATH": sys.path[0]},
    )  # fmt: skip
    assert res.returncode == 1 and ":train:" in res.stderr and "🚆" not in res.stderr, res.stderr
