"""SFT: the real TRL SFTTrainer through redstar's config and data path, on the tiny local model."""

from __future__ import annotations

import pytest

from redstar_data.progress import RecordingProgress
from redstar_train import runner
from redstar_train.config import load_config

pytestmark = pytest.mark.slow  # more than ~10 s: real training / subprocesses; CI runs it too


def test_sft_loss_falls_over_30_steps(make_config):
    cfg = load_config(
        make_config(
            "sft",
            trl={
                "max_steps": 30,
                "per_device_train_batch_size": 4,
                "learning_rate": 3e-3,
                "logging_steps": 1,
                "disable_tqdm": True,
                "lr_scheduler_type": "constant",
            },
        ),
        kind="sft",
    )
    rec = RecordingProgress()
    report = runner.train(cfg, progress=rec)
    losses = report.metric("loss")
    assert report.global_step == 30 and len(losses) == 30
    assert sum(losses[-5:]) / 5 < 0.7 * sum(losses[:5]) / 5, losses
    assert report.data.n_rows == 120 and report.data.n_dropped == 0
    assert rec.events and rec.events[-1].done == 30


def test_sft_trains_on_assistant_tokens_only(make_config):
    cfg = load_config(make_config("sft", trl={"max_steps": 1}), kind="sft")
    trainer, _, _ = runner.build_trainer(cfg)
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(4)])
    tok = trainer.processing_class
    assert trainer.args.assistant_only_loss is True
    for ids, labels in zip(batch["input_ids"].tolist(), batch["labels"].tolist(), strict=True):
        trained = [t for t, lab in zip(ids, labels, strict=True) if lab != -100]
        text = tok.decode(trained)
        assert "boxed" in text and "What is the sum" not in text and "careful reasoner" not in text
        assert 0 < len(trained) < sum(1 for t in ids if t != tok.pad_token_id)


def test_sft_overlength_rows_are_dropped_and_counted(make_config):
    cfg = load_config(make_config("sft", context={"max_length": 140}, trl={"max_steps": 1}), kind="sft")
    trainer, rep, _ = runner.build_trainer(cfg)
    assert rep.n_dropped > 0 and rep.dropped == {"too_long": rep.n_dropped}
    assert rep.n_kept == len(trainer.train_dataset) == rep.n_rows - rep.n_dropped
    assert rep.max_tokens > 140 and rep.n_kept > 0


def test_sft_packing(make_config):
    """sft.packing reaches TRL: packed rows hold several conversations, so there are fewer of them."""

    def trainer(packing: bool):
        cfg = load_config(make_config("sft", sft={"packing": packing}, trl={"max_steps": 2}), kind="sft")
        return runner.build_trainer(cfg)

    packed, rep, _ = trainer(True)
    plain, _, _ = trainer(False)
    assert len(plain.train_dataset) == rep.n_kept
    assert len(packed.train_dataset) < len(plain.train_dataset)
    packed.train()
    assert packed.state.global_step == 2


def test_sft_with_validation_split_and_saves_model(make_config, tmp_path):
    cfg = load_config(
        make_config(
            "sft",
            data={"eval_split": "validation"},
            save_model=True,
            trl={"max_steps": 2, "eval_strategy": "steps", "eval_steps": 2},
        ),
        kind="sft",
    )
    report = runner.train(cfg)
    assert report.eval_data is not None and report.eval_data.n_rows == 4
    assert any("eval_loss" in row for row in report.log_history)
    assert (cfg.out_dir / "config.json").is_file() and (cfg.out_dir / "redstar_train.json").is_file()


@pytest.mark.gpu
def test_sft_bf16_on_gpu(make_config):
    cfg = load_config(make_config("sft", device="cuda", trl={"max_steps": 5}), kind="sft")
    report = runner.train(cfg)
    assert report.global_step == 5


def test_sft_loss_falls_on_the_demo_export(make_config, demo_export):
    """The issue's check on real pipeline output: demo catalog -> export -> 30 SFT steps."""
    cfg = load_config(
        make_config(
            "sft",
            data={"path": str(demo_export)},
            context={"max_length": 1024},
            trl={
                "max_steps": 30,
                "per_device_train_batch_size": 2,
                "learning_rate": 3e-3,
                "lr_scheduler_type": "constant",
            },
        ),
        kind="sft",
    )
    report = runner.train(cfg)
    losses = report.metric("loss")
    assert report.global_step == 30 and len(losses) == 30
    assert sum(losses[-5:]) / 5 < 0.7 * sum(losses[:5]) / 5, losses
    # the demo's traces are long for the tiny tokenizer: the longer ones are dropped and counted, not truncated
    assert report.data.n_kept > 30 and report.data.dropped.get("too_long", 0) > 0
    assert report.data.n_kept + report.data.n_dropped == report.data.n_rows
