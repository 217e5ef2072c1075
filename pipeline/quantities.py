"""Stage `numbers`: every quantity in the text as a value, a unit and a hedge (table `numbers`).

Analysts read reports for figures like 截至11月底，系统总访问量达到1132万 or 近13万人次, so each
quantity becomes one row: the value with its magnitude folded in (2083亿元 → 208300000000, 元),
the measure word or unit, the qualifier (多/余/超 → more, 约/近/左右 → about, 不到/不足 → less)
and the bounds it implies (近13万 → upper 130000; 超140种 → lower 140; 1100多篇 → lower 1100 and
upper 1200, since 多/余 only round up to the next unit of the last non-zero place: 20余万 < 30万).

Conventions (decided here, see also bench/RESULTS.md "## Numbers"):
- percent: value is the number before %, unit `%` (5.2% → 5.2); 个百分点 is its own unit.
- 近/将近/nearly = about, with the value as upper bound; 超/逾/以上 = more, value as lower bound.
- a range (3–5%, 1万-5万元, 两到三万) is one row of kind `range`: value = lower end, lower, upper.
- the direction of a change lives in the words (下降0.3个百分点 → 0.3); a sign written on the
  number is kept (-3.8% → -3.8, 零下四摄氏度 → -4).
- ordinals (第一株, 第3, 1st) are kind `ordinal` with their measure word as unit; ranks (第1位,
  前5位 = top five, approx less) have unit ""; section numbers (第十四条, 第三章: sections.tsv) and
  enumerators of lists and sections (1. （1） 一、 2）) are not rows at all.
- vague tens (数十篇, 十几个) are approx `more` with lower/upper (10–100); 三五百 is a range.
- units are a lexicon (units.tsv, case-sensitive: mA ≠ MA), so digits glued to a real unit
  (196Ah, 3.19V, 0.25mΩ, 1/3C) are a measure while other letters after digits (22Q1, 3M, 5A级,
  3C产品: a guard column) still mark a code or a name; a fraction with a unit is a measure.
- a bound after a coordinated list applies to each member (控制在5%和3%以内 → both less);
  a magnitude word with a unit and a bound is a threshold (亿元以上 → 1e8 元 more).
- figures inside a 《》 title (a cited report, an agreement's name) are part of the name.
- bare figures in a `table` block that stand as whole cells (人数 … 1) are kept as counts.
- axis scales (equal steps, nothing between) are dropped, and so is a lone tick on their grid.
- fractions (三分之一, 1/2) are kind `fraction`, value the quotient; 百分之八 is percent 8.
- a number whose unit is a calendar or duration unit (年 月 日 天 个月 季度 …) and any span that
  the `dates` stage claimed belong to `dates`, not here; so do bare years (2019 alone).
- stock codes (688556.SH, 0700.HK with the suffix in the span: exchanges.tsv; （688556）) are kind
  `code`, value the code.
- a bare number (no unit, magnitude or qualifier) in Chinese text is kept only after a cue word
  (为/达/共计/： …, pipeline/data/quantities/cues.txt): otherwise it is a footnote marker, an axis
  label or part of a name (沪深300). Lone 一 before a measure word is an article (一所机构), and a
  numeral after a demonstrative (这两个平台) refers back; neither is a new figure.
- footnote blocks: only quantities with a unit or magnitude are kept (their markers, URLs and
  access dates are not quantities).
"""
from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from .document import Document
from .registry import stage, table
from .script import is_cjk


@table("numbers")
@dataclass
class NumberRow:
    doc_id: str
    sent_id: int
    start: int
    end: int
    text: str
    value: float
    unit: str | None
    approx: str | None      # more / about / less
    lower: float | None
    upper: float | None
    kind: str               # count percent money measure ordinal fraction range code
    page: int

    __order__ = ("doc_id", "start")


# --------------------------------------------------------------------------- lexicons
def _lines(name: str) -> list[list[str]]:
    text = resources.files("pipeline").joinpath(f"data/quantities/{name}").read_text("utf-8")
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        out.append(line.rstrip("\n").split("\t"))
    return out


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass
class Lexicon:
    qual: dict[str, tuple[str, str, str]]   # word -> (approx, side, bound)
    mags: dict[str, float]
    units: dict[str, tuple[str, str]]       # unit -> (kind, canonical)
    unit_guard: dict[str, str]               # unit -> characters that may not follow it ("cjk": any Chinese)
    sections: set[str]                       # 第N章 / 第N条: section numbers, never rows
    ranks: set[str]                          # 第N位 / 前N名: ranks, unit ""
    prefix: dict[str, str]                   # currency prefix -> unit
    cues: set[str]
    lexicalized: list[str]
    demonstratives: list[str]
    en_units: set[str]
    open_labels: set[str]
    ref_re: re.Pattern
    pre_re: re.Pattern
    post_re: re.Pattern
    tail_re: re.Pattern
    prefix_re: re.Pattern
    cue_re: re.Pattern
    demo_re: re.Pattern
    lex_re: re.Pattern


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    qual = {r[0]: (r[1], r[2], r[3]) for r in _lines("qualifiers.tsv")}
    mags = {r[0]: float(r[1]) for r in _lines("magnitudes.tsv")}
    units = {r[0]: (r[1], (r[2] if len(r) > 2 and r[2] else r[0])) for r in _lines("units.tsv")}
    unit_guard = {r[0]: r[3] for r in _lines("units.tsv") if len(r) > 3 and r[3]}
    sec_rows = _lines("sections.tsv")
    prefix = {r[0]: r[1] for r in _lines("currency_prefix.tsv")}
    cues = {r[0] for r in _lines("cues.txt")}
    lexd = [r[0] for r in _lines("lexicalized.txt")]
    demo = [r[0] for r in _lines("demonstratives.txt")]
    en_units = {r[0] for r in _lines("en_units.txt")}
    pre = [w for w, (_, side, _) in qual.items() if side == "pre"]
    post = [w for w, (_, side, _) in qual.items() if side == "post"]
    # Units and magnitudes compete at the same position: the longest wins (千米 over 千, million over m).
    tail_words = list(units) + list(mags)
    return Lexicon(
        qual, mags, units, unit_guard, {r[0] for r in sec_rows if r[1] != "rank"},
        {r[0] for r in sec_rows if r[1] == "rank"}, prefix, cues, lexd, demo, en_units,
        {r[0].upper() for r in _lines("entity_labels_open.txt")},
        re.compile(rf"(?<![A-Za-z])(?:{_alt(r[0] for r in _lines('ref_labels.txt'))})[ \u00a0]?\Z", re.I),
        pre_re=re.compile(rf"(?:{_alt(pre)})[ \u00a0\n]?\Z", re.I),
        post_re=re.compile(rf"[ \u00a0]?(?:（含）|\(含\))?(?:{_alt(post)})", re.I),
        tail_re=re.compile(rf"[ \u00a0]?(?:{_alt(tail_words)})"),
        prefix_re=re.compile(rf"(?:{_alt(prefix)})[ \u00a0]?\Z"),
        cue_re=re.compile(rf"(?:{_alt(cues)})[ \u00a0\n]?\Z"),
        demo_re=re.compile(rf"(?:{_alt(demo)})\Z"),
        lex_re=re.compile(_alt(lexd)),
    )


