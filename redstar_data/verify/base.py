"""The verifier contract: gold first, a Verdict with a label, and a name + version stored with every label."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

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


class Verifier(Protocol):
    name: str
    version: str

    def check(self, response: str, reference: str) -> Verdict: ...
