"""export(): recipe → ordered selection (SQL) → counts → files + card + manifest → `exports` row → Hub.

The selection is materialised once as a small temp table of ids and order keys; each rung and split
then streams its shaped rows (text joined in by DuckDB, messages built in SQL) as Arrow record batches
into a parquet writer, so memory stays at about one row group however large the export. The Hub push
runs last: an offline failure leaves a complete local export and a recorded `exports` row.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from redstar_data.catalog import Catalog
from redstar_data.catalog.lineage import canonical_json
from redstar_data.errors import CatalogError, HubError, RecipeError, SqlError
from redstar_data.export import card, formats, hub, images, writers
from redstar_data.ids import stable_hash
from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress
from redstar_data.recipes.compile import funnel_sql, selection_sql
from redstar_data.recipes.ladder import resolve_sizes, size_label
from redstar_data.recipes.load import REPO_RECIPES, canonical_text, load_recipe
from redstar_data.recipes.schema import Recipe

STAGE = "export"
SEL = "__rs_sel"
PARTIAL_MARKER = ".redstar-partial"  # inside <dir>.partial: made by redstar, safe to remove when stale


@dataclass
class Rung:
    """One size of the export (the only one unless the recipe has a ladder)."""

    requested: int | None
    n_rows: int
    config: str
    splits: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)  # the trace's own source (RL: the problem's)
    by_model: dict[str, int] = field(default_factory=dict)  # teacher model of the (chosen) trace
    by_run: dict[str, int] = field(default_factory=dict)
    by_difficulty: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    images: dict[str, Any] = field(default_factory=dict)  # image counts and sizes (vision exports only)


@dataclass
class ExportReport:
    name: str
    kind: str
    recipe_file: str
    recipe_hash: str
    catalog_fingerprint: str
    export_id: str
    available: int
    rungs: list[Rung]
    verifier_versions: dict[str, str]
    dry_run: bool
    out_dir: str | None = None
    hub_repo: str | None = None
    hub_url: str | None = None
    hub_error: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    token_counters: list[str] = field(default_factory=list)  # what counted the n_tokens of the rows
    shape: formats.Shape = formats.TEXT  # images / choices, from the selection
    # dry run: (step, excluded by it or None where the unit changes, remaining), problems → rows
    funnel: list[tuple[str, int | None, int]] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return max((r.n_rows for r in self.rungs), default=0)


def _materialise(cat: Catalog, recipe: Recipe, file: str) -> None:
    sql = selection_sql(recipe).selection
    try:
        cat.execute(f"CREATE OR REPLACE TEMP TABLE {SEL} AS {sql}")
    except SqlError as e:
        if recipe.select.where:
            raise RecipeError(
                f"bad SQL in where: {e.duckdb_message}\n  clause: {recipe.select.where}",
                file=file,
                key="select.where",
                hint="the clause sees the columns of the canonical_problems and problem_stats views "
                "(problem_id, source_id, domain, problem, answer, level, is_contaminated, pass_rate, ...)",
            ) from e
        raise CatalogError(
            f"export selection failed: {e.duckdb_message}", hint="is the catalog at the current schema?"
        ) from e


def _counts(cat: Catalog, n: int, col: str) -> dict[str, int]:
    rows = cat.rows(
        f"SELECT coalesce(CAST({col} AS VARCHAR), 'unknown'), count(*) FROM {SEL} WHERE ord <= ? GROUP BY 1 ORDER BY 1",
        [n],
    )
    return {str(k): int(v) for k, v in rows}


def _token_stats(cat: Catalog, n: int) -> dict[str, float]:
    rows = cat.rows(
        f"SELECT min(n_tokens), avg(n_tokens), quantile_disc(n_tokens, 0.5), quantile_disc(n_tokens, 0.9), "
        f"max(n_tokens), count(n_tokens) FROM {SEL} WHERE ord <= ?",
        [n],
    )
    lo, mean, p50, p90, hi, cnt = rows[0]
    if not cnt:
        return {}
    return {"min": int(lo), "mean": round(float(mean), 1), "p50": int(p50), "p90": int(p90), "max": int(hi)}


def _token_counters(cat: Catalog, kind: str) -> list[str]:
    """Which tokenizer counted the selected traces' n_tokens (imports record it; generated traces are
    counted by their backend)."""
    col = {"sft": "trace_id", "dpo": "chosen_trace_id"}.get(kind)
    if col is None:
        return []
    rows = cat.rows(
        f"SELECT DISTINCT coalesce(json_extract_string(t.meta, '$.token_counter'), 'generation backend') "
        f"FROM {SEL} s JOIN traces t ON t.trace_id = s.{col} ORDER BY 1"
    )
    return [r[0] for r in rows]


def _shape(cat: Catalog) -> formats.Shape:
    """Vision rows when any selected problem has an image; choice columns when any has choices."""
    row = cat.one(
        f"SELECT coalesce(bool_or(coalesce(json_array_length(p.images), 0) > 0), FALSE), "
        f"coalesce(bool_or(coalesce(json_array_length(p.choices), 0) > 0), FALSE) "
        f"FROM {SEL} s JOIN problems p USING (problem_id)"
    )
    return formats.Shape(images=bool(row and row[0]), choices=bool(row and row[1]))


def _check_images(cat: Catalog, recipe: Recipe, file: str) -> None:
    """Every image a selected problem names has its bytes in the catalog (else rows would lose images),
    and the output formats can carry image bytes."""
    missing = cat.one(
        f"SELECT count(*), min(e.image_id), min(e.problem_id) FROM (SELECT p.problem_id, "
        f"unnest(CAST(p.images AS VARCHAR[])) AS image_id FROM problems p "
        f"WHERE p.problem_id IN (SELECT problem_id FROM {SEL})) e "
        "ANTI JOIN images im USING (image_id)"
    )
    if missing and missing[0]:
        raise CatalogError(
            f"{missing[0]} image(s) of the selected problems have no bytes in the catalog's images table "
            f"(e.g. image {missing[1]} of problem {missing[2]})",
            hint="re-ingest the source that holds these images (redstar ingest), or exclude those problems "
            "with select.where",
        )
    if "jsonl" in recipe.output.formats:
        raise RecipeError(
            "the selection has problems with images, and JSON lines cannot carry image bytes",
            file=file,
            key="output.formats",
            hint="use parquet (and/or hf_disk): `datasets.load_dataset('parquet', ...)` gives PIL images",
        )


def _image_stats(cat: Catalog, n: int) -> dict[str, Any]:
    """Images in the first ``n`` rows: as written (one per row that shows it) and distinct, with sizes.
    One query over the rows' image uses, materialised once (four queries, each unnesting the rows' image
    lists again, were ~10% of a 100k-image export)."""
    row = cat.one(
        f"WITH e AS MATERIALIZED (SELECT s.ord, unnest(CAST(p.images AS VARCHAR[])) AS image_id FROM {SEL} s "
        "JOIN problems p USING (problem_id) WHERE s.ord <= ?), "
        "u AS MATERIALIZED (SELECT im.image_id, im.n_bytes, im.format FROM images im "
        "WHERE im.image_id IN (SELECT image_id FROM e)) "
        "SELECT (SELECT count(DISTINCT ord) FROM e), count(*), sum(u.n_bytes), "
        "(SELECT count(*) FROM u), (SELECT sum(n_bytes) FROM u), "
        "(SELECT map(list(format ORDER BY format), list(c ORDER BY format)) "
        " FROM (SELECT format, count(*) AS c FROM u GROUP BY 1)) "
        "FROM e JOIN u USING (image_id)",
        [n],
    )
    rows_with, n_images, total, n_unique, unique_total, fmts = row or (0, 0, 0, 0, 0, None)
    return {
        "rows_with_images": int(rows_with or 0),
        "images": int(n_images or 0),
        "unique_images": int(n_unique or 0),
        "bytes": int(total or 0),
        "unique_bytes": int(unique_total or 0),
        "mean_bytes": round(int(total or 0) / n_images, 1) if n_images else 0.0,
        "formats": {str(f): int(c) for f, c in (fmts or {}).items()},
    }


def _verifier_versions(cat: Catalog, recipe: Recipe) -> dict[str, str]:
    rows = cat.rows(
        f"SELECT DISTINCT verifier_version FROM {SEL} WHERE verifier_version IS NOT NULL ORDER BY 1"
    )
    return {recipe.traces.verifier: ",".join(r[0] for r in rows)} if rows else {}


def _funnel(cat: Catalog, recipe: Recipe, available: int) -> list[tuple[str, int | None, int]]:
    """Why rows are missing: what each exclusion of the recipe removes, in order (see compile.funnel_sql)."""
    steps = [(name, int(cat.scalar(sql))) for name, sql in funnel_sql(recipe)]
    last = {"sft": "rows (picked per problem)", "dpo": "rows (chosen/rejected pairs)", "rl": "rows (prompts)"}
    steps.append((last[recipe.kind], available))
    out: list[tuple[str, int | None, int]] = []
    for i, (name, n) in enumerate(steps):
        # problems → traces → pairs change the unit: no "excluded" count across those steps
        unit_change = i == 0 or name.startswith("labelled traces") or name.startswith("rows (chosen")
        out.append((name, None if unit_change else steps[i - 1][1] - n, n))
    return out


def output_dir(recipe: Recipe, recipe_path: Path, out_dir: str | Path | None) -> Path:
    """Where the export goes: ``--out`` (relative to the current directory), else ``output.dir`` relative to
    the recipe's own folder (a downloaded recipe writes beside itself, wherever it is run from), else
    ``exports/<name>``. Recipes shipped with redstar live inside the installation, so their relative
    ``output.dir`` is taken from the current directory. ``~`` is expanded in both."""
    if out_dir is not None and str(out_dir) != "":
        return Path(out_dir).expanduser()
    if not recipe.output.dir:
        return Path("exports") / recipe.name
    d = Path(recipe.output.dir).expanduser()
    if d.is_absolute() or recipe_path.resolve().is_relative_to(REPO_RECIPES.resolve()):
        return d
    return recipe_path.parent / d


def _partial(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


def _ours(stage: Path) -> bool:
    """A staging folder this code made: it holds the marker (a plain file, not a link)."""
    m = stage / PARTIAL_MARKER
    return stage.is_dir() and not stage.is_symlink() and m.is_file() and not m.is_symlink()


def _prepare_dir(out: Path, file: str) -> Path:
    """A fresh, marked staging dir beside ``out``. Refuses: a file at ``out``, a non-empty folder that is not
    an export, and a ``.partial`` folder that redstar did not make; removes only its own stale partials."""
    if out.exists() and not out.is_dir():
        raise RecipeError(f"output path {out} is a file, not a folder", file=file, key="output.dir",
                          hint="choose another --out, or move the file")  # fmt: skip
    if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        raise RecipeError(
            f"output folder {out} exists and is not a redstar export (no manifest.json)",
            file=file,
            key="output.dir",
            hint="choose another --out, or empty the folder",
        )
    stage = _partial(out)
    if stage.exists() or stage.is_symlink():
        if not _ours(stage):
            raise RecipeError(f"{stage} exists and was not made by redstar (no {PARTIAL_MARKER})",
                              file=file, key="output.dir",
                              hint="redstar stages an export in <dir>.partial; move that folder away")  # fmt: skip
        shutil.rmtree(stage)  # a stale partial of an export that was killed
    try:
        stage.mkdir(parents=True)
    except OSError as e:
        raise RecipeError(f"cannot create {stage}: {e.strerror}", file=file, key="output.dir") from e
    (stage / PARTIAL_MARKER).write_text("an unfinished redstar export; safe to delete\n", encoding="utf-8")
    return stage


def _swap_into_place(stage: Path, out: Path) -> None:
    """Put the finished ``stage`` at ``out`` with no moment where ``out`` is missing: a plain rename when
    ``out`` is new, else an atomic exchange of the two folders (Linux ``renameat2(RENAME_EXCHANGE)``), after
    which the old export (now under the ``.partial`` name) is deleted. Where the exchange is not available
    the old export is renamed aside first (a moment without ``out``, never a moment without either)."""
    if not out.exists():
        stage.rename(out)
        (out / PARTIAL_MARKER).unlink()
        return
    # the old export is marked first: wherever a crash leaves it, it is a partial redstar may remove
    (out / PARTIAL_MARKER).write_text("a replaced redstar export; safe to delete\n", encoding="utf-8")
    old = stage
    if not _exchange(stage, out):
        old = out.with_name(out.name + ".old.partial")
        if old.exists() and _ours(old):
            shutil.rmtree(old)
        out.rename(old)
        stage.rename(out)
    (out / PARTIAL_MARKER).unlink()
    shutil.rmtree(old)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    import ctypes
    import os

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


def _check_pushable(recipe: Recipe, repo: str | None, file: str) -> None:
    """Refuse a push that would upload no data, before any work rather than after a long export."""
    if repo and not set(recipe.output.formats) & set(hub.HUB_FORMATS):
        raise RecipeError(
            f"cannot push to {repo}: formats {list(recipe.output.formats)} write no data file the Hub "
            "can load (hf_disk is a local save_to_disk folder)",
            file=file,
            key="output.formats",
            hint="add parquet to output.formats, e.g. `output: {formats: [parquet, hf_disk]}`",
        )


def export(
    catalog: Catalog,
    recipe_path: str | Path,
    *,
    dry_run: bool = False,
    push: str | None = None,
    out_dir: str | Path | None = None,
    progress: ProgressCallback = null_progress,
) -> ExportReport:
    """Run a recipe against ``catalog``: counts (dry run), or files + card + manifest + `exports` row (+ Hub)."""
    t0 = time.perf_counter()
    recipe, _resolved, path = load_recipe(recipe_path)
    file = str(path)
    recipe_text = canonical_text(recipe)
    rhash = stable_hash(recipe.model_dump(mode="json"))
    _check_pushable(recipe, push or recipe.output.hub_repo, file)
    fingerprint = catalog.fingerprint()
    progress(ProgressEvent(STAGE, 0, None, message="selecting"))
    _materialise(catalog, recipe, file)
    available = int(catalog.scalar(f"SELECT count(*) FROM {SEL}"))
    shape = _shape(catalog)
    if shape.images and not dry_run:
        _check_images(catalog, recipe, file)
    sizes = resolve_sizes(recipe.size_list, available, allow_smaller=recipe.allow_smaller, file=file)
    export_id = f"{recipe.name}-{rhash[:8]}-{fingerprint[:8]}"
    rungs: list[Rung] = []
    requested = recipe.size_list or [None]
    for req, n in zip(requested, sizes, strict=True):
        splits = dict(
            catalog.rows(
                f"SELECT CASE WHEN is_val THEN 'validation' ELSE 'train' END, count(*) FROM {SEL} "
                "WHERE ord <= ? GROUP BY 1 ORDER BY 1",
                [n],
            )
        )
        rungs.append(
            Rung(
                requested=req,
                n_rows=n,
                config=size_label(req) if recipe.is_ladder else "default",
                splits={k: int(v) for k, v in splits.items()},
                by_source=_counts(catalog, n, "trace_source"),
                by_model=_counts(catalog, n, "model") if recipe.kind != "rl" else {},
                by_run=_counts(catalog, n, "run_id") if recipe.kind != "rl" else {},
                by_difficulty=_counts(catalog, n, "difficulty"),
                tokens=_token_stats(catalog, n),
                images=_image_stats(catalog, n) if shape.images else {},
            )
        )
    report = ExportReport(
        name=recipe.name,
        kind=recipe.kind,
        recipe_file=file,
        recipe_hash=rhash,
        catalog_fingerprint=fingerprint,
        export_id=export_id,
        available=available,
        rungs=rungs,
        verifier_versions=_verifier_versions(catalog, recipe),
        token_counters=_token_counters(catalog, recipe.kind),
        shape=shape,
        dry_run=dry_run,
        hub_repo=push or recipe.output.hub_repo,
    )
    for req, n in zip(requested, sizes, strict=True):
        if req is not None and n < req:
            report.notes.append(f"size {req:,} cut to the {n:,} rows available (allow_smaller)")
    if dry_run:
        report.funnel = _funnel(catalog, recipe, available)
        report.seconds = time.perf_counter() - t0
        catalog.execute(f"DROP TABLE IF EXISTS {SEL}")
        return report

    out = output_dir(recipe, path, out_dir)
    report.out_dir = str(out)
    stage = _prepare_dir(out, file)
    try:
        _write_files(catalog, recipe, report, stage, progress)
        manifest = _manifest(report, recipe)
        (stage / "README.md").write_text(card.render_card(manifest, recipe_text), encoding="utf-8")
        writers.write_json(manifest, stage / "manifest.json")
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)  # a failed export leaves no partial behind
        raise
    _swap_into_place(stage, out)
    catalog.execute(f"DROP TABLE IF EXISTS {SEL}")
    _record(catalog, report, recipe_text, hub_repo=None)
    if report.hub_repo:
        try:
            pushed = hub.push_export(out, report.hub_repo, private=recipe.output.private)
        except HubError as e:
            report.hub_error = e.message
            report.seconds = time.perf_counter() - t0
            raise
        report.hub_repo, report.hub_url = pushed.repo_id, pushed.commit_url
        _record(catalog, report, recipe_text, hub_repo=report.hub_repo)
    report.seconds = time.perf_counter() - t0
    return report


def _write_files(
    catalog: Catalog, recipe: Recipe, report: ExportReport, stage: Path, progress: ProgressCallback
) -> None:
    total = sum(r.n_rows for r in report.rungs)
    out_cfg = recipe.output
    shape = report.shape
    group = out_cfg.row_group_size
    meta = None
    spill = None
    if shape.images:
        meta = writers.image_features_metadata()
        if "row_group_size" not in out_cfg.model_fields_set:
            largest = report.rungs[-1]
            group = writers.image_row_group_size(largest.images.get("bytes", 0), largest.n_rows)
        progress(ProgressEvent(STAGE, 0, total, message="reading images"))
        spill = images.ImageSpill(catalog, SEL, max(r.n_rows for r in report.rungs), stage / ".images-spill")
        spill.build()
    try:
        _write_rungs(catalog, recipe, report, stage, progress, group, meta, spill)
    finally:
        if spill is not None:
            spill.close()


def _write_rungs(
    catalog: Catalog,
    recipe: Recipe,
    report: ExportReport,
    stage: Path,
    progress: ProgressCallback,
    group: int,
    meta: dict[bytes, bytes] | None,
    spill: images.ImageSpill | None,
) -> None:
    total = sum(r.n_rows for r in report.rungs)
    done = 0
    out_cfg = recipe.output
    for rung in report.rungs:
        rdir = stage / rung.config if recipe.is_ladder else stage
        parquet_files: dict[str, Path] = {}
        for split in ("train", "validation"):
            if split == "validation" and recipe.split.validation == 0:
                continue
            sql = formats.rows_sql(recipe, SEL, rung.n_rows, split, report.shape)
            p = rdir / f"{split}.parquet"
            rows = catalog.batches(sql, batch_size=group)
            n, _ = writers.write_parquet(
                spill.attach(rows) if spill is not None else rows,
                p,
                row_group_size=group,
                compression=out_cfg.compression,
                metadata=meta,
                images=spill is not None,
            )
            parquet_files[split] = p
            rung.files[split] = str(p.relative_to(stage))
            if "jsonl" in out_cfg.formats:
                writers.write_jsonl(p, rdir / f"{split}.jsonl")
            done += n
            progress(ProgressEvent(STAGE, done, total, message=f"{rung.config}/{split}"))
        if "hf_disk" in out_cfg.formats:
            writers.write_hf_disk(parquet_files, rdir / "hf")
        if "parquet" not in out_cfg.formats:
            for p in parquet_files.values():
                p.unlink()
            # the card's configs, the manifest's sha256 and the Hub push name the files that exist
            jsonl = "jsonl" in out_cfg.formats
            rung.files = (
                {s: str((rdir / f"{s}.jsonl").relative_to(stage)) for s in parquet_files} if jsonl else {}
            )


def _manifest(report: ExportReport, recipe: Recipe) -> dict[str, Any]:
    """Everything needed to trace the data back (no timestamps: re-exports are byte-identical)."""
    root = Path(report.out_dir or ".")
    stage = root.with_name(root.name + ".partial")
    rungs = []
    for r in report.rungs:
        d = asdict(r)
        if not d["images"]:  # text-only exports keep their manifest as it was
            del d["images"]
        d["sha256"] = {s: writers.sha256_file(stage / f) for s, f in sorted(r.files.items())}
        rungs.append(d)
    return {
        "export_id": report.export_id,
        "name": report.name,
        "version": recipe.version,
        "kind": report.kind,
        "recipe_file": Path(report.recipe_file).name,
        "recipe_hash": report.recipe_hash,
        "catalog_fingerprint": report.catalog_fingerprint,
        "verifier_versions": report.verifier_versions,
        "token_counters": report.token_counters,
        "seed": recipe.seed,
        "ladder": recipe.is_ladder,
        "available": report.available,
        "columns": formats.trl_columns(report.kind, report.shape),
        "rungs": rungs,
    }


def _record(catalog: Catalog, report: ExportReport, recipe_text: str, *, hub_repo: str | None) -> None:
    counts = {
        "available": report.available,
        "rungs": [
            {
                "config": r.config,
                "n_rows": r.n_rows,
                "splits": r.splits,
                "by_source": r.by_source,
                "by_model": r.by_model,
                "by_run": r.by_run,
                "by_difficulty": r.by_difficulty,
            }
            for r in report.rungs
        ],
    }
    row = {
        "export_id": report.export_id,
        "name": report.name,
        "recipe": recipe_text,
        "recipe_path": report.recipe_file,
        "recipe_hash": report.recipe_hash,
        "catalog_fingerprint": report.catalog_fingerprint,
        "verifier_versions": canonical_json(report.verifier_versions),
        "counts": canonical_json(counts),
        "n_rows": report.n_rows,
        "path": str(Path(report.out_dir).resolve()) if report.out_dir else None,
        "hub_repo": hub_repo,
    }
    # one row: plain parameters (registering an Arrow table would import pandas: +0.6 s)
    with catalog.transaction():
        catalog.execute("DELETE FROM exports WHERE export_id = ?", [report.export_id])
        catalog.execute(
            f"INSERT INTO exports ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )


def list_exports(catalog: Catalog) -> Any:
    """The `exports` table, newest first (Arrow)."""
    return catalog.arrow(
        "SELECT export_id, name, n_rows, recipe_hash, catalog_fingerprint, path, hub_repo, created_at "
        "FROM exports ORDER BY created_at DESC, export_id"
    )