# --------------------------------------------------------------------------- numerals
CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "貳": 2, "两": 2,
             "兩": 2, "三": 3, "叁": 3, "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6,
             "陆": 6, "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG = {"万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8}
CN_SPECIAL = {"廿": 20, "卅": 30}
CN_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL) + "".join(CN_BIG) + "".join(CN_SPECIAL)
_TOK = re.compile(r"\d+(?:\.\d+)?|.", re.S)


def _parse_int(s: str) -> float | None:
    toks = _TOK.findall(s)
    if not toks:
        return None
    if all(t[0].isdigit() or t in CN_DIGITS for t in toks):
        # No magnitude at all: digit by digit (二〇二〇, 一二三) or one Arabic number.
        if len(toks) == 1 and toks[0][0].isdigit():
            return float(toks[0])
        if any("." in t for t in toks):
            return None
        return float("".join(t if t[0].isdigit() else str(CN_DIGITS[t]) for t in toks))
    high = mid = section = 0.0
    num: float | None = None
    last_mag: float | None = None
    zero = False
    prev_digit = False      # the previous token was a digit (no magnitude between)
    single = False          # `num` is one Chinese digit (for the colloquial 三万五)
    decimal_then_mag = False
    last_small: float | None = None
    for t in toks:
        if t[0].isdigit():
            if prev_digit and num is not None:
                return None
            if decimal_then_mag:
                return None   # 10.1万零100: a decimal with a magnitude ends the number
            num, prev_digit, single = float(t), True, False
            if len(t) > 1 and t[0] == "0":
                zero = True
        elif t in CN_DIGITS:
            d = CN_DIGITS[t]
            if d == 0:
                zero, num, prev_digit = True, 0.0, False
                continue
            if prev_digit and num is not None:
                return None
            num, prev_digit, single = float(d), True, True
            last_small = None
        elif t in CN_SPECIAL:
            section += CN_SPECIAL[t]
            num, prev_digit, last_mag = None, False, 10
        elif t in CN_SMALL:
            m = CN_SMALL[t]
            if num is None and last_small is not None and last_small <= m:
                return None   # 十百千万 is a slogan, not a number
            last_small = m
            n = num if num else 1.0      # 十 = 10, 一千零十 = 1010, 一万零百一十一 = 10111
            if num is not None and num != int(num):
                decimal_then_mag = True
            section += n * m
            num, prev_digit, last_mag, zero = None, False, m, False
        elif t in CN_BIG:
            m = CN_BIG[t]
            if num is not None and num != int(num):
                decimal_then_mag = True
            part = section + (num or 0.0)
            if part == 0 and mid == 0 and high == 0:
                part = 1.0
            if m == 1e4:
                mid += part * m
            else:
                high = (high + mid + part) * m
                mid = 0.0
            section, num, prev_digit, last_mag, zero = 0.0, None, False, m, False
            last_small = None
        else:
            return None
    if num is not None:
        if single and prev_digit and last_mag and not zero and last_mag >= 10:
            num = num * last_mag / 10     # 三万五 = 35000, 两千六 = 2600, 一百二 = 120
        section += num
    return high + mid + section


def parse_numeral(s: str) -> float | None:
    """Value of a numeral: Chinese (一千二百, 二〇二〇, 壹佰, 廿二, 三万五), Arabic with commas,
    or mixed (1.2万, 100万三千); None when it is not one number."""
    s = s.strip().replace(",", "").replace("，", "")
    if not s:
        return None
    neg = False
    if s.startswith("零下"):
        neg, s = True, s[2:]
    elif s[0] in "负-−－":
        neg, s = True, s[1:]
    elif s[0] in "+＋":
        s = s[1:]
    if not s:
        return None
    if "点" in s or "點" in s:
        ip, _, fp = s.replace("點", "点").partition("点")
        if not ip or not fp or "点" in fp:
            return None
        iv = _parse_int(ip)
        digits = "".join(c if c.isdigit() else str(CN_DIGITS.get(c, "x")) for c in fp)
        if iv is None or not digits.isdigit():
            return None
        v = iv + float("0." + digits)
    else:
        if s.count(".") > 1:
            return None
        v = _parse_int(s)
        if v is None:
            return None
    return -v if neg else v


def parse_vague(s: str) -> tuple[float, float] | None:
    """Vague numerals as a range: 数十/几十 → 10–100, 十几 → 10–20, 三五百 → 300–500, 八九亿."""
    if "几" in s or s.startswith("数"):
        body = s[1:] if s.startswith("数") else s
        i = body.find("几")
        if s.startswith("数") or (i >= 0 and i + 1 < len(body) and body[i + 1] in CN_SMALL):
            lo = parse_numeral(body.replace("几", "一", 1) if i >= 0 else "一" + body)
            return (lo, lo * 10) if lo is not None else None
        if i > 0:
            lo = parse_numeral(body[:i] + body[i + 1:])
            step = CN_SMALL.get(body[i - 1], 1)
            tail = body[i + 1:]
            mult = parse_numeral("一" + tail) if tail else 1.0
            return (lo, lo + step * (mult or 1.0)) if lo is not None else None
        return None
    if len(s) >= 3 and s[0] in CN_DIGITS and s[1] in CN_DIGITS and (s[2] in CN_SMALL or s[2] in CN_BIG):
        d1, d2 = CN_DIGITS[s[0]], CN_DIGITS[s[1]]
        if 0 < d1 < d2:
            rest = parse_numeral("一" + s[2:])
            if rest is not None:
                return d1 * rest, d2 * rest
    return None


