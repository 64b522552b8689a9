"""``report(catalog, out)``: aggregates (DuckDB) → Plotly figures → one self-contained offline HTML file.

plotly.js is inlined once in the page head (it ships inside the plotly wheel, so no network is needed
to build or to view); each chart is a div with its small JSON data. Catalog text (source names, run ids,
contamination examples) is escaped: plotly's JSON escapes ``<`` and ``/``, tables go through html.escape.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redstar_data.catalog import Catalog
from redstar_data.deps import require
from redstar_data.progress import ProgressCallback, ProgressEvent, null_progress
from redstar_data.report.queries import Aggregates, ExportAggregates, collect

STAGE = "report"

# (query name, section title, chart function name, what fills it when empty)
SECTIONS: list[tuple[str, str, str, str]] = [
    ("problems_by_source", "Problems", "problems_by_source", "redstar ingest SOURCE"),
    ("difficulty_hist", "Difficulty", "difficulty_hist", "redstar difficulty --method label|pass_rate|judge"),
    ("tokens_by_run", "Trace lengths", "tokens_by_run", "redstar generate"),
    ("pass_rate_by_difficulty", "Pass rate by difficulty", "pass_rate_by_difficulty", "redstar verify + redstar difficulty"),
    ("pass_rate_by_source", "Pass rate by source", "pass_rate_by_source", "redstar verify"),
    ("labels_by_run", "Verification labels", "labels_by_run", "redstar verify"),
    ("flags_by_run", "Quality flags", "flags_by_run", "redstar verify"),
    ("dedup_sizes", "Duplicates", "dedup_sizes", "redstar dedup"),
    ("contamination", "Contamination", "contamination", "redstar decontam --against BENCHMARKS"),
]  # fmt: skip


@dataclass
class ReportResult:
    """What was written: the file, its size, the charts on it, and where the time went."""

    path: str
    n_bytes: int
    charts: list[str]
    empty: list[str] = field(default_factory=list)
    query_s: float = 0.0
    render_s: float = 0.0
    elapsed_s: float = 0.0


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f2937;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
header .meta{opacity:.8;font-size:13px}nav{padding:8px 24px;background:#eef;font-size:13px}
nav a{margin-right:12px}main{padding:12px 24px;display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));
gap:0 14px}section.wide{grid-column:1/-1}section{background:#fff;border:1px solid #ddd;
border-radius:6px;margin:14px 0;padding:10px 14px}h2{font-size:17px;margin:6px 0}
.empty{color:#777;font-style:italic}table{border-collapse:collapse;font-size:13px;margin:6px 0}
td,th{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}
td.text{max-width:420px;white-space:pre-wrap;word-break:break-word}.grid{display:grid;
grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:8px}
"""


