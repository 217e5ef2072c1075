"""Calendar arithmetic for the `dates` stage: month lengths, shifting by durations, periods as
day intervals, lunar dates and solar terms (lunar-python, cached: its year model is slow)."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .lexicon import cn_int

if TYPE_CHECKING:
    from .normaliser import Mention


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
    if unit.startswith("T"):      # TS / TM / TH: PT30S
        return f"PT{num}{unit[1:]}"
    return f"P{num}{unit}"
