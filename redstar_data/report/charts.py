"""Plotly figures from the report's aggregates: one function per chart, small data in, a Figure out.

Every function takes the rows of one query (see ``queries.py``) and returns a figure, or None when the
catalog has nothing to plot yet (the page then says which command fills it).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

Rows = list[dict[str, Any]]
TEMPLATE = "plotly_white"
HEIGHT = 380
LABEL_COLORS = {
    "correct": "#2ca02c",
    "incorrect": "#d62728",
    "no_answer": "#ff7f0e",
    "timeout": "#9467bd",
    "error": "#8c564b",
    "unverified": "#c7c7c7",
}


def _layout(
    fig: go.Figure, title: str, *, x: str | None = None, y: str | None = None, **kw: Any
) -> go.Figure:
    fig.update_layout(
        title=title, template=TEMPLATE, height=HEIGHT, margin={"l": 60, "r": 20, "t": 50, "b": 60}, **kw
    )
    if x:
        fig.update_xaxes(title_text=x)
    if y:
        fig.update_yaxes(title_text=y)
    return fig


def _grouped(rows: Rows, key: str) -> dict[str, Rows]:
    out: dict[str, Rows] = defaultdict(list)
    for r in rows:
        out[str(r[key])].append(r)
    return dict(out)


def _hist_traces(rows: Rows) -> list[tuple[str, list[float], list[int], list[float]]]:
    """(group, bar centres, counts, widths) from histogram rows (g, lo, width, n)."""
    out = []
    for g, rs in _grouped(rows, "g").items():
        w = [float(r["width"]) for r in rs]
        x = [float(r["lo"]) + wi / 2 for r, wi in zip(rs, w, strict=True)]
        out.append((g, x, [int(r["n"]) for r in rs], w))
    return out


def _bar_width(widths: list[float]) -> list[float] | None:
    # discrete values (width 0) get plotly's default bar width
    return widths if any(widths) else None


def problems_by_source(rows: Rows) -> go.Figure | None:
    if not rows:
        return None
    fig = go.Figure()
    for domain, rs in _grouped(rows, "domain").items():
        fig.add_bar(
            name=domain,
            x=[r["source"] + (" (benchmark)" if r["benchmark"] else "") for r in rs],
            y=[r["n"] for r in rs],
        )
    return _layout(fig, "Problems per source and domain", x="source", y="problems", barmode="stack")


def difficulty_hist(rows: Rows) -> go.Figure | None:
    """One panel per method: judge (1-10), pass_rate (0-1) and label scores live on different scales."""
    if not rows:
        return None
    hists = _hist_traces(rows)
    fig = make_subplots(rows=1, cols=len(hists), subplot_titles=[g for g, *_ in hists])
    for i, (g, x, n, w) in enumerate(hists, start=1):
        fig.add_bar(x=x, y=n, width=_bar_width(w), name=g, showlegend=False, row=1, col=i)
        fig.update_xaxes(title_text="score", row=1, col=i)
    fig.update_yaxes(title_text="problems", row=1, col=1)
    return _layout(fig, "Difficulty scores by method")


def tokens_by_run(rows: Rows) -> go.Figure | None:
    if not rows:
        return None
    fig = go.Figure()
    for g, x, n, w in _hist_traces(rows):
        fig.add_bar(name=g, x=x, y=n, width=_bar_width(w), opacity=0.6)
    return _layout(
        fig, "Trace length per run · teacher", x="completion tokens", y="traces", barmode="overlay"
    )


def pass_rate_by_difficulty(rows: Rows) -> go.Figure | None:
    if not rows:
        return None
    groups = _grouped(rows, "method")
    fig = make_subplots(rows=1, cols=len(groups), subplot_titles=list(groups))
    for i, rs in enumerate(groups.values(), start=1):
        fig.add_scatter(
            x=[r["score_bin"] for r in rs],
            y=[r["pass_rate"] for r in rs],
            mode="lines+markers",
            showlegend=False,
            customdata=[[r["problems"], r["verified"]] for r in rs],
            hovertemplate="score %{x}<br>pass rate %{y:.3f}<br>%{customdata[0]} problems, "
            "%{customdata[1]} verified traces<extra></extra>",
            row=1,
            col=i,
        )
        fig.update_xaxes(title_text="difficulty score", row=1, col=i)
    fig.update_yaxes(title_text="pass rate", range=[0, 1.02], row=1, col=1)
    return _layout(fig, "Pass rate by difficulty (newest labels; each panel one difficulty method)")


def pass_rate_by_source(rows: Rows) -> go.Figure | None:
    if not rows:
        return None
    fig = go.Figure(
        go.Bar(
            x=[r["source"] for r in rows],
            y=[r["pass_rate"] for r in rows],
            customdata=[[r["problems"], r["verified"]] for r in rows],
            hovertemplate="%{x}<br>pass rate %{y:.3f}<br>%{customdata[0]} problems, "
            "%{customdata[1]} verified traces<extra></extra>",
        )
    )
    return _layout(fig, "Pass rate by source", x="source", y="pass rate", yaxis_range=[0, 1.02])


def labels_by_run(rows: Rows) -> go.Figure | None:
    if not rows:
        return None
    fig = go.Figure()
    for label, rs in _grouped(rows, "label").items():
        fig.add_bar(
            name=label,
            x=[r["run_id"] for r in rs],
            y=[r["n"] for r in rs],
            marker_color=LABEL_COLORS.get(label),
        )
    return _layout(fig, "Verification labels per run (newest label)", x="run", y="traces", barmode="stack")


def flags_by_run(rows: Rows) -> go.Figure | None:
    if not rows:
        return None
    fig = go.Figure()
    for run, rs in _grouped(rows, "run_id").items():
        fig.add_bar(name=run, x=[r["flag"] for r in rs], y=[r["n"] for r in rs])
    return _layout(fig, "Quality flags per run", x="flag", y="traces", barmode="group")


def dedup_sizes(rows: Rows) -> go.Figure | None:
    if not rows:
        return None
    fig = go.Figure()
    for kind, rs in _grouped(rows, "kind").items():
        fig.add_bar(name=kind, x=[r["n_members"] for r in rs], y=[r["clusters"] for r in rs])
    fig.update_xaxes(type="category")
    return _layout(
        fig, "Duplicate clusters by size", x="problems in the cluster", y="clusters", barmode="stack"
    )


def contamination(rows: Rows) -> go.Figure | None:
    if not rows:
        return None
    fig = go.Figure()
    for method, rs in _grouped(rows, "method").items():
        fig.add_bar(name=method, x=[r["benchmark"] for r in rs], y=[r["problems"] for r in rs])
    return _layout(
        fig, "Contaminated training problems by benchmark", x="benchmark", y="problems", barmode="stack"
    )


def export_rows(rungs: Rows, name: str) -> go.Figure | None:
    """Rows per rung, stacked by source (the `exports` row's counts)."""
    if not rungs:
        return None
    fig = go.Figure()
    sources = sorted({s for r in rungs for s in r.get("by_source", {})})
    configs = [r.get("config", "default") for r in rungs]
    for s in sources:
        fig.add_bar(name=s, x=configs, y=[r.get("by_source", {}).get(s, 0) for r in rungs])
    if not sources:
        fig.add_bar(name="rows", x=configs, y=[r.get("n_rows", 0) for r in rungs])
    fig.update_xaxes(type="category")
    return _layout(fig, f"{name}: rows per rung and source", x="rung", y="rows", barmode="stack")


def export_teachers(rows: Rows, name: str) -> go.Figure | None:
    if not rows:
        return None
    fig = go.Figure()
    for teacher, rs in _grouped(rows, "teacher").items():
        fig.add_bar(name=teacher, x=[r["rung"] for r in rs], y=[r["n"] for r in rs])
    fig.update_xaxes(type="category")
    return _layout(fig, f"{name}: rows per rung and teacher", x="rung", y="rows", barmode="stack")


def export_difficulty(rungs: Rows, name: str) -> go.Figure | None:
    if not rungs or not any(r.get("by_difficulty") for r in rungs):
        return None
    fig = go.Figure()
    for r in rungs:
        d = r.get("by_difficulty", {})
        keys = sorted(d, key=lambda k: (k == "unknown", _num(k)))
        fig.add_bar(name=r.get("config", "default"), x=keys, y=[d[k] for k in keys])
    fig.update_xaxes(type="category")
    return _layout(fig, f"{name}: difficulty per rung", x="difficulty", y="rows", barmode="group")


def _num(k: str) -> float:
    try:
        return float(k)
    except ValueError:
        return float("inf")


def export_tokens(rows: Rows, name: str) -> go.Figure | None:
    if not rows:
        return None
    fig = go.Figure()
    for g, x, n, w in _hist_traces(rows):
        fig.add_bar(name=g, x=x, y=n, width=_bar_width(w), opacity=0.6)
    return _layout(fig, f"{name}: length (largest rung)", x="tokens", y="rows", barmode="overlay")


def export_funnel(stages: list[tuple[str, int]], name: str) -> go.Figure | None:
    if not stages:
        return None
    fig = go.Figure(
        go.Funnel(y=[s for s, _ in stages], x=[n for _, n in stages], textinfo="value+percent initial")
    )
    return _layout(fig, f"{name}: from candidates to rows")
