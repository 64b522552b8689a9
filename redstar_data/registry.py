"""One typed registry for pluggable parts (sources, backends, verifiers, pickers, formats): the stages
resolve every such name here, so a new part (a code or geometry verifier, a reader, a pick policy) is one
``add`` line, not edits across stages.

Targets are lazy ``"module:attr"`` strings, so listing or resolving a name never imports torch or vllm
until that part is used. A miss says "did you mean ...? available: ...".

=========  ===========================  ===================================================================
registry   keyed by                     resolved by
=========  ===========================  ===================================================================
SOURCES    source kind (parse_source)   ``ingest.readers.read``: a ``(SourceSpec) -> Iterator[RawBatch]``
BACKENDS   backend name                 ``generate.backends.get_backend``: a GenerationBackend class
VERIFIERS  problem DOMAIN (math, ...)   ``verify.run.verify``: the ``Verifier`` class for that domain
PICKERS    pick policy name             ``recipes.compile`` (via ``pickers.get``): a ``Picker``
FORMATS    recipe kind (sft, dpo, rl)   ``export.formats.rows_sql``: a row shaper ``(Recipe) -> (cols, joins)``
=========  ===========================  ===================================================================
"""

from __future__ import annotations

import difflib
import importlib
from typing import Generic, TypeVar

from redstar_data.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """Name → lazy target. ``kind`` names the registry in errors (e.g. "backend")."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._targets: dict[str, str] = {}
        self._help: dict[str, str] = {}

    def add(self, name: str, target: str, help: str = "") -> None:
        if name in self._targets and self._targets[name] != target:
            raise ValueError(f"{self.kind} {name!r} is already registered to {self._targets[name]}")
        self._targets[name] = target
        self._help[name] = help

    def names(self) -> list[str]:
        return sorted(self._targets)

    def describe(self) -> list[tuple[str, str, str]]:
        """(name, target, help) for ``redstar ls``."""
        return [(n, self._targets[n], self._help[n]) for n in self.names()]

    def get(self, name: str) -> T:
        """Import and return the target registered as ``name``."""
        if name not in self._targets:
            close = difflib.get_close_matches(name, self.names(), n=1)
            hint = f"did you mean {close[0]!r}?" if close else None
            raise ConfigError(f"unknown {self.kind} {name!r}", allowed=self.names(), hint=hint)
        module, _, attr = self._targets[name].partition(":")
        obj = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj  # type: ignore[return-value]


BACKENDS: Registry[type] = Registry("backend")
VERIFIERS: Registry[type] = Registry("verifier")
PICKERS: Registry[object] = Registry("picker")
FORMATS: Registry[object] = Registry("format")
SOURCES: Registry[object] = Registry("source")

BACKENDS.add(
    "scripted",
    "redstar_data.generate.backends.scripted:ScriptedTeacher",
    "offline STAND-IN teacher for the demo and tests (not a model)",
)
BACKENDS.add(
    "openai",
    "redstar_data.generate.backends.openai_http:OpenAIBackend",
    "any OpenAI-compatible server (vLLM serve, SGLang, hosted APIs)",
)
BACKENDS.add(
    "vllm", "redstar_data.generate.backends.vllm_offline:VLLMBackend", "offline vLLM LLM engine (GPU)"
)
BACKENDS.add(
    "transformers",
    "redstar_data.generate.backends.transformers_local:TransformersBackend",
    "a local transformers model on CPU or GPU",
)
# keyed by problem domain: verify labels each problem's traces with its domain's verifier
VERIFIERS.add("math", "redstar_data.verify.math:MathVerifier", "final-answer equivalence for math")
VERIFIERS.add(
    "code",
    "redstar_data.verify.code.judge:CodeVerifier",
    "runs the final program against the problem's tests in a bubblewrap sandbox",
)
VERIFIERS.add(
    "geometry",
    "redstar_data.verify.geometry:GeometryVerifier",
    "choice-aware final answers: the right option letter or a value equal to it",
)

# recipes / export: every pick policy is one entry
for _name, _help in (
    ("shortest_correct", "the correct trace with the fewest tokens (RedStar's choice for SFT)"),
    ("random_correct", "a correct trace chosen by a seeded hash"),
    ("all_correct", "every correct trace (up to max_per_problem), shortest first"),
    ("longest_correct", "the correct trace with the most tokens"),
    ("longest_incorrect", "DPO rejected: the incorrect trace with the most tokens"),
    ("shortest_incorrect", "DPO rejected: the incorrect trace with the fewest tokens"),
    ("random_incorrect", "DPO rejected: an incorrect trace chosen by a seeded hash"),
):
    PICKERS.add(_name, f"redstar_data.recipes.pickers:{_name.upper()}", _help)
FORMATS.add(
    "sft", "redstar_data.export.formats:sft_columns", "chat `messages` with a system prompt (TRL SFT)"
)
FORMATS.add(
    "dpo", "redstar_data.export.formats:dpo_columns", "conversational prompt/chosen/rejected (TRL DPO)"
)
FORMATS.add("rl", "redstar_data.export.formats:rl_columns", "prompt + answer (+ tests) (TRL GRPO/RLOO)")

# ingest: each entry is a (SourceSpec) -> Iterator[RawBatch]; parse_source decides the kind
SOURCES.add(
    "jsonl",
    "redstar_data.ingest.readers:source_jsonl",
    "JSON lines file (.jsonl/.ndjson), streamed in byte chunks",
)
SOURCES.add("json", "redstar_data.ingest.readers:source_json", "JSON file: an array of objects")
SOURCES.add("parquet", "redstar_data.ingest.readers:source_parquet", "parquet file, streamed by record batch")
SOURCES.add("csv", "redstar_data.ingest.readers:source_csv", "CSV file with a header row")
SOURCES.add(
    "hf_disk", "redstar_data.ingest.readers:source_hf_disk", "a datasets save_to_disk folder (DIR[:split])"
)
SOURCES.add("hub", "redstar_data.ingest.readers:source_hub", "hf:org/name[:split] via datasets.load_dataset")
SOURCES.add(
    "synthetic",
    "redstar_data.ingest.readers:read_synthetic",
    "SYNTHETIC math problems: synthetic:math?n=N&seed=S",
)

# `redstar ls KIND`
REGISTRIES: dict[str, Registry] = {
    "backends": BACKENDS,
    "verifiers": VERIFIERS,
    "pickers": PICKERS,
    "formats": FORMATS,
    "sources": SOURCES,
}
