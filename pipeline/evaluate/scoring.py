"""The scorer: SemEval-2013 (task 9.1) span views for entities, dates and numbers; facts by content.

For each document, gold and predicted spans are aligned one-to-one (a span pairs with at
most one span on the other side, and only with one it overlaps); each view then gives a
pair a credit:

    strict   1 when boundaries and label are both exact, else 0
    exact    1 when the boundaries are exact (label ignored), else 0
    partial  1 when the boundaries are exact, 0.5 when they only overlap (label ignored)
    type     1 when the label is right and the spans overlap, else 0

Unpaired gold spans are missed (0), unpaired predictions spurious (0). Precision is the
credit over the predictions, recall the credit over the gold spans — the definitions of
Segura-Bedmar et al. (2013) that `nervaluate` implements (tests check we agree with it).
Each view aligns with its own preference (strict prefers exact span and label, type prefers
the same label), so one odd pairing cannot cost a span credit in a view where it had a
better partner. Per label and per language the gold side of a pair counts towards recall
under the gold span's label/language and the predicted side towards precision under the
predicted one; micro figures pool every span, macro averages the per-label figures.

Dates and numbers also get value accuracy among the pairs whose spans match exactly
(and, as `*_overlap`, among all overlapping pairs). Facts match when value, subject and
metric agree and the date agrees where gold has one (issue 7).
"""
from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

VIEWS = ("strict", "exact", "partial", "type")
SPAN_KINDS = ("entities", "dates", "numbers")
# Which gold/prediction column is the "label" of a span table, and which fields are its value.
LABEL_FIELD = {"entities": "label", "dates": "type", "numbers": "kind"}
VALUE_FIELDS = {"entities": (), "dates": ("value", "mod"), "numbers": ("value", "unit", "approx")}
FACT_VIEWS = ("strict", "no_date", "value")
FACT_FIELDS = ("unit", "approx", "change")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


def lang_of(text: str) -> str:
    """zh when the span holds any Chinese character, else en."""
    return "zh" if _CJK.search(text or "") else "en"


@dataclass
class Span:
    doc: str
    start: int
    end: int
    text: str
    label: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return lang_of(self.text)


# -- value comparison ----------------------------------------------------------------------
def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def norm_str(v: Any) -> str:
    if _blank(v):
        return ""
    return unicodedata.normalize("NFKC", str(v)).strip().casefold()


_FALSE = ("", "false", "0", "no", "n", "f", "none", "exact", "nan")
_TRUE = ("true", "1", "yes", "y", "t")


def to_bool(v: Any) -> bool:
    """approx as yes/no: a qualifier (about, more, less) means approximate."""
    if isinstance(v, str):
        return v.strip().lower() not in _FALSE
    if _blank(v):
        return False
    return bool(v)


def same_approx(gold: Any, pred: Any) -> bool:
    """Gold says either true/false or the qualifier itself (about, more, less); compare at that grain."""
    if isinstance(gold, str) and gold.strip().lower() not in _FALSE + _TRUE:
        return norm_str(gold) == norm_str(pred)
    return to_bool(gold) == to_bool(pred)


def to_float(v: Any) -> float | None:
    if _blank(v) or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def same_number(a: Any, b: Any) -> bool:
    x, y = to_float(a), to_float(b)
    if x is None or y is None:
        return False
    return math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-9)


def same_field(name: str, gold: Any, pred: Any) -> bool:
    if name == "value" and (to_float(gold) is not None and not isinstance(gold, str)):
        return same_number(gold, pred)
    if name == "approx":
        return same_approx(gold, pred)
    if name == "mod":  # qualifiers joined by "+" (END+AS_OF): the same set in any order
        return {m for m in norm_str(gold).split("+") if m} == {m for m in norm_str(pred).split("+") if m}
    return norm_str(gold) == norm_str(pred)


