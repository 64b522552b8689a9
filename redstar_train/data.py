"""Load an export as a ``datasets.Dataset`` and check it has the TRL dataset type the trainer expects.

Accepted ``data.path`` shapes, tried in this order:
  - a parquet file;
  - an export directory with ``<split>.parquet`` (+ ``manifest.json``);
  - a ladder export ``<out>/<size>/<split>.parquet`` (``data.size`` picks the rung; the error lists them);
  - an HF ``save_to_disk`` directory (Dataset or DatasetDict);
  - otherwise a Hub dataset id (``datasets.load_dataset``).

TRL dataset types (TRL ``dataset_formats.md``): SFT takes conversational language modelling rows
(``messages``) or prompt-completion rows; DPO takes explicit-prompt preference rows
(``prompt``/``chosen``/``rejected``); GRPO/RLOO take prompt-only rows (``prompt`` + reward columns such as
``answer``). A wrong export type fails here, naming the file, row and field, instead of deep inside TRL.

Vision SFT exports (an ``images`` column) need a VLM's processor and become prompt-completion rows, so
the loss stays on the assistant turn (``redstar_train.vision``).

Over-length rows are *dropped and counted* (TRL would truncate an SFT trace's end, i.e. its answer, or
silently drop a DPO row); ``DataReport`` carries the numbers so the CLI can print them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redstar_data.deps import require
from redstar_data.errors import ConfigError
from redstar_train.vision import is_vision_dataset, to_prompt_completion, vision_lengths

REQUIRED = {"sft": ("messages",), "dpo": ("prompt", "chosen", "rejected"), "rl": ("prompt",)}


@dataclass
class DataReport:
    """What was loaded and what was dropped (by reason)."""

    source: str
    n_rows: int = 0
    n_kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    max_tokens: int = 0

    @property
    def n_dropped(self) -> int:
        return sum(self.dropped.values())


def _ladder_sizes(d: Path, split: str) -> list[str]:
    return sorted(
        (p.name for p in d.iterdir() if (p / f"{split}.parquet").is_file()),
        key=lambda s: (not s.isdigit(), int(s) if s.isdigit() else 0, s),
    )


def resolve_parquet(path: str | Path, *, split: str = "train", size: str | None = None) -> Path | None:
    """The parquet file for (path, split, size), or None when ``path`` is not a parquet export."""
    p = Path(path)
    if p.is_file() and p.suffix == ".parquet":
        return p
    if not p.is_dir():
        return None
    if size is not None:
        cand = p / str(size) / f"{split}.parquet"
        if cand.is_file():
            return cand
        sizes = _ladder_sizes(p, split)
        raise ConfigError(
            f"no {split}.parquet for size {size!r} under {p}", key="data.size", allowed=sizes or None
        )
    if (p / f"{split}.parquet").is_file():
        return p / f"{split}.parquet"
    sizes = _ladder_sizes(p, split)
    if sizes:
        raise ConfigError(f"{p} is a ladder export; pick a rung", key="data.size", allowed=sizes)
    if any(p.glob("*.parquet")):
        raise ConfigError(
            f"no {split}.parquet in {p}",
            key="data.split",
            allowed=sorted(x.stem for x in p.glob("*.parquet")),
        )
    return None


def load_split(path: str, *, split: str = "train", size: str | None = None, limit: int | None = None) -> Any:
    """The rows of one split as a ``datasets.Dataset``."""
    (datasets,) = require("training data", "train", "datasets")
    pq = resolve_parquet(path, split=split, size=size)
    if pq is not None:
        ds = datasets.Dataset.from_parquet(str(pq))
    elif Path(path).is_dir():
        try:
            obj = datasets.load_from_disk(path)
        except (FileNotFoundError, ValueError) as e:
            raise ConfigError(
                f"{path} is neither a parquet export nor a save_to_disk dataset: {e}", key="data.path"
            ) from None
        if isinstance(obj, datasets.DatasetDict):
            if split not in obj:
                raise ConfigError(f"split {split!r} not in {path}", key="data.split", allowed=list(obj))
            obj = obj[split]
        ds = obj
    elif Path(path).suffix in (".parquet", ".jsonl", ".json") or Path(path).exists():
        raise ConfigError(f"data file {path} not found or not parquet", key="data.path")
    else:
        try:
            ds = datasets.load_dataset(path, split=split)
        except Exception as e:  # the Hub client raises many types; report them all the same way
            raise ConfigError(
                f"cannot load Hub dataset {path!r} split {split!r}: {e}",
                key="data.path",
                hint="check the id, or pass a local export directory",
            ) from None
    if limit is not None:
        ds = ds.select(range(min(limit, len(ds))))
    return ds


def _is_messages(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(m, dict) and "role" in m and "content" in m for m in v)


def check_format(ds: Any, kind: str, *, source: str, need: tuple[str, ...] = ()) -> None:
    """Raise ConfigError when ``ds`` is not the TRL dataset type ``kind`` needs (names file, row, field)."""
    cols = set(ds.column_names)
    if kind == "sft" and {"prompt", "completion"} <= cols:
        required: tuple[str, ...] = ("prompt", "completion")
    else:
        required = REQUIRED[kind] + need
    missing = [c for c in required if c not in cols]
    if missing:
        hint = {
            "sft": "export with format sft (messages)",
            "dpo": "export with format dpo",
            "rl": "export with format rl",
        }[kind]
        raise ConfigError(
            f"{source}: missing column(s) {missing} for {kind}",
            key="data.path",
            allowed=list(required),
            hint=f"{hint}; found columns {sorted(cols)}",
        )
    if len(ds) == 0:
        raise ConfigError(f"{source}: no rows", key="data.path")
    conv_cols = [c for c in ("messages", "prompt", "chosen", "rejected") if c in required]
    view = ds.select_columns(conv_cols) if conv_cols else ds  # never decode an images column here
    for i in range(min(len(ds), 1000)):
        row = view[i]
        for c in conv_cols:
            v = row[c]
            if isinstance(v, str) and c != "messages":
                continue
            if not _is_messages(v):
                raise ConfigError(
                    f"{source}: row {i} field {c!r} is not a list of {{role, content}} messages",
                    key="data.path",
                )
        if kind == "sft" and "messages" in required:
            if not any(m["role"] == "assistant" for m in row["messages"]):
                raise ConfigError(f"{source}: row {i} has no assistant message to train on", key="data.path")


def _chat_lengths(tokenizer: Any, convs: list[Any], gen: bool, chunk: int = 1000) -> list[int]:
    """Token counts of conversations (batched chat template) or plain strings."""
    out: list[int] = []
    for i in range(0, len(convs), chunk):
        part = convs[i : i + chunk]
        if all(isinstance(c, str) for c in part):
            enc = tokenizer(part, add_special_tokens=False)["input_ids"]
        else:
            res = tokenizer.apply_chat_template(part, tokenize=True, add_generation_prompt=gen)
            enc = res["input_ids"] if hasattr(res, "keys") else res
        out.extend(len(x) for x in enc)
    return out


def conversation_lengths(ds: Any, kind: str, tokenizer: Any) -> list[int]:
    """Token length of each row as the trainer will see it (chat template applied, batched)."""
    cols = set(ds.column_names)
    if kind == "sft" and "messages" in cols:
        return _chat_lengths(tokenizer, list(ds["messages"]), False)
    if kind == "sft":
        p, c = (
            _chat_lengths(tokenizer, list(ds["prompt"]), True),
            _chat_lengths(tokenizer, list(ds["completion"]), False),
        )
        return [a + b for a, b in zip(p, c, strict=True)]
    if kind == "dpo":
        prompts = list(ds["prompt"])
        lengths = []
        for side in ("chosen", "rejected"):
            comp = list(ds[side])
            if prompts and isinstance(prompts[0], list):
                lengths.append(
                    _chat_lengths(tokenizer, [p + c for p, c in zip(prompts, comp, strict=True)], False)
                )
            else:
                pl, cl = _chat_lengths(tokenizer, prompts, False), _chat_lengths(tokenizer, comp, False)
                lengths.append([a + b for a, b in zip(pl, cl, strict=True)])
        return [max(a, b) for a, b in zip(*lengths, strict=True)]
    return _chat_lengths(tokenizer, list(ds["prompt"]), True)


def prepare(
    ds: Any,
    kind: str,
    tokenizer: Any,
    *,
    max_length: int,
    source: str,
    drop_overlength: bool = True,
    budget: int | None = None,
) -> tuple[Any, DataReport]:
    """Check the format, then drop rows whose templated length exceeds ``budget`` (default max_length)."""
    check_format(ds, kind, source=source)
    report = DataReport(source=source, n_rows=len(ds))
    limit = budget if budget is not None else max_length
    vision = is_vision_dataset(ds)
    if vision:
        if kind != "sft":
            raise ConfigError(
                f"{source}: {kind} on image rows is not supported yet (SFT only)",
                key="data.path",
                hint="train a VLM with `redstar train sft` on a vision SFT export",
            )
        if not hasattr(tokenizer, "image_processor"):
            raise ConfigError(
                f"{source}: the export has images but the model is not a vision-language model",
                key="model.path",
                hint="point model.path at a VLM (e.g. Qwen/Qwen2.5-VL-7B-Instruct, or redstar train tiny-vlm DIR)",
            )
        if "messages" in ds.column_names:
            ds = to_prompt_completion(ds, source=source)
    if drop_overlength:
        lengths = vision_lengths(ds, tokenizer) if vision else conversation_lengths(ds, kind, tokenizer)
        keep = [i for i, n in enumerate(lengths) if n <= limit]
        report.max_tokens = max(lengths) if lengths else 0
        if len(keep) < len(ds):
            reason = "prompt_too_long" if kind == "rl" else "too_long"
            report.dropped[reason] = len(ds) - len(keep)
            ds = ds.select(keep)
        if len(ds) == 0:
            raise ConfigError(
                f"{source}: all {report.n_rows} rows are longer than {limit} tokens",
                key="context.max_length",
                hint=f"the longest row has {report.max_tokens} tokens",
            )
    report.n_kept = len(ds)
    return ds, report


__all__ = ["DataReport", "check_format", "conversation_lengths", "load_split", "prepare", "resolve_parquet"]
