"""The CLI path: `redstar train sft CONFIG` in-process through typer, and its errors."""

from __future__ import annotations

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


def test_module_entry_point(make_config, capsys):
    from redstar_train.runner import module_main
    from redstar_train.sft import main

    rc = module_main("sft", main, [str(make_config("sft", trl={"max_steps": 1}))])
    out = capsys.readouterr()
    assert rc == 0 and '"global_step": 1' in out.out
    rc = module_main("dpo", main, [str(make_config("sft"))])
    assert rc == 1 and "this is a 'sft' config, not 'dpo'" in capsys.readouterr().err