CN_MAG_CHARS = "".join(CN_SMALL) + "".join(CN_BIG)


# --------------------------------------------------------------------------- patterns
_CNC = f"[{CN_CHARS}几]"
NUM_RE = re.compile(
    rf"(?P<sign>零下|负|[-+−－＋])?"
    rf"(?:(?P<ar>\d{{1,3}}(?:[,，]\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"|(?P<cn>(?:数(?=[十百千万亿]))?{_CNC}(?:{_CNC}|[点點](?={_CNC}))*))")
# Spans that never hold a quantity: addresses, identifiers, citations, calendar forms.
SKIP_RE = re.compile(r"""
    (?:https?://|ftp://|www\.)[^\s，。；、）)】》\u4e00-\u9fff]+          # URL
  | [A-Za-z0-9._%+-]+[@＠][A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+                                   # e-mail
  | \b10\.\d{4,9}/[^\s，。；）)]+                                     # DOI
  | \[\s*\d+(?:\s*[-–,，、]\s*\d+)*\s*\]                             # citation [1] [2-4]
  | \d{4}\s?[-–~至]\s?\d{4}(?=\s?年)                                 # year range 2022-2024年
  | (?<![\d.])(?:19|20)\d{2}(?:[-/]\d{1,2}(?:[-/]\d{1,2})?|\.\d{1,2}\.\d{1,2})(?![\d])  # 2021-1-11 2022.4.29 2021-07
  | (?<![\d.])\d{1,2}:\d{2}(?::\d{2})?                                # 9:30
  | (?<![\d.])\d+(?:\.\d+){2,}                                       # section 7.2.1
  | (?:\+?86[-\s]?)?(?<!\d)1[3-9]\d{9}(?!\d)                          # mobile phone
  | (?<!\d)[(（]?0\d{2,3}[)）]?[-\s]\d{7,8}(?!\d)                    # landline
  | (?<![\d.])\d(?:[ \u00a0]\d){2,}(?![\d.])                           # letter-spaced 2 0 1 9
  | [（(]\s?(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s?[)）]            # enumerator （1） （一）
  | (?<![\d（(.])\d{1,2}[)）]                                          # enumerator 1）
  | (?<![\u4e00-\u9fff])[一二三四五六七八九十]{1,3}、                  # enumerator 一、
  | (?:[-+]?\d+(?:\.\d+)?%){3,}                                      # chart axis -60%-40%-20%
  | \b(?!(?:RMB|USD|HKD|CNY|EUR|GBP|US)\d)[A-Za-z]+[-_]?\d+(?:[-_.]?[A-Za-z0-9]+)*                                 # COVID-19 S012 22Q1 n1
  | (?<![\d.])\d+[-_][A-Za-z][A-Za-z0-9]*                                      # 2019-nCoV
""", re.X)
def _code_re() -> re.Pattern:
    """Stock codes: NNNNNN.SH / 0700.HK (suffixes in exchanges.tsv, the suffix is in the span),
    （688556） in brackets, 代码：688556."""
    alts = []
    for row in _lines("exchanges.tsv"):
        lo, _, hi = row[1].partition("-")
        alts.append(rf"[0-9]{{{lo},{hi or lo}}}\.{re.escape(row[0])}")
    return re.compile(rf"(?<![\d.])(?P<code>{'|'.join(alts)})(?![A-Za-z0-9])"
                      r"|(?<=[（(])(?P<code2>[0-9]{6})(?=[)）])"
                      r"|(?<=代码[:：])\s?(?P<code3>[0-9]{6})(?!\d)")


CODE_RE = _code_re()
ORDINAL_EN_RE = re.compile(r"(\d+)(?:st|nd|rd|th)\b")
RANGE_RE = re.compile(r"(?:（含）|\(含\))?[ \u00a0]?(?:--|——|-|–|—|~|～|至|到|－|to)[ \u00a0]?")
FRACTION_RE = re.compile(rf"分之(?P<num>负?[{CN_CHARS}点]+|-?\d+(?:\.\d+)?)")
SLASH_FRACTION_RE = re.compile(r"/(\d+)(?![\d/.])")
MONEY_TAIL_RE = re.compile(rf"零?(?P<jiao>\d|[{''.join(CN_DIGITS)}])(?:角|毛)(?:(?P<fen>\d|[{''.join(CN_DIGITS)}])分)?|零?(?P<fen2>\d|[{''.join(CN_DIGITS)}])分")
JIAO_FEN_RE = re.compile(rf"(?P<neg>负)?(?:(?P<jiao>[{''.join(CN_DIGITS)}\d])[角毛])?零?(?:(?P<fen>[{''.join(CN_DIGITS)}\d])分)?(?<=[角毛分])")
MONEY_END_RE = re.compile(r"整|正|钱")
ENUM_START_RE = re.compile(r"\d{1,3}(?:[.．、](?!\d)|[ \u00a0\t]+(?=\D))")
FIGURES_ONLY_RE = re.compile(r"\s*(?:[-+]?\d[\d,.]*\s*[%‰]?\s*)+")
BLOCK_ONLY_NUMBER_RE = re.compile(r"\s*[-–—]?\s*(?:第\s*)?\d{1,4}\s*(?:页)?\s*[-–—]?\s*$")
LABEL_UNIT_RE = re.compile(r"[（(]([^（()）]{1,6})[)）][:：]?\s*\Z")   # 价格(元)：82.42
EN_UNIT_RE = re.compile(r"[ \u00a0]([a-z]+)")
COORD_RE = re.compile(r"\s?(?:、|和|与|及|或|,|，|and|or)\s?")
TITLE_RE = re.compile(r"《[^《》\n]{1,120}》")   # a cited work: its figures are part of its name


@dataclass
class _Q:
    """A quantity being built: where it is and what it says."""
    start: int
    end: int
    value: float
    unit: str | None = None
    unit_kind: str | None = None
    approx: str | None = None
    bound: str | None = None
    mag: float = 1.0
    kind: str | None = None
    lower: float | None = None
    upper: float | None = None
    bare_num: float = 0.0         # the number before any magnitude (for ranges and lists)
    cn: bool = False
    cn_text: str = ""
    sign: bool = False
    cue: bool = False             # a bare number with a cue word before it (为/达/：)
    labelled: bool = False        # the unit came from a row label: 绝对涨幅(%) 7.18 32.88
    step: float = 0.0             # 1100多 → 100: the place 多/余 rounds at, so upper = value + step
    post_bound: bool = False      # the qualifier is a word after the number (以内, 以上, 左右)


