"""The recipe schema: pydantic models with ``extra="forbid"``, so a typo is an error, never a silent default.

A recipe says which problems (``select``), which traces (``traces``), how to mix sources (``mix``), which
sizes (``sizes``: one size or a nested ladder), what rows look like (``kind`` + ``format``), how to split
(``split``), and where to write (``output``). Code is referred to only by registry-style names (pick
policies, formats), never by Python paths, so the recipe's hash identifies what it does; ``select.where``
(free SQL over the views) is the one escape hatch.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from redstar_data.catalog.fragments import condition_problem
from redstar_data.registry import PICKERS

# Qwen2.5's chat template injects "You are Qwen, created by Alibaba Cloud..." when a conversation has no
# system message (TRAINING-NOTES §3), so every export carries an explicit one; this is redstar's default.
DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful and harmless assistant. You should think step-by-step. "
    "Reason carefully before answering: restate the problem, work through it one step at a time, "
    "check each step and correct yourself when something does not add up. "
    "Put your final answer within \\boxed{}."
)

# pick policy names by role, from what registry.PICKERS holds (a new policy is one registration)
_PICKERS = [PICKERS.get(n) for n in PICKERS.names()]
PICKS = tuple(p.name for p in _PICKERS if p.label == "correct")
CHOSEN = tuple(p.name for p in _PICKERS if p.label == "correct" and not p.keeps_all)
REJECTED = tuple(p.name for p in _PICKERS if p.label == "incorrect")
KINDS = ("sft", "dpo", "rl")
OUTPUT_FORMATS = ("parquet", "jsonl", "hf_disk")
FLAGS = ("truncated", "no_final_answer", "repetition", "language_mixing", "too_short", "too_long")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Difficulty(_Strict):
    """Keep problems whose latest ``difficulty`` score (of ``method``, optionally ``model``) is in [min, max]."""

    method: Literal["judge", "pass_rate", "label"]
    model: str | None = None
    min: float | None = None
    max: float | None = None


class Select(_Strict):
    """Which problems. All conditions are ANDed."""

    domains: list[str] | None = None
    sources: list[str] | None = None
    difficulty: Difficulty | None = None
    canonical_only: bool = True
    exclude_contaminated: bool = True
    # flagged traces (truncated, repetition, ...) are not training material unless asked: false keeps them
    exclude_flags: bool | list[Literal[FLAGS]] = True  # type: ignore[valid-type]
    exclude_benchmarks: bool = True
    where: str | None = None

    @field_validator("where")
    @classmethod
    def _one_condition(cls, v: str | None) -> str | None:
        # checked by DuckDB's parser when the recipe is read: a shared recipe never runs statements
        problem = None if v is None else condition_problem(v)
        if problem:
            raise ValueError(f"not a single SQL condition: {problem}")
        return v


class Traces(_Strict):
    """Which traces of each problem (SFT rows; DPO candidates; RL pass rates)."""

    verifier: str = "math"  # a verifier name, or "domain": each problem's own domain verifier
    verifier_version: str = "latest"
    pick: Literal[PICKS] = "shortest_correct"  # type: ignore[valid-type]
    max_per_problem: int | None = Field(default=None, ge=1)  # None: 1, or unlimited for all_correct
    min_tokens: int | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=1)
    runs: list[str] | None = None
    # when ``runs`` is not given: traces of runs of these kinds (teacher samples and imported responses;
    # eval and judge runs are measurements, not training data)
    run_kinds: list[str] = Field(default_factory=lambda: ["teacher", "import"], min_length=1)
    # a "correct" label whose answer came from the verifier's weak fallback (details.weak, e.g. the last
    # number of the text) counts as correct only when asked
    allow_weak_extraction: bool = False


class Mix(_Strict):
    """Per-source ``weights`` (shares of every size) or ``quotas`` (row caps, also used as shares);
    ``by: domain`` keys them by problem domain instead (a code + math mix, as RedStar-code-math).

    Sources not listed are left out. Shares hold for every prefix of the ordered selection, so they hold
    for every rung of a ladder; a source that runs out leaves its share to the others.
    """

    by: Literal["source", "domain"] = "source"  # domain: shares per problem domain (code + math)
    weights: dict[str, Annotated[float, Field(gt=0)]] | None = None
    quotas: dict[str, Annotated[int, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _one(self) -> Mix:
        if (self.weights is None) == (self.quotas is None):
            raise ValueError("give exactly one of mix.weights or mix.quotas")
        return self


class SftFormat(_Strict):
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    user_template: str = "{problem}"


class DpoFormat(_Strict):
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    user_template: str = "{problem}"
    chosen: Literal[CHOSEN] = "shortest_correct"  # type: ignore[valid-type]
    rejected: Literal[REJECTED] = "longest_incorrect"  # type: ignore[valid-type]
    rejected_labels: list[Literal["incorrect", "no_answer"]] = ["incorrect"]
    max_pairs_per_problem: int = Field(default=1, ge=1)


class RlFormat(_Strict):
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    user_template: str = "{problem}"
    pass_rate: tuple[float, float] | None = None
    require_answer: bool = True  # a reward reference: the answer, or for code problems their tests

    @field_validator("pass_rate")
    @classmethod
    def _window(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not (0.0 <= v[0] <= v[1] <= 1.0):
            raise ValueError("pass_rate must be [low, high] with 0 <= low <= high <= 1")
        return v


FORMAT_MODELS: dict[str, type[_Strict]] = {"sft": SftFormat, "dpo": DpoFormat, "rl": RlFormat}


class Split(_Strict):
    """A fraction of *problems* goes to validation (by a seeded hash of the problem id: never both splits)."""

    validation: float = Field(default=0.0, ge=0.0, lt=1.0)


class Output(_Strict):
    dir: str | None = None
    formats: list[Literal[OUTPUT_FORMATS]] = ["parquet"]  # type: ignore[valid-type]
    hub_repo: str | None = None
    private: bool = True
    row_group_size: int = Field(default=10_000, ge=1)
    compression: Literal["snappy", "zstd", "none"] = "snappy"


class Recipe(_Strict):
    """A whole recipe after ``include:`` has been resolved."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    version: str | int = 1
    description: str | None = None
    kind: Literal[KINDS] = "sft"  # type: ignore[valid-type]
    select: Select = Select()
    traces: Traces = Traces()
    mix: Mix | None = None
    sizes: int | list[int] | None = None
    format: SftFormat | DpoFormat | RlFormat | None = None
    split: Split = Split()
    seed: int = 0
    output: Output = Output()
    allow_smaller: bool = False

    @model_validator(mode="after")
    def _format_matches_kind(self) -> Recipe:
        if self.format is not None and not isinstance(self.format, FORMAT_MODELS[self.kind]):
            raise ValueError(f"format options are for another kind than {self.kind!r}")
        return self

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, v: int | list[int] | None) -> int | list[int] | None:
        vals = [v] if isinstance(v, int) else (v or [])
        if any(x < 1 for x in vals):
            raise ValueError("sizes must be positive")
        if isinstance(v, list) and (not v or sorted(set(v)) != v):
            raise ValueError(
                "a size ladder must be a non-empty, strictly increasing list, e.g. [4000, 21000]"
            )
        return v

    @property
    def size_list(self) -> list[int] | None:
        """The sizes as a list (None = everything the selection holds)."""
        if self.sizes is None:
            return None
        return [self.sizes] if isinstance(self.sizes, int) else list(self.sizes)

    @property
    def is_ladder(self) -> bool:
        return isinstance(self.sizes, list) and len(self.sizes) > 1

    @property
    def fmt(self) -> Any:
        return self.format if self.format is not None else FORMAT_MODELS[self.kind]()
