"""Every config in recipes/train/ validates, its trl: keys exist in TRL, and the tiny CPU ones actually run."""

from __future__ import annotations

from pathlib import Path

import pytest

from redstar_train.config import check_trl_keys, load_config

pytestmark = pytest.mark.slow  # more than ~10 s: real training / subprocesses; CI runs it too

RECIPES = sorted((Path(__file__).resolve().parents[2] / "recipes" / "train").glob("*.yaml"))


def test_there_are_recipes_for_every_setup():
    names = {p.stem for p in RECIPES}
    for want in (
        "sft_qwen2.5_7b_ladder",
        "sft_qwen2.5_14b_ladder",
        "sft_qwen2.5_32b_ladder",
        "sft_qwen2.5_math_7b_pi",
        "dpo_qwen2.5_7b",
        "rl_grpo_qwen2.5_7b",
        "rl_rloo_qwen2.5_7b",
        "rl_reinforce_pp_qwen2.5_7b",
        "sft_tiny_cpu",
        "dpo_tiny_cpu",
        "rl_tiny_cpu",
    ):
        assert want in names


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.stem)
def test_recipe_validates(path):
    cfg = load_config(path)
    check_trl_keys(cfg)
    assert cfg.context.max_length >= 256
    if "tiny" not in path.stem:
        assert cfg.context.max_length >= 16384 and "ASSUMPTION" in path.read_text()


@pytest.mark.parametrize("kind", ["sft", "dpo"])
def test_tiny_recipe_runs(kind, tiny_model, exports, tmp_path):
    from redstar_train import runner

    cfg = load_config(
        Path(RECIPES[0]).parent / f"{kind}_tiny_cpu.yaml",
        overrides={
            "model": {"path": str(tiny_model)},
            "data": {"path": str(exports[kind])},
            "output_dir": str(tmp_path / "out"),
            "trl": {"max_steps": 2},
        },
    )
    report = runner.train(cfg)
    assert report.global_step == 2