class Extractor:
    """One pass over a text: candidates from one regex, each grown into a quantity or dropped."""

    def __init__(self) -> None:
        self.lx = lexicon()

    # -- the number itself plus what follows it
    def _core(self, text: str, m: re.Match) -> _Q | None:
        start = m.start()
        sign = m.group("sign")
        if sign and sign in "-+−－＋":
            prev = text[start - 1] if start else " "
            if (prev.isascii() and prev.isalnum()) or prev in "%)）.-/":
                sign, start = None, m.start("ar") if m.group("ar") else m.start("cn")
        raw = m.group("ar") or m.group("cn")
        q: _Q
        if m.group("ar"):
            v = float(raw.replace(",", "").replace("，", ""))
            q = _Q(start, m.end(), v, bare_num=v)
        else:
            vague = parse_vague(raw)
            if vague and ("几" in raw or raw.startswith("数")):
                # 数十篇, 十几个: "some tens" is more than ten (GUIDELINES settled difference 14)
                lo, hi = vague
                q = _Q(start, m.end(), lo, approx="more", lower=lo, upper=hi, bare_num=lo, cn=True, cn_text=raw)
            elif vague:
                lo, hi = vague
                q = _Q(start, m.end(), lo, approx="about", kind="range", lower=lo, upper=hi,
                       bare_num=lo, cn=True, cn_text=raw)
            else:
                v = parse_numeral(raw)
                if v is None:
                    return None
                q = _Q(start, m.end(), v, bare_num=v, cn=True, cn_text=raw)
                if any(c in CN_MAG_CHARS for c in raw) and raw[-1] in CN_BIG:
                    q.mag = CN_BIG[raw[-1]]
        if sign:
            q.sign = True
            if sign in ("负", "-", "−", "－", "零下"):
                q.value, q.bare_num = -q.value, -q.bare_num
                if q.lower is not None:
                    q.lower, q.upper = -q.upper, -q.lower
        return q

    def _tail(self, text: str, q: _Q) -> None:
        """Magnitudes, 多/余 and the unit after the number: 20余万人次, 3千多, 4,000 万千米."""
        lx = self.lx
        p = q.end
        n = len(text)
        took_qual = False
        while p < n:
            # 两个亿: a measure word between numeral and magnitude
            if text.startswith("个", p) and p + 1 < n and text[p + 1] in "万亿" and q.mag == 1:
                q.mag = CN_BIG[text[p + 1]]
                q.value *= q.mag
                p = q.end = p + 2
                continue
            if not took_qual and q.unit is None and p < n and text[p] in "多余来几" and q.lower is None:
                # 多/余 right after the number or its magnitude: 1100多, 20余万, 3千多
                nxt = text[p + 1] if p + 1 < n else ""
                if q.value == int(q.value) and (nxt in CN_CHARS or self._unit_at(text, p + 1) or not is_cjk(nxt) or nxt in "万亿千百"):
                    approx, _, bound = lx.qual[text[p]]
                    q.approx, q.bound = approx, bound
                    if approx == "more" and text[p] in "多余":
                        q.step = _place(q.value)
                    took_qual = True
                    p += 1
                    q.end = p
                    continue
            hit = self._unit_at(text, p)
            if hit is None:
                break
            word, wend = hit
            if word in lx.mags and word not in lx.units:
                if q.unit is not None or (q.cn and is_cjk(word[0]) and not took_qual):
                    break             # 三千万 is one run; but 二十余万, 三千多万 fold after the 余/多
                q.mag *= lx.mags[word]
                q.value *= lx.mags[word]
                q.step *= lx.mags[word]
                p = q.end = wend
                continue
            q.unit_kind, q.unit = lx.units[word]
            p = q.end = wend
            break
        if q.unit is None:
            me = EN_UNIT_RE.match(text, p)
            if me and me.group(1) in lx.en_units:
                q.unit, q.unit_kind, q.end = me.group(1), "count", me.end()
                p = q.end
        # allow one line break between a number and a Chinese unit (a wrapped line)
        if q.unit is None and p < n and text[p] == "\n":
            hit = self._unit_at(text, p + 1)
            if hit and is_cjk(hit[0][0]) and hit[0] in lx.units:
                q.unit_kind, q.unit = lx.units[hit[0]]
                q.end = hit[1]
        if q.unit == "块" and MONEY_TAIL_RE.match(text, q.end):
            q.unit_kind, q.unit = "money", "元"   # 十块三毛: 块 is money only where 毛/角/分 follow
        if q.unit_kind == "money" and q.unit in ("元", "圆", "块", "块钱"):
            q.unit = lx.units[q.unit][1]
            p = q.end
            mt = MONEY_TAIL_RE.match(text, p)
            if mt:
                jiao = mt.group("jiao")
                fen = mt.group("fen") or mt.group("fen2")
                q.value += (self._digit(jiao) * 0.1 if jiao else 0) + (self._digit(fen) * 0.01 if fen else 0)
                q.end = mt.end()
            after = self._unit_at(text, q.end)
            if after and after[0] in lx.units and lx.units[after[0]][0] == "money":
                q.unit = lx.units[after[0]][1]     # 三万元欧元, 9000元日币, 数十亿元人民币
                q.end = after[1]
            me = MONEY_END_RE.match(text, q.end)
            if me:
                q.end = me.end()
        # post qualifiers after the unit: 5.2%左右, 50万元（含）以上, 30w上下
        if q.approx is None:
            mp = lx.post_re.match(text, q.end)
            if mp:
                word = mp.group(0).strip().replace("（含）", "").replace("(含)", "").strip()
                key = next((k for k in lx.qual if k.lower() == word.lower()), None)
                if key and not (key.isascii() and mp.end() < n and text[mp.end()].isalpha()):
                    q.approx, _, q.bound = lx.qual[key]
                    q.end = mp.end()
                    q.post_bound = True

    def _unit_at(self, text: str, p: int) -> tuple[str, int] | None:
        m = self.lx.tail_re.match(text, p)
        if not m:
            return None
        word = m.group(0).lstrip(" \u00a0")
        end = m.end()
        if word[-1].isascii() and word[-1].isalpha() and end < len(text) and text[end].isascii() and text[end].isalpha():
            return None      # "m" of "more", "k" of "kids"
        guard = self.lx.unit_guard.get(word)
        if guard == "decimal":
            if not re.search(r"\d\.\d+[ \u00a0]?\Z", text[max(0, p - 12):p]):
                return None  # 三级医院, 一级响应: a grade; 6.8级 is a magnitude
        elif guard and end < len(text) and (text[end] in guard or (guard == "cjk" and is_cjk(text[end]))):
            return None      # 5A级, A股, 3C产品: a grade, a share class, a product family
        return word, end

    @staticmethod
    def _digit(c: str | None) -> float:
        if not c:
            return 0.0
        return float(c) if c.isdigit() else float(CN_DIGITS.get(c, 0))

    # -- what comes before
    def _head(self, text: str, q: _Q) -> None:
        lx = self.lx
        before = text[max(0, q.start - 16):q.start]
        mp = lx.prefix_re.search(before)
        if mp:
            cur = lx.prefix[mp.group(0).strip()]
            if q.unit is None or q.unit == "元":
                q.unit, q.unit_kind = cur, "money"
                q.start -= len(mp.group(0))
                before = text[max(0, q.start - 16):q.start]
        mq = lx.pre_re.search(before)
        if mq:
            word = mq.group(0).strip()
            key = next((k for k in lx.qual if k.lower() == word.lower()), None)
            ok = key is not None and not (key.isascii() and mq.start() > 0 and before[mq.start() - 1].isalpha())
            if ok:
                if q.approx is None:          # 大约十多: the nearer 多 already said more
                    q.approx, _, q.bound = lx.qual[key]
                q.start -= len(mq.group(0))
        if q.kind == "range" and q.start > 0 and text[q.start - 1] in "从由":
            q.start -= 1                      # 从8500到3万港元

    # -- the whole candidate
    def build(self, text: str, m: re.Match, standalone: bool = False) -> _Q | None:
        q = self._core(text, m)
        if q is None:
            return None
        # 三分之一 / 百分之八
        if q.cn and not q.kind:
            fm = FRACTION_RE.match(text, q.end)
            if fm:
                numer = parse_numeral(fm.group("num"))
                if numer is None or not q.value:
                    return None
                if q.cn_text in ("百", "千"):
                    q.value, q.cn_text = numer, q.cn_text + fm.group(0)
                    q.unit, q.unit_kind = ("%", "percent") if q.cn_text == "百" else ("‰", "percent")
                else:
                    q.value, q.kind = numer / q.value, "fraction"
                q.end = fm.end()
                self._head(text, q)
                return q
        if not q.cn and not q.kind:
            sm = SLASH_FRACTION_RE.match(text, q.end)
            if sm and q.value == int(q.value) and float(sm.group(1)) > 0:
                q.value, q.kind, q.end = q.value / float(sm.group(1)), "fraction", sm.end()
                hit = self._unit_at(text, q.end)
                if hit and self.lx.units.get(hit[0], ("",))[0] in ("measure", "percent"):
                    # 1/3C is a charge rate: kind says what it is, not how its numeral is written
                    q.unit_kind, q.unit = self.lx.units[hit[0]]
                    q.kind, q.end = q.unit_kind, hit[1]
                return q
            om = ORDINAL_EN_RE.match(text, m.start("ar"))
            if om:
                q.kind, q.end = "ordinal", om.end()
                return q
        self._tail(text, q)
        # ranges: 3–5%, 1万-5万元, 两到三万港元, 8500到3万
        if q.unit_kind != "date" and q.kind is None and q.approx is None:
            rm = RANGE_RE.match(text, q.end)
            conn = rm.group(0) if rm else ""
            signlike = conn[:1] in " \u00a0" and conn[-1:] not in " \u00a0" and conn.strip() in "-－"
            if rm and not signlike and (conn.strip() != "to" or not q.cn):   # "-60% -40%": a sign
                m2 = NUM_RE.match(text, rm.end())
                if m2 and not m2.group("sign"):
                    q2 = self._core(text, m2)
                    if q2 is not None and q2.kind is None:
                        self._tail(text, q2)
                        if q2.approx is None and (q.unit is None or q.unit == q2.unit):
                            lo = q.value
                            f = _trailing_factor(q2)
                            if f > 1 and q.mag == 1 and q.unit is None and _lacks_rank(q, f) and q.value * f <= q2.value:
                                lo = q.value * f      # 两到三万 = 2万–3万; but 8500到3万 stays 8500
                            if lo <= q2.value:
                                q.kind, q.lower, q.upper, q.value = "range", lo, q2.value, lo
                                q.unit, q.unit_kind, q.mag = q2.unit, q2.unit_kind, max(q.mag, q2.mag)
                                q.end = q2.end
                                if q.approx is None and q2.approx:
                                    q.approx = q2.approx
        # ordinal 第N; 十二届六次全会: N次 after 届 counts sessions, it is an ordinal too
        if q.start > 0 and text[q.start - 1] == "第" and q.kind is None and not q.sign:
            q.start -= 1
            q.kind = "ordinal"
        elif q.start > 0 and text[q.start - 1] == "届" and q.unit == "次" and q.kind is None:
            q.kind = "ordinal"
        elif q.start > 0 and text[q.start - 1] == "第" and q.kind == "range":
            return None               # 第1.2至1.6节: a reference to sections
        elif (q.start > 0 and text[q.start - 1] == "前" and q.unit in self.lx.ranks and q.kind is None
              and q.approx is None and not q.sign):
            q.start -= 1              # 降幅居全国前5位: the top five, a rank
            q.kind, q.approx, q.bound = "ordinal", "less", "upper"
        if q.kind == "ordinal" and q.unit in self.lx.ranks:
            q.unit, q.unit_kind = None, None    # 第1位: 位 is "place", not a unit
        self._head(text, q)
        return q


