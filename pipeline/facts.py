"""Facts: every reported figure as a row — what was measured, about whom, as of when.

A number alone is not what an analyst copies into a spreadsheet; the indicator is. This
stage reads the rows the earlier stages wrote (sentences, entities, dates, numbers) and,
clause by clause, the way a reader does:

* the **metric** is the nominal phrase the clause's cue word attaches the number to —
  before a copula-like cue (总访问量 *达到* 1132万), after an object-taking one
  (*收录* 313727条 COVID-19序列);
* the **subject** is the entity that opens the clause, else the thing an anaphor
  (该平台, 这两个平台, 全省) points back to, else the previous clause's subject;
* the **date** is the clause's own, else the sentence's, else the one carried from the
  preceding text, else the document's.

Cue words, anaphors and fillers are data (pipeline/data/facts/), not code.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import PurePath
from typing import Any, Iterable

from .document import Document
from .registry import stage, table


@table("facts")
@dataclass
class FactRow:
    __order__ = ("doc_id", "fact_id")
    doc_id: str
    fact_id: int
    subject: str
    subject_canonical: str | None
    metric: str
    number_id: int          # the `start` of its row in `numbers` (unique within the document)
    value: float | None
    unit: str | None
    approx: str | None
    change: str             # level, increase, decrease, share, target
    date_value: str | None
    date_id: int | None     # the `start` of its row in `dates`
    date_source: str | None  # clause, sentence, context, document
    evidence: str
    sent_id: int
    start: int              # the number's span in the document text
    end: int
    page: int
    confidence: float


# -- lexicons ------------------------------------------------------------------------------

def _lines(name: str) -> list[str]:
    text = resources.files("pipeline").joinpath(f"data/facts/{name}").read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


@dataclass(frozen=True)
class Lexicon:
    cues: dict[str, str]
    anaphora: dict[str, str]
    fillers: tuple[str, ...]
    suffixes: tuple[str, ...]

    @staticmethod
    @lru_cache(maxsize=1)
    def load() -> "Lexicon":
        cues = dict(ln.split("\t")[:2] for ln in _lines("cues.tsv"))
        ana = dict(ln.split("\t")[:2] for ln in _lines("anaphora.tsv"))
        return Lexicon(cues, ana, tuple(sorted(set(_lines("fillers.txt")), key=len, reverse=True)),
                       tuple(_lines("suffixes.txt")))

    def words(self, role: str) -> list[str]:
        return sorted((w for w, r in self.cues.items() if r == role), key=len, reverse=True)


# Kinds of number that are never a reported figure.
NOT_FACT_KINDS = {"ordinal", "code"}
# A number right after one of these is an adverbial (从五个方面, 在3个城市), not a figure.
PREPOSITIONS = "从在向对于按以用经把被给"
SUBJECT_LABELS = {"ORG", "GPE", "FAC", "PRODUCT", "PERSON", "NORP", "EVENT", "LOC"}
CLAUSE_END = "，,；;。！？!?：:"
_ENUM = re.compile(r"^\s*(?:[（(]\s*[0-9一二三四五六七八九十]+\s*[)）]|[0-9]+(?:\.[0-9]+)*\.?|[一二三四五六七八九十]+[、.．])\s*")
_REGION = re.compile(r"([\u4e00-\u9fff]{2,8}?(?:壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市))")


def _get(row: Any, name: str, default: Any = None) -> Any:
    return row.get(name, default) if isinstance(row, dict) else getattr(row, name, default)


@dataclass
class Subject:
    text: str
    canonical: str | None = None


# -- clause analysis ----------------------------------------------------------------------

def clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clause spans of text[start:end], cut at ，；。： outside brackets."""
    out, depth, cs = [], 0, start
    for i in range(start, end):
        ch = text[i]
        if ch in "（(《「“[【":
            depth += 1
        elif ch in "）)》」”]】":
            depth = max(0, depth - 1)
        elif ch in CLAUSE_END and depth == 0:
            if i > cs:
                out.append((cs, i))
            cs = i + 1
    if end > cs:
        out.append((cs, end))
    return out


