"""Nested size ladders: each rung is a prefix of one deterministic order, so each set is a subset of the next.

The order is fixed by a seeded hash of the problem id (``md5(seed:rank:problem_id)``), then by the pick
rank within the problem, then (with ``mix``) interleaved by source weights. Size N = the first N rows.
The same recipe and catalog therefore always give the same sets, and a larger rung only adds rows.
"""

from __future__ import annotations

from redstar_data.errors import RecipeError


def size_label(n: int | None) -> str:
    """Directory name of a rung: the number itself (``4000``), matching redstar_train's ``data.size``."""
    return "all" if n is None else str(n)


def resolve_sizes(
    sizes: list[int] | None, available: int, *, allow_smaller: bool, file: str | None = None
) -> list[int]:
    """The row count of each rung; a rung above ``available`` is an error unless ``allow_smaller``."""
    if sizes is None:
        return [available]
    out: list[int] = []
    for n in sizes:
        if n > available and not allow_smaller:
            raise RecipeError(
                f"size {n:,} is larger than the {available:,} rows the selection holds",
                file=file,
                key="sizes",
                hint="lower the size, widen `select`, or set `allow_smaller: true` to take what there is",
            )
        out.append(min(n, available))
    return out