def _trailing_factor(q: _Q) -> float:
    """The magnitude a range's first number borrows from the second: 三万 → 万, 九百亿 → 亿, 3千 → 千."""
    if not q.cn:
        return q.mag
    raw = q.cn_text
    f, i = 1.0, len(raw)
    while i > 0 and raw[i - 1] in CN_BIG:
        f *= CN_BIG[raw[i - 1]]
        i -= 1
    if f == 1.0 and len(raw) == 2 and raw[1] in CN_SMALL and raw[0] in CN_DIGITS:
        f = CN_SMALL[raw[1]]
    return f


def _lacks_rank(q: _Q, f: float) -> bool:
    if not q.cn:
        return q.mag == 1
    if f >= 1e4:
        return not any(c in CN_BIG for c in q.cn_text)
    return not any(c in CN_BIG or c in CN_SMALL for c in q.cn_text)


# --------------------------------------------------------------------------- the stage
def _spans(rows: list[Any], keep=None) -> list[tuple[int, int]]:
    out = []
    for r in rows or []:
        s = r.get("start") if isinstance(r, dict) else getattr(r, "start", None)
        e = r.get("end") if isinstance(r, dict) else getattr(r, "end", None)
        if not isinstance(s, int) or not isinstance(e, int) or (keep and not keep(r)):
            continue
        out.append((int(s), int(e)))
    out.sort()
    return out


