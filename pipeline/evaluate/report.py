"""The HTML review page: one self-contained file (no network) a curator reads in a browser.

Score tables, a bar chart of F1 per label (inline SVG), the error table, facts as a
sortable table linking to their evidence, and every gold document's text with the gold
spans on the left and the predicted ones on the right, paragraph by paragraph, coloured by
label, with value and canonical id on hover. Spans that the strict view did not match are
outlined, so the eye goes to the errors.
"""
from __future__ import annotations

import bisect
import hashlib
import html
import json
from pathlib import Path
from typing import Any

from .scoring import SPAN_KINDS, VIEWS, Span
from .evaluation import ERROR_COLUMNS, Evaluation, fact_label, names

MAX_ERRORS = 3000

CSS = """
body{font:14px/1.5 system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:1.5em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}
th{background:#f3f3f3;cursor:pointer}td.t,th.t{text-align:left}
.notes li{color:#8a5a00}.bad{color:#b00020}
.doc{margin:1em 0}.row{display:grid;grid-template-columns:1fr 1fr;gap:1em;border-top:1px dotted #ddd}
.cell{white-space:pre-wrap;word-break:break-all;padding:2px 0}.hdr{font-weight:bold;background:#fafafa}
mark{border-radius:2px;padding:0 1px;background:var(--c)}mark.err{outline:2px dashed #d00;outline-offset:-1px}
mark[data-kind=dates]{border-bottom:3px solid #2060c0}mark[data-kind=numbers]{border-bottom:3px solid #208040}
.legend span{display:inline-block;margin:0 .6em .3em 0;padding:0 4px;border-radius:2px}
.gap{color:#999;text-align:center}
"""

JS = r"""
function sortTable(th){const t=th.closest('table'),i=[...th.parentNode.children].indexOf(th);
const rows=[...t.tBodies[0].rows],asc=th.dataset.dir!=='asc';th.dataset.dir=asc?'asc':'desc';
rows.sort((a,b)=>{const x=a.cells[i].dataset.v??a.cells[i].textContent,y=b.cells[i].dataset.v??b.cells[i].textContent;
const nx=parseFloat(x),ny=parseFloat(y);const c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c});
rows.forEach(r=>t.tBodies[0].appendChild(r))}
document.querySelectorAll('table.sortable th').forEach(th=>th.addEventListener('click',()=>sortTable(th)));
function filterErrors(){const t=document.getElementById('ftable').value,k=document.getElementById('fkind').value;
document.querySelectorAll('#errors tbody tr').forEach(r=>{r.style.display=((!t||r.dataset.table===t)&&(!k||r.dataset.kind===k))?'':'none'})}
document.querySelectorAll('.filter').forEach(s=>s.addEventListener('change',filterErrors));
const n=document.querySelectorAll('mark[data-side]').length;document.getElementById('spancount').textContent=n+' span elements rendered';
document.body.dataset.ready='1';
"""


def esc(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        v = int(v)
    return html.escape(str(v), quote=True)


def colour(label: str) -> str:
    h = int(hashlib.md5(label.encode("utf-8")).hexdigest()[:4], 16) % 360
    return f"hsl({h},70%,82%)"


def _prf_table(kind: str, block: dict[str, Any], views: tuple[str, ...]) -> str:
    rows = []
    for v in views:
        b = block[v]
        counts = " ".join(f"{k[:3]}={b[k]}" for k in ("correct", "incorrect", "partial", "missed", "spurious") if k in b)
        macro = b.get("macro", {}).get("f1")
        rows.append(f"<tr><td class=t>{v}</td><td>{b['precision']:.3f}</td><td>{b['recall']:.3f}</td>"
                    f"<td>{b['f1']:.3f}</td><td>{'' if macro is None else f'{macro:.3f}'}</td>"
                    f"<td>{b['gold']}</td><td>{b['predicted']}</td><td class=t>{esc(counts)}</td></tr>")
    extra = ""
    for key in ("field_accuracy", "field_accuracy_overlap"):
        if key in block:
            fa = block[key]
            what = ("matched facts" if kind == "facts" else "exact-span matches") if key == "field_accuracy" \
                else "overlapping matches"
            extra += (f"<p>{what} ({fa.get('matched')}): "
                      + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} –"
                                  for k, v in fa.items() if k != "matched") + "</p>")
    langs = ""
    if "per_language" in block["strict"]:
        langs = "<p>strict by language: " + ", ".join(
            f"{esc(k)} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f} (gold {v['gold']}, pred {v['predicted']})"
            for k, v in block["strict"]["per_language"].items()) + "</p>"
    return (f"<h3>{kind}</h3><table class=sortable id=score-{kind}><thead><tr><th class=t>view</th><th>P</th><th>R</th>"
            f"<th>F1</th><th>macro F1</th><th>gold</th><th>pred</th><th class=t>counts</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>" + extra + langs)


