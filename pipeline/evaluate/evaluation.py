"""One evaluation run: gold files + a prediction directory -> scores, error rows, notes.

Predictions are the tables `pipeline run` wrote (parquet, else csv). A table that does not
exist yet scores as empty predictions, with a note, so the scorer is usable while stages
are still being built. Only the part of a document a gold file covers (`scope`) is scored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .importers import label_policy
from .gold import DocText, GoldDoc, GoldSet, TableError, load_gold, read_table, texts_from_pred
from .scoring import (LABEL_FIELD, _blank, SPAN_KINDS, VALUE_FIELDS, VIEWS, DocResult, FactResult, Span,
                      lang_of, norm_str, same_field, score_docs, score_facts)

# The label of a span whose gold or prediction gives none (and of every span when gold has no labels).
DEFAULT_LABEL = {"entities": "(NONE)", "dates": "DATE", "numbers": "NUMBER"}
ATTRS = {"entities": ("canonical",), "dates": ("value", "mod"), "numbers": ("value", "unit", "approx")}
FACT_COLS = ("subject", "subject_canonical", "metric", "metric_canonical", "value", "unit", "approx",
             "change", "date_value", "evidence", "number_id", "fact_id")
CONTEXT = 15  # characters either side of an error's span in errors.csv (30 in all)


@dataclass
class Evaluation:
    scores: dict[str, Any]
    errors: list[dict[str, Any]]
    notes: list[str]
    gold_errors: list[str]
    docs: list[tuple[GoldDoc, DocText]]
    span_results: dict[str, list[DocResult]] = field(default_factory=dict)
    fact_results: list[FactResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = dict(self.scores)
        out["documents"] = [{"doc_id": d.doc_id, "source": d.source, "gold": g.path,
                             "scope": g.scope, "chars": len(d.text)} for g, d in self.docs]
        out["notes"] = self.notes
        out["gold_errors"] = self.gold_errors
        return out


def _rows(df: pd.DataFrame | None, doc_id: str) -> list[dict[str, Any]]:
    if df is None or df.empty or "doc_id" not in df.columns:
        return []
    sub = df[df["doc_id"].astype(str) == doc_id]
    return sub.to_dict("records")


def _int(v: Any, default: int = -1) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def _label(kind: str, row: dict[str, Any], use_labels: bool) -> str:
    if not use_labels:
        return DEFAULT_LABEL[kind]
    v = row.get(LABEL_FIELD[kind])
    return str(v).strip().upper() if norm_str(v) else DEFAULT_LABEL[kind]


def evaluate(gold_path: str | Path, pred_dir: str | Path) -> Evaluation:
    """Score the run in `pred_dir` against the gold file(s) at `gold_path`."""
    gs = load_gold(gold_path, texts_from_pred(pred_dir))
    tables: dict[str, pd.DataFrame | None] = {}
    problems = []
    for k in (*SPAN_KINDS, "facts"):
        try:
            tables[k] = read_table(pred_dir, k)
        except TableError as exc:
            tables[k] = pd.DataFrame({"doc_id": pd.Series(dtype=str)})
            problems.append(f"{k}: {exc}; scored as empty predictions")
            continue
        need = {"doc_id"} | ({"value"} if k == "facts" else {"start", "end"})
        if tables[k] is not None and need - set(tables[k].columns):
            problems.append(f"{k}: the table lacks {', '.join(sorted(need - set(tables[k].columns)))}; "
                            "scored as empty predictions")
            tables[k] = pd.DataFrame({"doc_id": pd.Series(dtype=str)})
    ev = score_set(gs, tables)
    ev.notes[:0] = problems
    return ev


def score_set(gs: GoldSet, tables: dict[str, pd.DataFrame | None]) -> Evaluation:
    """Score prediction tables (doc_id + the run's columns; None = no such table) against loaded gold."""
    notes = list(gs.warnings)
    scores: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    ev = Evaluation(scores, errors, notes, gs.errors, gs.docs)
    for kind in SPAN_KINDS:
        docs = [(g, d) for g, d in gs.docs if kind in g.kinds]
        if not docs:
            notes.append(f"{kind}: no gold file has a {kind!r} list; not scored")
            continue
        table = tables.get(kind)
        if table is None:
            notes.append(f"{kind}: the prediction directory has no {kind} table; scored as empty predictions")
        use_labels = kind == "entities" or any(norm_str(r.get(LABEL_FIELD[kind])) for g, _ in docs for r in g.items[kind])
        if not use_labels:
            notes.append(f"{kind}: gold has no {LABEL_FIELD[kind]!r}; strict = exact and type = overlap for {kind}")
        triples = []
        ignored = 0
        for g, d in docs:
            gold = [Span(d.doc_id, r["start"], r["end"], r["text"], _label(kind, r, use_labels),
                         {a: r.get(a) for a in ATTRS[kind]}) for r in g.items[kind]]
            pred = []
            rows = _rows(table, d.doc_id)
            if kind == "entities":
                skip = set(label_policy()["not_entities"])
                kept = [r for r in rows if str(r.get("label", "")).upper() not in skip]
                ignored += len(rows) - len(kept)
                rows = kept
            for r in rows:
                s, e = _int(r.get("start")), _int(r.get("end"))
                if not (0 <= s < e <= len(d.text)) or not g.in_scope(s):
                    continue
                pred.append(Span(d.doc_id, s, e, d.text[s:e], _label(kind, r, use_labels),
                                 {a: r.get(a) for a in ATTRS[kind]}))
            triples.append((d.doc_id, gold, pred))
        if ignored:
            notes.append(f"entities: {ignored} predicted spans labelled as dates or quantities "
                         "(pipeline/data/evaluate/labels.json) are scored in their own tables, not here")
        scores[kind], results = score_docs(kind, triples)
        ev.span_results[kind] = results
        errors.extend(_span_errors(kind, results, {d.doc_id: d for _, d in docs}))
    fact_docs = [(g, d) for g, d in gs.docs if "facts" in g.kinds]
    if fact_docs:
        table = tables.get("facts")
        if table is None:
            notes.append("facts: the prediction directory has no facts table; scored as empty predictions")
        numbers = tables.get("numbers")
        triples = []
        for g, d in fact_docs:
            preds = [_locate_fact(r, d, numbers) for r in _rows(table, d.doc_id)]
            preds = [p for p in preds if g.scope is None or (p["start"] >= 0 and g.in_scope(p["start"]))]
            triples.append((d.doc_id, g.items["facts"], preds))
        scores["facts"], ev.fact_results = score_facts(triples)
        errors.extend(_fact_errors(ev.fact_results, {d.doc_id: d for _, d in fact_docs}))
    elif gs.docs:
        notes.append("facts: no gold file has a 'facts' list; not scored")
    return ev


def _locate_fact(row: dict[str, Any], doc: DocText, numbers: pd.DataFrame | None) -> dict[str, Any]:
    """A predicted fact with the offsets of its figure (via number_id) or of its evidence sentence."""
    out = {k: (None if _blank(row.get(k)) else row.get(k)) for k in FACT_COLS}
    s, e = _int(row.get("start")), _int(row.get("end"))
    if s < 0 and numbers is not None and "number_id" in numbers.columns and not pd.isna(row.get("number_id")):
        hit = numbers[(numbers["doc_id"].astype(str) == doc.doc_id)
                      & (numbers["number_id"].astype(str) == str(row.get("number_id")))]
        if not hit.empty:
            s, e = _int(hit.iloc[0]["start"]), _int(hit.iloc[0]["end"])
    if s < 0 and isinstance(row.get("evidence"), str) and row["evidence"]:
        k = doc.text.find(row["evidence"])
        if k >= 0:
            s, e = k, k + len(row["evidence"])
    out["start"], out["end"] = s, e
    return out


def context(text: str, start: int, end: int) -> str:
    if start < 0:
        return ""
    left = text[max(0, start - CONTEXT):start]
    right = text[end:end + CONTEXT]
    return (left + "[" + text[start:end] + "]" + right).replace("\n", " ")


def _err(kind: str, what: str, doc: DocText, g: Span | None, p: Span | None, detail: str = "") -> dict[str, Any]:
    ref = g or p
    s = min(x.start for x in (g, p) if x)
    e = max(x.end for x in (g, p) if x)
    return {"table": kind, "kind": what, "doc": doc.doc_id, "source": Path(doc.source).name,
            "start": ref.start, "end": ref.end, "lang": ref.lang,
            "gold_text": g.text if g else "", "pred_text": p.text if p else "",
            "gold_label": g.label if g else "", "pred_label": p.label if p else "",
            "gold_value": _val(g), "pred_value": _val(p), "detail": detail, "context": context(doc.text, s, e)}


def _val(s: Span | None) -> str:
    if s is None:
        return ""
    return "; ".join(f"{k}={v}" for k, v in s.attrs.items() if norm_str(v))


def _span_errors(kind: str, results: list[DocResult], docs: dict[str, DocText]) -> list[dict[str, Any]]:
    out = []
    for res in results:
        doc = docs[res.doc]
        paired_g = {i for i, _ in res.pairs["strict"]}
        paired_p = {j for _, j in res.pairs["strict"]}
        for i, j in res.pairs["strict"]:
            g, p = res.gold[i], res.pred[j]
            exact = g.start == p.start and g.end == p.end
            if exact and g.label != p.label:
                out.append(_err(kind, "wrong label", doc, g, p, f"{g.label} -> {p.label}"))
            elif not exact:
                out.append(_err(kind, "wrong span", doc, g, p, f"predicted {p.start}-{p.end} {p.text!r}"
                                + (f" as {p.label}" if p.label != g.label else "")))
            if exact and VALUE_FIELDS[kind]:
                bad = [f for f in VALUE_FIELDS[kind] if not same_field(f, g.attrs.get(f), p.attrs.get(f))]
                if bad:
                    out.append(_err(kind, "wrong value", doc, g, p, ", ".join(
                        f"{f}: gold {g.attrs.get(f)!r} pred {p.attrs.get(f)!r}" for f in bad)))
        out += [_err(kind, "FN", doc, g, None) for i, g in enumerate(res.gold) if i not in paired_g]
        out += [_err(kind, "FP", doc, None, p) for j, p in enumerate(res.pred) if j not in paired_p]
    return out


def names(v: Any) -> str:
    return " + ".join(str(x) for x in v) if isinstance(v, (list, tuple)) else ("" if _blank(v) else str(v))


def fact_label(f: dict[str, Any]) -> str:
    parts = [names(f.get("subject")) or "?", str(f.get("metric") or "?"), str(f.get("value")) + (str(f.get("unit") or ""))]
    if norm_str(f.get("date_value")):
        parts.append("@" + str(f.get("date_value")))
    return " | ".join(parts)


def _fact_errors(results: list[FactResult], docs: dict[str, DocText]) -> list[dict[str, Any]]:
    out = []
    for res in results:
        doc = docs[res.doc]
        strict_g = {i for i, _ in res.pairs["strict"]}
        strict_p = {j for _, j in res.pairs["strict"]}
        near = {i: j for i, j in res.pairs["no_date"]}
        value = {i: j for i, j in res.pairs["value"]}
        for i, g in enumerate(res.gold):
            if i in strict_g:
                continue
            detail = ""
            if i in near:
                detail = f"wrong date: predicted {res.pred[near[i]].get('date_value')!r}"
            elif i in value:
                detail = f"value found as {fact_label(res.pred[value[i]])}"
            out.append(_fact_row("FN", doc, g, detail))
        for j, p in enumerate(res.pred):
            if j not in strict_p:
                out.append(_fact_row("FP", doc, p, ""))
    return out


def _fact_row(what: str, doc: DocText, f: dict[str, Any], detail: str) -> dict[str, Any]:
    s, e = _int(f.get("start")), _int(f.get("end"))
    gold = what == "FN"
    text = doc.text[s:e] if 0 <= s < e else ""
    return {"table": "facts", "kind": what, "doc": doc.doc_id, "source": Path(doc.source).name,
            "start": s, "end": e, "lang": lang_of(str(f.get("subject", "")) + str(f.get("metric", ""))),
            "gold_text": text if gold else "", "pred_text": "" if gold else text,
            "gold_label": "", "pred_label": "",
            "gold_value": fact_label(f) if gold else "", "pred_value": "" if gold else fact_label(f),
            "detail": detail, "context": context(doc.text, s, e) if s >= 0 else ""}


ERROR_COLUMNS = ["table", "kind", "doc", "source", "start", "end", "lang", "gold_text", "pred_text",
                 "gold_label", "pred_label", "gold_value", "pred_value", "detail", "context"]


def compact_table(scores: dict[str, Any]) -> str:
    """The lines `pipeline eval` prints: one per table and view."""
    lines = [f"{'table':<9} {'view':<8} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5} {'pred':>5} {'value acc':>9}"]
    for kind in (*SPAN_KINDS, "facts"):
        if kind not in scores:
            continue
        views = VIEWS if kind != "facts" else ("strict", "no_date", "value")
        for view in views:
            b = scores[kind][view]
            va = scores[kind].get("value_accuracy") if view == "exact" else None
            vs = f"{va:>9.3f}" if isinstance(va, float) else f"{'':>9}"
            lines.append(f"{kind:<9} {view:<8} {b['precision']:>6.3f} {b['recall']:>6.3f} {b['f1']:>6.3f} "
                         f"{b['gold']:>5} {b['predicted']:>5} {vs}")
    return "\n".join(lines)
