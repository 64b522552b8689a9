"""`redstar eval` on the multimodal geometry dev set: the diagrams reach the model, and accuracy is split into
choice accuracy (Geometry3K, A-D) and value accuracy (FormalGeo/GeoQA free form), graded by the choice-aware
``geometry`` verifier. The scripted STAND-IN teacher gives a known accuracy through the same path."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redstar_data.catalog import Catalog
from redstar_data.cli.app import app

pytestmark = pytest.mark.slow  # ingests the dev set's diagrams and generates: ~10-30 s; CI runs it too

BOXED = re.compile(r"\\boxed\{(.*)\}")


def small_geo_bench(shared: Path, out: Path, per_dataset: int = 2) -> Path:
    """A copy of a few dev-set rows of each kind (+ their diagrams) in the dev set's own layout."""
    rows, seen = [], {"geometry3k": 0, "formalgeo7k": 0}
    for line in (shared / "geo" / "problems.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if seen[r["dataset"]] < per_dataset:
            seen[r["dataset"]] += 1
            rows.append(r)
    (out / "images").mkdir(parents=True, exist_ok=True)
    for r in rows:
        for p in r["images"]:
            shutil.copyfile(shared / "geo" / p, out / p)
    path = out / "geo_small.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_scripted_stand_in_accuracy_is_what_its_answers_say(shared_data, tmp_path):
    """The STAND-IN's known accuracy through the same path: the split scores are exactly the share of correct
    labels per answer kind, every trace whose last box holds the reference verbatim (the value, or for a
    multiple-choice problem its letter as ``C``, ``(C)``, ``C: value``) counts as right, and the rest it gets
    right are answers stated without a box or within the dev set's rounding (a few %)."""
    from redstar_data.generate.backends import SamplingParams, get_backend
    from redstar_train.evaluate import evaluate

    with Catalog.open(tmp_path / "c.duckdb") as cat:
        report = evaluate(
            cat,
            get_backend("scripted", model="scripted-teacher-v1"),
            benches=["geometry"],
            n=2,
            params=SamplingParams(n=2, max_tokens=4096, seed=0),
            bench_dir=shared_data / "benchmarks",
        )
        rows = cat.rows(
            "SELECT p.choices IS NOT NULL, p.answer, p.answer_letter, t.text, t.finish_reason, l.label "
            "FROM traces t "
            "JOIN problems p USING (problem_id) JOIN latest_labels l USING (trace_id) WHERE t.run_id = ?",
            [report.run_id],
        )
        domains = cat.rows("SELECT domain, count(*) FROM problems GROUP BY domain")
        n_images = cat.scalar("SELECT count(*) FROM images")
    distinct = {hashlib.sha256(p.read_bytes()).digest() for p in (shared_data / "geo" / "images").iterdir()}
    assert domains == [("geometry", 248)] and n_images == len(distinct)  # geo layout: choice-aware verifier
    names = [r.benchmark for r in report.results]
    assert names == ["geometry", "geometry:choice", "geometry:value"]
    assert [report.result(b).n_problems for b in names] == [248, 151, 97]
    labelled: dict[bool, list[bool]] = {True: [], False: []}
    verbatim: dict[bool, list[bool]] = {True: [], False: []}
    for has_choices, answer, letter, text, finish, label in rows:
        boxed = BOXED.findall(text)
        right = {answer} | ({letter, f"({letter})", f"{letter}: {answer}"} if letter else set())
        labelled[has_choices].append(label == "correct")
        verbatim[has_choices].append(finish == "stop" and bool(boxed) and boxed[-1] in right)
        if verbatim[has_choices][-1]:
            assert label == "correct", (answer, text[-200:])
    assert len(labelled[True]) == 302 and len(labelled[False]) == 194
    for kind, has_choices in (("choice", True), ("value", False)):
        acc = sum(labelled[has_choices]) / len(labelled[has_choices])
        exact = sum(verbatim[has_choices]) / len(verbatim[has_choices])
        assert report.result(f"geometry:{kind}").pass_at_1 == pytest.approx(acc)
        assert exact <= acc <= exact + 0.06 and 0.3 < acc < 0.95, (kind, acc, exact)
    every = labelled[True] + labelled[False]
    assert report.result("geometry").pass_at_1 == pytest.approx(sum(every) / len(every))


def test_tiny_vlm_eval_sees_the_diagrams(tiny_vlm, shared_data, tmp_path):
    """The tiny random VLM through evaluate(): the pixels its vision tower gets are the benchmark's
    diagrams, and the scores come back per answer kind (accuracy ~0: random weights)."""
    import torch

    from redstar_data.generate.backends import SamplingParams
    from redstar_data.generate.backends.base import decode_image
    from redstar_data.generate.backends.transformers_local import TransformersBackend
    from redstar_train.evaluate import evaluate

    bench = small_geo_bench(shared_data, tmp_path / "bench")
    be = TransformersBackend(str(tiny_vlm), batch_size=8)
    _, lm = be._load()
    seen: list[torch.Tensor] = []
    lm.model.vision_tower.register_forward_hook(lambda m, args, out: seen.append(args[0]))
    with Catalog.open(tmp_path / "c.duckdb") as cat:
        report = evaluate(
            cat, be, benches=[str(bench)], n=1, params=SamplingParams(n=1, max_tokens=8, temperature=0.0)
        )
        n_traces = cat.scalar("SELECT count(*) FROM traces WHERE run_id = ?", [report.run_id])
    assert [(r.benchmark, r.n_problems) for r in report.results] == [
        ("geo_small", 4),
        ("geo_small:choice", 2),
        ("geo_small:value", 2),
    ]
    assert n_traces == 4 and all(0.0 <= r.pass_at_1 <= 1.0 for r in report.results)
    pixels = torch.cat(seen)
    diagrams = [decode_image(p.read_bytes()) for p in sorted((tmp_path / "bench" / "images").iterdir())]
    want = be._proc.image_processor(images=diagrams, return_tensors="pt")["pixel_values"]
    assert pixels.shape == want.shape  # one 56x56 image per problem, every problem's diagram
    matched = {i for i in range(len(want)) for j in range(len(pixels)) if torch.allclose(want[i], pixels[j])}
    assert matched == set(range(len(want)))


def test_cli_eval_tiny_vlm_on_geometry_prints_choice_and_value_rows(tiny_vlm, shared_data, tmp_path):
    bench = small_geo_bench(shared_data, tmp_path / "bench")
    args = ["eval", "--backend", "transformers", "--model", str(tiny_vlm), "--bench", str(bench), "-n", "1"]
    args += ["--max-tokens", "8", "--run", "tiny-vlm-geo", "--catalog", str(tmp_path / "c.duckdb")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, (res.output, res.exception)
    assert "geo_small:choice" in res.output and "geo_small:value" in res.output
    assert res.output.count("pass@1") == 1 and "maj@1" not in res.output  # n=1: one score column
    with Catalog.open(tmp_path / "c.duckdb") as c:
        got = c.rows("SELECT benchmark, n_problems FROM eval_results ORDER BY benchmark")
    assert got == [("geo_small", 4), ("geo_small:choice", 2), ("geo_small:value", 2)]