# -- the counting unit ----------------------------------------------------------------------
@dataclass
class Tally:
    """Credit and counts of one view over some set of spans; P/R/F1 follow from them."""

    gold: int = 0
    pred: int = 0
    gold_credit: float = 0.0
    pred_credit: float = 0.0

    def add(self, other: "Tally") -> None:
        self.gold += other.gold
        self.pred += other.pred
        self.gold_credit += other.gold_credit
        self.pred_credit += other.pred_credit

    def prf(self) -> dict[str, float]:
        if self.gold == 0 and self.pred == 0:
            p = r = 1.0  # nothing to find and nothing found
        else:
            p = self.pred_credit / self.pred if self.pred else 0.0
            r = self.gold_credit / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                "gold": self.gold, "predicted": self.pred}


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def _pref(view: str, g: Span, p: Span) -> tuple:
    exact = g.start == p.start and g.end == p.end
    same = g.label == p.label
    dist = -(abs(g.start - p.start) + abs(g.end - p.end))
    ov = _overlap(g, p)
    if view == "strict":
        return (exact and same, exact, same, ov, dist)
    if view == "type":
        return (same, exact, ov, dist)
    return (exact, same, ov, dist)


def credit(view: str, g: Span, p: Span) -> float:
    exact = g.start == p.start and g.end == p.end
    if view == "strict":
        return 1.0 if exact and g.label == p.label else 0.0
    if view == "exact":
        return 1.0 if exact else 0.0
    if view == "partial":
        return 1.0 if exact else 0.5
    if view == "type":
        return 1.0 if g.label == p.label else 0.0
    raise ValueError(view)


def overlapping(gold: list[Span], pred: list[Span]) -> list[tuple[int, int]]:
    """Index pairs of overlapping spans, found by bisecting the predictions sorted by start."""
    if not gold or not pred:
        return []
    order = sorted(range(len(pred)), key=lambda j: pred[j].start)
    starts = [pred[j].start for j in order]
    longest = max(p.end - p.start for p in pred)
    out = []
    for i, g in enumerate(gold):
        lo = bisect.bisect_left(starts, g.start - longest + 1)
        hi = bisect.bisect_left(starts, g.end)
        out.extend((i, order[k]) for k in range(lo, hi) if _overlap(g, pred[order[k]]) > 0)
    return out


