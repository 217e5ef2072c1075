"""Finding date mentions in a text and resolving them along the document's own timeline."""
from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from ..document import Document
from .lexicon import cn_float, cn_int, lexicon, patterns
from .periods import (_add_months, _iso_duration, _last_day, _lunar_value, _parse_anchor_date, _period,
                      _period_value, _shift, _term_day, _year)


@dataclass
class Mention:
    """What one expression says, before the timeline fills in what it leaves out."""
    start: int
    end: int
    year: int | None = None
    year2: int | None = None                   # 2022-2024年: the last year of a compact range
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


@dataclass
class Anchor:
    """A point on the timeline a partial date can borrow from."""
    year: int
    month: int | None = None
    day: int | None = None
    source: str = "inherited"
    mention: Mention | None = None


FULL_YEAR = re.compile(r"(?<![0-9])(?:19|20)\d\d(?![0-9])")


def is_cjk_char(c: str) -> bool:
    return bool(c) and "\u4e00" <= c <= "\u9fff"


COMPACT_CONN = re.compile(r"[ ]?(?:至|到|[-－~～—–]+)[ ]?")
CLAUSE_END = re.compile(r"[，。；;,！？!?\n]")
_Y = r"(?:19|20)\d\d"
# a header row of three or more years, each maybe marked E/A/F (estimate, actual, forecast)
# (patterns open with their first characters and look behind after them: the scan stays fast)
ROW_YEARS = re.compile(rf"(?:19|20)(?<![0-9A-Za-z.,/\-]..)\d\d[EAF]?(?:[ \t]+{_Y}[EAF]?){{2,}}(?![0-9A-Za-z.%\-/])")
ONE_YEAR = re.compile(rf"({_Y})[EAF]?")
# return windows of a performance table: 1M 3M 12M (two or more in a row)
ROW_WINDOWS = re.compile(r"(?<![0-9A-Za-z.])\d{1,2}[DWMY](?:[ \t]+\d{1,2}[DWMY]){1,}(?![0-9A-Za-z])")
WINDOW_GATE = re.compile(r"[DWMY][ \t]+\d")
ONE_WINDOW = re.compile(r"(\d{1,2})([DWMY])")
YEAR_RANGE = re.compile(rf"((?:19|20)(?<![0-9A-Za-z._/\-]..)\d\d)[ ]?[-－~～—–至到][ ]?({_Y})(?![0-9A-Za-z年%.\-/])")
# chart axis ticks: three or more numeric dates in equal steps with nothing else on the line
TICK_LINE = re.compile(rf"^[ \t]*{_Y}[-/.](?:0?[1-9]|1[0-2])(?:[ \t]+{_Y}[-/.](?:0?[1-9]|1[0-2])){{2,}}[ \t]*$", re.M)


def _bare_year(m: Mention) -> bool:
    return (m.type == "date" and m.year is not None and not m.mods and not any(getattr(m, k) for k in (
        "year2", "month", "day", "quarter", "half", "part", "qspan", "mspan", "week", "weekday", "season",
        "term", "rel", "decade", "century")))


