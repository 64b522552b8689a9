"""The dataset card (README.md): Hub YAML header (configs → data files) + recipe, counts, lengths, lineage.

Rendered as plain text from the export report (no network: ``DatasetCard.validate`` would call the
Hub), and deterministic, because it sits beside the data and must be byte-identical on re-export.
"""

from __future__ import annotations

from typing import Any

import yaml

TASK = {"sft": "text-generation", "dpo": "text-generation", "rl": "text-generation"}


def _size_category(n: int) -> str:
    for lim, name in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ):
        if n < lim:
            return name
    return "1M<n<10M"


def _size(n: float) -> str:
    """Bytes for people: 1,234 B, 12.3 KB, 4.5 MB, 1.2 GB (decimal units, one decimal)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n):,} B"


def _table(title: str, header: list[str], rows: list[list[Any]]) -> str:
    out = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def render_card(manifest: dict[str, Any], recipe_text: str) -> str:
    """README.md text for an export described by ``manifest`` (see export.run)."""
    configs = []
    for rung in manifest["rungs"]:
        files = [{"split": s, "path": f} for s, f in sorted(rung["files"].items())]
        if files:  # an hf_disk-only export has no file the Hub's loader reads: no config points at nothing
            configs.append({"config_name": rung["config"], "data_files": files})
    if configs:  # the largest size is what `load_dataset(repo)` gives without a config name
        configs[-1]["default"] = True
    n_max = max((r["n_rows"] for r in manifest["rungs"]), default=0)
    vision = any(r.get("images") for r in manifest["rungs"])
    header = {
        **({"configs": configs} if configs else {}),
        "pretty_name": manifest["name"],
        "size_categories": [_size_category(n_max)],
        "task_categories": ["image-text-to-text" if vision else TASK[manifest["kind"]]],
        "tags": ["redstar", "long-cot", "reasoning", manifest["kind"], *(["multimodal"] if vision else [])],
    }
    parts = ["---", yaml.safe_dump(header, sort_keys=False, allow_unicode=True).rstrip(), "---", ""]
    parts.append(f"# {manifest['name']}\n")
    parts.append(
        f"A **{manifest['kind'].upper()}** set exported by redstar from a catalog "
        f"with recipe `{manifest['recipe_file']}`. "
        + {
            "sft": "Rows have a `messages` column (system, user, assistant) for TRL's SFTTrainer.",
            "dpo": "Rows have conversational `prompt` / `chosen` / `rejected` columns for TRL's DPOTrainer.",
            "rl": "Rows have a conversational `prompt` and an `answer` (plus `tests` for code) for TRL's "
            "GRPOTrainer / RLOOTrainer reward functions.",
        }[manifest["kind"]]
        + (
            ' Every message\'s `content` is a list of parts (`{"type": "image"}` placeholders, then '
            '`{"type": "text"}`), and the `images` column holds the images in placeholder order '
            "(`datasets` `Image` features: `load_dataset` gives PIL images)."
            if vision
            else ""
        )
        + " Every row carries `problem_id`, its trace id(s), run, teacher model, the trace's own `source_id`, "
        "the verifier and its label.\n"
    )
    parts.append("## Sizes\n")
    if manifest["ladder"]:
        parts.append("A nested ladder: every smaller set is a subset of the next (same seeded order).\n")
    parts.append(
        _table(
            "Rows per size and split",
            ["config", "rows", "train", "validation"],
            [
                [r["config"], r["n_rows"], r["splits"].get("train", 0), r["splits"].get("validation", 0)]
                for r in manifest["rungs"]
            ],
        )
    )
    parts.append("## Composition\n")
    largest = manifest["rungs"][-1] if manifest["rungs"] else {"by_source": {}, "by_difficulty": {}}
    if largest.get("by_model"):
        parts.append(
            _table(
                "Rows per teacher model (largest size)",
                ["model", "rows"],
                sorted(largest["by_model"].items()),
            )
        )
        parts.append(
            _table("Rows per run (largest size)", ["run", "rows"], sorted(largest["by_run"].items()))
        )
    parts.append(
        _table(
            "Rows per source of the trace (largest size)",
            ["source", "rows"],
            sorted(largest["by_source"].items()),
        )
    )
    parts.append(
        _table(
            "Rows per difficulty (largest size)",
            ["difficulty", "rows"],
            sorted(largest["by_difficulty"].items()),
        )
    )
    if vision:
        parts.append("## Images\n")
        parts.append(
            "Image bytes are stored in the parquet files (an image shown by several rows is stored in each).\n"
        )
        parts.append(
            _table(
                "Images per size",
                [
                    "config",
                    "rows with images",
                    "images",
                    "distinct images",
                    "total size",
                    "mean size",
                    "formats",
                ],
                [
                    [
                        r["config"],
                        r["images"]["rows_with_images"],
                        r["images"]["images"],
                        r["images"]["unique_images"],
                        _size(r["images"]["bytes"]),
                        _size(r["images"]["mean_bytes"]),
                        ", ".join(f"{f} {n}" for f, n in sorted(r["images"]["formats"].items())) or "-",
                    ]
                    for r in manifest["rungs"]
                    if r.get("images")
                ],
            )
        )
    stats = [
        [r["config"], *(r["tokens"].get(k, "") for k in ("min", "mean", "p50", "p90", "max"))]
        for r in manifest["rungs"]
        if r.get("tokens")
    ]
    if stats:
        counters = manifest.get("token_counters") or []
        how = ", ".join(f"`{c}`" for c in counters) or "unknown"
        parts.append("## Trace lengths (completion tokens)\n")
        parts.append(
            f"Counted by: {how}."
            + (
                " A `whitespace-estimate` is a count of words, not tokens."
                if "whitespace-estimate" in counters
                else ""
            )
            + "\n"
        )
        parts.append(_table("Token-length statistics", ["config", "min", "mean", "p50", "p90", "max"], stats))
    parts.append("## Lineage\n")
    lin = [
        ["export id", f"`{manifest['export_id']}`"],
        ["recipe hash", f"`{manifest['recipe_hash']}`"],
        ["catalog fingerprint", f"`{manifest['catalog_fingerprint']}`"],
        [
            "verifier versions",
            ", ".join(f"{k} {v}" for k, v in sorted(manifest["verifier_versions"].items())) or "-",
        ],
        ["seed", manifest["seed"]],
    ]
    parts.append(_table("Provenance", ["what", "value"], lin))
    parts.append("## Recipe\n\n```yaml\n" + recipe_text.rstrip() + "\n```\n")
    return "\n".join(parts)