def align(view: str, gold: list[Span], pred: list[Span]) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, pred index) of overlapping spans, best pairs first."""
    cands = []
    for i, j in overlapping(gold, pred):
        cands.append((_pref(view, gold[i], pred[j]), -i, -j, i, j))
    return _greedy(cands)


def _greedy(cands: list[tuple]) -> list[tuple[int, int]]:
    """One-to-one pairs, best candidate first: (score..., i, j) tuples, ties broken by order."""
    cands.sort(reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for *_, i, j in cands:
        if i in used_g or j in used_p:
            continue
        used_g.add(i)
        used_p.add(j)
        pairs.append((i, j))
    return sorted(pairs)


@dataclass
class DocResult:
    """Everything the report needs about one document of one table."""

    doc: str
    pairs: dict[str, list[tuple[int, int]]]
    gold: list[Span]
    pred: list[Span]


def _bucket_tallies(view: str, res: DocResult, key) -> dict[str, Tally]:
    out: dict[str, Tally] = defaultdict(Tally)
    gc = [0.0] * len(res.gold)
    pc = [0.0] * len(res.pred)
    for i, j in res.pairs[view]:
        c = credit(view, res.gold[i], res.pred[j])
        gc[i] = pc[j] = c
    for i, g in enumerate(res.gold):
        t = out[key(g)]
        t.gold += 1
        t.gold_credit += gc[i]
    for j, p in enumerate(res.pred):
        t = out[key(p)]
        t.pred += 1
        t.pred_credit += pc[j]
    return out


def _counts(view: str, results: Iterable[DocResult]) -> dict[str, int]:
    """SemEval categories: correct, incorrect, partial, missed, spurious."""
    c = dict(correct=0, incorrect=0, partial=0, missed=0, spurious=0)
    for res in results:
        for i, j in res.pairs[view]:
            v = credit(view, res.gold[i], res.pred[j])
            c["correct" if v == 1 else "partial" if v == 0.5 else "incorrect"] += 1
        c["missed"] += len(res.gold) - len(res.pairs[view])
        c["spurious"] += len(res.pred) - len(res.pairs[view])
    return c


def score_docs(kind: str, docs: list[tuple[str, list[Span], list[Span]]]) -> tuple[dict[str, Any], list[DocResult]]:
    """Scores of one span table over documents given as (doc, gold spans, predicted spans)."""
    results = [DocResult(d, {v: align(v, g, p) for v in VIEWS}, g, p) for d, g, p in docs]
    out: dict[str, Any] = {}
    for view in VIEWS:
        total = Tally()
        by_label: dict[str, Tally] = defaultdict(Tally)
        by_lang: dict[str, Tally] = defaultdict(Tally)
        by_doc: dict[str, Tally] = defaultdict(Tally)
        for res in results:
            for lab, t in _bucket_tallies(view, res, lambda s: s.label or "-").items():
                by_label[lab].add(t)
                total.add(t)
            for lg, t in _bucket_tallies(view, res, lambda s: s.lang).items():
                by_lang[lg].add(t)
            for t in _bucket_tallies(view, res, lambda s: "all").values():
                by_doc[res.doc].add(t)
        block = total.prf()
        block.update(_counts(view, results))
        labels = {k: by_label[k].prf() for k in sorted(by_label)}
        gold_labels = [k for k in labels if by_label[k].gold]
        block["macro"] = {m: round(sum(labels[k][m] for k in gold_labels) / len(gold_labels), 4) if gold_labels else 0.0
                          for m in ("precision", "recall", "f1")}
        block["per_label"] = labels
        block["per_language"] = {k: by_lang[k].prf() for k in sorted(by_lang)}
        block["per_document"] = {k: by_doc[k].prf() for k in sorted(by_doc)}
        out[view] = block
    if VALUE_FIELDS[kind]:
        out.update(value_accuracy(kind, results))
    return out, results


def value_accuracy(kind: str, results: list[DocResult]) -> dict[str, Any]:
    """Share of matched spans whose normalised value (and unit/approx or mod) is right."""
    fields = VALUE_FIELDS[kind]
    out: dict[str, Any] = {}
    for name, view, test in (("", "exact", lambda g, p: g.start == p.start and g.end == p.end),
                             ("_overlap", "partial", lambda g, p: True)):
        n = 0
        right = {f: 0 for f in fields}
        all_right = 0
        for res in results:
            for i, j in res.pairs[view]:
                g, p = res.gold[i], res.pred[j]
                if not test(g, p):
                    continue
                n += 1
                ok = [same_field(f, g.attrs.get(f), p.attrs.get(f)) for f in fields]
                for f, o in zip(fields, ok):
                    right[f] += o
                all_right += all(ok)
        out[f"value_accuracy{name}"] = round(right["value"] / n, 4) if n else None
        out[f"field_accuracy{name}"] = {**{f: (round(right[f] / n, 4) if n else None) for f in fields},
                                        "all": round(all_right / n, 4) if n else None, "matched": n}
    return out


# -- facts ------------------------------------------------------------------------------------
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def norm_name(v: Any) -> str:
    return _PUNCT.sub("", norm_str(v))


_SEP = re.compile(r"\s*[;；+|]\s*")


def _parts(v: Any) -> list[str]:
    """A subject of several things: a JSON list, or names joined by ; + |."""
    if isinstance(v, (list, tuple)):
        return [x for x in (str(i) for i in v) if x.strip()]
    if _blank(v):
        return []
    return [x for x in _SEP.split(str(v)) if x.strip()]


def names_match(gold_text: Any, gold_id: Any, pred_text: Any, pred_id: Any) -> bool:
    """Same canonical id(s) when both have them, else the texts contain one another.

    When gold names several things (这两个平台 -> both platforms), the prediction must name
    every one of them: each gold part contained in the predicted text.
    """
    gi = {norm_str(x) for x in _parts(gold_id)}
    pi = {norm_str(x) for x in _parts(pred_id)}
    if gi and pi and gi == pi:
        return True
    gold_parts = [norm_name(x) for x in _parts(gold_text)] or [norm_name(gold_text)]
    gold_parts = [x for x in gold_parts if x]
    b = norm_name(" ".join(_parts(pred_text)) if isinstance(pred_text, (list, tuple)) else pred_text)
    if not gold_parts or not b:
        return False
    if len(gold_parts) == 1:
        a = gold_parts[0]
        return a in b or b in a
    return all(a in b for a in gold_parts)


def fact_match(view: str, g: dict[str, Any], p: dict[str, Any]) -> bool:
    if not same_number(g.get("value"), p.get("value")):
        return False
    if view == "value":
        return True
    if not names_match(g.get("subject"), g.get("subject_canonical"), p.get("subject"), p.get("subject_canonical")):
        return False
    if not names_match(g.get("metric"), g.get("metric_canonical"), p.get("metric"), p.get("metric_canonical")):
        return False
    if view == "no_date" or not norm_str(g.get("date_value")):
        return True
    return dates_agree(norm_str(g.get("date_value")), norm_str(p.get("date_value")))


def dates_agree(gold: str, pred: str) -> bool:
    """Equal, or one names a day/month inside the other (as of 2020-11 = as of 2020-11-30)."""
    if not pred:
        return False
    return gold == pred or pred.startswith(gold + "-") or gold.startswith(pred + "-")


def _near(g: dict[str, Any], p: dict[str, Any]) -> int:
    gs, ge, ps = g.get("start", -1), g.get("end", -1), p.get("start", -1)
    if ps is None or ps < 0 or gs is None or gs < 0:
        return -10**9
    return 0 if gs <= ps < ge else -min(abs(ps - gs), abs(ps - ge))


def align_facts(view: str, gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    cands = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if fact_match(view, g, p):
                cands.append((_near(g, p), -i, -j, i, j))
    return _greedy(cands)


@dataclass
class FactResult:
    doc: str
    pairs: dict[str, list[tuple[int, int]]]
    gold: list[dict]
    pred: list[dict]


def score_facts(docs: list[tuple[str, list[dict], list[dict]]]) -> tuple[dict[str, Any], list[FactResult]]:
    results = [FactResult(d, {v: align_facts(v, g, p) for v in FACT_VIEWS}, g, p) for d, g, p in docs]
    out: dict[str, Any] = {}
    for view in FACT_VIEWS:
        total = Tally()
        by_doc: dict[str, Tally] = defaultdict(Tally)
        by_lang: dict[str, Tally] = defaultdict(Tally)
        for res in results:
            t = Tally(len(res.gold), len(res.pred), len(res.pairs[view]), len(res.pairs[view]))
            total.add(t)
            by_doc[res.doc].add(t)
            matched_g = {i for i, _ in res.pairs[view]}
            matched_p = {j for _, j in res.pairs[view]}
            for i, g in enumerate(res.gold):
                lt = by_lang[lang_of(str(g.get("subject", "")) + str(g.get("metric", "")))]
                lt.gold += 1
                lt.gold_credit += i in matched_g
            for j, p in enumerate(res.pred):
                lt = by_lang[lang_of(str(p.get("subject", "")) + str(p.get("metric", "")))]
                lt.pred += 1
                lt.pred_credit += j in matched_p
        block = total.prf()
        block["per_language"] = {k: by_lang[k].prf() for k in sorted(by_lang)}
        block["per_document"] = {k: by_doc[k].prf() for k in sorted(by_doc)}
        out[view] = block
    n = sum(len(r.pairs["strict"]) for r in results)
    acc = {}
    for f in FACT_FIELDS:
        right = sum(same_field(f, r.gold[i].get(f), r.pred[j].get(f)) for r in results for i, j in r.pairs["strict"])
        acc[f] = round(right / n, 4) if n else None
    out["field_accuracy"] = {**acc, "matched": n}
    return out, results