class FactFinder:
    """Finds the facts of one document; holds its rows sorted for offset look-ups."""

    def __init__(self, doc: Document, lex: Lexicon, min_confidence: float):
        self.doc, self.lex, self.min_conf = doc, lex, min_confidence
        t = doc.tables
        self.ents = sorted(t.get("entities", []), key=lambda r: _get(r, "start"))
        self.ent_starts = [_get(r, "start") for r in self.ents]
        self.dates = sorted((d for d in t.get("dates", []) if doc.role_at(_get(d, "start")) != "footnote"),
                            key=lambda r: _get(r, "start"))
        self.date_starts = [_get(d, "start") for d in self.dates]
        self.nums = sorted(t.get("numbers", []), key=lambda r: _get(r, "start"))
        self.sents = sorted(t.get("sentences", []), key=lambda r: _get(r, "start"))
        self.copula = lex.words("copula")
        self.obj = lex.words("object")
        self.adverbs = lex.words("adverb")
        self.change_words = {role: lex.words(role) for role in ("increase", "decrease", "share", "target")}
        self.anaphors = sorted(lex.anaphora, key=len, reverse=True)
        self.region = self._region()

    # subjects -------------------------------------------------------------------------
    def _region(self) -> Subject | None:
        """The region a government-style report speaks for (全省, 我市 …)."""
        doc = self.doc
        candidates = [str(doc.meta.get("title") or "")]
        candidates += [b.text for b in doc.blocks[:6] if b.role in ("title", "heading", "body", "author")]
        candidates.append(PurePath(doc.source).stem)
        for c in candidates:
            m = _REGION.search(re.sub(r"\d{4}\s*年", " ", c))
            if m:
                return Subject(m.group(1), self._canonical_of(m.group(1)))
        return None

    def _canonical_of(self, text: str) -> str | None:
        for e in self.ents:
            if _get(e, "text") == text and _get(e, "canonical"):
                return _get(e, "canonical")
        return None

    def entities_in(self, a: int, b: int) -> list[Any]:
        i = bisect_right(self.ent_starts, a - 1)
        out = []
        while i < len(self.ents) and _get(self.ents[i], "start") < b:
            e = self.ents[i]
            if _get(e, "end") <= b:
                out.append(e)
            i += 1
        return out

    def topic_of_heading(self, a: int, b: int) -> list[Subject]:
        ents = [e for e in self.entities_in(a, b) if _get(e, "label") in SUBJECT_LABELS]
        if ents:
            return [Subject(_get(e, "text"), _get(e, "canonical")) for e in ents]
        text = _ENUM.sub("", self.doc.text[a:b]).strip()
        return [Subject(text)] if 2 <= len(text) <= 40 else []

    def resolve(self, word: str, kind: str, topic: list[Subject], last: Subject | None) -> Subject | None:
        if kind == "region":
            return self.region
        if kind == "country":
            return Subject("中国", self._canonical_of("中国"))
        head = re.sub(r"^(?:该|这两个|这些|此|本|这)", "", word)
        if last is not None and last.text.endswith(head) and not word.startswith("这两个"):
            return last
        if not topic:
            return last
        if word.startswith(("这两个", "这些")) or len(topic) == 1:
            return _join(topic)
        fit = [s for s in topic if s.text.endswith(head)]
        return _join(fit or topic)

    # one clause ---------------------------------------------------------------------------
    def _strip_tail(self, s: str) -> tuple[str, list[str]]:
        roles = []
        changed = True
        while changed and s:
            changed = False
            for w in self.adverbs:
                if s.endswith(w):
                    s, changed = s[: -len(w)], True
                    break
            else:
                for w in self.copula + self.obj + [w for ws in self.change_words.values() for w in ws]:
                    if s.endswith(w):
                        roles.append(self.lex.cues[w])
                        s, changed = s[: -len(w)], True
                        break
        return s, roles

    def _strip_head(self, s: str) -> str:
        changed = True
        while changed and s:
            changed = False
            for w in self.lex.fillers:
                if s.startswith(w) and len(s) > len(w):
                    s, changed = s[len(w):], True
                    break
        return s

    def metric_and_cues(self, left: str, right: str) -> tuple[str, list[str]]:
        left, roles = self._strip_tail(left)
        # An object-taking cue inside the left part: the metric is what follows it.
        cut = -1
        for w in self.obj:
            k = left.rfind(w)
            if k >= 0 and k + len(w) > cut:
                cut, word = k + len(w), w
        if cut >= 0:
            roles.append("object")
            left = left[cut:]
        left = self._strip_head(left).strip(" 的“”\"")
        if left and not roles and any(left.endswith(s) for s in self.lex.suffixes):
            roles.append("copula")
        metric = left
        if not metric or (roles and roles[-1] == "object" and not left):
            metric = ""
        if not metric:
            m = re.match(r"[^，,；;。、（(]*", right)
            metric = (m.group(0) if m else "").strip(" 的等")
        if len(metric) > 16:
            k = metric.rfind("的")
            metric = metric[k + 1:] if 0 <= k < len(metric) - 1 else metric[-16:]
        return metric, roles


