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

    @staticmethod
    @lru_cache(maxsize=1)
    def scope() -> tuple[str, ...]:
        return tuple(sorted(_lines("scope_words.txt"), key=len, reverse=True))

    def words(self, role: str) -> list[str]:
        return sorted((w for w, r in self.cues.items() if r == role), key=len, reverse=True)


# Kinds of number that are never a reported figure.
NOT_FACT_KINDS = {"ordinal", "code"}


def _nominal(tag: str) -> bool:
    """jieba (ICTCLAS) tags that can end a noun phrase: nouns, abbreviations, nominal verbs, Latin words."""
    return tag[:1] == "n" or tag in ("j", "vn", "an", "eng")


@lru_cache(maxsize=65536)
def _pos(text: str) -> tuple[tuple[str, str], ...]:
    import jieba.posseg as pseg
    return tuple((w.word, w.flag) for w in pseg.cut(text))

# A number right after one of these is an adverbial (从五个方面, 在3个城市), not a figure.
PREPOSITIONS = "从在向对于按以用经把被给"
SUBJECT_LABELS = {"ORG", "GPE", "FAC", "PRODUCT", "PERSON", "NORP", "EVENT", "LOC"}
CLAUSE_END = "，,；;。！？!?：:"
_ENUM = re.compile(r"^\s*(?:[（(]\s*[0-9一二三四五六七八九十]+\s*[)）]|[0-9]+(?:\.[0-9]+)*\.?|[一二三四五六七八九十]+[、.．])\s*")
_REGION = re.compile(r"((?:(?!在|于|的|日|年)[\u4e00-\u9fff]){2,8}?(?:壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市))")


@lru_cache(maxsize=4096)
def _word_ends(clause: str) -> frozenset[int]:
    """Offsets (within the clause) where a jieba word ends: a subject must not end inside a word."""
    import jieba
    ends, pos = set(), 0
    for w in jieba.cut(clause):
        pos += len(w)
        ends.add(pos)
    return frozenset(ends)


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
        self.hosts = lex.words("host")
        self.adverbs = lex.words("adverb")
        self.change_words = {role: lex.words(role) for role in ("increase", "decrease", "share", "target")}
        self.anaphors = sorted(lex.anaphora, key=len, reverse=True)
        self.scope_words = Lexicon.scope()
        self.rank_cues = tuple(w for w, r in lex.cues.items() if r == "rank")
        self.distributive = {ln.split("\t")[0]: ln.split("\t")[1:] for ln in _lines("distributive.tsv")}
        self.subject_heads = tuple(sorted(_lines("subject_heads.txt"), key=len, reverse=True))
        self.conjunctions = ("和", "及", "与", "以及", "、")
        self.region = self._region()

    # subjects -------------------------------------------------------------------------
    def _region(self) -> Subject | None:
        """The region a government-style report speaks for (全省, 我市 …)."""
        doc = self.doc
        # a state-level place named in the title area (the first blocks) is the report's region
        head_end = doc.blocks[min(5, len(doc.blocks) - 1)].end if doc.blocks else 0
        for e in self.ents:
            if _get(e, "start") >= head_end:
                break
            if _get(e, "label") == "GPE" and re.search(r"(?:省|市|自治区|特别行政区)$", _get(e, "text")):
                return Subject(_get(e, "text"), _get(e, "canonical"))
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

    person_units = ("人", "人次", "名", "位")

    def metric_and_cues(self, left: str, right: str, left_is_name: bool = False,
                        unit: str | None = None) -> tuple[str, list[str]]:
        """The metric of a number from the text left and right of it within its clause."""
        left, roles = self._strip_tail(left)
        # the cue right before the number takes an object: what is counted follows the number
        # (完成25项民生实事, 收录313727条序列)
        from_right = bool(roles) and roles[0] == "object"
        cut = -1
        for w in self.obj:
            k = left.rfind(w)
            if k >= 0 and k + len(w) > cut:
                cut = k + len(w)
        if cut >= 0:
            roles.append("object")
            left = left[cut:]
        # only what follows the last punctuation mark belongs to this number
        left = re.split(r"[）)》”\"」、，,：:；;]", left)[-1]
        left = self._strip_head(left).strip(" 的“”\"")
        if left in self.scope_words:  # 吸引全球20余万人次: 全球 is where, not what
            left = ""
        metric = "" if (from_right or left_is_name or left.endswith(self.conjunctions)) else left
        if metric and not self.is_nominal(metric):
            metric = ""
        if not metric:
            metric = self.leading_noun_phrase(right)
        if not metric and unit in self.person_units:
            # 20余万人次关注, 11万人在线观看: for counts of people the verb phrase says what they did
            m = re.fullmatch(r"([\u4e00-\u9fff]{1,8})[。！？]?", right.strip())
            metric = m.group(1) if m else ""
        elif not roles and any(metric.endswith(x) for x in self.lex.suffixes):
            roles.append("copula")
        if len(metric) > 16:
            k = metric.rfind("的")
            metric = metric[k + 1:] if 0 <= k < len(metric) - 1 else metric[-16:]
        return metric, roles

    def is_nominal(self, phrase: str) -> bool:
        """Ends like a noun phrase: a noun-ish last word or a known measurement ending (收入, 总值)."""
        if any(phrase.endswith(x) for x in self.lex.suffixes):
            return True
        words = _pos(phrase)
        if not words:
            return False
        if _nominal(words[-1][1]):
            return True
        # jieba sometimes splits the last character off a noun (燃气管/道): judge by the word before it
        return len(words[-1][0]) == 1 and len(words) > 1 and _nominal(words[-2][1]) and words[-1][1] in ("q", "ng", "g")

    def leading_noun_phrase(self, right: str) -> str:
        """The noun phrase a number counts when it stands before it (313727条 COVID-19序列)."""
        m = re.match(r"[^，,；;。、（(：:]*", right)
        out: list[str] = []
        for word, tag in _pos((m.group(0) if m else "").strip()):
            if _nominal(tag) or (tag in ("b", "a", "m", "x", "c") and out):
                out.append(word)
                continue
            break
        while out and not _nominal(_pos(out[-1])[-1][1]):
            out.pop()
        return "".join(out).strip(" -")


