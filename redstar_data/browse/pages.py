"""The viewer's HTML: every piece of catalog text goes through ``esc`` (model output is untrusted HTML/JS).

Pages are plain server-rendered HTML; the one script (inline, with the response's CSP nonce) loads a
trace's full text when its card is expanded.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import quote, urlencode

LABEL_CLASS = {"correct": "ok", "incorrect": "bad", "no_answer": "warn"}
ROW_CELL_CHARS = 3000  # characters of one export cell shown; the full trace is on the problem page

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f2937;color:#fff;padding:10px 20px}header a{color:#fff;margin-right:14px}
main{padding:12px 20px}.box{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 14px;margin:10px 0}
.text{white-space:pre-wrap;word-break:break-word;font-family:ui-monospace,Menlo,monospace;font-size:12.5px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
.traces{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:10px}
.trace{background:#fff;border:1px solid #ccc;border-radius:6px;padding:8px;min-width:0}
.badge{display:inline-block;border-radius:4px;padding:1px 6px;font-size:12px;background:#eee;margin-right:4px}
.ok{background:#d4f5d4}.bad{background:#fbd5d5}.warn{background:#ffe8c2}
mark.answer{background:#ffeb3b;outline:2px solid #f0b400}.tail{max-height:16em;overflow:auto;border-top:1px dashed #ccc;
display:flex;flex-direction:column-reverse}
details.full>div{max-height:40em;overflow:auto}.muted{color:#777}form input{padding:4px}
"""

EXPAND_JS = """
document.querySelectorAll('details.full').forEach(function (d) {
  d.addEventListener('toggle', function () {
    if (!d.open || d.dataset.loaded) return;
    d.dataset.loaded = '1';
    var body = d.querySelector('div');
    fetch(d.dataset.src).then(function (r) { return r.text(); }).then(function (t) {
      body.innerHTML = t;  /* server-escaped fragment */
      d.dataset.ready = '1';
    });
  });
});
"""


def esc(value: Any) -> str:
    """HTML-escape anything (None is empty): the one way catalog text reaches a page."""
    return html.escape("" if value is None else str(value), quote=True)


def page(title: str, body: str, *, nonce: str, script: str = "") -> str:
    js = f'<script nonce="{nonce}">{script}</script>' if script else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<link rel='icon' href='data:,'><title>{esc(title)} · redstar browse</title><style>{CSS}</style></head><body>"
        '<header><a href="/">problems</a><a href="/exports">exports</a>'
        '<span class="muted">read-only</span></header>'
        f"<main>{body}</main>{js}</body></html>"
    )


def table(columns: list[str], rows: list[list[str]]) -> str:
    """A table whose cells are already HTML (callers escape)."""
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def problem_link(pid: str, text: str | None = None) -> str:
    return f'<a href="/problem/{quote(pid, safe="")}">{esc(text or pid[:12])}</a>'


# -- the answer highlight -----------------------------------------------------------------------------


