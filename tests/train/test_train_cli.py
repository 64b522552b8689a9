"""The CLI path: `redstar train sft CONFIG` in-process through typer, and its errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from redstar_data.cli.app import app


def test_cli_train_sft(make_config):
    path = make_config("sft", trl={"max_steps": 3, "per_device_train_batch_size": 4})
    res = CliRunner().invoke(app, ["train", "sft", str(path)])
    assert res.exit_code == 0, res.output
    assert "redstar train sft: test-sft" in res.output and "rows trained on" in res.output
    assert "120" in res.output and "last loss" in res.output


def test_cli_train_bad_kind_and_config(make_config):
    res = CliRunner().invoke(app, ["train", "ppo", str(make_config("sft"))])
    assert res.exit_code != 0
    assert "unknown training kind 'ppo'" in str(res.exception) + res.output


def test_module_entry_point_goes_through_the_one_error_boundary(make_config, capsys, monkeypatch):
    """`python -m redstar_train.sft CONFIG` (run as __main__ in-process) = `redstar train sft CONFIG`."""
    import runpy
    import sys

    monkeypatch.setattr(sys, "argv", ["sft", str(make_config("sft", trl={"max_steps": 1}))])
    with pytest.raises(SystemExit) as ok:
        runpy.run_module("redstar_train.sft", run_name="__main__")
    assert ok.value.code in (0, None)
    assert "redstar train sft: test-sft" in capsys.readouterr().out
    monkeypatch.setattr(sys, "argv", ["dpo", str(make_config("sft"))])
    with pytest.raises(SystemExit) as bad:
        runpy.run_module("redstar_train.dpo", run_name="__main__")
    err = capsys.readouterr().err
    assert bad.value.code == 1 and "error:" in err and "this is a 'sft' config, not 'dpo'" in err


def test_train_commands_come_from_redstar_train_entry_point():
    """`redstar --help` lists train/eval, registered by redstar_train (redstar_data never imports it)."""
    from importlib.metadata import entry_points

    eps = {ep.name: ep.value for ep in entry_points(group="redstar.commands")}
    assert eps.get("train") == "redstar_train.cli:register", eps
    res = CliRunner().invoke(app, ["--help"])
    assert res.exit_code == 0 and " train " in res.output and " eval " in res.output