def _chart_html(fig: Any, div_id: str) -> str:
    import plotly.io as pio

    return pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def _table(columns: list[str], rows: list[list[Any]], *, text_cols: tuple[int, ...] = ()) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=text' if i in text_cols else ''}>{html.escape('' if v is None else str(v))}</td>"
            for i, v in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Page:
    """Collects sections and chart divs; renders the whole document."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.nav: list[tuple[str, str]] = []
        self.charts: list[str] = []
        self.empty: list[str] = []

    def section(self, anchor: str, title: str, body: str, *, wide: bool = False) -> None:
        self.nav.append((anchor, title))
        cls = ' class="wide"' if wide else ""
        self.parts.append(f'<section id="{anchor}"{cls}><h2>{html.escape(title)}</h2>{body}</section>')

    def chart(self, fig: Any, name: str, empty_hint: str) -> str:
        if fig is None:
            self.empty.append(name)
            return f'<p class="empty">nothing to plot yet (fill it with <code>{html.escape(empty_hint)}</code>)</p>'
        div_id = f"chart-{len(self.charts)}"
        self.charts.append(name)
        return f'<div class="chart" data-chart="{html.escape(name)}">{_chart_html(fig, div_id)}</div>'

    def render(self, title: str, meta: str, plotly_js: str) -> str:
        nav = "".join(f'<a href="#{a}">{html.escape(t)}</a>' for a, t in self.nav)
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style>"
            f'<script type="text/javascript">{plotly_js}</script></head><body>'
            f"<header><h1>{html.escape(title)}</h1><div class=meta>{html.escape(meta)}</div></header>"
            f"<nav>{nav}</nav><main>{''.join(self.parts)}</main></body></html>"
        )


def _funnel(exp: ExportAggregates, candidates: int) -> list[tuple[str, int]]:
    stages = [("non-benchmark problems in the catalog (now)", candidates)]
    if exp.available is not None:
        stages.append(("selectable by the recipe (at export)", int(exp.available)))
    for r in exp.rungs:
        stages.append((f"rows in rung {r.get('config', 'default')}", int(r.get("n_rows", 0))))
    return stages


def _export_section(page: _Page, exp: ExportAggregates, candidates: int, idx: int) -> None:
    from redstar_data.report import charts

    name = exp.name
    blocks = [
        page.chart(
            charts.export_funnel(_funnel(exp, candidates), name), f"export:{name}:funnel", "redstar export"
        ),
        page.chart(charts.export_rows(exp.rungs, name), f"export:{name}:rows", "redstar export"),
        page.chart(
            charts.export_difficulty(exp.rungs, name), f"export:{name}:difficulty", "redstar difficulty"
        ),
    ]
    if exp.kind in ("sft", "dpo"):
        hint = "the export's files (its folder was moved or deleted)"
        blocks.append(
            page.chart(charts.export_teachers(exp.by_teacher, name), f"export:{name}:teachers", hint)
        )
        blocks.append(page.chart(charts.export_tokens(exp.tokens, name), f"export:{name}:tokens", hint))
    meta = _table(
        ["export id", "kind", "rows (largest rung)", "files on disk"],
        [[exp.export_id, exp.kind or "?", f"{exp.n_rows:,}", "yes" if exp.files_found else "no"]],
    )
    page.section(
        f"export-{idx}", f"Export {name}", meta + f'<div class="grid">{"".join(blocks)}</div>', wide=True
    )


def render(agg: Aggregates, *, title: str, meta: str) -> tuple[str, list[str], list[str]]:
    """The HTML document for ``agg``: (html, chart names drawn, chart names with no data)."""
    from plotly.offline import get_plotlyjs

    from redstar_data.report import charts

    page = _Page()
    ov = agg.tables["overview"][0] if agg.tables["overview"] else {}
    page.section("overview", "Overview", _table(list(ov), [[f"{v:,}" for v in ov.values()]]), wide=True)
    for query, title_, fn, hint in SECTIONS:
        fig = getattr(charts, fn)(agg.tables[query])
        body = page.chart(fig, query, hint)
        if query == "contamination" and agg.tables["contamination_examples"]:
            ex = agg.tables["contamination_examples"]
            body += "<h3>Examples (up to 3 per benchmark; first 300 characters)</h3>" + _table(
                ["benchmark", "method", "problem id", "source", "training problem", "overlap", "benchmark problem"],
                [
                    [e["benchmark"], e["method"], e["problem_id"], e["source_id"], e["problem"], e["overlap"],
                     e["benchmark_problem"]]
                    for e in ex
                ],
                text_cols=(4, 5, 6),
            )  # fmt: skip
        page.section(query, title_, body, wide=query in ("contamination", "tokens_by_run"))
    for i, exp in enumerate(agg.exports):
        _export_section(page, exp, agg.candidates, i)
    if not agg.exports:
        page.section(
            "exports",
            "Exports",
            '<p class="empty">no exports yet (<code>redstar export RECIPE</code>)</p>',
            wide=True,
        )
    return page.render(title, meta, get_plotlyjs()), page.charts, page.empty


def report(
    catalog: Catalog, out: str | Path = "report.html", *, progress: ProgressCallback = null_progress
) -> ReportResult:
    """Write the catalog's report to ``out``: one HTML file that opens offline in any browser."""
    require("redstar report", "view", "plotly")
    t0 = time.perf_counter()
    n_queries = 0

    def on_query(name: str) -> None:
        nonlocal n_queries
        n_queries += 1
        progress(ProgressEvent(STAGE, n_queries, None, message=f"query {name}"))

    agg = collect(catalog, on_query=on_query)
    t1 = time.perf_counter()
    progress(ProgressEvent(STAGE, n_queries, None, message="rendering"))
    doc, drawn, empty = render(
        agg,
        title=f"redstar report · {catalog.path.name}",
        meta=f"catalog {catalog.path} · schema v{catalog.schema_version}",
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(doc, encoding="utf-8")
    t2 = time.perf_counter()
    return ReportResult(
        path=str(out),
        n_bytes=out.stat().st_size,
        charts=drawn,
        empty=empty,
        query_s=round(t1 - t0, 3),
        render_s=round(t2 - t1, 3),
        elapsed_s=round(t2 - t0, 3),
    )