def _overlaps(spans: list[tuple[int, int]], starts: list[int], s: int, e: int) -> bool:
    """Does [s, e) overlap one of the spans (sorted by start; spans are short, so look back a few)?"""
    i = bisect_right(starts, e - 1) - 1
    for j in range(i, max(i - 8, -1), -1):
        if spans[j][1] > s:
            return True
    return False


def _is_name(row: Any) -> bool:
    label = (row.get("label") if isinstance(row, dict) else getattr(row, "label", None)) or \
            (row.get("type") if isinstance(row, dict) else getattr(row, "type", None)) or ""
    return str(label).upper() not in lexicon().open_labels


def extract(text: str, standalone: bool = False, roles: Any = None,
            cells: list[tuple[int, int]] | None = None) -> list[_Q]:
    """All quantities of `text`, in order. `standalone` treats the text as one expression
    (the agreement benchmarks): bare numbers and lone 一 are kept there. `cells` are the spans
    of table blocks: a bare figure there is a cell under a header that says what it counts
    (人数 … 1), so it needs no cue word (GUIDELINES settled difference 16)."""
    ex = _extractor()
    lx = ex.lx
    out: list[_Q] = []
    skips = [(m.start(), m.end()) for m in SKIP_RE.finditer(text)] if not standalone else []
    codes = []
    for m in CODE_RE.finditer(text):
        g = "code" if m.group("code") else "code2" if m.group("code2") else "code3"
        s, e = m.start(g), m.end(g)
        codes.append(_Q(s, e, float(m.group(g).partition(".")[0]), kind="code"))
    code_starts = {c.start for c in codes}
    skip_starts = [s for s, _ in skips]
    pos = 0
    n = len(text)
    while True:
        m = NUM_RE.search(text, pos)
        if not m:
            break
        s0 = m.start()
        if s0 in code_starts:
            c = next(c for c in codes if c.start == s0)
            out.append(c)
            pos = max(c.end, m.end())
            continue
        i = bisect_right(skip_starts, s0) - 1
        if i >= 0 and skips[i][1] > s0:
            pos = skips[i][1]
            continue
        try:
            q = ex.build(text, m, standalone)
            if q is None or not math.isfinite(q.value):
                pos = m.end()
                continue
            pos = max(q.end, m.end())
            if not standalone and not _plausible(text, q, ex, lx):
                continue
        except OverflowError:      # a 400-digit number: not a quantity, and not a reason to fail
            pos = m.end()
            continue
        out.append(q)
    # shared unit along a 、 list: the last member carries unit and magnitude for all
    if not standalone:
        for i in range(len(out) - 2, -1, -1):
            a, b = out[i], out[i + 1]
            if a.unit is None and a.mag == 1 and a.kind is None and a.approx is None and (b.unit or b.mag > 1) \
                    and b.kind in (None,) and re.fullmatch(r"\s?、\s?", text[a.end:b.start]) and a.cn == b.cn:
                a.value *= b.mag
                a.mag, a.unit, a.unit_kind = b.mag, b.unit, b.unit_kind
    if not standalone:
        # a bound after a coordinated list applies to each member: 控制在5%和3%以内 → both less
        for i in range(len(out) - 2, -1, -1):
            a, b = out[i], out[i + 1]
            if b.post_bound and a.approx is None and a.kind is None and a.unit == b.unit and a.unit is not None \
                    and COORD_RE.fullmatch(text, a.end, b.start):
                a.approx, a.bound, a.post_bound = b.approx, b.bound, True
        # a labelled row: 绝对涨幅(%) 7.18 32.88 80.86 — the label's unit runs along the row
        for a, b in zip(out, out[1:]):
            if a.labelled and b.unit is None and b.mag == 1 and b.kind is None and b.approx is None \
                    and not b.cn and text[a.end:b.start].strip() == "":
                b.value *= a.mag
                b.unit, b.unit_kind, b.mag, b.labelled = a.unit, a.unit_kind, a.mag, True
        out = _drop_scales(text, out)
    keep = []
    for q in out:
        if q.kind == "code":
            keep.append(q)
            continue
        bare = q.unit is None and q.mag == 1 and q.approx is None and q.kind in (None,)
        if q.unit_kind == "date":
            continue
        if not standalone:
            if bare and not q.cue and not (cells and not q.cn and _in_spans(cells, q.start) and _whole_cell(text, q)):
                continue
        keep.append(q)
    for q in keep:
        _finish(q)
    return [q for q in keep if math.isfinite(q.value)]


def _whole_cell(text: str, q: _Q) -> bool:
    """A cell is a whole token: 沪深300 in a table is a name, `1` between spaces a cell."""
    return (q.start == 0 or text[q.start - 1].isspace()) and (q.end >= len(text) or text[q.end].isspace())


def _in_spans(spans: list[tuple[int, int]], p: int) -> bool:
    i = bisect_right(spans, (p, math.inf)) - 1
    return i >= 0 and spans[i][0] <= p < spans[i][1]


