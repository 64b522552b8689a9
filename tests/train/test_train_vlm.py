"""Vision-language SFT: `redstar train sft` on the tiny local VLM with a vision SFT export in TRL's shape
(messages with image/text parts + an images column of real dev-set diagrams), through TRL's real
SFTTrainer and vision collator."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redstar_data.cli.app import app
from redstar_data.errors import ConfigError
from redstar_train import runner
from redstar_train.config import load_config
from tests.generate.geo_rows import geo_rows

pytestmark = pytest.mark.slow  # builds a VLM and trains it: ~10-20 s on 2 busy cores; CI runs it too

ROOT = Path(__file__).resolve().parents[2]
SYSTEM = "Think step by step, then give the final answer in \\boxed{}."


def vision_sft_rows(shared: Path, n: int) -> dict:
    """Columns of a vision SFT export in TRL's shape (GEO-DESIGN.md, export contract), from the dev set."""
    messages, images = [], []
    for r in geo_rows(shared, n):
        messages.append(
            [
                {"role": "system", "content": [{"type": "text", "text": SYSTEM}]},
                {
                    "role": "user",
                    "content": [{"type": "image", "text": None}] * len(r["image_bytes"])
                    + [{"type": "text", "text": r["problem"]}],
                },
                {
                    "role": "assistant",
                    "content": [{"type": "text", "text": f"Reading the figure. \\boxed{{{r['answer']}}}"}],
                },
            ]
        )
        images.append([{"bytes": b, "path": None} for b in r["image_bytes"]])
    return {"messages": messages, "images": images}


def write_vision_export(out: Path, cols: dict, n_val: int = 2) -> Path:
    import datasets

    feats = datasets.Features(
        {
            "messages": [
                {
                    "role": datasets.Value("string"),
                    "content": [{"type": datasets.Value("string"), "text": datasets.Value("string")}],
                }
            ],
            "images": datasets.List(datasets.Image()),
        }
    )
    ds = datasets.Dataset.from_dict(cols, features=feats)
    out.mkdir(parents=True, exist_ok=True)
    ds.select(range(n_val, len(ds))).to_parquet(str(out / "train.parquet"))
    ds.select(range(n_val)).to_parquet(str(out / "validation.parquet"))
    (out / "manifest.json").write_text(json.dumps({"format": "sft", "n_train": len(ds) - n_val}))
    return out


@pytest.fixture(scope="module")
def vision_export(shared_data, tmp_path_factory) -> Path:
    return write_vision_export(tmp_path_factory.mktemp("vexport"), vision_sft_rows(shared_data, 14))


def _cfg(tiny_vlm: Path, export: Path, tmp_path: Path, **over):
    return load_config(
        ROOT / "recipes" / "train" / "sft_vlm_tiny_cpu.yaml",
        overrides={
            "model": {"path": str(tiny_vlm)},
            "data": {"path": str(export)},
            "output_dir": str(tmp_path / "out"),
            **over,
        },
    )


def test_cli_trains_the_tiny_vlm_and_prints_the_loss(tiny_vlm, vision_export, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the recipe's own relative paths: runs/tiny_vlm, exports/geometry_sft
    (tmp_path / "runs").mkdir()
    (tmp_path / "exports").mkdir()
    os.symlink(tiny_vlm, tmp_path / "runs" / "tiny_vlm")
    os.symlink(vision_export, tmp_path / "exports" / "geometry_sft")
    res = CliRunner().invoke(app, ["train", "sft", str(ROOT / "recipes/train/sft_vlm_tiny_cpu.yaml")])
    assert res.exit_code == 0, res.output
    assert "last loss" in res.output and "rows trained on" in res.output
    report = json.loads((tmp_path / "runs/train/sft-vlm-tiny-cpu/train_report.json").read_text())
    losses = [h["loss"] for h in report["log_history"] if "loss" in h]
    assert report["global_step"] == 4 and len(losses) == 4 and all(0 < v < 20 for v in losses)
    assert report["data"]["n_rows"] == 12 and report["data"]["n_kept"] == 12


def test_vision_rows_train_on_the_assistant_turn_with_the_pixels(tiny_vlm, vision_export, tmp_path):
    trainer, rep, _ = runner.build_trainer(_cfg(tiny_vlm, vision_export, tmp_path))
    assert type(trainer.data_collator).__name__ == "DataCollatorForVisionLanguageModeling"
    assert trainer.args.assistant_only_loss is False and {"prompt", "completion", "images"} <= set(
        trainer.train_dataset.column_names
    )
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(2)])
    assert tuple(batch["pixel_values"].shape) == (2, 3, 56, 56)
    proc = trainer.processing_class
    image_id = proc.tokenizer.convert_tokens_to_ids("<image>")
    for ids, labels in zip(batch["input_ids"].tolist(), batch["labels"].tolist(), strict=True):
        assert ids.count(image_id) == 16  # one diagram = 16 image tokens, all in the prompt
        trained = [t for t, lab in zip(ids, labels, strict=True) if lab != -100]
        text = proc.tokenizer.decode(trained)
        assert "boxed" in text and "Think step by step" not in text and image_id not in trained
    steps = trainer.train()
    assert steps.global_step == 4