def _bars(kind: str, block: dict[str, Any]) -> str:
    """Strict and type F1 per label as horizontal bars."""
    labels = list(block["strict"]["per_label"])
    if not labels:
        return ""
    w, bh, left = 520, 14, 150
    h = len(labels) * (2 * bh + 8) + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w + left + 60}" height="{h}" role="img" '
             f'aria-label="F1 per label, {kind}" class=bars>']
    y = 18
    parts.append(f'<text x="{left}" y="12" font-size="11">strict F1 (dark) and type F1 (light); n = gold spans</text>')
    for lab in labels:
        s = block["strict"]["per_label"][lab]
        t = block["type"]["per_label"][lab]
        parts.append(f'<text x="{left - 6}" y="{y + bh}" font-size="12" text-anchor="end">{esc(lab)} (n={s["gold"]})</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w * s["f1"]:.1f}" height="{bh}" fill="#3a6fb0"><title>{esc(lab)} strict '
                     f'F1 {s["f1"]:.3f}</title></rect><text x="{left + w * s["f1"] + 4:.1f}" y="{y + bh - 3}" font-size="10">'
                     f'{s["f1"]:.2f}</text>')
        parts.append(f'<rect x="{left}" y="{y + bh + 1}" width="{w * t["f1"]:.1f}" height="{bh}" fill="#9cc0e8"><title>{esc(lab)} '
                     f'type F1 {t["f1"]:.3f}</title></rect>')
        y += 2 * bh + 8
    parts.append("</svg>")
    return "".join(parts)


