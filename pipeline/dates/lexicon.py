"""Lexicons and compiled patterns of the `dates` stage, read once from pipeline/data/dates/."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


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
    glued: list[str]                      # duration abbreviations written right after the digits (30s)


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
    glued = [r[0] for r in _rows("durations.tsv") if len(r) > 2 and r[2] == "glued"]
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
                   {r[0]: float(r[1]) for r in _rows("numbers_en.tsv")}, glued)


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
    en_dunits = _alt([w for w in lx.durations if w.isascii() and w not in lx.glued])
    en_glued = _alt(lx.glued)
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
          | (?P<t_n>\d+(?:\.\d+)?)[ ]?(?P<t_u>{en_glued})(?![A-Za-z0-9])
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
