"""Stage `dates`: every date, period and duration in the text, normalised and anchored.

Analysts sort and filter by date, so each mention becomes a TIMEX3 value (2020, 2020-01-24,
2020-H1, 2020-Q3, 2020-W05, 2020-SU, 198 for the 1980s, P3Y) plus the ISO day interval it
covers. Reports leave most dates partial (`1月24日`, `25日`, `截至11月底`); a partial date takes
what it lacks from the document's own timeline, in this order, and `anchor` records which:

  explicit   the mention names its year itself
  inherited  from the nearest preceding date in reading order (body and footnotes keep
             separate chains: a footnote's access date never anchors the body)
  document   from the document's own date: a cue-labelled date (收稿日期/发布日期, never
             访问日期), a full day on a short line among the first blocks (——2025年1月18日在…
             会议上), else doc.meta["pdf_date"] / doc.meta["date"]
  reference  from cfg["dates"]["ref_date"] (`pipeline run --ref-date`)
  unresolved none of these: the value keeps X for what is unknown (XXXX-01-24)

Deictic words (今年 去年 明年 上年 本月 三年前 近三个月) count from the time of writing, so
they resolve against the document date, then the reference date, and only then the last
date mentioned; anaphoric words (当年 同月 次年 同期 两年后 the same month) refer to the
period under discussion, so they resolve against the last date mentioned first. 同期 /
the same period is the last mentioned period one year earlier. A relative word passes over
an anchor that lacks the detail it needs (当日 after a bare 2021年 uses the document date).

`mod` holds the qualifiers joined with "+", the part of the period first (START, MID, END)
and the relation after it (AS_OF, START, BEFORE, AFTER, APPROX): 截至11月底 → "END+AS_OF",
value 2020-11, interval 2020-11-25..2020-11-30 (part-of-period windows as JioNLP: 月底 =
25th–end, 年底 = Nov–Dec). 上半年/下半年 are values (2020-H1), not mods. A compact range
(2019年4月12-19日, 1-5月, 2022-2024年, (2020-2021)) is one row whose value is a TIMEX3 interval
(2019-04-12/2019-04-19, 2022-01/2022-05, 2022/2024); a spelled-out range (2017年8月11日至8月22日)
is two rows, and 从 before its first end only links (从2019年…到2022年: no START).
Tables and charts: a header row of consecutive years (2020 2021 2022E: E stays outside) are
dates, return windows (1M 3M) durations; a line of equally spaced YYYY-MM ticks is a chart
axis, not dates. Spec times (30s, 10min) are durations PT30S; 7天以内 / within 7 days carry
mod EQUAL_OR_LESS (a bare 内, 52周内, stays outside the span).
Durations (三年, 3个多月 → P3M APPROX) have no interval unless an offset word ties them to
the anchor (三年前 → 2018; 近三个月 → a window ending at the anchor; 过去五年 → the five whole
calendar years before the document's year). Sets (每年, 每季度) have type `set`.
A five-year plan used as a period (“十四五”, 十四五期间) is a duration P5Y with its calendar
interval; inside a plan's name (“十五五”规划) it is not a date.
Not dates: anything inside a URL, DOI, e-mail, path, phone number or version; digits inside
names (2019-nCoV, COVID-19; entity spans from doc.tables["entities"] that contain digits);
bare numbers (2018 alone, 09-01); a two-digit N年 alone unless its neighbours make it a year
(21年业绩 yes, 从业22年， no) or a full year 20NN nearby makes it report shorthand (需求22年提升
next to 2022年; data/dates/short_years.tsv); years inside a 《》 title; impossible days (2月30日).

All language knowledge is in pipeline/data/dates/*.tsv. The package: lexicon.py reads it and
compiles the patterns, normaliser.py finds and resolves mentions, periods.py does the calendar
arithmetic (month lengths, offsets, lunar dates, solar terms); this module is the stage and its table.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from ..document import Document
from ..registry import stage, table
from .lexicon import cn_int, lexicon, patterns
from .normaliser import Mention, Normaliser

__all__ = ["DateRow", "Mention", "Normaliser", "cn_int", "extract", "lexicon", "make_dates", "patterns"]


@table("dates")
@dataclass
class DateRow:
    doc_id: str
    sent_id: int
    start: int
    end: int
    text: str
    value: str
    type: str            # date, duration, set
    mod: str             # START/MID/END then AS_OF/START/BEFORE/AFTER/APPROX, joined by "+"
    start_date: str      # resolved ISO day interval ("" when unresolved or open)
    end_date: str
    anchor: str          # explicit, inherited, document, reference, unresolved
    page: int

    __order__ = ("doc_id", "start")


# ---------------------------------------------------------------------------------------
# The stage
# ---------------------------------------------------------------------------------------

# a cited work (《高测股份（688556.SH）：21年业绩预告超市场预期…》): its years are part of its name
TITLE_RE = re.compile(r"《[^《》\n]{1,120}》")


def _entity_spans(doc: Document) -> list[tuple[int, int]]:
    """Names that contain digits (2019新型冠状病毒信息库) are not dates: skip inside them."""
    spans = []
    for r in doc.tables.get("entities", []) or []:
        label = str(getattr(r, "label", "") or getattr(r, "type", "") or "").upper()
        if label in ("DATE", "TIME"):
            continue
        s, e = getattr(r, "start", None), getattr(r, "end", None)
        if isinstance(s, int) and isinstance(e, int) and e > s:
            text = getattr(r, "text", "") or ""
            if any(c.isdigit() for c in text) or not text:
                spans.append((s, e))
    return spans


def extract(doc: Document, norm: Normaliser) -> list[DateRow]:
    text = doc.text
    mentions = norm.find(text, skip=_entity_spans(doc) + [(m.start(), m.end()) for m in TITLE_RE.finditer(text)])
    note_blocks = {b.block_id for b in doc.blocks if b.role == "footnote"}

    def is_note(m: Mention) -> bool:
        """Footnotes, and access dates wherever ingest left them (访问日期2021-1-11), keep
        their own chain: they date a source, not the narrative."""
        b = doc.block_at(m.start)
        if b is not None and b.block_id in note_blocks:
            return True
        left = text[max(0, m.start - norm.cue_window):m.start]
        return any(w in left for w in norm.lx.doc_cues_not)

    # a year that opens the document's title line is part of the title, a name
    # (2025年吉林省政府工作报告); a title that is only a date stays a date
    titles = [b for b in doc.blocks if b.role == "title" and b.start >= 0]
    if titles:
        def in_name(m: Mention) -> bool:
            for b in titles:
                if b.start <= m.start < b.end:
                    rest = text[m.end:b.end].strip()
                    return bool(rest) and not rest[0] in "，,。:：;；（(—-"
            return False
        mentions = [m for m in mentions if not in_name(m)]
    doc_date, source = norm.document_date(doc, mentions)
    sents = doc.tables.get("sentences")
    starts = [getattr(s, "start", 0) for s in sents] if sents else []
    rows = []
    for men, value, typ, s, e, anchor in norm.resolve(mentions, doc_date, source, is_note):
        sent_id = -1
        if sents:
            i = bisect.bisect_right(starts, men.start) - 1
            if i >= 0:
                sent_id = getattr(sents[i], "sent_id", i)
        rows.append(DateRow(doc.doc_id, sent_id, men.start, men.end, text[men.start:men.end], value, typ,
                            "+".join(dict.fromkeys(men.mods)), s, e, anchor, doc.page_at(men.start)))
    return rows


@stage("dates")
def make_dates(cfg: dict[str, Any]):
    """Build the lexicon-driven normaliser once; the stage adds the `dates` table."""
    norm = Normaliser(cfg)

    def run(doc: Document) -> None:
        doc.add_rows("dates", extract(doc, norm))
    return run
