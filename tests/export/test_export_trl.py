"""The exports feed TRL 1.16's SFT, DPO and GRPO trainers as they are (a few steps on a tiny local model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from redstar_data.export.run import export

pytestmark = [pytest.mark.train, pytest.mark.slow]  # slow: trains a tiny model
pytest.importorskip("trl")

FAST = dict(
    report_to="none",
    use_cpu=True,
    bf16=False,
    gradient_checkpointing=False,
    logging_steps=1,
    save_strategy="no",
    disable_tqdm=True,
    dataloader_num_workers=0,
    seed=0,
    max_steps=2,
    per_device_train_batch_size=2,
    learning_rate=1e-3,
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    import torch

    from tests.generate.tiny_model import build_tiny_qwen2

    torch.set_num_threads(1)
    return build_tiny_qwen2(tmp_path_factory.mktemp("tiny"))


def _export(catalog, write_recipe, tmp_path, kind: str):
    import datasets

    export(
        catalog,
        write_recipe(f"name: t\nkind: {kind}\nsizes: 8\nallow_smaller: true\n", f"{kind}.yaml"),
        out_dir=tmp_path / kind,
    )
    return datasets.load_dataset(
        "parquet",
        data_files=str(tmp_path / kind / "train.parquet"),
        split="train",
        cache_dir=str(tmp_path / "hf_cache"),
    )


def test_sft_trainer_reads_the_export(catalog, built, write_recipe, tmp_path, tiny):
    from trl import SFTConfig, SFTTrainer

    ds = _export(catalog, write_recipe, tmp_path, "sft")
    tr = SFTTrainer(
        model=str(tiny),
        train_dataset=ds,
        args=SFTConfig(output_dir=str(tmp_path / "o"), max_length=256, **FAST),
    )
    tr.train()
    assert tr.state.global_step == 2 and "loss" in tr.state.log_history[0]


def test_dpo_trainer_reads_the_export(catalog, built, write_recipe, tmp_path, tiny):
    from trl import DPOConfig, DPOTrainer

    ds = _export(catalog, write_recipe, tmp_path, "dpo")
    tr = DPOTrainer(
        model=str(tiny),
        train_dataset=ds,
        args=DPOConfig(output_dir=str(tmp_path / "o"), max_length=256, **FAST),
    )
    tr.train()
    assert tr.state.global_step == 2 and "rewards/margins" in tr.state.log_history[0]


def test_grpo_trainer_reads_the_export_and_passes_answer(catalog, built, write_recipe, tmp_path, tiny):
    from trl import GRPOConfig, GRPOTrainer

    ds = _export(catalog, write_recipe, tmp_path, "rl")
    seen: list[str] = []

    def reward(completions, answer, **kwargs):
        seen.extend(answer)
        return [float(len(c[0]["content"]) % 2) for c in completions]

    cfg = GRPOConfig(output_dir=str(tmp_path / "o"), num_generations=2, max_completion_length=8, **FAST)
    tr = GRPOTrainer(model=str(tiny), reward_funcs=reward, train_dataset=ds, args=cfg)
    tr.train()
    assert tr.state.global_step == 2
    assert seen and set(seen) <= set(ds["answer"])