def test_lengths_count_the_image_tokens(tiny_vlm, vision_export, tmp_path):
    from redstar_train.vision import vision_lengths

    trainer, rep, _ = runner.build_trainer(_cfg(tiny_vlm, vision_export, tmp_path))
    ds, proc = trainer.train_dataset, trainer.processing_class
    text_only = [
        len(
            proc.tokenizer.apply_chat_template(list(r["prompt"]) + list(r["completion"]), tokenize=True)[
                "input_ids"
            ]
        )
        for r in ds.select_columns(["prompt", "completion"])
    ]
    assert vision_lengths(ds, proc) == [n + 15 for n in text_only]  # <image> x1 in text → x16 for the model
    cut = sorted(text_only)[len(text_only) // 2] + 15  # fits every row as text, half of them with the image
    _, rep2, _ = runner.build_trainer(_cfg(tiny_vlm, vision_export, tmp_path, context={"max_length": cut}))
    assert rep2.dropped == {"too_long": sum(n + 15 > cut for n in text_only)} and rep2.n_dropped > 0


def test_an_image_export_on_a_text_model_is_a_clear_error(tiny_model, vision_export, tmp_path):
    with pytest.raises(ConfigError, match="not a vision-language model"):
        runner.build_trainer(_cfg(tiny_model, vision_export, tmp_path))


def test_sft_on_the_export_stage_output(tiny_vlm, shared_data, tmp_path):
    """The whole path: a few dev-set problems ingested with their diagrams, the scripted STAND-IN teacher,
    the geometry verifier, the export stage's vision SFT set (recipes/demo-geo.yaml), then TRL on it."""
    import datasets

    from redstar_data.catalog import Catalog
    from redstar_data.export.run import export
    from redstar_data.generate.backends import SamplingParams, get_backend
    from redstar_data.generate.run import generate
    from redstar_data.ingest.run import ingest
    from redstar_data.verify.run import verify

    src = tmp_path / "geo"
    (src / "images").mkdir(parents=True)
    rows = geo_rows(shared_data, 12)
    for r in rows:
        for p, b in zip(r["images"], r.pop("image_bytes"), strict=True):
            (src / p).write_bytes(b)
    (src / "problems.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with Catalog.open(tmp_path / "c.duckdb") as cat:
        ingest(cat, str(src / "problems.jsonl"))
        generate(cat, get_backend("scripted", model="scripted-teacher-v1"), n=2, params=SamplingParams(n=2))
        verify(cat)
        export(cat, ROOT / "recipes" / "demo-geo.yaml", out_dir=tmp_path / "export")
    ds = datasets.load_dataset(
        "parquet", data_files=str(tmp_path / "export" / "train.parquet"), split="train"
    )
    assert len(ds) > 0 and type(ds[0]["images"][0]).__module__.startswith("PIL.")
    report = runner.train(_cfg(tiny_vlm, tmp_path / "export", tmp_path, trl={"max_steps": 2}))
    assert report.global_step == 2 and len(report.metric("loss")) == 2
    assert report.data.n_kept == len(ds)
