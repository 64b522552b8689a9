"""Text in CLI messages prints as written: rich markup and emoji codes in paths are escaped (issue 15,
finding 9: `:train:` in a path became an emoji)."""

from __future__ import annotations

import pytest

from redstar_data.cli import _output
from redstar_data.cli.app import main


def _redstar(args: list[str], capsys, monkeypatch) -> tuple[int, str, str]:
    """``redstar ARGS`` in process through ``main`` (the one error boundary), wide consoles, output captured."""
    for con in (_output.console, _output.err_console):
        monkeypatch.setattr(con, "width", 400)
    with pytest.raises(SystemExit) as e:
        main(args)
    out, err = capsys.readouterr()
    return int(e.value.code or 0), out, err


def test_emoji_codes_and_markup_in_a_path_print_as_written(tmp_path, capsys, monkeypatch):
    bad = tmp_path / ":train:" / "[bold]x.jsonl"
    bad.parent.mkdir()
    bad.write_text('{"problem": "What is 1 + 1?", "answer": "2"}\n{"nope": 1}\n')
    code, out, err = _redstar(
        ["ingest", str(bad), "--catalog", str(tmp_path / "c.duckdb")], capsys, monkeypatch
    )
    assert code == 0, out + err
    assert "ingest [bold]x " in out + err  # the source name, markup and all
    missing = tmp_path / ":train:" / "missing.jsonl"
    code, _, err = _redstar(
        ["ingest", str(missing), "--catalog", str(tmp_path / "c.duckdb")], capsys, monkeypatch
    )
    assert code == 1 and ":train:" in err and "🚆" not in err, err
