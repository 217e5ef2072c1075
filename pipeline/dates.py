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
(2019年4月12-19日, 1-9月) is one row whose value is the enclosing period and whose interval
is the range; a spelled-out range (2017年8月11日至8月22日) is two rows.
Durations (三年, 3个多月 → P3M APPROX) have no interval unless an offset word ties them to
the anchor (三年前 → 2018; 近三个月 → a window ending at the anchor; 过去五年 → the five whole
calendar years before the document's year). Sets (每年, 每季度) have type `set`.
A five-year plan used as a period (“十四五”, 十四五期间) is a duration P5Y with its calendar
interval; inside a plan's name (“十五五”规划) it is not a date.
Not dates: anything inside a URL, DOI, e-mail, path, phone number or version; digits inside
names (2019-nCoV, COVID-19; entity spans from doc.tables["entities"] that contain digits);
bare numbers (2018 alone, 09-01); a two-digit N年 alone unless its neighbours make it a year
(21年业绩 yes, 从业22年， no: data/dates/short_years.tsv); impossible days (2月30日).

All language knowledge is in pipeline/data/dates/*.tsv; this module holds the grammar.
"""
from __future__ import annotations

import bisect
import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from .document import Document
from .registry import stage, table


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
# Lexicons
# ---------------------------------------------------------------------------------------

def _rows(name: str) -> list[list[str]]:
    text = resources.files("pipeline").joinpath(f"data/dates/{name}").read_text("utf-8")
    out = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        out.append([c.strip() for c in line.split("\t")])
    return out


def _lunar_lexicon() -> dict[str, dict[str, tuple[int, int]]]:
    out: dict[str, dict[str, tuple[int, int]]] = {"marker": {}, "month": {}, "festival": {}, "term": {}, "term_year": {}}
    for r in _rows("lunar.tsv"):
        nums = [int(x) for x in r[2:4]] + [0, 0]
        out[r[0]][r[1]] = (nums[0], nums[1])
    return out


def _alt(words) -> str:
    """Alternation, longest first so 上年同期 wins over 上年."""
    words = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)


@dataclass
class Lexicon:
    pre: dict[str, str]
    post: dict[str, tuple[str, str]]
    parts: dict[tuple[str, str], tuple[int, int, str]]
    relative: dict[str, tuple[str, int, str]]
    months_en: dict[str, int]
    festivals: dict[str, tuple[int, ...]]
    plans: dict[str, tuple[int, int]]
    durations: dict[str, str]
    doc_cues: list[str]
    doc_cues_not: list[str]
    offsets: dict[tuple[str, str], tuple[str, str, str]]
    weekdays: dict[str, int]
    seasons: dict[str, tuple[str, str, str]]
    short_year: dict[str, list[str]]
    year_spans: dict[str, tuple[int, int, str]]
    rel_guard: dict[str, tuple[str, str]]
    part_guard: dict[str, str]
    guards: dict[str, list[str]]
    lunar: dict[str, dict[str, tuple[int, int]]]
    pre_guard: dict[str, str]
    numbers_en: dict[str, float]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    pre, post, pre_guard = {}, {}, {}
    for r in _rows("qualifiers.tsv"):
        word, pos, mod = r[0], r[1], r[2]
        if pos == "pre":
            pre[word.lower()] = "" if mod == "-" else mod
            if len(r) > 3:
                pre_guard[word] = r[3]
        else:
            post[word] = (mod, r[3] if len(r) > 3 else "")
    part_rows = _rows("parts.tsv")
    parts = {(r[0], r[1]): (int(r[2]), int(r[3]), r[4]) for r in part_rows}
    part_guard = {r[0]: r[5] for r in part_rows if len(r) > 5}
    rel_rows = _rows("relative.tsv")
    relative = {r[0].lower(): (r[1], int(r[2]), r[3]) for r in rel_rows}
    rel_guard = {r[0]: tuple("" if c == "-" else c for c in (r[4:6] + ["-", "-"])[:2]) for r in rel_rows if len(r) > 4}
    months = {r[0]: int(r[1]) for r in _rows("months_en.tsv")}
    fest = {}
    for r in _rows("festivals.tsv"):
        fest[r[0]] = tuple(int(x) for x in r[1].split("-"))   # (month, day) or (month, nth, weekday)
    plans = {r[0]: (int(r[1]), int(r[2])) for r in _rows("plans.tsv")}
    durs = {r[0]: r[1] for r in _rows("durations.tsv")}
    cues = [r[1] for r in _rows("doc_date_cues.tsv") if r[0] == "cue"]
    cues_not = [r[1] for r in _rows("doc_date_cues.tsv") if r[0] == "not"]
    offsets = {(r[0], r[1]): (r[2], "" if r[3] == "-" else r[3], r[4]) for r in _rows("offsets.tsv")}
    weekdays = {r[0]: int(r[1]) for r in _rows("weekdays.tsv")}
    seasons = {r[0]: (r[1], r[2], r[3]) for r in _rows("seasons.tsv")}
    short = {}
    for r in _rows("short_years.tsv"):
        short[r[0]] = [w.replace("\\n", "\n") for w in r[1:]]
    spans = {r[0]: (int(r[1]), int(r[2]), r[3]) for r in _rows("year_spans.tsv")}
    return Lexicon(pre, post, parts, relative, months, fest, plans, durs, cues, cues_not, offsets, weekdays, seasons, short,
                   spans, rel_guard, part_guard, {r[0]: r[1:] for r in _rows("guards.tsv")}, _lunar_lexicon(), pre_guard,
                   {r[0]: float(r[1]) for r in _rows("numbers_en.tsv")})


# ---------------------------------------------------------------------------------------
# Numerals
# ---------------------------------------------------------------------------------------

CN_DIGIT = {"半": 0.5, "〇": 0, "零": 0, "○": 0, "O": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "仨": 3, "四": 4,
            "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def cn_int(s: str) -> int | None:
    """Arabic or Chinese numeral (digit-wise 二〇二〇 or positional 二十九 / 廿一) to int."""
    s = s.replace(" ", "").replace("\u3000", "")
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    if s == "半":
        return None
    if all(c in CN_DIGIT for c in s):
        v = 0
        for c in s:
            v = v * 10 + CN_DIGIT[c]
        return v
    if s[0] == "廿":
        rest = s[1:]
        return 20 + (CN_DIGIT.get(rest, 0) if rest else 0) if len(rest) <= 1 else None
    total, cur = 0, 0
    for c in s:
        if c in CN_DIGIT:
            cur = CN_DIGIT[c]
        elif c in CN_UNIT:
            total += (cur or 1) * CN_UNIT[c]
            cur = 0
        else:
            return None
    return total + cur


def cn_float(s: str) -> float | None:
    if s == "半":
        return 0.5
    if re.fullmatch(r"\d+(?:\.\d+)?", s.replace(",", "")):
        return float(s.replace(",", ""))
    v = cn_int(s)
    return float(v) if v is not None else None


# ---------------------------------------------------------------------------------------
# Patterns (built once from the lexicons)
# ---------------------------------------------------------------------------------------

SP = r"[ \u3000]?"
Y4 = r"[12][ ]?\d[ ]?\d[ ]?\d"                  # 2020, letter-spaced 2 0 2 0
CNY = r"[〇零○一二三四五六七八九]{2,4}"
MON = r"1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]"
DAY = r"3[01]|[12]\d|0?[1-9]"
CNDAY = r"三十一?|二十[一二三四五六七八九]?|廿[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九]"
RNG = r"(?:[-－~～—–]+|至|到)"
CNN = r"\d+(?:\.\d+)?|[零〇一二两俩仨三四五六七八九十百千]+|半"


@dataclass
class Patterns:
    zh: re.Pattern
    num: re.Pattern
    en: re.Pattern
    dur: re.Pattern
    plan: re.Pattern
    mask: re.Pattern
    cue: re.Pattern
    range_left: re.Pattern
    range_right: re.Pattern
    list_day: re.Pattern
    range_conn: re.Pattern


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    lx = lexicon()
    zh_pre = _alt([w for w in lx.pre if not w.isascii()])
    zh_post = _alt([w for w in lx.post if not w.isascii()])
    rel = {w: v for w, v in lx.relative.items() if not w.isascii()}
    rely = _alt([w for w, v in rel.items() if v[0] == "year"])
    relm = _alt([w for w, v in rel.items() if v[0] == "month"])
    relq = _alt([w for w, v in rel.items() if v[0] == "quarter"])
    reld = _alt([w for w, v in rel.items() if v[0] == "day"])
    relp = _alt([w for w, v in rel.items() if v[0] == "period"])
    relw = _alt([w for w, v in rel.items() if v[0] == "week"])
    ysp = _alt(list(lx.year_spans))
    wdays = _alt([w for w in lx.weekdays if not w.isascii()])
    seasons = _alt([w for w in lx.seasons if not w.isascii()])
    seasons2 = _alt([w for w in lx.seasons if not w.isascii() and len(w) > 1])
    lmark = _alt(lx.lunar["marker"])
    lmonth = _alt(lx.lunar["month"])
    lfest = _alt(lx.lunar["festival"])
    terms = _alt(list(lx.lunar["term"]))
    terms_y = _alt(list(lx.lunar["term_year"]))
    guards = {r[0]: r[1:] for r in _rows("guards.tsv")}
    bare_not = re.escape("".join(guards.get("bare_day_not_before", ["0123456789"])))
    zh_parts = _alt([w for (w, u) in lx.parts if not w.isascii() and u in ("year", "month", "quarter")])
    era_parts = _alt([w for (w, u) in lx.parts if u in ("decade", "century")])
    fest = _alt([w for w in lx.festivals if not w.isascii()])
    # every Chinese date starts with one of these characters: checking it first keeps the
    # scan of a long text fast (the rest of the pattern is a nest of optional groups)
    firsts = set("0123456789〇零○一二三四五六七八九十两廿第首Qq上下")
    for words in (lx.pre, lx.post, rel, lx.festivals, [w for (w, _u) in lx.parts], lx.weekdays, lx.year_spans,
                  lx.seasons, ["闰", "大年"], *lx.lunar.values()):
        firsts.update(w[0] for w in words if not w.isascii())
    first = "".join(sorted(firsts)).replace("-", "")
    zh = re.compile(rf"""
        (?<![0-9A-Za-z._/])
        (?=[{first}])
        (?P<pre>(?:{zh_pre}){SP})?
        (?P<lmark1>{lmark})?
        (?:
            (?P<ysp>{ysp})
          | (?P<relp>{relp})
          | (?P<dec4>(?:1[5-9]|20)\d0){SP}年代(?P<d4part>{era_parts})?
          | (?P<cent>上世纪|\d{{1,2}}世纪|[一二三四五六七八九十]{{1,3}}世纪)?{SP}
            (?P<dec>\d0|[一二三四五六七八九]十)年代(?P<dpart>{era_parts})?
          | (?P<centb>\d{{1,2}}|[一二三四五六七八九十]{{1,3}}){SP}世纪(?P<cpart>{era_parts})?
          | (?:(?P<ry>{rely})
              |(?P<y>{Y4}|\d\d|{CNY}){SP}年(?![龄级纪轻])(?:度)?
              |(?P<yb>{Y4})(?={SP}(?:上半年|下半年|年度|第?[一二三四1-4]季度|[Qq][1-4])))?
            {SP}
            (?P<lmark2>{lmark})?
            (?:
                (?P<rm>{relm})
              | (?P<leap>闰)(?P<lmn>{MON})月
              | (?P<lleap>闰)?(?P<lmw>{lmonth})
              | (?P<lfest>{lfest})
              | 大年(?P<dnian>初[一二三四五六七八九十])
              | (?P<term>{terms}|(?<=年)(?:{terms_y}))
              | (?P<m>{MON})(?:{SP}{RNG}{SP}(?P<m2>{MON}))?{SP}月份?
              | 第(?P<mo>{MON})个月 | (?P<m1>首)月
              | (?P<fest>{fest})
              | (?P<rq>{relq})
              | 第?(?P<q>[一二三四1-4])季度
              | (?P<q1>首)季度
              | [Qq](?P<qq>[1-4])(?:季度)?
              | (?P<qsp>前|后)(?P<qk>[一二三两1-3])个?季度
              | (?P<msp>前|后)(?P<mk>1[01]|[1-9]|十[一]?|[一二三四五六七八九两])个?月
              | (?P<rd>{reld})
              | (?P<rw>{relw})(?:(?P<wd1>{wdays})|(?:周|星期|礼拜)?(?P<wdn>[一二三四五六日天]))?
              | (?P<wd>{wdays})
              | (?<=年)(?P<season>{seasons})
              | (?P<season2>{seasons2})
            )?
            (?:的?第(?P<wk>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})个?(?:(?:周|星期|礼拜)(?P<wkd>[一二三四五六日天])?))?
            (?:(?P<dsp>前|后|最后)(?P<dk>\d{{1,2}}|[一二三四五六七八九十两]{{1,3}})天)?
            (?:
                {SP}(?P<d>{DAY}|{CNDAY})(?:{SP}{RNG}{SP}(?P<d2>{DAY}|{CNDAY}))?{SP}[日号]
              | (?<=月)(?P<dn>{DAY})(?![{bare_not}])
              | (?<=月)(?P<dl>初(?:[一二三四五六七八九十]|\d{{1,2}})|廿[一二三四五六七八九]?|二十[一二三四五六七八九]?|三十|十[一二三四五六七八九])
                (?![日号0-9个次年多余万千百亿%])
            )?
            (?P<part>{zh_parts})?
        )
        (?P<post>{SP}(?:{zh_post}))?
    """, re.X)
    num = re.compile(rf"""
        (?<![0-9A-Za-z._/:\\])
        (?P<pre>(?:{zh_pre}){SP})?
        (?:
            (?P<ny>(?:1[5-9]|20)\d\d)(?P<s>[-/.])(?P<nm>1[0-2]|0?[1-9])
            (?:(?P<nd_sep>[-/.])(?P<nd>3[01]|[12]\d|0?[1-9])(?![0-9A-Za-z_/\\]|-\d)
               |(?![0-9A-Za-z_/\\]|[.-](?!(?:1[5-9]|20)\d\d)\d))
          | (?P<cy>(?:19|20)\d\d)(?P<cm>0[1-9]|1[0-2])(?P<cd>0[1-9]|[12]\d|3[01])(?![0-9A-Za-z])
          | (?P<dm>1[0-2]|[1-9])[·•](?P<dd>3[01]|[12]\d|[1-9])(?![0-9.])
        )
        (?P<post>{SP}(?:{zh_post}))?
    """, re.X)
    en_pre = _alt([w for w in lx.pre if w.isascii()])
    mon_en = _alt(list(lx.months_en))
    mon_full = _alt([w for w in lx.months_en if len(w) > 3 and w != "sept"])
    en_parts = _alt([w for (w, _u) in lx.parts if w.isascii()])
    en_rel = _alt([w for w in lx.relative if w.isascii()])
    ey = r"(?:1[5-9]|20)\d\d"
    ord_ = r"(?:st|nd|rd|th)?"
    en = re.compile(rf"""
        (?<![0-9A-Za-z])
        (?=[A-Za-z]|\d{{1,2}}(?:st|nd|rd|th)?\s+[A-Za-z]|\d{{4}}\s*[HQ][1-4])
        (?P<pre>(?i:{en_pre})\s+(?:the\s+)?(?:(?i:end)(?=[-\s]))?)?
        (?:
            (?P<ed1>[0-3]?\d){ord_}\s+(?:of\s+)?(?P<emon1>(?i:{mon_en}))\.?,?\s+(?P<ey1>{ey})
          | (?P<emon2>(?i:{mon_en}))\.?\s+(?P<ed2>[0-3]?\d){ord_}(?![0-9])(?:,?\s*(?P<ey2>{ey}))?
          | (?:(?i:the)\s+)?(?P<epart>(?i:{en_parts}))(?:-|\s+(?:of\s+)?)
            (?:(?P<emon3>(?i:{mon_en}))\.?(?:,?\s+(?P<ey3>{ey}))?|(?P<ey4>{ey}))
          | (?:(?i:the)\s+)?(?P<ehalf>(?i:first|second))\s+half\s+(?:of\s+)?(?P<ey5>{ey})
          | (?:(?i:the)\s+)?(?P<eq>(?i:first|second|third|fourth))\s+quarter\s+(?:of\s+)?(?P<ey6>{ey})
          | (?P<ehq>[HQ][1-4])\s*(?P<ey7>{ey})
          | (?P<ey8>{ey})\s*(?P<ehq2>[HQ][1-4])
          | (?P<emon4>(?i:{mon_en}))\.?,?\s+(?P<ey9>{ey})
          | (?P<emon5>(?i:{mon_full}))
          | (?P<erel>(?i:{en_rel}))
          | (?:(?i:the)\s+)?(?P<edec>(?:1[5-9]|20)\d)0[’']?s
          | (?<=\s)(?P<ey10>{ey})
        )
        (?![0-9A-Za-z])
    """, re.X)
    dunits = _alt([w for w in lx.durations if not w.isascii()])
    en_dunits = _alt([w for w in lx.durations if w.isascii()])
    off_pre = _alt([w for (w, p) in lx.offsets if p == "pre" and not w.isascii()])
    off_post = _alt([w for (w, p) in lx.offsets if p == "post" and not w.isascii()])
    en_off_pre = _alt([w for (w, p) in lx.offsets if p == "pre" and w.isascii()])
    en_off_post = _alt([w for (w, p) in lx.offsets if p == "post" and w.isascii()])
    en_nums = _alt(list(lx.numbers_en))
    dfirst = "".join(sorted(set("每0123456789零〇一二两俩仨三四五六七八九十百千半") | {w[0] for (w, p) in lx.offsets if p == "pre" and not w.isascii()}))
    dur = re.compile(rf"""
        (?<![0-9A-Za-z.])
        (?=[{dfirst}A-Za-z])
        (?:
            (?P<every>每隔|每)(?P<en>{CNN})?(?P<ehalf>半)?个?(?P<eu>年|月|季度|周|星期|天|日)
          | (?P<pre>{off_pre})?(?P<n>{CNN})(?P<more>多|余)?(?P<half1>半)?(?P<ge>个)?(?P<more2>多)?(?P<half2>半)?(?P<u>{dunits})(?P<half>半)?(?P<more3>多)?
            (?P<post>{off_post})?
          | (?:(?P<en_pre>(?i:{en_off_pre}))\s+)?(?P<en_n>\d+(?:\.\d+)?|(?i:{en_nums}))\s+(?P<en_u>(?i:{en_dunits}))
            (?:\s+(?P<en_post>(?i:{en_off_post})))?
        )
    """, re.X)
    # 十四五 as a period (“十四五”时期, 十四五期间, “十四五”收官), not inside a plan's name (“十四五”规划)
    plan = re.compile(r"(?P<q>[“\"‘「])?(?P<p>" + _alt(list(lx.plans)) + r")"
                      r"(?(q)[”\"’」](?!规划|计划|纲要)|(?=时期|期间|以来|末|初))")
    mask = re.compile(r"""
        (?:https?://|ftp://|www\.)[A-Za-z0-9\-._~:/?#@!$&*+;=%]+
      | \bdoi\s*[:：]?\s*10\.\d{4,9}/\S+ | \b10\.\d{4,9}/[^\s，。；]+
      | [\w.+-]+@[\w-]+(?:\.[\w-]+)+
      | (?:[A-Za-z]:)?(?:[\\/][\w.-]+){3,}
      | (?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d) | (?<!\d)0\d{2,3}-\d{7,8}(?!\d)
      | \b[vV](?:er(?:sion)?\.?\s*)?\d+(?:\.\d+)+\b
      | \d{9,}
    """, re.X | re.A)
    cue = re.compile(r"(?<!" + r")(?<!".join(re.escape(w + sp) for w in lx.doc_cues_not for sp in ("", " ")) + r")(?:"
                     + _alt(lx.doc_cues) + r")\s*[:：]?\s*$")
    conn = r"(?:[ ]?(?:至|到|[-－~～—–]+)[ ]?|\s+(?:to|and|through|until)\s+)"
    range_left = re.compile(rf"(?<![0-9A-Za-z._/])((?:1[5-9]|20)\d\d){conn}$")
    range_right = re.compile(rf"{conn}((?:1[5-9]|20)\d\d)(?![0-9年\-/%]|\.\d)")
    list_day = re.compile(r"[，、,和及][ ]?(3[01]|[12]\d|[1-9])[日号](?![0-9])")
    range_conn = re.compile(conn)
    return Patterns(zh, num, en, dur, plan, mask, cue, range_left, range_right, list_day, range_conn)


# ---------------------------------------------------------------------------------------
# Mentions and resolution
# ---------------------------------------------------------------------------------------

@dataclass
class Mention:
    """What one expression says, before the timeline fills in what it leaves out."""
    start: int
    end: int
    year: int | None = None
    month: int | None = None
    month2: int | None = None
    day: int | None = None
    day2: int | None = None
    quarter: int | None = None
    half: int | None = None
    part: tuple[str, str] | None = None        # (word, unit) in lexicon.parts
    qspan: tuple[int, int] | None = None       # quarters first..last
    mspan: tuple[int, int] | None = None       # months first..last
    week: int | None = None                    # week of year, or of month when month set
    weekday: int | None = None                 # 1 = Monday
    dspan: tuple[str, int] | None = None       # 前两天 / 最后五天 of a month
    season: tuple[str, str, str] | None = None # (SP/SU/FA/WI, first, last): months or solar terms
    lunar: bool = False                        # month/day are of the Chinese lunar calendar
    leap: bool = False                         # 闰四月
    term: str | None = None                    # a solar term (冬至)
    offset: tuple[float, str, str, str] | None = None  # (n, unit, kind, reading) of 三年前, 近三个月
    rel: tuple[str, int, str] | None = None    # (unit, offset, reading)
    decade: int | None = None                  # 198 for the 1980s
    century: int | None = None                 # 17 for the 1700s
    type: str = "date"
    value: str = ""                            # preset for durations, sets, plans
    interval: tuple[dt.date, dt.date] | None = None
    mods: list[str] = field(default_factory=list)

    def needs_anchor(self) -> bool:
        return self.type == "date" and self.year is None and self.decade is None and self.century is None


def _year(s: str, pivot: int) -> int | None:
    v = cn_int(s)
    if v is None:
        return None
    digits = len(s.replace(" ", ""))
    if digits == 2:
        v += 2000 if v < pivot else 1900
    return v if 1000 <= v <= 2999 else None


def _last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _add_months(y: int, m: int, k: int) -> tuple[int, int]:
    n = y * 12 + (m - 1) + k
    return n // 12, n % 12 + 1


@dataclass
class Anchor:
    """A point on the timeline a partial date can borrow from."""
    year: int
    month: int | None = None
    day: int | None = None
    source: str = "inherited"
    mention: Mention | None = None


def _parse_anchor_date(s: Any) -> dt.date | None:
    if not s:
        return None
    if isinstance(s, dt.datetime):
        return s.date()
    if isinstance(s, dt.date):
        return s
    m = re.search(r"((?:1[5-9]|20)\d\d)-?(\d\d)?-?(\d\d)?", str(s))
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


class Normaliser:
    """Finds date mentions in a text and resolves them along the text's own timeline."""

    def __init__(self, cfg: dict[str, Any] | None = None):
        dcfg = (cfg or {}).get("dates", {})
        self.pivot = int(dcfg.get("century_pivot", 30))
        self.ref = _parse_anchor_date(dcfg.get("ref_date"))
        self.cue_window = int(dcfg.get("doc_date_cue_window", 12))
        self.header_blocks = int(dcfg.get("doc_date_header_blocks", 5))
        self.header_max_chars = int(dcfg.get("doc_date_header_max_chars", 80))
        self.lx = lexicon()
        self.pt = patterns()

    # -- finding ------------------------------------------------------------------------
    def find(self, text: str, skip: list[tuple[int, int]] | None = None) -> list[Mention]:
        """All mentions in `text`, leftmost-longest, none overlapping a masked span."""
        masked = sorted([(m.start(), m.end()) for m in self.pt.mask.finditer(text)] + list(skip or []))
        mstarts = [a for a, _ in masked]
        cands: list[Mention] = []
        for fn in (self._plans, self._numeric, self._zh, self._en, self._durations):
            for men in fn(text):
                if men is not None and not self._masked(men, masked, mstarts):
                    cands.append(men)
        cands.sort(key=lambda m: (m.start, -(m.end - m.start)))
        out: list[Mention] = []
        last_end = -1
        for m in cands:
            if m.start >= last_end:
                out.append(m)
                last_end = m.end
        return self._join(text, out)

    def _join(self, text: str, ms: list[Mention]) -> list[Mention]:
        """Context the single patterns cannot see: 四年六个月 is one duration; in 2008.03-2009 and
        1985到89年9月 the bare year at the other end of a range is a date; 9月10号，11号 lists days."""
        out: list[Mention] = []
        for m in ms:
            prev = out[-1] if out else None
            if (prev is not None and prev.end == m.start and prev.type == m.type == "duration"
                    and not prev.offset and not prev.interval and not prev.mods and prev.value[-1] in "YMWD"
                    and m.value[-1] in "YMWD" and "YMWD".index(prev.value[-1]) < "YMWD".index(m.value[-1])):
                prev.value += m.value[1:]
                prev.end, prev.offset, prev.mods = m.end, m.offset, m.mods
                continue
            if m.type == "date" and (m.year or m.month):
                left = self.pt.range_left.search(text, max(0, m.start - 12), m.start)
                if left and (prev is None or prev.end <= left.start()):
                    out.append(Mention(left.start(), left.start() + 4, year=int(left.group(1))))
            if (prev is not None and prev.type == m.type == "date" and m.year and prev.year is None and not prev.rel
                    and prev.month and m.month and self.pt.range_conn.fullmatch(text, prev.end, m.start)):
                # from March to May 2021: the range's year is written once, at its end
                prev.year = m.year if prev.month <= m.month else m.year - 1
            out.append(m)
            if m.type == "date" and (m.year or m.month):
                right = self.pt.range_right.match(text, m.end)
                if right:
                    out.append(Mention(right.start(1), right.end(1), year=int(right.group(1))))
                if m.day and m.month:
                    pos = m.end
                    while True:
                        nxt = self.pt.list_day.match(text, pos)
                        if not nxt:
                            break
                        out.append(Mention(nxt.start(1), nxt.end(), day=int(nxt.group(1))))
                        pos = nxt.end()
        out.sort(key=lambda x: x.start)
        dedup: list[Mention] = []
        for m in out:
            if not dedup or m.start >= dedup[-1].end:
                dedup.append(m)
        return dedup

    @staticmethod
    def _masked(men: Mention, masked, mstarts) -> bool:
        i = bisect.bisect_right(mstarts, men.end)
        for a, b in masked[max(0, i - 8):i]:
            if a < men.end and men.start < b:
                return True
        return False

    def _qualify(self, men: Mention, pre: str | None, post: str | None, text: str, end: int) -> bool:
        """Add the mods of the prefix/suffix words; False when a suffix is really part of a word."""
        if pre:
            key = re.sub(r"\s+", " ", pre.strip().lower())
            key = re.sub(r"(\s+(?:the|end))+$", "", key).strip()
            mod = self.lx.pre.get(key, "")
            if mod:
                men.mods.append(mod)
        if post:
            w = post.strip()
            mod, notf = self.lx.post.get(w, ("", ""))
            if notf and end < len(text) and text[end] in notf:
                return False
            if mod and mod not in men.mods:
                men.mods.append(mod)
        return True

    def _part(self, men: Mention, word: str, unit: str) -> bool:
        if (word, unit) not in self.lx.parts:
            return False
        first, last, mod = self.lx.parts[(word, unit)]
        if mod in ("H1", "H2"):
            men.half = 1 if mod == "H1" else 2
        else:
            men.part = (word, unit)
            men.mods.insert(0, mod)
        return True

    def _zh(self, text: str):
        lx = self.lx
        for m in self.pt.zh.finditer(text):
            g = m.groupdict()
            core = [k for k in ("ysp", "relp", "dec", "dec4", "centb", "ry", "y", "yb", "rm", "m", "fest", "rq", "q", "q1", "qq",
                                "qsp", "msp", "rd", "d", "dn", "wk", "rw", "wd", "mo", "m1", "season",
                                "lmn", "lmw", "lfest", "dnian", "term", "dl", "season2") if g[k]]
            if not core and not (g["part"] and g["part"][0] in "年月上下"):
                continue
            if self._inside_word(text, m, ("ry", "rm", "rq", "rd", "relp", "rw")):
                continue
            cut = None
            if g["part"] and m.end("part") < len(text) and text[m.end("part")] in self.lx.part_guard.get(g["part"], ""):
                if not core:
                    continue
                cut = m.start("part")   # 2020年初步: the year without a part
                g["part"] = g["post"] = None
            start = m.start()
            if g["pre"] and start > 0 and text[start - 1] in lx.pre_guard.get(g["pre"].strip(), ""):
                start, g["pre"] = m.end("pre"), None   # 相约春天: 约 belongs to 相约
            while text[start] in " \u3000":
                start += 1
            men = Mention(start, m.end())
            if g["ysp"]:
                a, b, reading = lx.year_spans[g["ysp"]]
                men.type, men.value = "duration", f"P{b - a + 1}Y"
                men.offset = (float(a), "Y", "years:%d" % b, reading)
            elif g["relp"]:
                men.rel = lx.relative[g["relp"]]
            elif g["dec4"]:
                men.decade = int(g["dec4"]) // 10
                if g["d4part"]:
                    self._part(men, g["d4part"], "decade")
            elif g["dec"] or g["centb"]:
                if g["centb"]:
                    c = cn_int(g["centb"])
                    if not c or c > 21:
                        continue
                    men.century = c - 1
                    if g["cpart"]:
                        self._part(men, g["cpart"], "century")
                else:
                    d = cn_int(g["dec"])
                    c = g["cent"]
                    base = 19 if not c or c.startswith("上") else (cn_int(c[:-2]) or 20) - 1
                    men.decade = base * 10 + d // 10
                    if g["dpart"]:
                        self._part(men, g["dpart"], "decade")
            else:
                if g["y"]:
                    ys = g["y"].replace(" ", "")
                    men.year = _year(ys, self.pivot)
                    if men.year is None:
                        continue
                    # bare 15年 / 三十年 is more often a duration: a two-digit Arabic year needs a month or part
                    after = text[m.end("y"):m.end("y") + 3].lstrip(" ")
                    if after.startswith("年代") and ys.endswith("0"):
                        continue   # 1990年代 / 80年代 are decades (the decade pattern), not years
                    if len(ys) == 2 and ys.isdigit() and not (g["m"] or g["part"] or g["q"] or g["qq"] or g["msp"]
                                                              or g["qsp"] or g["wk"] or g["mo"] or g["m1"]
                                                              or g["term"] or g["lfest"] or g["lmw"] or g["lmn"]):
                        if not self._short_year(text, m.start("y"), m.end()):
                            continue
                    if len(ys) == 2 and not ys.isdigit() and ys[0] == ys[1] == "一":
                        continue
                elif g["yb"]:
                    men.year = _year(g["yb"].replace(" ", ""), self.pivot)
                elif g["ry"]:
                    men.rel = lx.relative[g["ry"]]
                if g["rm"] and not men.rel:
                    men.rel = lx.relative[g["rm"]]
                if g["m"]:
                    nb, na = text[m.end("m") + 1:m.end("m") + 2], text[m.start("m") - 1:m.start("m")]
                    if (len(g["m"]) == 1 and not g["m"].isdigit() and not (g["d"] or g["dn"] or g["dl"] or g["y"] or g["ry"])
                            and ((nb and nb in "".join(lx.guards.get("cnmonth_not_before", [])))
                                 or (na and na in "".join(lx.guards.get("cnmonth_not_after", []))))):
                        continue   # 一月接着一月
                    men.month = cn_int(g["m"])
                    if g["m2"]:
                        men.month2 = cn_int(g["m2"])
                        if not men.month2 or men.month2 <= men.month:
                            men.month2 = None
                if g["mo"] or g["m1"]:
                    men.month = 1 if g["m1"] else cn_int(g["mo"])
                if g["dsp"]:
                    if not (g["m"] or g["rm"] or g["mo"] or g["m1"]):
                        continue
                    k = cn_int(g["dk"])
                    if not k or k > 31:
                        continue
                    men.dspan = (g["dsp"], k)
                if g["fest"]:
                    f = lx.festivals[g["fest"]]
                    if len(f) == 2:
                        men.month, men.day = f
                    else:   # 母亲节: the 2nd Sunday of May
                        men.month, men.week, men.weekday = f
                if g["season"] or g["season2"]:
                    k = "season" if g["season"] else "season2"
                    after, before = text[m.end(k):m.end(k) + 4], text[m.start(k) - 1:m.start(k)]
                    if (after.startswith(tuple(lx.guards.get("season_not_before", [])))
                            or (before and before in "".join(lx.guards.get("season_not_after", [])))):
                        continue
                    men.season = lx.seasons[g[k]]
                if g["lmn"] or g["lmw"]:
                    men.month = cn_int(g["lmn"]) if g["lmn"] else lx.lunar["month"][g["lmw"]][0]
                    men.leap = bool(g["leap"] or g["lleap"])
                if g["lfest"]:
                    men.month, men.day = lx.lunar["festival"][g["lfest"]]
                if g["dnian"]:
                    men.month, men.day = 1, cn_int(g["dnian"][1:])
                if g["term"]:
                    men.term = g["term"]
                if g["dl"]:
                    men.day = cn_int(g["dl"].lstrip("初"))
                men.lunar = bool(g["lmark1"] or g["lmark2"] or g["lmn"] or g["lmw"] or g["lfest"] or g["dnian"]
                                 or g["dl"] or (g["d"] and g["d"][0] in "初廿"))
                if g["rq"]:
                    men.rel = lx.relative[g["rq"]]
                if g["q"] or g["qq"] or g["q1"]:
                    men.quarter = 1 if g["q1"] else cn_int(g["q"] or g["qq"])
                if g["qsp"]:
                    k = cn_int(g["qk"])
                    men.qspan = (1, k) if g["qsp"] == "前" else (5 - k, 4)
                if g["msp"]:
                    k = cn_int(g["mk"])
                    if not k or k > 12:
                        continue
                    men.mspan = (1, k) if g["msp"] == "前" else (13 - k, 12)
                if g["rd"]:
                    men.rel = lx.relative[g["rd"]]
                if g["wk"]:
                    men.week = cn_int(g["wk"])
                    if not men.week or men.week > (5 if men.month or g["rm"] else 53):
                        continue
                    if g["wkd"]:
                        men.weekday = 7 if g["wkd"] in "日天" else cn_int(g["wkd"])
                if g["rw"]:
                    men.rel = lx.relative[g["rw"]]
                    if g["wd1"]:
                        men.weekday = lx.weekdays[g["wd1"]]
                    elif g["wdn"]:
                        men.weekday = 7 if g["wdn"] in "日天" else cn_int(g["wdn"])
                if g["wd"]:
                    men.weekday = lx.weekdays[g["wd"]]
                    if not men.rel:
                        men.rel = ("week", 0, "anaphoric")
                dstr = g["d"] or g["dn"]
                if dstr:
                    has_month = bool(g["m"] or g["rm"] or g["fest"] or g["mo"] or g["lmw"] or g["lmn"])
                    if not has_month and not g["y"] and not g["ry"]:
                        # a bare day: Arabic digits with 日 only (一日之计, 36号文 are not dates)
                        if not dstr.isdigit() or text[m.end("d"):m.end("d") + 1] != "日":
                            continue
                        if start > 0 and text[start - 1] in "".join(lx.guards.get("day_not_after", [])):
                            continue
                        if text[m.end("d") + 1:m.end("d") + 3].startswith(tuple(lx.guards.get("day_not_before", []))):
                            continue
                    men.day = cn_int(dstr)
                    if g["d2"]:
                        men.day2 = cn_int(g["d2"])
                        if not men.day2 or men.day2 <= men.day:
                            men.day2 = None
                if g["part"] and g["part"][0] == "月" and not (men.month or men.rel):
                    men.rel = ("month", 0, "anaphoric")   # 月底 alone: the month under discussion
                if g["part"]:
                    unit = ("month" if (men.month or g["rm"] or (men.rel and men.rel[0] == "month")) and not men.day else
                            "quarter" if (men.quarter or g["rq"]) else "year")
                    if not self._part(men, g["part"], unit) and not self._part(men, g["part"], "year"):
                        continue
                if not (men.year or men.rel or men.month or men.day or men.quarter or men.half or men.qspan
                        or men.mspan or men.week or men.part or men.weekday or men.season or men.term):
                    continue
                if men.month is not None and not 1 <= men.month <= 12:
                    continue
                if men.day is not None and not (1 <= men.day <= 31 or men.day == -1):
                    continue
            if cut is not None:
                self._qualify(men, g["pre"], None, text, cut)
                men.end = cut
            elif not self._qualify(men, g["pre"], g["post"], text, m.end()):
                men.end = m.start("post")
            yield men

    def _inside_word(self, text: str, m: re.Match, groups) -> bool:
        """同年 in 不同年份, 当年 in 相当年轻: a relative word that is part of another word."""
        for k in groups:
            w = m.group(k)
            if not w or w not in self.lx.rel_guard:
                continue
            not_after, not_before = self.lx.rel_guard[w]
            a, b = m.start(k), m.end(k)
            if (a > 0 and text[a - 1] in not_after) or (b < len(text) and text[b] in not_before):
                return True
        return False

    def _short_year(self, text: str, start: int, end: int) -> bool:
        """21年业绩 is a year, 工作了22年， a duration: decided by the neighbours (short_years.tsv)."""
        sy = self.lx.short_year
        nxt = text[end:end + 1]
        if not nxt or nxt in "".join(sy.get("not_follow_chars", [])):
            return False
        prev = text[start - 1:start] if start > 0 else "\n"
        if prev in "".join(sy.get("lead_chars", [])) or prev.isspace():
            return True
        left = text[max(0, start - 4):start]
        return any(left.endswith(w) for w in sy.get("lead", []))

    def _numeric(self, text: str):
        for m in self.pt.num.finditer(text):
            g = m.groupdict()
            men = Mention(m.start(), m.end())
            if g["ny"]:
                if g["s"] == "." and not g["nd"] and text[m.end():m.end() + 2].lstrip().startswith(
                        tuple(self.lx.guards.get("dotted_not_before", []))):
                    continue
                men.year, men.month = int(g["ny"]), int(g["nm"])
                men.day = int(g["nd"]) if g["nd"] else None
            elif g["cy"]:
                men.year, men.month, men.day = int(g["cy"]), int(g["cm"]), int(g["cd"])
            else:   # 6·30, the way events are named by their date
                men.month, men.day = int(g["dm"]), int(g["dd"])
            if not self._qualify(men, g["pre"], g["post"], text, m.end()):
                men.end = m.start("post")
            yield men

    def _en(self, text: str):
        lx = self.lx
        for m in self.pt.en.finditer(text):
            g = m.groupdict()
            men = Mention(m.start(), m.end())
            mon = g["emon1"] or g["emon2"] or g["emon3"] or g["emon4"] or g["emon5"]
            if mon:
                if not mon[0].isupper():   # "may", "march" as verbs
                    continue
                men.month = lx.months_en[mon.lower()]
            y = next((g[k] for k in ("ey1", "ey2", "ey3", "ey4", "ey5", "ey6", "ey7", "ey8", "ey9", "ey10") if g[k]), None)
            if y:
                men.year = int(y)
            d = g["ed1"] or g["ed2"]
            if d:
                men.day = int(d)
                if not 1 <= men.day <= 31:
                    continue
            if g["ey10"] and not g["pre"]:
                continue
            if g["ey10"]:
                nxt = re.match(r"\s+([A-Za-z]+)", text[m.end():m.end() + 30])
                if nxt and nxt.group(1).endswith("s") and nxt.group(1).lower() not in lx.guards.get(
                        "en_bare_year_plural_ok", []):
                    continue   # in 2000 patients: a count, not a year
            if g["emon5"] and not g["pre"] and mon.lower() == "may":
                continue
            pre = g["pre"] or ""
            if g["epart"] or re.search(r"(?i)\bend$", pre.strip()):
                word = (g["epart"] or "end").lower()
                self._part(men, word, "month" if men.month else "year")
            if g["ehalf"]:
                men.half = 1 if g["ehalf"].lower() == "first" else 2
            if g["eq"]:
                men.quarter = ["first", "second", "third", "fourth"].index(g["eq"].lower()) + 1
            hq = g["ehq"] or g["ehq2"]
            if hq:
                if hq[0] == "H":
                    men.half = int(hq[1])
                    if men.half > 2:
                        continue
                else:
                    men.quarter = int(hq[1])
            if g["edec"]:
                men.decade = int(g["edec"])
            if g["erel"]:
                men.rel = lx.relative[re.sub(r"\s+", " ", g["erel"].lower())]
            self._qualify(men, pre, None, text, m.end())
            pkey = re.sub(r"\s+", " ", pre.strip().lower())
            if pre and not pkey.endswith("end") and not self.lx.pre.get(re.sub(r"(\s+(?:the|end))+$", "", pkey)):
                men.start = m.end("pre")   # "in", "on": licence a bare year, not part of the date
                if pkey.endswith(" the"):
                    men.start -= 4
            yield men

    def _durations(self, text: str):
        for m in self.pt.dur.finditer(text):
            g = m.groupdict()
            men = Mention(m.start(), m.end(), type="duration")
            if g["every"]:
                n = cn_float(g["en"]) if g["en"] else 1.0
                if n is None:
                    continue
                if g["ehalf"]:
                    n = n * 0.5 if g["en"] else 0.5
                unit = {"年": "Y", "月": "M", "季度": "Q", "周": "W", "星期": "W", "天": "D", "日": "D"}[g["eu"]]
                men.type, men.value = "set", _iso_duration(n, unit)
                yield men
                continue
            pre, post = g["pre"], g["post"]
            if g["en_n"]:
                n = (float(g["en_n"]) if g["en_n"][0].isdigit()
                     else self.lx.numbers_en[re.sub(r"\s+", " ", g["en_n"].lower())])
                unit = self.lx.durations[g["en_u"].lower()]
                pre, post = (g["en_pre"] or "").lower() or None, (g["en_post"] or "").lower() or None
            else:
                nstr = g["n"]
                n = cn_float(nstr)
                if n is None or n == 0:
                    continue
                u = g["u"]
                unit = self.lx.durations[u]
                if u in ("年",) and nstr.isdigit() and len(nstr) == 4 and not g["more"]:
                    continue   # 2020年 is a year, found by the date grammar
                if u == "月" and not g["ge"] and not (nstr == "半" or post or pre):
                    continue   # 3月 is a month; 3个月 / 近三月 are durations
                if u == "日" and not post and not pre and (nstr.isdigit() and n <= 31 or nstr == "一"):
                    continue   # 3日 is a day of the month; 90日 / 两日 are durations
                if g["half"] or g["half1"] or g["half2"]:
                    n += 0.5
            men.value = _iso_duration(n, unit)
            if g.get("more") or g.get("more2") or g.get("more3"):
                men.mods.append("APPROX")
            if not g["en_n"]:
                if text[m.end():m.end() + 2].startswith(tuple(self.lx.guards.get("duration_not_before", []))):
                    continue   # 攻坚三年行动: part of a programme's name
                if (not pre and not post and g["n"] in self.lx.guards.get("duration_bare_one", [])
                        and not (g["half"] or g["half1"] or g["half2"] or g["more"] or g["more2"] or g["more3"])):
                    continue   # 关键一年: "a year", not a length of time
            # an offset word makes it a date counted from an anchor (三年前, 近三个月, 未来两年)
            off = self.lx.offsets.get((pre, "pre")) if pre else None
            if post and (post, "post") in self.lx.offsets:
                off = self.lx.offsets[(post, "post")] if not off or off[0] in ("past", "next") and post not in (
                    "以内", "之内", "内") else off
            if off:
                kind, mod, reading = off
                men.offset = (n, unit, kind, reading)
                if mod:
                    men.mods.append(mod)
            yield men

    def _plans(self, text: str):
        for m in self.pt.plan.finditer(text):
            a, b = self.lx.plans[m.group("p")]
            men = Mention(m.start(), m.end(), type="duration", value=f"P{b - a + 1}Y")
            men.interval = (dt.date(a, 1, 1), dt.date(b, 12, 31))
            yield men

    # -- anchoring ----------------------------------------------------------------------
    def document_date(self, doc: Document, mentions: list[Mention]) -> tuple[dt.date | None, str]:
        """The document's own date: a cue-labelled or header date in the text, else metadata.
        Footnotes never give it (their dates are sources' dates)."""
        text = doc.text
        for men in mentions:
            if men.type != "date" or men.year is None or men.month is None or doc.role_at(men.start) == "footnote":
                continue
            left = text[max(0, men.start - self.cue_window):men.start]
            if self.pt.cue.search(left) and self._own_day(men):
                return self._own_day(men), "document"
        heads = [b for b in doc.blocks if b.start >= 0 and b.role != "footnote"][: self.header_blocks]
        for b in heads:
            if len(b.text.strip()) > self.header_max_chars:
                continue
            for men in mentions:   # a dated header line (——2025年1月18日在…会议上)
                left = text[max(b.start, men.start - self.cue_window):men.start]
                if (b.start <= men.start < b.end and men.year and men.month and men.day
                        and men.type == "date" and not men.mods
                        and not any(w in left for w in self.lx.doc_cues_not) and self._own_day(men)):
                    return self._own_day(men), "document"
        for key in ("pdf_date", "date"):
            d = _parse_anchor_date(doc.meta.get(key))
            if d:
                return d, "document"
        if self.ref:
            return self.ref, "reference"
        return None, ""

    def _own_day(self, men: Mention) -> dt.date | None:
        """The first day a mention with its own year names (lunar and 除夕 included), else None."""
        try:
            res = self._resolve_one(men, None, None, "")
        except (ValueError, OverflowError, KeyError):
            return None
        return dt.date.fromisoformat(res[2]) if res and res[2] else None

    def resolve(self, mentions: list[Mention], doc_date: dt.date | None, doc_source: str,
                footnote_of=lambda m: False) -> list[tuple[Mention, str, str, str, str, str]]:
        """Fill each mention's gaps along the timeline; returns (mention, value, type, start, end, anchor)."""
        chains: dict[bool, Anchor | None] = {False: None, True: None}
        out = []
        for men in mentions:
            note = footnote_of(men)
            last = chains[note]
            try:
                res = self._resolve_one(men, last, doc_date, doc_source)
            except (ValueError, OverflowError, KeyError, IndexError):
                res = None   # a combination the calendar cannot place: no row rather than a failed document
            if res is None:
                continue
            out.append((men,) + res)
            if men.type == "date" and res[4] != "unresolved":
                y, mth, d = self._fields(men, res)
                if y:
                    chains[note] = Anchor(y, mth, d, mention=men)
        return out

    @staticmethod
    def _fields(men: Mention, res) -> tuple[int | None, int | None, int | None]:
        v = res[0]
        m = re.match(r"(\d{4})(?:-(\d\d))?(?:-(\d\d))?$", v)
        if m:
            return int(m.group(1)), int(m.group(2)) if m.group(2) else None, int(m.group(3)) if m.group(3) else None
        m = re.match(r"(\d{4})", v)
        return (int(m.group(1)), None, None) if m else (None, None, None)

    def _resolve_one(self, men: Mention, last: Anchor | None, doc_date: dt.date | None, doc_source: str):
        if men.type in ("duration", "set"):
            s = e = ""
            anchor = "explicit"
            if men.interval:
                s, e = men.interval[0].isoformat(), men.interval[1].isoformat()
            elif men.offset:
                try:
                    return self._offset(men, last, doc_date, doc_source)
                except (ValueError, OverflowError):   # 10000年后: off the calendar
                    return men.value, men.type, "", "", "unresolved"
            return men.value, men.type, s, e, anchor
        anchor = "explicit"
        y, mth, d, q = men.year, men.month, men.day, men.quarter
        if men.rel:
            unit, off, reading = men.rel
            base, src = self._base(reading, last, doc_date, doc_source, unit)
            if base is None:
                return self._unres(men)
            anchor = src
            by, bm, bd = base
            if unit == "year":
                y = by + off
            elif unit == "month":
                if bm is None:
                    return self._unres(men)
                y, mth = _add_months(by, bm, off)
            elif unit == "quarter":
                if bm is None:
                    return self._unres(men)
                y, q = by, (bm - 1) // 3 + 1 + off
                y, q = y + (q - 1) // 4, (q - 1) % 4 + 1
            elif unit == "day":
                if bm is None or bd is None:
                    return self._unres(men)
                day = dt.date(by, bm, bd) + dt.timedelta(days=off)
                y, mth, d = day.year, day.month, day.day
            elif unit == "week":
                if bm is None or bd is None:
                    return self._unres(men)
                b = dt.date(by, bm, bd)
                monday = b - dt.timedelta(days=b.weekday()) + dt.timedelta(weeks=off)
                if men.weekday:
                    day = monday + dt.timedelta(days=men.weekday - 1)
                    return day.isoformat(), "date", day.isoformat(), day.isoformat(), anchor
                iy, iw, _ = monday.isocalendar()
                return (f"{iy:04d}-W{iw:02d}", "date", monday.isoformat(),
                        (monday + dt.timedelta(days=6)).isoformat(), anchor)
            elif unit == "period":
                prev = last.mention if last and reading == "anaphoric" else None
                if prev is not None:
                    clone = Mention(men.start, men.end, **{k: getattr(prev, k) for k in (
                        "month", "month2", "day", "day2", "quarter", "half", "part", "qspan", "mspan", "week")})
                    clone.year = last.year + off
                    res = self._resolve_one(clone, None, None, "")
                    return None if res is None else res[:4] + ("inherited",)
                y = by + off
                anchor = src
        elif men.needs_anchor():
            if last is not None:
                y, anchor = last.year, "inherited"
                if d is not None and mth is None:
                    mth = last.month
            elif doc_date is not None:
                y, anchor = doc_date.year, doc_source
                if d is not None and mth is None:
                    mth = doc_date.month
            else:
                return self._unres(men)
            if d is not None and mth is None:
                return self._unres(men)
        try:
            value, s, e = self._value(men, y, mth, d, q)
        except (ValueError, OverflowError):
            return None   # 2月30日, 第60周: not a calendar date

        return value, "date", s.isoformat() if s else "", e.isoformat() if e else "", anchor

    def _offset(self, men: Mention, last: Anchor | None, doc_date: dt.date | None, doc_source: str):
        """三年前 / 近三个月 / 未来两年 / 3 years ago: a duration counted from the anchor."""
        n, unit, kind, reading = men.offset
        base, src = self._base(reading, last, doc_date, doc_source)
        if base is None:
            return men.value, "duration", "", "", "unresolved"
        by, bm, bd = base
        b = dt.date(by, bm or 1, bd or 1)
        sign = -1 if kind in ("ago", "since", "past") else 1
        gran, shifted = _shift(b, sign * n, unit)
        ps, pe = _period(shifted, gran)
        if kind.startswith("years:"):   # 今明两年: calendar years by offset from the anchor's year
            last_off = int(kind.split(":")[1])
            return men.value, "duration", dt.date(by + int(n), 1, 1).isoformat(), dt.date(by + last_off, 12, 31).isoformat(), src
        if kind in ("ago", "later"):
            return _period_value(shifted, gran), "date", ps.isoformat(), pe.isoformat(), src
        if kind == "since":
            return _period_value(shifted, gran), "date", ps.isoformat(), b.isoformat(), src
        if kind == "within":
            return men.value, "duration", b.isoformat(), pe.isoformat(), src
        if kind == "past":
            if unit == "Y" and n == int(n):   # 过去五年: the five whole calendar years before
                return men.value, "duration", dt.date(by - int(n), 1, 1).isoformat(), dt.date(by - 1, 12, 31).isoformat(), src
            return men.value, "duration", shifted.isoformat(), b.isoformat(), src
        _g, ahead = _shift(b, n, unit, exact=True)   # next
        return men.value, "duration", b.isoformat(), (ahead - dt.timedelta(days=1)).isoformat(), src

    def _base(self, reading: str, last: Anchor | None, doc_date: dt.date | None, doc_source: str,
              unit: str = "year"):
        """The point a relative word counts from; one that lacks the unit's detail is passed
        over (当日 after 2021年 falls to the document date)."""
        order = ("doc", "last") if reading == "deictic" else ("last", "doc")
        need_m = unit in ("month", "quarter", "day", "week")
        need_d = unit in ("day", "week")
        for o in order:
            if o == "doc" and doc_date is not None:
                return (doc_date.year, doc_date.month, doc_date.day), doc_source
            if o == "last" and last is not None:
                if (need_m and last.month is None) or (need_d and last.day is None):
                    continue
                return (last.year, last.month, last.day), "inherited"
        return None, ""

    def _unres(self, men: Mention):
        v = self._unresolved(men)
        return None if v is None else (v, "date", "", "", "unresolved")

    def _unresolved(self, men: Mention) -> str | None:
        if men.month and men.day:
            try:
                dt.date(2000, men.month, men.day)   # a leap year: 2月29日 may exist
            except ValueError:
                return None
            return f"XXXX-{men.month:02d}-{men.day:02d}"
        if men.month:
            return f"XXXX-{men.month:02d}"
        if men.day:
            return f"XXXX-XX-{men.day:02d}"
        return "XXXX"

    def _value(self, men: Mention, y, mth, d, q) -> tuple[str, dt.date | None, dt.date | None]:
        part = self.lx.parts.get(men.part) if men.part else None
        if (men.lunar or men.term) and y is not None:
            return _lunar_value(men, y, mth, d)
        if men.century is not None or men.decade is not None:
            first = men.century * 100 if men.century is not None else men.decade * 10
            span = 100 if men.century is not None else 10
            a, b = (part[0], part[1]) if part else (1, span)
            return (f"{men.century:02d}" if men.century is not None else f"{men.decade:03d}",
                    dt.date(first + a - 1, 1, 1), dt.date(first + (b if b > 0 else span + b + 1) - 1, 12, 31))
        if d is not None and mth is not None:
            s = dt.date(y, mth, d)
            if men.day2:
                return f"{y:04d}-{mth:02d}", s, dt.date(y, mth, men.day2)
            return s.isoformat(), s, s
        if mth is not None:
            last = _last_day(y, mth)
            if men.month2:
                return f"{y:04d}", dt.date(y, mth, 1), dt.date(y, men.month2, _last_day(y, men.month2))
            if men.week and men.weekday:   # 6月第3个星期日: the nth such weekday of the month
                first = dt.date(y, mth, 1)
                day = first + dt.timedelta(days=(men.weekday - 1 - first.weekday()) % 7, weeks=men.week - 1)
                return day.isoformat(), day, day
            if men.dspan:
                word, k = men.dspan
                a, b = (1, k) if word == "前" else (last - k + 1, last)
                return f"{y:04d}-{mth:02d}", dt.date(y, mth, max(1, a)), dt.date(y, mth, min(b, last))
            if men.week:
                first = dt.date(y, mth, 1)
                monday = first + dt.timedelta(days=(7 - first.weekday()) % 7) + dt.timedelta(weeks=men.week - 1)
                iy, iw, _ = monday.isocalendar()
                return f"{iy:04d}-W{iw:02d}", monday, monday + dt.timedelta(days=6)
            s, e = dt.date(y, mth, 1), dt.date(y, mth, last)
            if part and men.part[1] == "month":
                a, b = part[0], part[1]
                s, e = dt.date(y, mth, a), dt.date(y, mth, last if b == -1 else min(b, last))
            return f"{y:04d}-{mth:02d}", s, e
        if q is not None:
            if not 1 <= q <= 4:
                raise ValueError(q)
            m0 = 3 * (q - 1) + 1
            s, e = dt.date(y, m0, 1), dt.date(y, m0 + 2, _last_day(y, m0 + 2))
            if part and men.part[1] == "quarter":
                a, b = m0 + part[0] - 1, m0 + part[1] - 1
                s, e = dt.date(y, a, 1), dt.date(y, b, _last_day(y, b))
            return f"{y:04d}-Q{q}", s, e
        if men.qspan:
            a, b = men.qspan
            return f"{y:04d}", dt.date(y, 3 * a - 2, 1), dt.date(y, 3 * b, _last_day(y, 3 * b))
        if men.mspan:
            a, b = men.mspan
            return f"{y:04d}", dt.date(y, a, 1), dt.date(y, b, _last_day(y, b))
        if men.season:
            code, a, b = men.season
            if not a.isdigit():   # between solar terms (立春 … the day before 立夏)
                return f"{y:04d}-{code}", _term_day(y, a), _term_day(y + (b == "立春"), b) - dt.timedelta(days=1)
            a, b = int(a), int(b)
            ey = y + 1 if b < a else y
            return f"{y:04d}-{code}", dt.date(y, a, 1), dt.date(ey, b, _last_day(ey, b))
        if men.half:
            a = 1 if men.half == 1 else 7
            return f"{y:04d}-H{men.half}", dt.date(y, a, 1), dt.date(y, a + 5, _last_day(y, a + 5))
        if men.week:
            monday = dt.date.fromisocalendar(y, men.week, 1)
            return f"{y:04d}-W{men.week:02d}", monday, monday + dt.timedelta(days=6)
        if y is None:
            raise ValueError("no year")
        s, e = dt.date(y, 1, 1), dt.date(y, 12, 31)
        if part and men.part[1] == "year":
            s, e = dt.date(y, part[0], 1), dt.date(y, part[1], _last_day(y, part[1]))
        return f"{y:04d}", s, e


@lru_cache(maxsize=4096)
def _term_day(y: int, term: str) -> dt.date:
    """The day of a solar term in the term year that opens with 立春 of Gregorian year y."""
    try:
        from lunar_python import Lunar
        table = Lunar.fromYmd(y, 6, 1).getJieQiTable()
        key = {"冬至": "DONG_ZHI", "小寒": "XIAO_HAN", "大寒": "DA_HAN"}.get(term, term)
        s = table[key]
        return dt.date(s.getYear(), s.getMonth(), s.getDay())
    except Exception as exc:
        raise ValueError(str(exc)) from exc


@lru_cache(maxsize=4096)
def _lunar_day(y: int, lm: int, ld: int) -> dt.date:
    """Gregorian day of lunar y/lm/ld (lm < 0: leap month); lunar-python's year model is slow, so cached."""
    from lunar_python import Lunar
    s = Lunar.fromYmd(y, lm, ld).getSolar()
    return dt.date(s.getYear(), s.getMonth(), s.getDay())


@lru_cache(maxsize=4096)
def _lunar_month_days(y: int, lm: int) -> int:
    from lunar_python import LunarMonth
    m = LunarMonth.fromYm(y, lm)
    if m is None:
        raise ValueError(f"no lunar month {lm} in {y}")
    return m.getDayCount()


def _lunar_value(men: Mention, y: int, m: int | None, d: int | None) -> tuple[str, dt.date, dt.date]:
    """A lunar date or month, or a solar term, as Gregorian days (lunar-python)."""
    try:
        def solar(lm: int, ld: int) -> dt.date:
            return _lunar_day(y, lm, ld)

        if men.term:
            day = _term_day(y, men.term.removesuffix("节"))
            return day.isoformat(), day, day
        if m is None:
            raise ValueError("lunar date without a month")
        lm = -m if men.leap else m
        count = _lunar_month_days(y, lm)
        if d is None:
            first = solar(lm, 1)
            return first.isoformat(), first, first + dt.timedelta(days=count - 1)
        day = solar(lm, count if d == -1 else d)
        return day.isoformat(), day, day
    except ValueError:
        raise
    except Exception as exc:   # lunar-python raises plain Exception for a month that does not exist
        raise ValueError(str(exc)) from exc


def _shift(b: dt.date, n: float, unit: str, exact: bool = False) -> tuple[str, dt.date]:
    """b moved by n units, and the granularity the result is meant at (3年前 → a year)."""
    if unit == "Q":
        n, unit = n * 3, "M"
    if unit == "Y" and n == int(n) and not exact:
        return "year", dt.date(b.year + int(n), 1, 1)
    if unit == "Y" and n != int(n):   # 3年半前: counted in days (365 a year), meant to the month
        d = b + dt.timedelta(days=int(n * 365))
        return ("day" if exact else "month"), d
    if unit in ("Y", "M"):
        months = n * 12 if unit == "Y" else n
        if months == int(months):
            y, m = _add_months(b.year, b.month, int(months))
            return "month", dt.date(y, m, min(b.day, _last_day(y, m)))
        return "day", b + dt.timedelta(days=round(months * 30.44))
    days = n * 7 if unit == "W" else n
    return ("week" if unit == "W" else "day"), b + dt.timedelta(days=round(days))


def _period(d: dt.date, gran: str) -> tuple[dt.date, dt.date]:
    if gran == "year":
        return dt.date(d.year, 1, 1), dt.date(d.year, 12, 31)
    if gran == "month":
        return dt.date(d.year, d.month, 1), dt.date(d.year, d.month, _last_day(d.year, d.month))
    if gran == "week":
        monday = d - dt.timedelta(days=d.weekday())
        return monday, monday + dt.timedelta(days=6)
    return d, d


def _period_value(d: dt.date, gran: str) -> str:
    if gran == "year":
        return f"{d.year:04d}"
    if gran == "month":
        return f"{d.year:04d}-{d.month:02d}"
    if gran == "week":
        iy, iw, _ = d.isocalendar()
        return f"{iy:04d}-W{iw:02d}"
    return d.isoformat()


def _iso_duration(n: float, unit: str) -> str:
    if unit == "Q":
        n, unit = n * 3, "M"
    num = str(int(n)) if n == int(n) else f"{n:g}"
    return f"P{num}{unit}"


# ---------------------------------------------------------------------------------------
# The stage
# ---------------------------------------------------------------------------------------

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
    mentions = norm.find(text, skip=_entity_spans(doc))
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
