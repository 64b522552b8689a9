"""Benchmark problem sets as catalog sources (``is_benchmark = TRUE``), for decontamination and evaluation.

``ensure_benchmarks(catalog, ["math500", "aime24"])`` ingests ``<data_dir>/<name>.jsonl`` once per
catalog and returns ``{name: source_id}``. The data folder is ``$REDSTAR_BENCHMARKS`` or else the
``shared/data/benchmarks`` folder next to the repository checkout.

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


def default_data_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path(redstar_data.__file__).resolve().parents[2] / "shared" / "data" / "benchmarks"


def _present(cat: Catalog, source_id: str) -> bool:
    return bool(cat.scalar("SELECT count(*) FROM problem_sources WHERE source_id = ?", [source_id]))


def _ensure_file(cat: Catalog, name: str, data_dir: Path) -> str:
    if _present(cat, name):
        cat.execute("UPDATE sources SET is_benchmark = TRUE WHERE source_id = ? AND NOT is_benchmark", [name])
        return name
    path = data_dir / f"{name}.jsonl"
    if not path.exists():
        have = sorted(p.stem for p in data_dir.glob("*.jsonl")) if data_dir.is_dir() else []
        raise IngestError(f"benchmark {name!r} not found: {path} does not exist",
                          hint=(f"available in {data_dir}: {', '.join(have + sorted(ALIASES))}" if have else
                                f"set ${ENV_VAR} to the folder holding <name>.jsonl files"))  # fmt: skip
    ingest(cat, str(path), name=name, benchmark=True, preset="math")
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


def ensure_benchmarks(catalog: Catalog, names: Sequence[str], data_dir: Path | None = None) -> dict[str, str]:
    """Ingest each named benchmark once (``<data_dir>/<name>.jsonl`` or an alias); returns name → source_id."""
    d = Path(data_dir) if data_dir is not None else default_data_dir()
    out: dict[str, str] = {}
    for name in names:
        out[name] = _ensure_alias(catalog, name, d) if name in ALIASES else _ensure_file(catalog, name, d)
    return out
