"""Per-source mixing as an ordering: weighted round-robin keys, so every prefix holds the shares.

Row ``pos`` (1-based, in seeded-hash order within its source) gets the key ``(pos - 0.5) / weight``;
sorting all rows by that key interleaves sources like stride scheduling. Any prefix of N rows then has
``weight_s / sum(weights) * N`` rows of source s, within one row, as long as every source has rows
left. Because the mix is an *order*, not a per-size sample, every ladder rung is a prefix of the next:
nesting and shares hold together. Quotas are weights plus a cap (``pos <= quota``).
"""

from __future__ import annotations

from redstar_data.catalog.quote import literal
from redstar_data.recipes.schema import Mix


def weight_case(mix: Mix, col: str = "source_id") -> str:
    """SQL expression: the weight of the row's source."""
    w: dict[str, float] = (
        {k: float(v) for k, v in mix.weights.items()}
        if mix.weights is not None
        else {k: float(max(v, 0)) for k, v in (mix.quotas or {}).items()}
    )
    arms = " ".join(f"WHEN {literal(k)} THEN {v!r}::DOUBLE" for k, v in sorted(w.items()) if v > 0)
    return f"CASE {col} {arms} END" if arms else "NULL::DOUBLE"


def source_filter(mix: Mix, col: str = "source_id") -> str:
    """SQL condition: the row's source takes part in the mix (and is within its quota)."""
    names = sorted((mix.weights or mix.quotas or {}).keys())
    cond = f"{col} IN ({', '.join(literal(n) for n in names)})" if names else "FALSE"
    if mix.quotas is not None:
        caps = " ".join(f"WHEN {literal(k)} THEN {int(v)}" for k, v in sorted(mix.quotas.items()))
        cond += f" AND pos <= (CASE {col} {caps} END)"
    return cond


def expected_counts(mix: Mix, available: dict[str, int], n: int) -> dict[str, float]:
    """The ideal rows per source in a prefix of ``n`` (ignores exhaustion); for docs and tests."""
    w = mix.weights if mix.weights is not None else {k: float(v) for k, v in (mix.quotas or {}).items()}
    total = sum(w.values()) or 1.0
    return {k: v / total * n for k, v in w.items() if k in available}
