"""Benchmark problem sets as catalog sources (``is_benchmark = TRUE``), for decontamination and evaluation.

The one definition of where benchmark files are and how they enter the catalog (decontamination and
``redstar_train.evaluate`` both come here). ``ensure_benchmarks(catalog, ["math500", "aime24"])`` ingests
``<data_dir>/<name>.jsonl`` once per catalog and returns ``{name: source_id}``; a path to a file names the
benchmark by its stem. The data folder is ``$REDSTAR_BENCHMARKS``, else the first of
``../shared/data/benchmarks`` beside the current directory and beside the source checkout that exists
(never a path inside the installed package, which is wrong in a wheel); a miss names every place tried.

Alias ``math_hard``: the full MATH test set (5,000 problems with levels) is not available offline, so
``math_hard`` is a STAND-IN made of the MATH-500 rows with level 5 (134 problems), as
``shared/data/benchmarks/README.md`` recommends. It is a source of its own whose members are those
math500 problems; reports that use it should say so.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import redstar_data
from redstar_data.catalog import Catalog
from redstar_data.errors import IngestError
from redstar_data.ingest.run import ingest

ENV_VAR = "REDSTAR_BENCHMARKS"
ALIASES = {"math_hard": ("math500", "5")}  # name -> (base benchmark, level kept)
# benchmarks that live beside the benchmarks folder, with the ingest preset their layout needs:
# ``geometry`` is the multimodal geometry dev set (Geometry3K choices A-D + FormalGeo/GeoQA free-form
# answers, one diagram each), ../shared/data/geo/problems.jsonl; its image paths are relative to the file.
ELSEWHERE = {"geometry": (Path("..") / "geo" / "problems.jsonl", "geo")}
FILE_SUFFIXES = (".jsonl", ".json", ".parquet")


def candidate_dirs() -> list[Path]:
    """Where benchmark files are looked for, in order: ``$REDSTAR_BENCHMARKS`` alone when set, else
    ``../shared/data/benchmarks`` from the current directory, then from the source checkout (if this is one)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return [Path(env)]
    out = [Path.cwd().parent / "shared" / "data" / "benchmarks"]
    checkout = Path(redstar_data.__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file():  # a source checkout, not site-packages
        out.append(checkout.parent / "shared" / "data" / "benchmarks")
    return list(dict.fromkeys(out))


def default_data_dir(wanted: str | None = None) -> Path:
    """The first of ``candidate_dirs()`` that exists; an IngestError naming each one tried (and the benchmark
    ``wanted`` from it, if given) if none does."""
    tried = candidate_dirs()
    for d in tried:
        if d.is_dir():
            return d
    what = f"benchmark {wanted!r} is not in the catalog and " if wanted else ""
    raise IngestError(
        f"{what}no benchmark folder found (tried: {', '.join(str(d) for d in tried)})",
        hint=f"set ${ENV_VAR} to the folder holding <name>.jsonl files, or give the file path",
    )


def _present(cat: Catalog, source_id: str) -> bool:
    return bool(cat.scalar("SELECT count(*) FROM problem_sources WHERE source_id = ?", [source_id]))


def _ensure_file(cat: Catalog, name: str, data_dir: Path) -> str:
    if _present(cat, name):
        cat.execute("UPDATE sources SET is_benchmark = TRUE WHERE source_id = ? AND NOT is_benchmark", [name])
        return name
    rel, preset = ELSEWHERE.get(name, (Path(f"{name}.jsonl"), "math"))
    path = data_dir / rel
    if not path.exists():
        have = sorted(p.stem for p in data_dir.glob("*.jsonl")) if data_dir.is_dir() else []
        raise IngestError(f"benchmark {name!r} not found: {path} does not exist",
                          hint=(f"available in {data_dir}: {', '.join(have + sorted(ALIASES) + sorted(ELSEWHERE))}" if have else
                                f"set ${ENV_VAR} to the folder holding <name>.jsonl files"))  # fmt: skip
    ingest(cat, str(path), name=name, benchmark=True, preset=preset)
    return name


def _ensure_alias(cat: Catalog, name: str, data_dir: Path) -> str:
    base, level = ALIASES[name]
    _ensure_file(cat, base, data_dir)
    with cat.transaction():
        cat.execute("""
            INSERT INTO sources (source_id, kind, uri, is_benchmark, mapping, ingested_at, meta)
            VALUES (?, 'benchmark', ?, TRUE, NULL, now(), ?) ON CONFLICT (source_id) DO NOTHING
        """, [name, f"{base} WHERE level = {level}",
              f'{{"stand_in": "{base} rows with level {level} (the full MATH test set is not available)"}}'])  # fmt: skip
        row = cat.one("""
            INSERT INTO problem_sources (problem_id, source_id, source_key, row_number)
            SELECT ps.problem_id, ?, ps.source_key, ps.row_number
            FROM problem_sources ps JOIN problems p USING (problem_id)
            WHERE ps.source_id = ? AND p.level = ?
              AND NOT EXISTS (SELECT 1 FROM problem_sources x WHERE x.source_id = ? AND x.problem_id = ps.problem_id)
        """, [name, base, level, name])  # fmt: skip
        n = cat.one("SELECT count(*) FROM problem_sources WHERE source_id = ?", [name])
        cat.execute("UPDATE sources SET n_rows = ?, n_new = ? WHERE source_id = ?",
                    [n[0] if n else 0, row[0] if row else 0, name])  # fmt: skip
    return name


def _ensure_path(cat: Catalog, path: Path) -> str:
    """A benchmark given as a file: named by its stem, read with the detected preset."""
    name = path.stem
    if not path.is_file():
        raise IngestError(
            f"benchmark file {path} not found", hint="give an existing .jsonl/.json/.parquet file"
        )
    if not _present(cat, name):
        ingest(cat, str(path), name=name, benchmark=True)
    return name


def ensure_benchmarks(
    catalog: Catalog, names: Sequence[str], data_dir: str | os.PathLike[str] | None = None
) -> dict[str, str]:
    """Ingest each benchmark once and return ``{name: source_id}`` in the order given.

    A name is ``<data_dir>/<name>.jsonl`` or an alias (``math_hard``); a path to a file (``.jsonl``,
    ``.json``, ``.parquet``) is ingested under its stem. ``data_dir`` defaults to ``default_data_dir()``,
    looked up only when a name needs it. A benchmark already in the catalog is reused, not read again.
    """
    d = Path(data_dir) if data_dir is not None else None
    out: dict[str, str] = {}
    for name in names:
        p = Path(name)
        if p.suffix in FILE_SUFFIXES or p.is_file():
            out[p.stem] = _ensure_path(catalog, p)
            continue
        if d is None and not _present(catalog, name):
            d = default_data_dir(name)
        out[name] = (_ensure_alias if name in ALIASES else _ensure_file)(catalog, name, d or Path("."))
    return out