def _drop_scales(text: str, qs: list[_Q]) -> list[_Q]:
    """Axis scales: three or more figures of one unit, nothing but spaces between them, in equal
    steps (100% 120% 140% …, -60% -40% -20%). A table row (4.5% 110.0% 135.1%) has no such step."""
    drop: set[int] = set()
    grids: list[tuple[str | None, float, float, int, int]] = []
    i = 0
    while i < len(qs):
        j = i
        while (j + 1 < len(qs) and qs[j + 1].unit == qs[i].unit and qs[j + 1].kind is None
               and qs[j + 1].approx is None and not text[qs[j].end:qs[j + 1].start].strip()):
            j += 1
        run = qs[i:j + 1]
        if len(run) >= 3 and run[0].kind is None and run[0].approx is None:
            k = 0
            while k + 2 < len(run):
                step = run[k + 1].value - run[k].value
                m = k + 1
                while m + 1 < len(run) and step and abs(run[m + 1].value - run[m].value - step) < 1e-9:
                    m += 1
                if m - k + 1 >= 3:
                    drop.update(range(i + k, i + m + 1))
                    grids.append((run[k].unit, run[k].value, step, i + k, i + m))
                    k = m + 1
                else:
                    k += 1
        i = j + 1
    # a lone tick next to a scale, on its grid (0% after 20% 40% 60% 80%), is the same axis
    for unit, v0, step, a, b in grids:
        for n, near, way in ((a - 1, a, -1), (b + 1, b, 1)):
            while 0 <= n < len(qs) and n not in drop:
                q, r = qs[n], qs[near]
                gap = text[q.end:r.start] if way < 0 else text[r.end:q.start]
                k = (q.value - v0) / step
                if not (q.unit == unit and q.kind is None and q.approx is None and not gap.strip()
                        and abs(k - round(k)) < 1e-9):
                    break
                drop.add(n)
                near, n = n, n + way
    return [q for n, q in enumerate(qs) if n not in drop]


def _plausible(text: str, q: _Q, ex: Extractor, lx: Lexicon) -> bool:
    """Context checks that keep noise out (run before 、-lists borrow a unit)."""
    s, e = q.start, q.end
    prev = text[s - 1] if s > 0 else "\n"
    nxt = text[e] if e < len(text) else "\n"
    core_s = s
    # digits glued to Latin letters or a hyphenated name (COVID-19, 2019-nCoV)
    if prev.isascii() and prev.isalpha() and not lx.prefix_re.search(text[max(0, s - 4):s]):
        return False
    if nxt.isascii() and nxt.isalpha() and text[e - 1].isascii():
        return False          # 22Q1, 3M; but 313727条COVID-19序列 keeps its 条
    if nxt in "-_" and e + 1 < len(text) and text[e + 1].isascii() and text[e + 1].isalpha():
        return False
    if q.unit_kind == "date":
        return False
    if q.sign and text[s] in "-－" and s > 0 and is_cjk(text[s - 1]) and q.unit and len(q.unit) == 1 \
            and q.unit.isascii() and q.unit.isupper() and not text[q.end - 2].isspace():
        return False          # 歼-35A, 运-20A: a model designation, not minus 35 amperes
    if q.unit_kind == "ordinal" and q.kind != "ordinal":
        return False          # 二十届, 二期: 届/期 number an edition or a phase, they do not count
    # lexicalized numerals: 第一时间, 千万, 万一
    mlex = lx.lex_re.match(text, core_s)
    if mlex and mlex.end() >= e - (1 if q.unit else 0):
        return False
    if q.kind == "ordinal":
        return q.unit not in lx.sections     # 第十四条, 第三章: section numbers
    if q.unit_kind == "count" and q.mag == 1 and q.value != int(q.value) and q.kind is None:
        return False          # 2.2本: a measure word counts whole things; this is a section number
    if q.kind == "range" and q.unit is None and q.mag == 1:
        # 表2-3, 3-5: without unit, magnitude or cue a span of two numbers is a reference
        if not _label_unit(text, q, lx) and not lx.cue_re.search(text[max(0, s - 8):s]):
            return False
    # a number at the start of a block followed by "." or a space: enumerator or footnote marker
    if prev == "\n" or s == 0:
        if ENUM_START_RE.match(text, s) and q.unit is None and q.mag == 1:
            return False
    if q.cn:
        if not any(c in CN_DIGITS or c in CN_SPECIAL or c == "几" for c in q.cn_text.lstrip("十数")) and q.cn_text[0] not in "十数" \
                and not (q.post_bound and q.unit and q.approx and prev not in "百千万亿"):
            return False          # 百万, 万亿: a magnitude word; but 亿元以上 (a threshold) is a figure
        if len(q.cn_text) == 1 and q.unit_kind == "money" and q.approx is None and q.kind is None \
                and not MONEY_END_RE.match(text, e - 1) and text[e - 1] in "元圆":
            return False          # 三元布局: a word; 三元钱 / 三元整 stay money
        if q.cn_text in ("零", "〇", "○") and q.approx is None:
            return False          # 零部件, 零售: 零 alone is never a figure in running text
        if q.cn_text == "一" and q.approx is None and q.kind is None and q.mag == 1:
            return False          # 一所机构: an article, not a count
        if prev in "“「『\"" and q.kind is None:
            return False          # “两个确立” “八条硬措施”: a numeral opening a slogan is part of a name
        if lx.demo_re.search(text[max(0, s - 3):s]):
            return False          # 这两个平台: a reference back
        if q.unit is None and q.mag == 1 and q.kind is None:
            return False          # a Chinese numeral with nothing after it (两岸, 十一)
    if q.unit is None and q.mag == 1 and q.kind is None and q.approx is None:
        # bare: years are dates; others need a cue (为/达/：) in Chinese text
        if not q.cn and 1900 <= q.value <= 2100 and q.value == int(q.value) and not q.sign:
            return False
        before = text[max(0, s - 8):s]
        if lx.ref_re.search(text, max(0, s - 12), s) or (q.value != int(q.value) and _after_ref(text, s, lx)):
            return False          # Table 3, Figure 2, 图3, "4.1.5 and 5.11": a label, not a quantity
        if _label_unit(text, q, lx):
            return True
        if lx.cue_re.search(before):
            q.cue = True
            return True
        if _english_context(text, s):
            q.cue = True
            return True
        # may still borrow a unit from a 、 list; judged after that
        q.cue = False
        return True
    return True


def _label_unit(text: str, q: _Q, lx: Lexicon) -> bool:
    """总股本(百万股)： 227.92 / 周内股价区间(元)：21.60-97.40: the unit stands in the label."""
    lab = LABEL_UNIT_RE.search(text, max(0, q.start - 12), q.start)
    if not lab:
        return False
    word, mag = lab.group(1), 1.0
    while word and word not in lx.units and word[0] in lx.mags:
        mag *= lx.mags[word[0]]
        word = word[1:]
    if word not in lx.units or lx.units[word][0] == "date":
        return False
    q.unit_kind, q.unit = lx.units[word]
    q.value *= mag
    if q.lower is not None:
        q.lower *= mag
        q.upper = q.upper * mag if q.upper is not None else None
    q.mag = mag
    q.labelled = True
    return True


