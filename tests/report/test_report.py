"""`redstar report`: aggregates checked against independent counts, escaping, size, the CLI, and the page
rendered in a real headless chromium with the network cut off."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redstar_data.catalog import Catalog
from redstar_data.cli.app import app
from redstar_data.report.queries import collect
from redstar_data.report.run import SECTIONS, report


@pytest.fixture(scope="module")
def written(looked_catalog: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    with Catalog.open(looked_catalog, read_only=True) as cat:
        res = report(cat, out)
    return res, out.read_text(encoding="utf-8")


def _chart_data(page: str, name: str) -> list[dict]:
    """The plotly traces of the chart ``name`` on the page (parsed back from its inline JSON)."""
    start = page.index(f'data-chart="{name}"')
    m = re.search(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*\{', page[start:], re.S)
    assert m, name
    return json.loads(m.group(1))


def test_aggregates_match_independent_counts(looked_catalog: Path) -> None:
    with Catalog.open(looked_catalog, read_only=True) as cat:
        agg = collect(cat)
        n_traces = cat.scalar("SELECT count(*) FROM traces")
        t = agg.tables
        assert sum(r["n"] for r in t["labels_by_run"]) == n_traces
        assert sum(r["n"] for r in t["tokens_by_run"]) == cat.scalar("SELECT count(n_tokens) FROM traces")
        assert sum(r["n"] for r in t["problems_by_source"]) == cat.count("problem_sources")
        assert sum(r["n"] for r in t["difficulty_hist"]) == cat.scalar("SELECT count(score) FROM difficulty")
        # label scores (1..5) keep their values: five bars, not forty bins with gaps
        assert sorted(r["lo"] for r in t["difficulty_hist"] if r["g"] == "label") == [1, 2, 3, 4, 5]
        correct = cat.scalar("SELECT count(*) FROM trace_labels WHERE label = 'correct'")
        assert sum(r["correct"] for r in t["pass_rate_by_source"]) == correct
        for r in t["pass_rate_by_source"] + t["pass_rate_by_difficulty"]:  # the catalog's pass_rate() rule
            assert r["pass_rate"] == pytest.approx(r["correct"] / r["verified"])
        flags = cat.scalar("SELECT count(*) FROM (SELECT DISTINCT trace_id, flag FROM trace_flags)")
        assert flags > 0 and sum(r["n"] for r in t["flags_by_run"]) == flags
        clusters = cat.scalar("SELECT count(*) FROM dedup_clusters")
        assert clusters > 0 and sum(r["clusters"] for r in t["dedup_sizes"]) == clusters
        assert {(r["benchmark"], r["method"], r["problems"]) for r in t["contamination"]} == {
            ("bench500", "ngram", 3),
            ("bench500", "exact", 1),
        }
        # examples: up to 3 per benchmark, strongest evidence first
        assert [e["overlap"] for e in t["contamination_examples"]][0].startswith("<script>")
        assert len(t["contamination_examples"]) == 3
        # every table is an aggregate: a handful of rows, never one per problem or trace
        assert all(len(rows) <= 200 for rows in t.values())
        # exports: per-teacher counts of each rung read back from the files add up to the rung's rows
        by_name = {e.name: e for e in agg.exports}
        assert set(by_name) == {"demo_sft", "demo_dpo", "demo_rl"}
        for name in ("demo_sft", "demo_dpo"):
            e = by_name[name]
            assert e.files_found
            for rung in e.rungs:
                assert sum(r["n"] for r in e.by_teacher if r["rung"] == rung["config"]) == rung["n_rows"]
        sft = by_name["demo_sft"]
        assert {r["teacher"] for r in sft.by_teacher} == {"scripted-stand-in"} or sft.by_teacher
        assert sum(r["n"] for r in sft.tokens) == sft.rungs[-1]["n_rows"]
        dpo = by_name["demo_dpo"]
        assert {r["g"] for r in dpo.tokens} == {"chosen_tokens", "rejected_tokens"}
        assert agg.candidates == cat.scalar("SELECT count(*) FROM problems") - 1  # less the benchmark problem


def test_report_page_has_every_chart_and_is_small(written, looked_catalog: Path) -> None:
    res, page = written
    for query, *_ in SECTIONS:
        assert query in res.charts, query
        assert f'data-chart="{query}"' in page
    for name in ("demo_sft", "demo_dpo", "demo_rl"):
        assert f'data-chart="export:{name}:funnel"' in page
    assert "export:demo_sft:teachers" in res.charts and "export:demo_sft:tokens" in res.charts
    assert res.empty == []
    assert res.n_bytes < 10_000_000
    # self-contained: plotly.js inlined once, nothing fetched from anywhere
    assert page.count("<script") - page.count("Plotly.newPlot") == 1
    body = page[page.index("</head>") :]  # (plotly.js itself names CDN urls it never loads offline)
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|https?://", body)
    # the data behind a chart is the aggregate: bars of the labels chart sum to the traces
    labels = _chart_data(page, "labels_by_run")
    with Catalog.open(looked_catalog, read_only=True) as cat:
        assert sum(sum(t["y"]) for t in labels) == cat.count("traces")


def test_catalog_text_is_escaped(written) -> None:
    _, page = written
    assert "window.__pwned" in page  # the hostile example is shown ...
    assert "<script>window.__pwned" not in page  # ... as text
    assert "&lt;script&gt;window.__pwned = 3&lt;/script&gt;" in page


def test_empty_catalog_says_what_fills_each_chart(catalog, tmp_path: Path) -> None:
    res = report(catalog, tmp_path / "r.html")
    assert res.charts == []
    assert set(res.empty) == {q for q, *_ in SECTIONS}
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "redstar verify" in page and "no exports yet" in page


def test_cli_report(looked_catalog: Path, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "catalog.html"
    r = CliRunner().invoke(app, ["report", "-c", str(looked_catalog), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.is_file() and f"wrote {out}" in r.output.replace("\n", "")


# generous: a 5 MB page on a loaded 2-core machine can take tens of seconds to parse and draw
BROWSER_TIMEOUT_MS = 180_000


@pytest.mark.browser
def test_report_renders_every_chart_offline(written, chromium, screenshot) -> None:
    res, _ = written
    page = chromium.new_page(viewport={"width": 1300, "height": 900})
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def only_local(route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(Path(res.path).resolve().as_uri())
    page.wait_for_function(
        "n => document.querySelectorAll('.chart .main-svg').length >= n", arg=len(res.charts)
    )
    drawn = page.eval_on_selector_all(
        ".chart", "els => els.map(e => [e.dataset.chart, e.querySelectorAll('.main-svg .trace').length])"
    )
    assert [n for n, _ in drawn] == res.charts
    assert all(n_traces > 0 for _, n_traces in drawn), drawn
    assert page.evaluate("window.__pwned") is None
    assert errors == [] and outside == []
    screenshot(page, "report.png")
    page.close()