def _per_document(ev: Evaluation) -> str:
    """Strict F1 of each table in each document, to find the document that drags a score down."""
    kinds = [k for k in (*SPAN_KINDS, "facts") if k in ev.scores]
    rows = []
    for gold, doc in ev.docs:
        cells = []
        for k in kinds:
            b = ev.scores[k]["strict"]["per_document"].get(doc.doc_id)
            cells.append(f"<td data-v='{b['f1']}'>{b['f1']:.3f} <small>({b['gold']}/{b['predicted']})</small></td>"
                         if b else "<td data-v='-1'>–</td>")
        rows.append(f"<tr><td class=t><a href='#doc-{doc.doc_id}'>{esc(Path(doc.source).name)}</a></td>{''.join(cells)}</tr>")
    head = "".join(f"<th>{k}</th>" for k in kinds)
    return ("<h3>strict F1 per document <small>(gold/predicted)</small></h3><table class=sortable id=per-document>"
            f"<thead><tr><th class=t>document</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _errors(ev: Evaluation) -> str:
    rows = ev.errors[:MAX_ERRORS]
    cols = [c for c in ERROR_COLUMNS if c not in ("doc",)]
    tables = sorted({r["table"] for r in ev.errors})
    kinds = sorted({r["kind"] for r in ev.errors})
    sel = (f"<label>table <select id=ftable class=filter><option value=''>all</option>"
           + "".join(f"<option>{esc(t)}</option>" for t in tables) + "</select></label> "
           f"<label>kind <select id=fkind class=filter><option value=''>all</option>"
           + "".join(f"<option>{esc(k)}</option>" for k in kinds) + "</select></label>")
    body = []
    for r in rows:
        link = f"#d{r['doc']}-{r['start']}" if isinstance(r["start"], int) and r["start"] >= 0 else ""
        cells = []
        for c in cols:
            v = r[c]
            if c == "start" and link:
                cells.append(f"<td data-v='{esc(v)}'><a href='{link}'>{esc(v)}</a></td>")
            else:
                cells.append(f"<td class=t>{esc(v)}</td>")
        body.append(f"<tr data-table='{esc(r['table'])}' data-kind='{esc(r['kind'])}'>" + "".join(cells) + "</tr>")
    more = f"<p>showing {len(rows)} of {len(ev.errors)}; errors.csv has them all</p>" if len(ev.errors) > len(rows) else ""
    return (sel + more + "<table class=sortable id=errors><thead><tr>" + "".join(f"<th class=t>{esc(c)}</th>" for c in cols)
            + "</tr></thead><tbody>" + "".join(body) + "</tbody></table>")


def _facts(ev: Evaluation) -> str:
    if not ev.fact_results:
        return "<p>No facts gold.</p>"
    rows = []
    for res in ev.fact_results:
        gm = {i: j for i, j in res.pairs["strict"]}
        pm = {j: i for i, j in res.pairs["strict"]}
        for side, items, matched in (("gold", res.gold, gm), ("pred", res.pred, pm)):
            for k, f in enumerate(items):
                s = f.get("start", -1)
                s = s if isinstance(s, int) else -1
                ev_link = f"<a href='#d{res.doc}-{s}'>{s}</a>" if s >= 0 else "–"
                status = "match" if k in matched else ("FN" if side == "gold" else "FP")
                rows.append(f"<tr class=fact data-side={side}><td class=t>{esc(res.doc[:8])}</td><td class=t>{side}</td>"
                            f"<td class=t>{status}</td><td class=t>{esc(names(f.get('subject')))}</td><td class=t>{esc(f.get('metric'))}</td>"
                            f"<td data-v='{esc(f.get('value'))}'>{esc(f.get('value'))}</td><td class=t>{esc(f.get('unit'))}</td>"
                            f"<td class=t>{esc(f.get('change'))}</td><td class=t>{esc(f.get('date_value'))}</td>"
                            f"<td data-v='{s}'>{ev_link}</td></tr>")
    head = "".join(f"<th class=t>{h}</th>" for h in ("doc", "side", "status", "subject", "metric", "value", "unit",
                                                       "change", "date", "evidence"))
    return f"<table class=sortable id=facts><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _hover(kind: str, s: Span) -> str:
    bits = [f"{kind[:-1] if kind != 'entities' else 'entity'}: {s.label}", f"{s.start}-{s.end}"]
    bits += [f"{k}={v}" for k, v in s.attrs.items() if v not in (None, "") and str(v) != "nan"]
    return " · ".join(bits)


class SpanIndex:
    """Spans sorted by start, so each paragraph finds its own without scanning them all."""

    def __init__(self, spans: list[tuple[str, Span, bool]]):
        self.spans = sorted(spans, key=lambda x: x[1].start)
        self.starts = [x[1].start for x in self.spans]
        self.longest = max((x[1].end - x[1].start for x in self.spans), default=0)

    def between(self, lo: int, hi: int) -> list[tuple[str, Span, bool]]:
        a = bisect.bisect_left(self.starts, lo - self.longest)
        b = bisect.bisect_left(self.starts, hi)
        return [x for x in self.spans[a:b] if x[1].start < hi and x[1].end > lo]


def render_spans(text: str, lo: int, hi: int, spans: "list[tuple[str, Span, bool]] | SpanIndex", side: str) -> str:
    """text[lo:hi] with the spans as nested <mark>s; a span that crosses another is split."""
    if isinstance(spans, SpanIndex):
        inside = spans.between(lo, hi)
    else:
        inside = [(k, s, e) for k, s, e in spans if s.start < hi and s.end > lo]
    if not inside:
        return esc(text[lo:hi])
    cuts = sorted({lo, hi} | {max(lo, s.start) for _, s, _ in inside} | {min(hi, s.end) for _, s, _ in inside})
    order = {id(s): n for n, (_, s, _) in enumerate(sorted(inside, key=lambda x: (x[1].start, -x[1].end, x[0])))}
    out: list[str] = []
    stack: list[tuple[str, Span, bool]] = []
    for a, b in zip(cuts, cuts[1:]):
        cover = sorted([x for x in inside if x[1].start <= a and x[1].end >= b], key=lambda x: order[id(x[1])])
        keep = 0
        while keep < len(stack) and keep < len(cover) and stack[keep][1] is cover[keep][1]:
            keep += 1
        for _ in range(len(stack) - keep):
            out.append("</mark>")
            stack.pop()
        for k, s, err in cover[keep:]:
            out.append(f"<mark data-side={side} data-kind={k} data-label='{esc(s.label)}' data-start={s.start} "
                       f"data-end={s.end} class='{'err' if err else ''}' style='--c:{colour(s.label)}' "
                       f"title='{esc(_hover(k, s))}'>")
            stack.append((k, s, err))
        out.append(esc(text[a:b]))
    out.extend("</mark>" for _ in stack)
    return "".join(out)


def _documents(ev: Evaluation) -> str:
    parts = []
    for gold, doc in ev.docs:
        side_spans: dict[str, list[tuple[str, Span, bool]]] = {"gold": [], "pred": []}
        for kind in SPAN_KINDS:
            for res in ev.span_results.get(kind, []):
                if res.doc != doc.doc_id:
                    continue
                ok_g = {i for i, j in res.pairs["strict"] if res.gold[i].start == res.pred[j].start
                        and res.gold[i].end == res.pred[j].end and res.gold[i].label == res.pred[j].label}
                ok_p = {j for i, j in res.pairs["strict"] if i in ok_g}
                side_spans["gold"] += [(kind, s, i not in ok_g) for i, s in enumerate(res.gold)]
                side_spans["pred"] += [(kind, s, j not in ok_p) for j, s in enumerate(res.pred)]
        anchors = {e["start"] for e in ev.errors if e["doc"] == doc.doc_id and isinstance(e["start"], int)}
        for res in ev.fact_results:
            if res.doc == doc.doc_id:
                anchors |= {f.get("start") for f in res.gold + res.pred if isinstance(f.get("start"), int)}
        index = {side: SpanIndex(v) for side, v in side_spans.items()}
        anchor_list = sorted(a for a in anchors if isinstance(a, int) and a >= 0)
        ranges = gold.scope or [(0, len(doc.text))]
        blocks = [(s, e) for s, e, _, _ in doc.blocks] or [(0, len(doc.text))]
        rows = []
        for lo, hi in ranges:
            if rows:
                rows.append("<div class='row gap'><div>…</div><div>…</div></div>")
            for bs, be in blocks:
                s, e = max(bs, lo), min(be, hi)
                if s >= e:
                    continue
                here = anchor_list[bisect.bisect_left(anchor_list, s):bisect.bisect_left(anchor_list, e)]
                ids = "".join(f"<a id='d{doc.doc_id}-{a}'></a>" for a in here)
                rows.append(f"<div class=row><div class=cell>{ids}{render_spans(doc.text, s, e, index['gold'], 'gold')}"
                            f"</div><div class=cell>{render_spans(doc.text, s, e, index['pred'], 'pred')}</div></div>")
        labels = sorted({s.label for v in side_spans.values() for _, s, _ in v})
        legend = "".join(f"<span style='background:{colour(x)}'>{esc(x)}</span>" for x in labels)
        parts.append(f"<section class=doc id='doc-{doc.doc_id}'><h3>{esc(Path(doc.source).name)} <small>({doc.doc_id}, "
                     f"gold {esc(Path(gold.path).name)})</small></h3><div class=legend>{legend}</div>"
                     f"<div class='row hdr'><div>gold</div><div>predicted</div></div>{''.join(rows)}</section>")
    return "".join(parts)


def build_html(ev: Evaluation) -> str:
    scores = ev.scores
    body = ["<h1>Evaluation against gold</h1>",
            f"<p>{len(ev.docs)} gold document(s): "
            + ", ".join(f"<a href='#doc-{d.doc_id}'>{esc(Path(d.source).name)}</a>" for _, d in ev.docs)
            + " · <span id=spancount></span></p>"]
    if ev.notes or ev.gold_errors:
        body.append("<ul class=notes>" + "".join(f"<li>{esc(n)}</li>" for n in ev.notes)
                    + "".join(f"<li class=bad>gold error: {esc(n)}</li>" for n in ev.gold_errors) + "</ul>")
    body.append("<h2>Scores</h2>")
    for kind in SPAN_KINDS:
        if kind in scores:
            body.append(_prf_table(kind, scores[kind], VIEWS))
    if "facts" in scores:
        body.append(_prf_table("facts", scores["facts"], ("strict", "no_date", "value")))
    body.append(_per_document(ev))
    body.append("<h2>F1 per label</h2>")
    for kind in SPAN_KINDS:
        if kind in scores:
            body.append(f"<h3>{kind}</h3>" + _bars(kind, scores[kind]))
    body.append("<h2>Facts</h2>" + _facts(ev))
    body.append(f"<h2>Errors ({len(ev.errors)})</h2>" + _errors(ev))
    body.append("<h2>Documents</h2><p>Gold on the left, predictions on the right; dashed outline = not matched "
                "in the strict view; underline blue = date, green = number; hover for label, value, canonical id.</p>"
                + _documents(ev))
    data = json.dumps({k: {v: scores[k][v]["f1"] for v in scores[k] if isinstance(scores[k][v], dict) and "f1" in scores[k][v]}
                       for k in scores}, ensure_ascii=False).replace("</", "<\\/")
    return ("<!DOCTYPE html><html lang=zh><head><meta charset=utf-8><title>pipeline eval</title>"
            f"<style>{CSS}</style></head><body>{''.join(body)}"
            f"<script type=application/json id=scores>{data}</script><script>{JS}</script></body></html>")


def write_report(ev: Evaluation, path: str | Path) -> Path:
    p = Path(path)
    p.write_text(build_html(ev), "utf-8")
    return p
