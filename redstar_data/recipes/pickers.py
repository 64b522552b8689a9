"""Trace pick policies as SQL ORDER BY clauses: which trace(s) of a problem come first.

A policy is a deterministic order over a problem's candidate traces of one label; the compiler keeps the
first ``max_per_problem`` (SFT) or pairs the k-th chosen with the k-th rejected (DPO). Ties are broken by
``trace_id`` so the same catalog always yields the same pick; ``random_*`` orders by a seeded hash. Each
policy is one ``Picker`` here and one entry in ``registry.PICKERS``; the compiler resolves names there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Picker:
    """One pick policy: which label it draws from (``label``), in which order, and whether SFT keeps
    every trace (``keeps_all``: no default cap of one per problem)."""

    name: str
    label: Literal["correct", "incorrect"]
    order: Literal["shortest", "longest", "random"]
    keeps_all: bool = False

    def order_by(self, seed: int, alias: str = "c") -> str:
        """The ORDER BY expression list over traces aliased ``alias``."""
        a = alias
        if self.order == "shortest":
            return f"{a}.n_tokens ASC NULLS LAST, {a}.trace_id"
        if self.order == "longest":
            return f"{a}.n_tokens DESC NULLS LAST, {a}.trace_id"
        return f"md5('{int(seed)}:pick:' || {a}.trace_id)"


SHORTEST_CORRECT = Picker("shortest_correct", "correct", "shortest")
RANDOM_CORRECT = Picker("random_correct", "correct", "random")
ALL_CORRECT = Picker("all_correct", "correct", "shortest", keeps_all=True)
LONGEST_CORRECT = Picker("longest_correct", "correct", "longest")
LONGEST_INCORRECT = Picker("longest_incorrect", "incorrect", "longest")
SHORTEST_INCORRECT = Picker("shortest_incorrect", "incorrect", "shortest")
RANDOM_INCORRECT = Picker("random_incorrect", "incorrect", "random")

# in the order recipes list them in errors and docs
ALL: tuple[Picker, ...] = (
    SHORTEST_CORRECT,
    RANDOM_CORRECT,
    ALL_CORRECT,
    LONGEST_CORRECT,
    LONGEST_INCORRECT,
    SHORTEST_INCORRECT,
    RANDOM_INCORRECT,
)


def get(policy: str) -> Picker:
    """The picker registered as ``policy`` (``registry.PICKERS``; a miss names the registered ones)."""
    from redstar_data.registry import PICKERS

    return PICKERS.get(policy)


def order_by(policy: str, seed: int, alias: str = "c") -> str:
    """The ORDER BY expression list for ``policy`` over traces aliased ``alias``."""
    return get(policy).order_by(seed, alias)
