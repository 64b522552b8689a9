"""Trace pick policies as SQL ORDER BY clauses: which trace(s) of a problem come first.

A policy is a deterministic order over a problem's candidate traces; the compiler keeps the first
``max_per_problem`` (SFT) or pairs the k-th chosen with the k-th rejected (DPO). Ties are broken by
``trace_id`` so the same catalog always yields the same pick; ``random_*`` orders by a seeded hash.
"""

from __future__ import annotations

from redstar_data.errors import RecipeError


def order_by(policy: str, seed: int, alias: str = "c") -> str:
    """The ORDER BY expression list for ``policy`` over traces aliased ``alias``."""
    a = alias
    if policy in ("shortest_correct", "shortest_incorrect", "all_correct"):
        return f"{a}.n_tokens ASC NULLS LAST, {a}.trace_id"
    if policy in ("longest_correct", "longest_incorrect"):
        return f"{a}.n_tokens DESC NULLS LAST, {a}.trace_id"
    if policy in ("random_correct", "random_incorrect"):
        return f"md5('{int(seed)}:pick:' || {a}.trace_id)"
    raise RecipeError(f"unknown pick policy {policy!r}", allowed=list(POLICIES))


POLICIES = {
    "shortest_correct": "the correct trace with the fewest tokens (RedStar's choice for SFT)",
    "random_correct": "a correct trace chosen by a seeded hash",
    "all_correct": "every correct trace (up to max_per_problem), shortest first",
    "longest_correct": "the correct trace with the most tokens",
    "longest_incorrect": "DPO rejected: the incorrect trace with the most tokens",
    "shortest_incorrect": "DPO rejected: the incorrect trace with the fewest tokens",
    "random_incorrect": "DPO rejected: an incorrect trace chosen by a seeded hash",
}
