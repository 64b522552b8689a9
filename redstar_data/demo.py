"""The offline demo pipeline, end to end, on any laptop: no GPU, no network, about a minute.

synthetic ingest (+ a handful of code problems, + a few geometry problems with Pillow-drawn diagrams) → dedup → difficulty (source labels) → scripted teacher
(several samples per problem; programs for the code problems) → verification (each problem's domain
verifier: math equivalence, code in the sandbox, choice-aware geometry; quality flags) → difficulty (empirical
pass rate) → SFT, DPO and RL exports from ``recipes/demo*.yaml`` (one mixes code and math, one is a vision
SFT set with the diagrams) → a summary. The scripted teacher is a STAND-IN (deterministic text
with right and wrong answers), not a model; the README shows the same pipeline with vLLM or an
OpenAI-compatible server. Every stage is idempotent, so running the demo twice does no work twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redstar_data.catalog import Catalog
from redstar_data.progress import ProgressCallback, null_progress

DEMO_RECIPES = ("demo.yaml", "demo-dpo.yaml", "demo-rl.yaml")
CODE_RECIPES = ("demo-code-math.yaml",)  # the code + math mix: only when the demo has code problems
GEO_RECIPES = ("demo-geo.yaml",)  # the vision SFT set of the geometry problems
RUN_ID = "demo-teacher"
DEMO_DUPS = 3  # percent of synthetic rows that are planted near-duplicates, for the dedup stage to find


@dataclass
class DemoReport:
    """One row per stage: (stage, what it produced, count, seconds), plus the export folders."""

    stages: list[tuple[str, str, int, float]] = field(default_factory=list)
    exports: dict[str, str] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, stage: str, what: str, count: int, t0: float) -> None:
        self.stages.append((stage, what, int(count), round(time.perf_counter() - t0, 2)))


def run_demo(
    catalog: Catalog,
    *,
    n: int = 2000,
    samples: int = 4,
    seed: int = 0,
    out_dir: str | Path = "exports",
    code: bool = True,
    geometry: bool = True,
    progress: ProgressCallback = null_progress,
) -> DemoReport:
    """Run the whole pipeline on ``catalog``; exports go to ``out_dir/<recipe name>``. ``code``: add the
    handful of code problems (redstar_data.ingest.demo_code), verified in the code sandbox, and the code + math
    mix export. ``geometry``: add the geometry problems with diagrams (redstar_data.ingest.demo_geometry) and
    the vision SFT export."""
    from redstar_data.dedup.run import dedup
    from redstar_data.difficulty.run import score
    from redstar_data.export.run import export
    from redstar_data.generate.backends import get_backend
    from redstar_data.generate.backends.base import SamplingParams
    from redstar_data.generate.run import generate
    from redstar_data.ingest.demo_code import write_code_problems
    from redstar_data.ingest.demo_geometry import write_geometry_problems
    from redstar_data.ingest.run import ingest
    from redstar_data.recipes.load import REPO_RECIPES, load_recipe
    from redstar_data.verify.run import verify

    rep = DemoReport()
    t_all = time.perf_counter()

    t0 = time.perf_counter()
    ing = ingest(catalog, f"synthetic:math?n={int(n)}&seed={int(seed)}&dups={DEMO_DUPS}", progress=progress)
    rep.add("ingest", "problems (new)", ing.n_new, t0)
    if code:
        from redstar_data.verify.code import SandboxUnavailableError, check_available

        try:
            check_available()
        except SandboxUnavailableError as exc:  # the demo still runs, without code; says why
            code = False
            rep.notes.append(f"code problems skipped: {exc.message}")
    if code:
        t0 = time.perf_counter()
        code_file = write_code_problems(Path(out_dir) / "demo-inputs" / "code-problems.jsonl")
        ing_code = ingest(catalog, str(code_file), name="demo-code", progress=progress)
        rep.add("ingest", "code problems (new)", ing_code.n_new, t0)

    if geometry:
        t0 = time.perf_counter()
        geo_file = write_geometry_problems(Path(out_dir) / "demo-inputs" / "geometry" / "problems.jsonl")
        ing_geo = ingest(catalog, str(geo_file), name="demo-geometry", progress=progress)
        rep.add("ingest", "geometry problems with diagrams (new)", ing_geo.n_new, t0)

    t0 = time.perf_counter()
    dd = dedup(catalog, progress=progress)
    rep.add("dedup", "duplicates found", dd.n_duplicates, t0)

    t0 = time.perf_counter()
    score(catalog, method="label", progress=progress)  # ingest already stores source labels; fills any gap
    n_label = int(catalog.scalar("SELECT count(*) FROM difficulty WHERE method = 'label'"))
    rep.add("difficulty", "source-label scores", n_label, t0)

    t0 = time.perf_counter()
    backend = get_backend("scripted", seed=seed)
    try:
        gen = generate(
            catalog,
            backend,
            n=samples,
            params=SamplingParams(n=samples, temperature=0.7, top_p=0.95, max_tokens=4096, seed=seed),
            run_id=RUN_ID,
            progress=progress,
        )
    finally:
        close = getattr(backend, "close", None)
        if close:
            close()
    rep.add("generate", "traces (scripted teacher)", gen.n_generated, t0)

    t0 = time.perf_counter()
    ver = verify(catalog, run=RUN_ID, progress=progress)
    rep.labels = dict(ver.labels)
    rep.add("verify", "traces labelled", ver.labelled, t0)

    t0 = time.perf_counter()
    pr = score(catalog, method="pass_rate", run=RUN_ID, progress=progress)
    rep.add("difficulty", "pass-rate scores", pr.n_written, t0)

    for name in DEMO_RECIPES + (CODE_RECIPES if code else ()) + (GEO_RECIPES if geometry else ()):
        t0 = time.perf_counter()
        recipe, _, _ = load_recipe(REPO_RECIPES / name)
        out = Path(out_dir) / recipe.name
        er = export(catalog, REPO_RECIPES / name, out_dir=out, progress=progress)
        rep.exports[recipe.name] = str(out)
        rep.add("export", f"{recipe.kind} rows -> {out}", er.n_rows, t0)

    rep.seconds = round(time.perf_counter() - t_all, 2)
    return rep


def summary_rows(rep: DemoReport) -> list[list[Any]]:
    return [[s, w, f"{c:,}", f"{t:.2f}"] for s, w, c, t in rep.stages]