def _after_ref(text: str, s: int, lx: Lexicon) -> bool:
    """A decimal joined by and/or/、/, to a section number just before it (4.1.5 and 5.11)."""
    m = re.search(r"(\d+(?:\.\d+)+)\s*(?:and|or|to|,|、|和|及|至)\s*\Z", text[max(0, s - 24):s])
    return bool(m) and (m.group(1).count(".") >= 2 or bool(lx.ref_re.search(text, max(0, s - 40), s - len(m.group(0)))))


def _english_context(text: str, s: int) -> bool:
    i = s - 1
    while i >= 0 and text[i] in " \u00a0$(":
        i -= 1
    if i < 0:
        return False
    return text[i].isascii() and (text[i].isalpha() or text[i] in ",;")


def _finish(q: _Q) -> None:
    q.value = _tidy(q.value)
    q.lower = _tidy(q.lower) if q.lower is not None else None
    q.upper = _tidy(q.upper) if q.upper is not None else None
    if q.kind is None:
        if q.unit_kind in ("money", "percent", "measure"):
            q.kind = q.unit_kind
        else:
            q.kind = "count"
    if q.kind == "range":
        return
    if q.bound == "lower":
        q.lower = q.value
        if q.step:
            q.upper = _tidy(q.value + q.step)   # 1100多 is below 1200, 20余万 below 30万
    elif q.bound == "upper":
        q.upper = q.value


def _place(v: float) -> float:
    """The decimal place of the last non-zero digit of a whole number: 1100 → 100, 14 → 1."""
    if not math.isfinite(v) or v <= 0 or v != int(v):
        return 0.0
    n, step = int(v), 1
    while n % 10 == 0:
        n //= 10
        step *= 10
    return float(step)


def _tidy(v: float) -> float:
    """9.3 × 1e8 is 930000000.0000001 in binary; 12 significant digits are all a report has."""
    return float(f"{v:.12g}")


_EX: Extractor | None = None


def _extractor() -> Extractor:
    global _EX
    if _EX is None:
        _EX = Extractor()
    return _EX


def normalise(expr: str) -> _Q | None:
    """The one quantity an expression states (1.2万元, 约4.287亿美元, 三分之一), or None."""
    e = expr.strip()
    v = parse_numeral(e) if e and "几" not in e else None
    if v is not None:                  # a bare numeral, also mixed ones (100万三千, 1万600)
        return _Q(0, len(expr), v, cn=True, cn_text=e, kind="count")
    mj = JIAO_FEN_RE.fullmatch(e)
    if mj:                             # 肆角叁分, 壹分, 负壹角: an amount below one 元
        neg = -1.0 if mj.group("neg") else 1.0
        val = Extractor._digit(mj.group("jiao")) * 0.1 + Extractor._digit(mj.group("fen")) * 0.01
        return _Q(0, len(expr), neg * val, unit="元", unit_kind="money", kind="money")
    qs = extract(expr, standalone=True)
    if not qs or expr[:qs[0].start].strip() or expr[qs[0].end:].strip(" 。，,.;；"):
        return None                    # not one quantity: 零点零大, 10.1万零100
    return qs[0]


def rows_for(doc: Document) -> list[NumberRow]:
    text = doc.text
    sents = sorted((r for r in doc.tables.get("sentences") or []
                    if isinstance(_get(r, "start"), int) and isinstance(_get(r, "end"), int)),
                   key=lambda r: _get(r, "start"))
    sent_starts = [_get(r, "start") for r in sents]
    dates = _spans(doc.tables.get("dates"))
    date_starts = [a for a, _ in dates]
    ents = sorted(_spans(doc.tables.get("entities"), keep=_is_name)
                  + [(m.start(), m.end()) for m in TITLE_RE.finditer(text)])
    ent_starts = [a for a, _ in ents]
    rows = []
    bare_blocks: dict[int, bool] = {}
    cells = sorted((b.start, b.end) for b in doc.blocks if b.role == "table" and b.start >= 0)
    for q in extract(text, cells=cells):
        if dates and _overlaps(dates, date_starts, q.start, q.end):
            continue
        if ents and _overlaps(ents, ent_starts, q.start, q.end) and (q.kind != "code" or _in_title(text, q)):
            continue
        block = doc.block_at(q.start)
        if block is not None and block.role == "footnote" and q.unit is None and q.mag == 1:
            continue
        if block is not None and BLOCK_ONLY_NUMBER_RE.fullmatch(block.text or ""):
            continue          # a page number that ingest left in the text
        if block is not None and _tick_run(doc, block, bare_blocks):
            continue          # chart axis ticks: -60% -40% … each a block of its own
        sent_id = -1
        if sents:
            i = bisect_right(sent_starts, q.start) - 1
            if i >= 0 and _get(sents[i], "end") > q.start:
                sent_id = int(_get(sents[i], "sent_id"))
        rows.append(NumberRow(doc.doc_id, sent_id, q.start, q.end, text[q.start:q.end], float(q.value),
                              q.unit, q.approx, q.lower, q.upper, q.kind or "count", doc.page_at(q.start)))
    return rows


def _in_title(text: str, q: _Q) -> bool:
    """Is q inside a 《》 title (高测股份（688556.SH）：… cited in 相关研究 is the title's, not a figure)?"""
    a = text.rfind("《", max(0, q.start - 120), q.start)
    return a >= 0 and "》" not in text[a:q.start] and "》" in text[q.end:q.end + 120]


def _tick_run(doc: Document, block: Any, memo: dict[int, bool]) -> bool:
    """A block holding only figures, next to another such block: axis labels or an unlabelled
    column, figures without anything saying what they measure."""
    def only(i: int) -> bool:
        if i not in memo:
            b = doc.blocks[i] if 0 <= i < len(doc.blocks) else None
            memo[i] = bool(b is not None and b.start >= 0 and FIGURES_ONLY_RE.fullmatch(b.text or ""))
        return memo[i]
    i = block.block_id
    return only(i) and (only(i - 1) or only(i + 1))


def _get(r: Any, k: str) -> Any:
    return r.get(k) if isinstance(r, dict) else getattr(r, k, None)


@stage("numbers")
def make_numbers(cfg: dict[str, Any]):
    lexicon()   # load the data files once per process, not per document

    def run(doc: Document) -> None:
        doc.add_rows("numbers", rows_for(doc))
    return run