def _last_boxed(text: str) -> tuple[int, int] | None:
    """Span of the content of the last ``\\boxed{...}`` (braces matched), or None."""
    i = text.rfind("\\boxed{")
    if i < 0:
        return None
    start = i + len("\\boxed{")
    depth = 1
    for j in range(start, min(len(text), start + 2000)):
        c = text[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return start, j
    return None


def answer_span(text: str, extracted: str | None) -> tuple[int, int] | None:
    """Where the extracted answer is in ``text``: the last ``\\boxed{}`` if it holds it (or nothing was
    extracted), else the extracted answer's last occurrence, else None."""
    boxed = _last_boxed(text)
    if boxed and (not extracted or extracted in text[boxed[0] : boxed[1]]):
        return boxed
    if extracted:
        i = text.rfind(extracted)
        if i >= 0:
            return i, i + len(extracted)
    return boxed


def highlighted(text: str, extracted: str | None) -> str:
    """``text`` escaped, with the answer wrapped in ``<mark class="answer">``."""
    span = answer_span(text, extracted)
    if span is None:
        return esc(text)
    a, b = span
    return f'{esc(text[:a])}<mark class="answer">{esc(text[a:b])}</mark>{esc(text[b:])}'


# -- pages ------------------------------------------------------------------------------------------------


def search_page(
    q: str, source: str, page_no: int, hits: list[dict[str, Any]], more: bool, sources: list[str]
) -> str:
    opts = "".join(
        f'<option value="{esc(s)}"{" selected" if s == source else ""}>{esc(s)}</option>'
        for s in ["", *sources]
    )
    form = (
        '<form class="box" method="get" action="/">'
        f'<input name="q" size="60" placeholder="text or problem id" value="{esc(q)}"> '
        f'<select name="source">{opts}</select> <button>search</button></form>'
    )
    rows = [
        [problem_link(h["problem_id"]), esc(h["source_id"]), esc(h["domain"]), esc(h["level"]),
         f'<span class="text">{esc(h["snippet"])}</span>' + ("…" if h["chars"] > len(h["snippet"]) else ""),
         esc(h["answer"])]
        for h in hits
    ]  # fmt: skip
    nav = ""
    if page_no > 0:
        nav += f'<a href="/?{urlencode({"q": q, "source": source, "page": page_no - 1})}">← previous</a> '
    if more:
        nav += (
            f'<a href="/?{urlencode({"q": q, "source": source, "page": page_no + 1})}" id="next">next →</a>'
        )
    body = (
        table(["problem", "source", "domain", "level", "problem text", "answer"], rows)
        if rows
        else ('<p class="muted">no problems match</p>')
    )
    return form + f'<div class="box">{body}<p>page {page_no + 1} {nav}</p></div>'


def _trace_card(t: dict[str, Any]) -> str:
    label = t.get("label") or "unverified"
    flags = "".join(f'<span class="badge warn">{esc(f)}</span>' for f in t.get("flags") or [])
    tail = t["tail"] or ""
    cut = (t["chars"] or 0) > len(tail)
    tail_html = highlighted(tail, t.get("extracted"))
    src = f"/trace/{quote(t['trace_id'], safe='')}"
    if t.get("problem_id"):  # lets the server find the trace through its problem's index (queries.trace_text)
        src += "?" + urlencode({"p": t["problem_id"]})
    return (
        f'<div class="trace" data-trace-id="{esc(t["trace_id"])}">'
        f'<div><b>{esc(t["run_id"])}</b> #{esc(t["sample_index"])} <span class="muted">{esc(t.get("model"))}</span></div>'
        f'<div><span class="badge {LABEL_CLASS.get(label, "")}" data-label="{esc(label)}">{esc(label)}</span>'
        f'answer: <code class="extracted">{esc(t.get("extracted"))}</code> {flags}</div>'
        f'<div class="muted">{esc(t.get("n_tokens"))} tokens · {esc(t["chars"])} chars · '
        f"finish {esc(t.get('finish_reason'))} · {esc(t.get('verifier'))} {esc(t.get('verifier_version'))}</div>"
        f'<div class="tail"><div class="text">{"… " if cut else ""}{tail_html}</div></div>'
        f'<details class="full" data-src="{esc(src)}"><summary>full trace ({esc(t["chars"])} characters)</summary>'
        '<div class="text">loading…</div></details></div>'
    )


def problem_page(d: dict[str, Any]) -> str:
    p = d["problem"]
    st = d.get("stats") or {}
    rate = st.get("pass_rate")
    facts = table(
        ["problem id", "source", "domain", "level", "answer", "traces", "verified", "correct", "pass rate"],
        [[esc(p["problem_id"]), esc(p["source_id"]), esc(p["domain"]), esc(p["level"]),
          f'<code>{esc(p["answer"])}</code>', esc(st.get("n_traces")), esc(st.get("n_verified")),
          esc(st.get("n_correct")), esc(None if rate is None else f"{rate:.3f}")]],
    )  # fmt: skip
    parts = [
        f'<div class="box"><h2>Problem</h2>{facts}<div class="text problem-text">{esc(p["problem"])}</div>',
    ]
    if p.get("solution"):
        parts.append(
            f'<details><summary>reference solution</summary><div class="text">{esc(p["solution"])}</div></details>'
        )
    if p.get("tests"):
        parts.append(f'<details><summary>tests</summary><div class="text">{esc(p["tests"])}</div></details>')
    parts.append("</div>")
    if d["memberships"]:
        rows = [[esc(m["source_id"]), esc(m["source_key"]), esc(m["row_number"]), "yes" if m["benchmark"] else ""]
                for m in d["memberships"]]  # fmt: skip
        parts.append(
            f'<div class="box"><h3>Sources</h3>{table(["source", "key", "row", "benchmark"], rows)}</div>'
        )
    if d["difficulty"]:
        rows = [[esc(x["method"]), esc(x["model"]), esc(x["score"]), f'<span class="text">{esc(x["details"])}</span>']
                for x in d["difficulty"]]  # fmt: skip
        parts.append(
            f'<div class="box"><h3>Difficulty</h3>{table(["method", "model / run", "score", "details"], rows)}</div>'
        )
    if len(d["duplicates"]) > 1:
        rows = [[problem_link(x["problem_id"]), "canonical" if x["is_canonical"] else "", esc(x["method"]),
                 esc(x["source_id"]), f'<span class="text">{esc(x["snippet"])}</span>']
                for x in d["duplicates"]]  # fmt: skip
        parts.append(f'<div class="box" id="duplicates"><h3>Duplicate cluster</h3>'
                     f'{table(["problem", "", "method", "source", "text"], rows)}</div>')  # fmt: skip
    if d["contamination"]:
        rows = [[esc(c["direction"]), esc(c["benchmark"]), problem_link(c["other_id"]) if c["other_id"] else "",
                 esc(c["method"]), esc(c["ngram"]), esc(c["matched_ngrams"]),
                 f'<span class="text">{esc(c["overlap"])}</span>', f'<span class="text">{esc(c["other"])}</span>']
                for c in d["contamination"]]  # fmt: skip
        parts.append('<div class="box" id="contamination"><h3>Contamination evidence</h3>'
                     + table(["", "benchmark", "other problem", "method", "n-gram", "matched", "overlap", "other text"], rows)
                     + "</div>")  # fmt: skip
    cards = "".join(_trace_card(t) for t in d["traces"])
    parts.append(
        f'<div class="box"><h3>Traces ({len(d["traces"])})</h3><div class="traces">{cards or "none yet"}</div></div>'
    )
    return "".join(parts)


def trace_fragment(t: dict[str, Any]) -> str:
    """The expanded trace: the whole text escaped, the answer highlighted."""
    return highlighted(t["text"] or "", t.get("extracted"))


def exports_page(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return '<div class="box"><p class="muted">no exports yet (redstar export RECIPE)</p></div>'
    body = table(
        ["export", "name", "rows", "recipe hash", "path", "hub", "created"],
        [[f'<a href="/export/{quote(r["export_id"], safe="")}">{esc(r["export_id"])}</a>', esc(r["name"]),
          esc(r["n_rows"]), esc((r["recipe_hash"] or "")[:12]), esc(r["path"]), esc(r["hub_repo"]),
          esc(r["created_at"])] for r in rows],
    )  # fmt: skip
    return f'<div class="box"><h2>Exports</h2>{body}</div>'


def export_page(row: dict[str, Any], files: list[tuple[str, str]]) -> str:
    eid = quote(row["export_id"], safe="")
    links = "".join(
        f'<li><a href="/export/{eid}/rows?{urlencode({"rung": r, "split": s})}">{esc(r)} / {esc(s)}</a></li>'
        for r, s in files
    )
    counts = esc(json.dumps(row["counts"], indent=1, ensure_ascii=False))
    return (
        f'<div class="box"><h2>Export {esc(row["name"])}</h2>'
        + table(["export id", "rows", "path", "hub"], [[esc(row["export_id"]), esc(row["n_rows"]), esc(row["path"]), esc(row["hub_repo"])]])
        + f"<h3>Files</h3><ul>{links or '<li class=muted>no files on disk</li>'}</ul>"
        + f'<details><summary>counts</summary><div class="text">{counts}</div></details>'
        + f'<details><summary>recipe</summary><div class="text">{esc(row["recipe"])}</div></details></div>'
    )  # fmt: skip


def _cell(name: str, v: Any) -> str:
    if isinstance(v, list) and v and isinstance(v[0], dict) and "content" in v[0]:
        return "".join(
            f"<div><b>{esc(m.get('role'))}</b>: {_cell('content', m.get('content'))}</div>" for m in v
        )
    s = "" if v is None else str(v)
    if name.endswith("problem_id") and s:
        return problem_link(s)
    if len(s) > ROW_CELL_CHARS:
        return (
            f'<span class="text">{esc(s[:ROW_CELL_CHARS])}</span>'
            f'<span class="muted"> … {len(s) - ROW_CELL_CHARS:,} more characters (the full trace is on the problem page)</span>'
        )
    return f'<span class="text">{esc(s)}</span>'


def export_rows_page(
    row: dict[str, Any], rung: str, split: str, rows: list[dict[str, Any]], page_no: int, total: int
) -> str:
    from redstar_data.browse.queries import ROWS_PAGE

    eid = quote(row["export_id"], safe="")
    cols = list(rows[0]) if rows else []
    body = table(
        ["#", *cols],
        [[str(page_no * ROWS_PAGE + i + 1), *(_cell(c, r[c]) for c in cols)] for i, r in enumerate(rows)],
    )
    nav = ""
    if page_no > 0:
        nav += f'<a href="/export/{eid}/rows?{urlencode({"rung": rung, "split": split, "page": page_no - 1})}">← previous</a> '
    if (page_no + 1) * ROWS_PAGE < total:
        nav += f'<a id="next" href="/export/{eid}/rows?{urlencode({"rung": rung, "split": split, "page": page_no + 1})}">next →</a>'
    last = max(0, (total - 1) // ROWS_PAGE)
    return (
        f'<div class="box"><h2><a href="/export/{eid}">{esc(row["name"])}</a> · {esc(rung)} / {esc(split)}</h2>'
        f"<p>rows {page_no * ROWS_PAGE + 1:,}–{min(total, (page_no + 1) * ROWS_PAGE):,} of {total:,} · page {page_no + 1} of {last + 1} {nav}</p>"
        f"{body}</div>"
    )  # fmt: skip