def _drop_ticks(text: str, ms: list[Mention]) -> list[Mention]:
    """2021-07 2021-11 2022-03 2022-07 under a chart is a scale, not four dates (GUIDELINES 24)."""
    spans = []
    for m in TICK_LINE.finditer(text):
        ticks = [(int(a) * 12 + int(b)) for a, b in re.findall(r"(\d{4})[-/.](\d{1,2})", m.group(0))]
        steps = {b - a for a, b in zip(ticks, ticks[1:])}
        if len(steps) == 1 and steps.pop() > 0:
            spans.append((m.start(), m.end()))
    if not spans:
        return ms
    return [m for m in ms if not any(a <= m.start < b for a, b in spans)]


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
        for fn in (self._plans, self._numeric, self._zh, self._en, self._durations, self._rows):
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
        return self._unlink(text, _drop_ticks(text, self._join(text, out)))

    def _rows(self, text: str):
        """Dates that only their neighbours make dates: a table header of consecutive years
        (2020 2021 2022E 2023E: E marks the column's figures as estimates and stays outside),
        return windows (1M 3M 6M 12M) and bare year ranges ((2020-2021))."""
        for m in ROW_YEARS.finditer(text):
            ys = [(int(x.group(1)), x.start(1), x.end(1)) for x in ONE_YEAR.finditer(m.group(0))]
            if all(b[0] == a[0] + 1 for a, b in zip(ys, ys[1:])):
                for y, a, b in ys:
                    yield Mention(m.start() + a, m.start() + b, year=y)
        for m in ROW_WINDOWS.finditer(text) if WINDOW_GATE.search(text) else ():
            for x in ONE_WINDOW.finditer(m.group(0)):
                yield Mention(m.start() + x.start(), m.start() + x.end(), type="duration",
                              value=_iso_duration(float(x.group(1)), x.group(2)))
        for m in YEAR_RANGE.finditer(text):
            a, b = int(m.group(1)), int(m.group(2))
            if a < b <= a + 30:
                yield Mention(m.start(), m.end(), year=a, year2=b)

    def _unlink(self, text: str, ms: list[Mention]) -> list[Mention]:
        """从2019年…降低到2022年: 从 only links the two ends of a range, it is not START."""
        words = self.lx.guards.get("range_open", [])
        closers = self.lx.guards.get("range_close", [])
        starts = [w for w, (mod, _g) in self.lx.post.items() if mod == "START"]
        for i, m in enumerate(ms):
            w = next((w for w in words if text.startswith(w, m.start)), None)
            if not w or "START" not in m.mods or m.start + len(w) >= m.end or i + 1 >= len(ms):
                continue
            if any(text.endswith(x, m.start, m.end) for x in starts):
                continue   # 从2001年起至今: 起 says START itself
            between = text[m.end:ms[i + 1].start]
            if not CLAUSE_END.search(between) and any(c in between for c in closers):
                m.mods.remove("START")
                m.start += len(w)
                while m.start < m.end and text[m.start] == " ":
                    m.start += 1
        return ms

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
                    y0 = int(left.group(1))
                    if _bare_year(m) and m.year and y0 < m.year and COMPACT_CONN.fullmatch(left.group(0)[4:]):
                        m.start, m.year, m.year2 = left.start(), y0, m.year   # 2022-2024年: one span
                    else:
                        out.append(Mention(left.start(), left.start() + 4, year=y0))
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
        if any(left.endswith(w) for w in sy.get("lead", [])):
            return True
        if not is_cjk_char(prev) or prev in "".join(sy.get("not_lead", [])):
            return False
        # 需求22年提升: a year when the document writes 20NN nearby (broker-report shorthand)
        win = int((sy.get("context_window") or ["0"])[0])
        near = int((sy.get("context_years") or ["0"])[0])
        yy = int(text[start:start + 2])
        for m in FULL_YEAR.finditer(text, max(0, start - win), min(len(text), end + win)):
            full = int(m.group(0))
            if abs((full // 100) * 100 + yy - full) <= near:
                return True
        return False

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
            if g["t_n"]:
                left = text[max(0, m.start() - 8):m.start()].rstrip(" ").lower()
                if g["t_u"] == "s" and left.endswith(tuple(self.lx.guards.get("en_decade_before", []))):
                    continue   # in their 30s: a decade of life
                men.value = _iso_duration(float(g["t_n"]), self.lx.durations[g["t_u"]])
                yield men
                continue
            pre, post = g["pre"], g["post"]
            if pre and pre in self.lx.guards.get("offset_clause_start", []):
                before = text[m.start() - 1:m.start()] if m.start() else ""
                if before and is_cjk_char(before) and before not in "".join(self.lx.guards.get("offset_clause_lead", [])):
                    pre = None    # 超过三年, 经过两年: 过 belongs to the word before
                    men.start = m.start("n")
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
            if off and unit.startswith("T"):
                off = None    # 三小时前: the table is day-level, a time offset has no date
            if off:
                kind, mod, reading = off
                men.offset = (n, unit, kind, reading)
                if mod:
                    men.mods.append(mod)
            if post and not g["en_n"] and post in self.lx.guards.get("duration_post_outside", []):
                men.end = m.start("post")
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
        m = re.match(r"(\d{4})(?:-(\d\d))?(?:-(\d\d))?(?:/|$)", v)
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
            if men.day2:   # 4月12-19日: one span, a TIMEX3 interval value
                e = dt.date(y, mth, men.day2)
                return f"{s.isoformat()}/{e.isoformat()}", s, e
            return s.isoformat(), s, s
        if mth is not None:
            last = _last_day(y, mth)
            if men.month2:   # 1-5月 → 2022-01/2022-05
                return (f"{y:04d}-{mth:02d}/{y:04d}-{men.month2:02d}", dt.date(y, mth, 1),
                        dt.date(y, men.month2, _last_day(y, men.month2)))
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
        if men.year2:   # 2022-2024年 → 2022/2024
            return f"{y:04d}/{men.year2:04d}", dt.date(y, 1, 1), dt.date(men.year2, 12, 31)
        s, e = dt.date(y, 1, 1), dt.date(y, 12, 31)
        if part and men.part[1] == "year":
            s, e = dt.date(y, part[0], 1), dt.date(y, part[1], _last_day(y, part[1]))
        return f"{y:04d}", s, e