def _join(subjects: list[Subject]) -> Subject:
    if len(subjects) == 1:
        return subjects[0]
    canon = [s.canonical for s in subjects]
    return Subject(" + ".join(s.text for s in subjects),
                   " + ".join(c for c in canon if c) if all(canon) else None)


def _date_value(d: Any) -> str | None:
    if d is None:
        return None
    mod = _get(d, "mod")
    if mod in ("END", "AS_OF") and _get(d, "end_date"):
        return _get(d, "end_date")
    return _get(d, "value")


def find_facts(doc: Document, lex: Lexicon | None = None, min_confidence: float = 0.5) -> list[FactRow]:
    lex = lex or Lexicon.load()
    ff = FactFinder(doc, lex, min_confidence)
    text = doc.text
    rows: list[FactRow] = []
    topic: list[Subject] = []
    last: Subject | None = None
    context_date: Any = None
    nums_by_start = ff.nums
    num_starts = [_get(n, "start") for n in nums_by_start]
    sent_starts = [_get(s, "start") for s in ff.sents]

    def sentence_of(off: int) -> Any | None:
        i = bisect_right(sent_starts, off) - 1
        return ff.sents[i] if i >= 0 and _get(ff.sents[i], "end") > off else None

    for block in doc.blocks:
        if block.start < 0 or block.role in ("footnote", "caption", "table"):
            continue
        if block.role == "heading":
            topic = ff.topic_of_heading(block.start, block.end) or topic
            last = None
            continue
        if block.role in ("title", "abstract"):
            last = None
        # sentences of this block (fall back to the block itself when the segment stage did not run)
        sents = [s for s in ff.sents if block.start <= _get(s, "start") < block.end] or [
            {"sent_id": -1, "start": block.start, "end": block.end}]
        for s in sents:
            s_start, s_end = _get(s, "start"), _get(s, "end")
            sent_dates = [d for d in ff.dates if s_start <= _get(d, "start") < s_end]
            for cs, ce in clauses(text, s_start, s_end):
                clause_dates = [d for d in sent_dates if cs <= _get(d, "start") < ce]
                i = bisect_right(num_starts, cs - 1)
                cnums = []
                while i < len(nums_by_start) and _get(nums_by_start[i], "start") < ce:
                    cnums.append(nums_by_start[i])
                    i += 1
                # subject: an entity opening the clause, an anaphor, else the previous one
                subj, subj_end = None, cs
                body = text[cs:ce]
                lead = len(body) - len(body.lstrip())
                head_text = ff._strip_head(body.lstrip())
                off = cs + lead + (len(body.lstrip()) - len(head_text))
                for d in clause_dates:
                    if _get(d, "start") <= off + 1 and _get(d, "end") > off:
                        off = _get(d, "end")
                        rest = ff._strip_head(text[off:ce])
                        off = ce - len(rest)
                first_num = _get(cnums[0], "start") if cnums else ce
                for e in ff.entities_in(cs, first_num):
                    if _get(e, "label") in SUBJECT_LABELS and _get(e, "start") - off <= 1:
                        subj, subj_end = Subject(_get(e, "text"), _get(e, "canonical")), _get(e, "end")
                        break
                if subj is None:
                    for w in ff.anaphors:
                        if text.startswith(w, off):
                            subj = ff.resolve(w, lex.anaphora[w], topic, last)
                            subj_end = off + len(w)
                            break
                if subj is None:
                    subj = last
                else:
                    last = subj
                prev_end = subj_end
                for n in cnums:
                    n_start, n_end = _get(n, "start"), _get(n, "end")
                    if _get(n, "kind") in NOT_FACT_KINDS or doc.role_at(n_start) == "footnote":
                        prev_end = n_end
                        continue
                    left = text[max(prev_end, cs):n_start]
                    # dates inside the left part are not part of the metric
                    for d in clause_dates:
                        if max(prev_end, cs) <= _get(d, "start") < n_start:
                            left = text[_get(d, "end"):n_start] if _get(d, "end") <= n_start else left
                    right = text[n_end:ce]
                    if left.rstrip()[-1:] and left.rstrip()[-1] in PREPOSITIONS:
                        prev_end = n_end
                        continue
                    # in a list (313727条序列、23797个变异) what precedes the last 、 was the previous item
                    metric, roles = ff.metric_and_cues(left.split("、")[-1].strip(), right)
                    prev_end = n_end
                    if not metric:
                        continue
                    clause_text = text[cs:n_start]
                    change = "level"
                    for role in ("target", "share", "decrease", "increase"):
                        scope = text[s_start:n_start] if role == "target" else clause_text
                        if any(w in scope for w in ff.change_words[role]):
                            change = role
                            break
                    if _get(n, "kind") == "percent" and change == "level" and "占" in clause_text:
                        change = "share"
                    before = [d for d in clause_dates if _get(d, "start") < n_start] or clause_dates
                    if before:
                        date, dsrc = before[-1], "clause"
                    else:
                        sd = [d for d in sent_dates if _get(d, "start") < n_start]
                        if sd:
                            date, dsrc = sd[-1], "sentence"
                        elif context_date is not None:
                            date, dsrc = context_date, "context"
                        elif ff.dates:
                            date, dsrc = ff.dates[0], "document"
                        else:
                            date, dsrc = None, None
                    conf = 0.3 + (0.25 if roles else 0) + (0.25 if subj else 0) \
                        + (0.1 if any(metric.endswith(x) for x in lex.suffixes) else 0) + (0.1 if date is not None else 0)
                    conf = round(min(conf, 1.0), 2)
                    if conf < ff.min_conf:
                        continue
                    sent = sentence_of(n_start)
                    rows.append(FactRow(
                        doc_id=doc.doc_id, fact_id=len(rows), subject=subj.text if subj else "",
                        subject_canonical=subj.canonical if subj else None, metric=metric, number_id=n_start,
                        value=_get(n, "value"), unit=_get(n, "unit"), approx=_get(n, "approx"), change=change,
                        date_value=_date_value(date), date_id=_get(date, "start") if date is not None else None,
                        date_source=dsrc, evidence=text[s_start:s_end].strip(),
                        sent_id=_get(sent, "sent_id", -1) if sent is not None else -1,
                        start=n_start, end=n_end, page=doc.page_at(n_start), confidence=conf))
            if sent_dates:
                context_date = sent_dates[-1]
    return rows


@stage("facts")
def make_facts(cfg: dict[str, Any]):
    conf = float(cfg.get("facts", {}).get("min_confidence", 0.5))
    lex = Lexicon.load()

    def facts(doc: Document) -> None:
        doc.add_rows("facts", find_facts(doc, lex, conf))
    return facts


__all__: Iterable[str] = ["FactRow", "find_facts", "clauses", "Lexicon"]
