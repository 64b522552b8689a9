"""Progress events from library stages. The library never prints; the CLI renders these with rich.

A stage calls ``progress(ProgressEvent(...))`` as work advances; tests pass a ``RecordingProgress``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProgressEvent:
    """``done`` of ``total`` units of ``stage`` (total None when unknown); ``metrics`` e.g. tokens."""

    stage: str
    done: int
    total: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    message: str | None = None


ProgressCallback = Callable[[ProgressEvent], None]


def null_progress(event: ProgressEvent) -> None:
    """The default sink: drop events."""


@dataclass
class RecordingProgress:
    """Keeps every event; for tests."""

    events: list[ProgressEvent] = field(default_factory=list)

    def __call__(self, event: ProgressEvent) -> None:
        self.events.append(event)
