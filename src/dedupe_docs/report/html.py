"""One self-contained HTML file that shows what a run removed and why.

The page has a static summary (rendered here, every text HTML-escaped) and a document browser.
Documents are not in the DOM until opened: their texts and spans travel as JSON in a
``<script type="application/json">`` block (``<``, ``>`` and ``&`` escaped as ``\\u003c``...,
so no document can close the block) and a small inline script renders the one document asked
for, inserting every piece of text with ``textContent``. A Content-Security-Policy lets only that
script run, so 10,000 documents stay one light page, and a ``<script>`` inside a document is text.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dedupe_docs._version import __version__
from dedupe_docs.report.diff import compare
from dedupe_docs.report.explain import (
    Provenance,
    punctuation_around,
    read_provenance,
    read_report,
    source_text,
    source_texts,
)
from dedupe_docs.types import REASONS, RULES

TOP = 20
EXCERPT = 160
MAX_DIFF_CHARS = 20_000
"""Pairs longer than this (either side) get no diff in the page."""


_RULE_NAMES = list(RULES)


def render_html(
    provenance: Sequence[Provenance],
    texts: Mapping[str, str],
    report: Mapping[str, Any] | None = None,
) -> str:
    """The HTML report of a run: ``provenance`` records (or CleanedDocuments), the source text of
    every document by id, and the run's ``report.json`` (for version and configuration)."""
    report = report or {}
    data = _data(provenance, texts)
    summary = _summary(provenance, texts, data["docs"], report.get("chars_out"))
    config = report.get("config") or {}
    script = _SCRIPT
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'"
    )
    legend = (
        "".join(f'<span class="key r-{r}">{r}</span>' for r in REASONS)
        + '<span class="key target">source of a removed span</span>'
    )
    settings = ", ".join(f"{k}={v}" for k, v in config.items())
    return _PAGE.format(
        csp=html.escape(csp),
        style=_STYLE,
        version=html.escape(str(report.get("version", __version__))),
        settings=_esc(settings),
        legend=legend,
        summary=summary,
        data=_json_for_script(data),
        script=script,
    )


def write_html(
    out_dir: str | Path,
    html_path: str | Path,
    *,
    texts: Mapping[str, str] | None = None,
    inputs: Sequence[str | Path] | None = None,
) -> Path:
    """Write the HTML report of the output folder ``out_dir`` to ``html_path``.

    Source texts come from ``texts``, else from ``inputs``, else from the input paths recorded
    in ``report.json`` (see :func:`dedupe_docs.report.explain.source_texts`).
    """
    provenance = read_provenance(out_dir)
    if texts is None:
        texts = source_texts(out_dir, provenance, inputs)
    page = render_html(provenance, texts, read_report(out_dir))
    target = Path(html_path)
    # A lone surrogate (possible in decoded JSON input) becomes a \\udXXX escape: in the JSON
    # block that is the same character, in the static summary it shows as its escape.
    target.write_bytes(page.encode("utf-8", "backslashreplace"))
    return target


def _data(provenance: Sequence[Provenance], texts: Mapping[str, str]) -> dict[str, Any]:
    index = {p.id: i for i, p in enumerate(provenance)}
    docs = []
    for p in provenance:
        text = texts[p.id]
        spans = []
        for r in p.removed:
            span: list[Any] = [r.start, r.end, REASONS.index(r.reason), -1, 0, 0, r.similarity, []]
            span.append(_RULE_NAMES.index(r.rule) if r.rule in RULES else -1)
            if r.source is not None and r.source.batch is not None:
                span[3:6] = [-1, r.source.start, r.source.end]  # in an earlier batch
            elif r.source is not None:
                span[3:6] = [index.get(r.source.id, -1), r.source.start, r.source.end]
                whole = source_text(texts, r.source)
                old = whole[r.source.start : r.source.end]
                new = text[r.start : r.end]
                if old != new and max(len(old), len(new)) <= MAX_DIFF_CHARS:
                    around = punctuation_around(whole, r.source)
                    ops = compare(old, new, around, words=r.rule == "reworded")
                    span[7] = [
                        [a0, a1, b0, b1, int(tag == "move")]
                        for tag, a0, a1, b0, b1 in ops
                        if tag != "equal"
                    ]
            spans.append(span)
        docs.append(
            {
                "id": p.id,
                "length": p.length,
                "lost": sum(r.end - r.start for r in p.removed),
                "removed": spans,
            }
        )
    return {
        "reasons": list(REASONS),
        "rules": _RULE_NAMES,
        "docs": docs,
        "texts": [texts[p.id] for p in provenance],
    }


