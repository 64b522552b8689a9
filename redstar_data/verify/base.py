"""The verifier contract: gold first, a Verdict with a label, and a name + version stored with every label."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from redstar_data.progress import ProgressCallback

Label = Literal["correct", "incorrect", "no_answer", "timeout", "error"]
LABELS: tuple[str, ...] = ("correct", "incorrect", "no_answer", "timeout", "error")


@dataclass(frozen=True)
class Verdict:
    """Outcome of checking one response. ``extracted`` is the answer found in the response (None if none);
    ``method`` says how equivalence was decided (string, numeric, symbolic, ...) or how extraction
    happened; ``details`` carries anything worth storing as JSON."""

    label: Label
    extracted: str | None = None
    method: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def correct(self) -> bool:
        return self.label == "correct"


@runtime_checkable
class Verifier(Protocol):
    """What ``registry.VERIFIERS`` holds per problem domain; ``verify.run`` calls ``check_many``.

    ``name`` and ``version`` are stored with every label (a new version relabels; old labels stay).
    ``check_many`` keeps ``pairs`` order and bounds each item's time itself (workers, timeouts).
    """

    name: str
    version: str

    def check(self, response: str, reference: str) -> Verdict: ...

    def check_many(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        workers: int | None = None,
        progress: ProgressCallback = ...,
    ) -> list[Verdict]: ...