def _join(subjects: list[Subject]) -> Subject:
    if len(subjects) == 1:
        return subjects[0]
    canon = [s.canonical for s in subjects]
    return Subject(" + ".join(s.text for s in subjects),
                   " + ".join(c for c in canon if c) if all(canon) else None)


def _date_value(d: Any) -> str | None:
    """The value a figure holds at: the last day for 截至/底/末 (as of), else the TIMEX3 value."""
    if d is None:
        return None
    mods = set(str(_get(d, "mod") or "").split("+"))
    if mods & {"END", "AS_OF"} and _get(d, "end_date"):
        return _get(d, "end_date")
    return _get(d, "value")


def _is_point(d: Any) -> bool:
    """Only dates (not durations like 近5年, not sets like 每年) can say when a figure holds."""
    return (_get(d, "type") or "date") == "date"


class _Walker:
    """Walks a document's blocks in reading order, carrying topic, subject and date."""

    def __init__(self, ff: FactFinder):
        self.ff, self.doc, self.text = ff, ff.doc, ff.doc.text
        self.rows: list[FactRow] = []
        self.topic: list[Subject] = []
        self.named_topic = False
        self.context_date: Any = None
        self.num_starts = [_get(n, "start") for n in ff.nums]
        self.sent_starts = [_get(x, "start") for x in ff.sents]

    def run(self) -> list[FactRow]:
        for block in self.doc.blocks:
            if block.start < 0 or block.role in ("footnote", "caption", "table", "title", "author",
                                                 "affiliation", "keywords"):
                continue
            if block.role == "heading":
                topic = self.ff.topic_of_heading(block.start, block.end)
                self.named_topic = bool(topic) and topic[0].canonical is not None or bool(
                    self.ff.entities_in(block.start, block.end))
                self.topic = topic or self.topic
                continue
            sents = [x for x in self.ff.sents if block.start <= _get(x, "start") < block.end] or [
                {"sent_id": -1, "start": block.start, "end": block.end}]
            for sent in sents:
                self.sentence(sent)
        return self.rows

    def default_subject(self) -> Subject | None:
        if self.named_topic and self.topic:
            return _join(self.topic)
        return self.ff.region

    def sentence(self, sent: Any) -> None:
        ff, text = self.ff, self.text
        s_start, s_end = _get(sent, "start"), _get(sent, "end")
        sent_dates = [d for d in ff.dates if s_start <= _get(d, "start") < s_end]
        last: Subject | None = None
        for cs, ce in clauses(text, s_start, s_end):
            clause_dates = [d for d in sent_dates if cs <= _get(d, "start") < ce]
            i = bisect_right(self.num_starts, cs - 1)
            cnums = []
            while i < len(ff.nums) and _get(ff.nums[i], "start") < ce:
                cnums.append(ff.nums[i])
                i += 1
            subj, subj_end = self.subject(cs, ce, clause_dates, cnums, last)
            if subj is not None:
                last = subj
            else:
                subj = self.default_subject()
            self.clause(sent, cs, ce, subj, subj_end, cnums, clause_dates, sent_dates)
            last = self.hosted_event(cs, ce) or last
        points = [d for d in sent_dates if _is_point(d)]
        if points:
            self.context_date = points[-1]

    def subject(self, cs: int, ce: int, clause_dates: list[Any], cnums: list[Any],
                last: Subject | None) -> tuple[Subject | None, int]:
        """An entity opening the clause, else an anaphor, else the previous clause's subject."""
        ff, text = self.ff, self.text
        off = cs + len(text[cs:ce]) - len(ff._strip_head(text[cs:ce].lstrip()))
        for d in clause_dates:  # 截至11月底，…  /  2024年全省…
            if _get(d, "start") <= off + 1 and _get(d, "end") > off:
                off = ce - len(ff._strip_head(text[_get(d, "end"):ce].lstrip("，, ")))
        first_num = _get(cnums[0], "start") if cnums else ce
        for e in ff.entities_in(cs, first_num):
            if _get(e, "label") in SUBJECT_LABELS and _get(e, "start") - off <= 1 \
                    and _get(e, "end") - cs in _word_ends(text[cs:ce]):
                end = _get(e, "end")
                head = next((h for h in ff.subject_heads if text.startswith(h, end)), "")
                subj = Subject(_get(e, "text") + head, None if head else _get(e, "canonical"))
                end += len(head)
                if head:  # 中国医疗机构、疾控机构和科学家: coordinated groups share the subject
                    more = []
                    while True:
                        m = re.match(r"[、和及与]", text[end:end + 1])
                        nxt = m and next((h for h in ff.subject_heads if text.startswith(h, end + 1)), "")
                        if not nxt:
                            break
                        more.append(Subject(nxt))
                        end += 1 + len(nxt)
                    if more:
                        subj = _join([subj, *more])
                return subj, end
        for w in ff.anaphors:
            if text.startswith(w, off):
                if ff.lex.anaphora[w] == "country" and any(text.startswith(c, off + len(w)) for c in ("第", "前", "排", "位")):
                    break  # 全国第4: the scope of a rank, not who ranks
                return ff.resolve(w, ff.lex.anaphora[w], self.topic, last), off + len(w)
        return last, cs

    def hosted_event(self, cs: int, ce: int) -> Subject | None:
        """…举办了“X通报会”，77个国家参会: an event a clause hosts (a `host` cue, then the EVENT
        name) is what the following clauses that name no subject report on."""
        ff, text = self.ff, self.text
        for e in ff.entities_in(cs, ce):
            if _get(e, "label") != "EVENT":
                continue
            before = text[cs:_get(e, "start")].rstrip("“「\"《 ")
            if any(before.endswith(h) or before.endswith(h + "了") for h in ff.hosts):
                return Subject(_get(e, "text"), _get(e, "canonical"))
        return None

    def usable(self, n: Any, cs: int) -> bool:
        """Numbers that can be a figure: not codes, not in footnotes, not inside a quoted slogan;
        ordinals only as ranks (居全国第4位)."""
        start = _get(n, "start")
        if self.doc.role_at(start) == "footnote" or _get(n, "kind") == "code":
            return False
        if start > 0 and self.text[start - 1] in "“「《‘\"":
            return False
        if _get(n, "kind") == "ordinal":
            before = self.text[max(cs, start - 12):start]
            return any(c in before for c in self.ff.rank_cues)
        return True

    def rank_metric(self, left: str, right: str, left_from: int) -> str:
        """单产连续3年居粮食主产省第1位 → 单产; 全国第4的地位 → 地位."""
        ff = self.ff
        found = [k for k in (left.find(c) for c in ff.rank_cues) if k >= 0]
        cut = min(found, default=-1)
        head = left[:cut] if cut > 0 else ""
        for d in ff.dates:  # 连续3年: a duration inside the metric is not part of it
            ds, de = _get(d, "start") - left_from, _get(d, "end") - left_from
            if 0 <= ds < de <= len(head):
                head = head[:ds] + head[de:]
        head = ff._strip_tail(ff._strip_head(head.strip()))[0].strip()
        if head and ff.is_nominal(head):
            return head
        m = re.match(r"(?:位|名)?的?(.*)", right)
        return ff.leading_noun_phrase(m.group(1) if m else right)

    def clause(self, sent: Any, cs: int, ce: int, subj: Subject | None, subj_end: int, cnums: list[Any],
               clause_dates: list[Any], sent_dates: list[Any]) -> None:
        ff, text, doc = self.ff, self.text, self.doc
        last_fact = self.rows[-1] if self.rows and _get(self.rows[-1], "sent_id") == _get(sent, "sent_id", -1) \
            and self.rows[-1].start >= _get(sent, "start") else None
        every = self.each_of(subj_end, cs, cnums)
        s_start, s_end = _get(sent, "start"), _get(sent, "end")
        usable = [n for n in cnums if self.usable(n, cs)]
        respective = self.respectively(subj_end, cs, usable)
        prev_end = max(subj_end, cs)
        for k, n in enumerate(cnums):
            n_start, n_end = _get(n, "start"), _get(n, "end")
            left_from = prev_end
            prev_end = max(prev_end, n_end)
            if n not in usable:
                continue
            left = raw_left = text[left_from:n_start]
            for d in clause_dates:  # a date before the number is not part of its metric
                if left_from <= _get(d, "start") and _get(d, "end") <= n_start:
                    left = text[_get(d, "end"):n_start]
            tail = left.rstrip()
            if tail[-1:] and tail[-1] in PREPOSITIONS and not any(tail.endswith(c) for c in ff.lex.cues if len(c) > 1):
                continue  # 从五个方面, 在3个城市: an adverbial, not a figure (控制在5% is a cue, not one)
            if respective is not None:
                metric, roles = respective[usable.index(n)], ["respectively"]
            elif _get(n, "kind") == "ordinal":
                metric, roles = self.rank_metric(raw_left, text[n_end:ce], left_from), ["rank"]
            else:
                name_before = any(_get(e, "end") == n_start - len(left) + len(left.rstrip()) and
                                  _get(e, "end") > left_from for e in ff.entities_in(left_from, n_start))
                nxt = next((_get(m, "start") for m in cnums[k + 1:] if _get(m, "start") >= n_end), ce)
                metric, roles = ff.metric_and_cues(left.strip(), text[n_end:nxt], name_before, _get(n, "unit"))
            if not metric and last_fact is not None and not ff._strip_tail(left.strip())[0]:
                # 实现国有资本收益64.6亿元，增长358%: a bare change continues the previous figure
                metric, subj = last_fact.metric, Subject(last_fact.subject, last_fact.subject_canonical)
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
            date, dsrc = self.date_for(n_start, clause_dates, sent_dates)
            conf = 0.3 + (0.25 if roles else 0) + (0.25 if subj else 0) \
                + (0.1 if any(metric.endswith(x) for x in ff.lex.suffixes) else 0) + (0.1 if date is not None else 0)
            conf = round(min(conf, 1.0), 2)
            if conf < ff.min_conf:
                continue
            for metric in (every if every and respective is None and len(usable) == 1 else [metric]):
                self.rows.append(FactRow(
                    doc_id=doc.doc_id, fact_id=len(self.rows), subject=subj.text if subj else "",
                    subject_canonical=subj.canonical if subj else None, metric=metric, number_id=n_start,
                    value=_get(n, "value"), unit=_get(n, "unit"), approx=_get(n, "approx"), change=change,
                    date_value=_date_value(date), date_id=_get(date, "start") if date is not None else None,
                    date_source=dsrc, evidence=text[s_start:s_end].strip(), sent_id=_get(sent, "sent_id", -1),
                    start=n_start, end=n_end, page=doc.page_at(n_start), confidence=conf))
            last_fact = self.rows[-1]

    def each_of(self, subj_end: int, cs: int, cnums: list[Any]) -> list[str] | None:
        """接待国内游客人次、出游总花费均增长20%以上: one figure holds for each listed metric."""
        if not cnums:
            return None
        head = self.text[max(subj_end, cs):_get(cnums[0], "start")]
        k = head.find("均")
        if k < 0:
            return None
        names = [self.ff._strip_head(x.strip()) for x in re.split(r"、|和|及|与", head[:k]) if x.strip()]
        return names if len(names) >= 2 and all(self.ff.is_nominal(x) for x in names) else None

    def respectively(self, subj_end: int, cs: int, usable: list[Any]) -> list[str] | None:
        """生产安全事故起数、死亡人数分别下降40.5%、32.7%: the k-th metric goes with the k-th number."""
        if len(usable) < 2:
            return None
        text = self.text
        head = text[max(subj_end, cs):_get(usable[0], "start")]
        k = head.find("分别")
        if k < 0:
            return None
        names = [self.ff._strip_head(x.strip()) for x in re.split(r"、|和|及|与", head[:k]) if x.strip()]
        if len(names) == 1:  # 红旗汽车产销量分别增长…和…: a two-part word splits into its parts
            for key, parts in self.ff.distributive.items():
                if key in names[0] and len(parts) == len(usable):
                    names = [names[0].replace(key, p) for p in parts]
                    break
        if len(names) != len(usable) or not all(names):
            return None
        return names

    def date_for(self, n_start: int, clause_dates: list[Any], sent_dates: list[Any]) -> tuple[Any, str | None]:
        clause_pts = [d for d in clause_dates if _is_point(d)]
        before = [d for d in clause_pts if _get(d, "start") < n_start] or clause_pts
        if before:
            return before[-1], "clause"
        sd = [d for d in sent_dates if _is_point(d) and _get(d, "start") < n_start]
        if sd:
            return sd[-1], "sentence"
        if self.context_date is not None:
            return self.context_date, "context"
        first = next((d for d in self.ff.dates if _is_point(d)), None)
        return (first, "document") if first is not None else (None, None)


def find_facts(doc: Document, lex: Lexicon | None = None, min_confidence: float = 0.5) -> list[FactRow]:
    """The facts of one document, in reading order."""
    return _Walker(FactFinder(doc, lex or Lexicon.load(), min_confidence)).run()


@stage("facts")
def make_facts(cfg: dict[str, Any]):
    conf = float(cfg.get("facts", {}).get("min_confidence", 0.5))
    lex = Lexicon.load()

    def facts(doc: Document) -> None:
        doc.add_rows("facts", find_facts(doc, lex, conf))
    return facts


__all__: Iterable[str] = ["FactRow", "find_facts", "clauses", "Lexicon"]