def _summary(
    provenance: Sequence[Provenance],
    texts: Mapping[str, str],
    docs: list[dict[str, Any]],
    chars_out: int | None,
) -> str:
    chars_in = sum(p.length for p in provenance) or 1
    removed = dict.fromkeys(REASONS, 0)
    spans = dict.fromkeys(REASONS, 0)
    rules: collections.Counter[str] = collections.Counter()
    rule_chars: collections.Counter[str] = collections.Counter()
    passages: collections.Counter[tuple[str, int, int]] = collections.Counter()
    boiler: collections.Counter[str] = collections.Counter()
    for p in provenance:
        for r in p.removed:
            removed[r.reason] += r.end - r.start
            spans[r.reason] += 1
            if r.rule is not None:
                rules[r.rule] += 1
                rule_chars[r.rule] += r.end - r.start
            if r.source is not None:
                passages[r.source.id, r.source.start, r.source.end] += 1
            else:
                boiler[texts[p.id][r.start : r.end].strip()] += 1
    total = sum(removed.values())
    index = {p.id: i for i, p in enumerate(provenance)}
    cards = [
        ("documents", f"{len(provenance):,}"),
        ("changed", f"{sum(1 for p in provenance if p.removed):,}"),
        ("characters in", f"{sum(p.length for p in provenance):,}"),
        ("characters out", f"{chars_out:,}" if chars_out is not None else "?"),
        ("removed", f"{total / chars_in:.1%}"),
    ]
    out = ['<div class="cards">']
    out += [f'<div class="card"><b>{v}</b><span>{k}</span></div>' for k, v in cards]
    out.append("</div>")
    out.append('<table class="reasons"><tr><th>reason</th><th>spans</th><th>characters</th>')
    out.append("<th>share of input</th></tr>")
    for r in REASONS:
        out.append(
            f'<tr><td><span class="key r-{r}">{r}</span></td><td>{spans[r]:,}</td>'
            f"<td>{removed[r]:,}</td><td>{removed[r] / chars_in:.1%}</td></tr>"
        )
    out.append("</table>")
    if rules:
        out.append('<table class="rules"><tr><th>rule</th><th>what it removes</th>')
        out.append("<th>spans</th><th>characters</th></tr>")
        for rule, what in RULES.items():
            out.append(
                f"<tr><td>{rule}</td><td>{html.escape(what)}</td><td>{rules[rule]:,}</td>"
                f"<td>{rule_chars[rule]:,}</td></tr>"
            )
        out.append("</table>")
    out.append("<h2>Most repeated passages</h2>")
    if passages:
        out.append("<table><tr><th>copies removed</th><th>passage (kept copy)</th></tr>")
        for (doc, start, end), n in passages.most_common(TOP):
            link = f"#doc={index[doc]}&amp;at={start}-{end}" if doc in index else "#"
            excerpt = _excerpt(texts[doc][start:end]) if doc in texts else ""
            out.append(
                f'<tr><td>{n}</td><td><a href="{link}">{_esc(doc)} [{start}:{end}]</a> '
                f"<q>{_esc(excerpt)}</q></td></tr>"
            )
        out.append("</table>")
    else:
        out.append("<p>None.</p>")
    out.append("<h2>Boilerplate lines</h2>")
    if boiler:
        out.append("<table><tr><th>times removed</th><th>line</th></tr>")
        out += [
            f"<tr><td>{n}</td><td><code>{_esc(_excerpt(line))}</code></td></tr>"
            for line, n in boiler.most_common(TOP)
        ]
        out.append("</table>")
    else:
        out.append("<p>None.</p>")
    out.append("<h2>Documents that lost most</h2>")
    losers = sorted(
        (i for i, d in enumerate(docs) if d["lost"]), key=lambda i: (-docs[i]["lost"], i)
    )[:TOP]
    if losers:
        out.append("<table><tr><th>document</th><th>removed characters</th><th>share</th></tr>")
        for i in losers:
            d = docs[i]
            out.append(
                f'<tr><td><a href="#doc={i}">{_esc(d["id"])}</a></td><td>{d["lost"]:,}</td>'
                f"<td>{d['lost'] / max(d['length'], 1):.1%}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append("<p>Nothing was removed.</p>")
    return "\n".join(out)


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _json_for_script(data: Any) -> str:
    """JSON that cannot end its ``<script>`` block or open a comment in it."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:0 1.5em 4em;
color:#222;background:#fff;overflow-wrap:break-word}
@media (max-width:600px){body{padding:0 .75em 3em}}
h1{font-size:1.5em;margin:.8em 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .5em}
h2,td,#list a{overflow-wrap:anywhere}
.meta{color:#666;font-size:.85em}
.cards{display:flex;gap:1em;flex-wrap:wrap;margin:1em 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.5em 1em;min-width:8em}
.card b{display:block;font-size:1.3em}.card span{color:#666;font-size:.85em}
table{border-collapse:collapse;margin:.3em 0}td,th{border-bottom:1px solid #eee;
padding:.25em .7em;text-align:left;vertical-align:top}
@media (max-width:600px){td,th{padding:.25em .4em}}
q{color:#555}code{white-space:pre-wrap}
.key{display:inline-block;padding:0 .45em;margin-right:.5em;border-radius:3px;font-size:.85em}
.r-duplicate{background:#ffe082}.r-repeat{background:#81d4fa}.r-boilerplate{background:#e1bee7}
.target{background:#c8e6c9;outline:2px solid #43a047}
#index input{font:inherit;padding:.2em .4em;width:22em;max-width:100%;box-sizing:border-box}
#index ol{columns:2 18em;padding-left:2.5em}
.doc{border-top:2px solid #ccc;margin-top:1.5em}
.text{white-space:pre-wrap;font:13px/1.45 ui-monospace,monospace;background:#fafafa;
border:1px solid #eee;padding:.8em;overflow-wrap:anywhere}
mark.rm{color:inherit;border-radius:2px}
a.src{font:11px system-ui,sans-serif;vertical-align:super;margin:0 .2em}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,26em),1fr));gap:.6em;
margin:.6em 0}
.pair>div{white-space:pre-wrap;font:12px/1.4 ui-monospace,monospace;border:1px solid #eee;
padding:.5em;max-height:24em;overflow:auto;overflow-wrap:anywhere;min-width:0}
.pair del{background:#ffcdd2;text-decoration:line-through}
.pair ins{background:#a5d6a7;text-decoration:none}
.pair .mv{background:#b3e5fc;text-decoration:none}
.pager button{font:inherit;margin:0 .3em}
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dedupe-docs report</title>
<style>{style}</style>
</head>
<body>
<h1>dedupe-docs report</h1>
<p class="meta">dedupe_docs {version} · {settings}</p>
<p class="legend">{legend}</p>
<section id="summary">
{summary}
</section>
<section id="index"><h2>Documents</h2>
<p><input id="filter" type="search" placeholder="filter by id"> <a href="#all">show all</a></p>
<div id="list"></div></section>
<section id="view"></section>
<script type="application/json" id="dd-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""

_SCRIPT = """
"use strict";
const D = JSON.parse(document.getElementById("dd-data").textContent);
const PAGE = 100;
let page = 0;
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function link(text, href) { const a = el("a", "", text); a.href = href; return a; }
function pct(n, d) { return (100 * n / Math.max(d, 1)).toFixed(1) + "%"; }
function renderList() {
  const f = document.getElementById("filter").value.toLowerCase();
  const hits = [];
  D.docs.forEach((d, i) => { if (!f || d.id.toLowerCase().includes(f)) hits.push(i); });
  const list = document.getElementById("list");
  list.replaceChildren();
  const pages = Math.max(1, Math.ceil(hits.length / PAGE));
  page = Math.min(page, pages - 1);
  const ol = el("ol");
  ol.start = page * PAGE + 1;
  for (const i of hits.slice(page * PAGE, (page + 1) * PAGE)) {
    const d = D.docs[i], li = el("li");
    li.append(link(d.id, "#doc=" + i), " ",
              el("span", "meta", d.removed.length + " removed, " + pct(d.lost, d.length)));
    ol.append(li);
  }
  const nav = el("p", "pager", hits.length + " documents ");
  if (pages > 1) {
    const prev = el("button", "", "<"), next = el("button", "", ">");
    prev.onclick = () => { page = Math.max(0, page - 1); renderList(); };
    next.onclick = () => { page = Math.min(pages - 1, page + 1); renderList(); };
    nav.append(prev, "page " + (page + 1) + " of " + pages, next);
  }
  list.append(nav, ol);
}
function withDiff(text, ranges, tag) {
  const box = el("div");
  let pos = 0;
  for (const [s, e, moved] of ranges.slice().sort((x, y) => x[0] - y[0])) {
    if (s > pos) box.append(text.slice(pos, s));
    if (e > s) {
      const m = el(tag, moved ? "mv" : "", text.slice(s, e));
      if (moved) m.title = "moved";
      box.append(m);
    }
    pos = Math.max(pos, e);
  }
  box.append(text.slice(pos));
  return box;
}
function renderDoc(i, at) {
  const d = D.docs[i], text = D.texts[i];
  const sec = el("section", "doc");
  sec.id = "doc-" + i;
  sec.append(el("h2", "", d.id));
  sec.append(el("p", "meta", d.length + " characters, " + d.removed.length + " removed spans, " +
                d.lost + " characters removed (" + pct(d.lost, d.length) + ")"));
  const body = el("div", "text");
  let pos = 0, target = null;
  const plain = (s, e) => {
    if (at && at[0] < e && at[1] > s && at[0] >= s) {
      body.append(text.slice(s, at[0]));
      target = el("span", "target", text.slice(at[0], Math.min(at[1], e)));
      body.append(target, text.slice(Math.min(at[1], e), e));
    } else body.append(text.slice(s, e));
  };
  d.removed.forEach((r, k) => {
    const [s, e, why, src, ss, se, sim, , rule] = r;
    plain(pos, s);
    const m = el("mark", "rm r-" + D.reasons[why], text.slice(s, e));
    m.id = "d" + i + "-r" + k;
    m.title = D.reasons[why] + (rule >= 0 ? " (rule: " + D.rules[rule] + ")" : "") +
              (sim === null ? "" : ", similarity " + sim.toFixed(2)) +
              (src >= 0 ? ", repeats " + D.docs[src].id + " [" + ss + ":" + se + "]" : "");
    body.append(m);
    if (src >= 0) {
      const a = link("source", "#doc=" + src + "&at=" + ss + "-" + se);
      a.className = "src";
      body.append(a);
    }
    pos = e;
  });
  plain(pos, text.length);
  sec.append(body);
  const fuzzy = d.removed.filter(r => r[7].length);
  if (fuzzy.length) {
    sec.append(el("h3", "", "Fuzzy matches: removed copy beside its source"));
    for (const [s, e, why, src, ss, se, sim, ops] of fuzzy) {
      const pair = el("div", "pair");
      const removed = withDiff(text.slice(s, e), ops.map(o => [o[2], o[3], o[4]]), "ins");
      const source = withDiff(D.texts[src].slice(ss, se), ops.map(o => [o[0], o[1], o[4]]), "del");
      const head = "removed [" + s + ":" + e + "], similarity " + sim.toFixed(2) + "\\n";
      removed.prepend(el("b", "", head));
      source.prepend(el("b", "", "source " + D.docs[src].id + " [" + ss + ":" + se + "]\\n"));
      pair.append(removed, source);
      sec.append(pair);
    }
  }
  return [sec, target];
}
function show(open) {
  for (const id of ["summary", "index"]) document.getElementById(id).hidden = open;
  const view = document.getElementById("view");
  view.replaceChildren();
  if (open) view.append(link("\u2190 summary and all documents", "#"));
  return view;
}
function route() {
  const h = new URLSearchParams(location.hash.slice(1));
  const i = Number(h.get("doc"));
  if (location.hash === "#all") {
    const view = show(true);
    D.docs.forEach((_, k) => view.append(renderDoc(k, null)[0]));
  } else if (h.has("doc") && i >= 0 && i < D.docs.length) {
    const at = h.has("at") ? h.get("at").split("-").map(Number) : null;
    const [sec, target] = renderDoc(i, at);
    show(true).append(sec);
    if (target) target.scrollIntoView({block: "center"}); else window.scrollTo(0, 0);
  } else {
    show(false);
  }
}
document.getElementById("filter").addEventListener("input", () => { page = 0; renderList(); });
window.addEventListener("hashchange", route);
renderList();
route();
"""
