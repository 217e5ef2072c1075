"""`pipeline bench dates --shared ../shared [--show-misses]`: agreement with JioNLP's time cases.

Runs the cases of ../shared/data/jionlp_tests/test_time_parser.cases.json and
test_time_extractor.cases.json through the `dates` normaliser (the same code as the stage)
and reports agreement per file on the cases that fall in the table's scope.

Parser cases: the case text is a one-line document whose date is JioNLP's `time_base`
(anchor `reference`); we compare on the resolved day interval (union of the rows found):
both ends, except that an open qualifier compares only its fixed end (起/以来/after: the
start; 以前/before: the end), because JioNLP closes those at "now" or infinity.
Durations compare on the ISO duration (W = 7 D, Q = 3 M), recurrences (每年) on their period.

Not applicable (counted and listed by reason, never scored):
  time_of_day   JioNLP's answer is finer than a day (下午3点, 9:30~11:30): the table is day-level
  lunar_option  the lunar_date=False block: JioNLP switched its lunar reading off for 四月十三;
                our default is JioNLP's default (a Chinese-numeral day without 日 is lunar)
  school_holiday 暑假/寒假: dates vary by region and year
  future        the ret_future block: JioNLP picks the next occurrence; we anchor to the document
  delta_range   a range of durations (3~6个月): the table has one value per row
  delta_time    durations in hours/minutes/seconds/workdays, and periods with a time of day
  workday       offsets in working/trading days need a holiday calendar
Extractor cases: the set of spans found must equal JioNLP's; a range JioNLP returns as one
span (1月3至2月10) is two rows here, joined for the comparison when only a range connective
(至 到 - ~) lies between them. Cases whose expected spans are time-of-day are not applicable.
Lunar dates, lunar festivals and solar terms are compared (converted with lunar-python).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

SEASON_WORDS = re.compile(r"暑假|寒假")   # school holidays: dates vary by region and year
CLOCK = re.compile(r"\d[:：]\d|[点时分秒刻]|早上|上午|下午|中午|晚上|夜|凌晨|黎明|白天|午后|午夜|钟头|小时|今晚|昨晚|当晚")
WORKDAY = re.compile(r"工作日|交易日")
CONNECT = re.compile(r"^\s*(?:至|到|-|~|～|—+|－)\s*$")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def add_parser(sub) -> None:
    p = sub.add_parser("dates", help="agreement of the date normaliser with JioNLP's time cases")
    p.add_argument("--shared", default="../shared", help="path of the shared data folder")
    p.add_argument("--show-misses", action="store_true", help="list every applicable case that disagrees")
    p.add_argument("--speed", type=int, default=3, metavar="N",
                   help="also time the stage on the first N government reports in ../shared (0: skip)")
    p.set_defaults(func=main)


def base_date(tb: Any) -> tuple[dt.date | None, dt.datetime | None]:
    """JioNLP's time_base as a date (and the exact instant when one is given)."""
    if tb is None:
        return None, None
    if isinstance(tb, (int, float)):
        t = dt.datetime.fromtimestamp(tb, SHANGHAI).replace(tzinfo=None)
        return t.date(), t
    if isinstance(tb, list):
        parts = list(tb) + [1, 1][: max(0, 3 - len(tb))]
        t = dt.datetime(*parts[:6]) if len(parts) >= 3 else None
        return dt.date(parts[0], parts[1], parts[2]), t
    if isinstance(tb, dict) and "__call__" in tb:
        if tb["__call__"] == "datetime.datetime":
            t = dt.datetime(*tb["args"])
            return t.date(), t
        t = dt.datetime.now(SHANGHAI).replace(tzinfo=None)
        return t.date(), t
    if isinstance(tb, dict):
        t = dt.datetime(tb.get("year", 1970), tb.get("month", 1), tb.get("day", 1), tb.get("hour", 0), tb.get("minute", 0))
        return t.date(), t
    return None, None


def _dur_key(value: str) -> tuple[float, float, float] | None:
    """P2.5Y / P4W / P3M → (years, months, days), W as 7 D and Q as 3 M."""
    m = re.fullmatch(r"P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?", value or "")
    if not m:
        return None
    y, mo, w, d = (float(x) if x else 0.0 for x in m.groups())
    return (y, mo, d + 7 * w)


def _delta_key(delta: dict[str, Any]) -> tuple[float, float, float] | None:
    if set(delta) - {"year", "month", "day"}:
        return None
    return (float(delta.get("year", 0)), float(delta.get("month", 0)), float(delta.get("day", 0)))


def parser_applicable(block_line: int, text: str, tb: Any, exp: Any) -> str:
    """'' when the case is in scope, else the reason it is not."""
    if block_line == 1121:
        return "future"
    if not isinstance(exp, dict):
        return "delta_range"
    typ = exp.get("type")
    if typ == "time_delta":
        if isinstance(exp["time"], list):
            return "delta_range"
        return "" if _delta_key(exp["time"]) else "delta_time"
    if typ == "time_period":
        return "" if exp["time"].get("point") is None and _delta_key(exp["time"]["delta"]) else "delta_time"
    if SEASON_WORDS.search(text):
        return "school_holiday"
    if block_line == 1195:
        return "lunar_option"
    if WORKDAY.search(text):
        return "workday"
    if CLOCK.search(text):
        return "time_of_day"
    s, e = exp["time"]
    _d, now = base_date(tb)
    nows = now.strftime("%Y-%m-%d %H:%M:%S") if now else ""
    ok_s = s == "-inf" or s.endswith("00:00:00") or s == nows
    ok_e = e == "inf" or e.endswith("23:59:59") or e == nows
    return "" if ok_s and ok_e else "time_of_day"


def run_parser(norm, cases_file: Path, show: bool, out: list[str]) -> tuple[int, int, Counter]:
    from ..dates import Mention  # noqa: F401  (the stage's own types)

    blocks = json.loads(cases_file.read_text("utf-8"))
    agree = total = 0
    skipped: Counter = Counter()
    misses = []
    for block in blocks:
        for case in block["cases"]:
            text, tb, exp = case[0], case[1], case[-1]
            reason = parser_applicable(block["line"], text, tb, exp)
            if reason:
                skipped[reason] += 1
                continue
            total += 1
            base, _now = base_date(tb)
            if base is None:
                base = dt.date.today()
            ms = norm.find(text)
            res = norm.resolve(ms, base, "reference")
            ok, got = compare_parser(exp, res, base, _now)
            if ok:
                agree += 1
            else:
                misses.append(f"  {text!r}: expected {exp['type']} {exp['time']}, got {got}")
    if show:
        out.extend(misses)
    return agree, total, skipped


def compare_parser(exp: dict[str, Any], res, base: dt.date, now) -> tuple[bool, str]:
    typ = exp["type"]
    if typ in ("time_delta", "time_period"):
        want = _delta_key(exp["time"] if typ == "time_delta" else exp["time"]["delta"])
        kind = "duration" if typ == "time_delta" else "set"
        vals = [r[1] for r in res if r[2] == kind]
        got = [_dur_key(v) for v in vals]
        return (len(got) == 1 and got[0] == want), str(vals)
    dates = [r for r in res if r[3] or r[4]]
    if not dates:
        return False, str([(r[0].start, r[1], r[2]) for r in res]) or "nothing"
    s = min(r[3] for r in dates if r[3])
    e = max(r[4] for r in dates if r[4])
    mods = {m for r in dates for m in r[0].mods}
    S, E = exp["time"]
    ok_s = S == "-inf" or s == S[:10]
    ok_e = E == "inf" or e == E[:10]
    if mods & {"START", "AFTER"} and not mods & {"END"}:
        ok_e = True
    if "BEFORE" in mods:
        ok_s = True
    got = f"{[r[1] for r in dates]} {s}..{e} {'+'.join(sorted(mods))}"
    return ok_s and ok_e, got


def run_extractor(norm, cases_file: Path, show: bool, out: list[str]) -> tuple[int, int, Counter]:
    blocks = json.loads(cases_file.read_text("utf-8"))
    agree = total = 0
    skipped: Counter = Counter()
    misses = []
    for block in blocks:
        for text, spans in block["cases"]:
            if any(CLOCK.search(s["text"]) for s in spans):
                skipped["time_of_day"] += 1
                continue
            total += 1
            want = {tuple(s["offset"]) for s in spans}
            got = joined_spans(text, norm.find(text))
            if got == want:
                agree += 1
            else:
                misses.append(f"  {text!r}: expected {sorted(want)}, got {sorted(got)}")
    if show:
        out.extend(misses)
    return agree, total, skipped


def joined_spans(text: str, mentions) -> set[tuple[int, int]]:
    spans: list[list[int]] = []
    for m in mentions:
        if spans and CONNECT.match(text[spans[-1][1]:m.start]):
            spans[-1][1] = m.end
        else:
            spans.append([m.start, m.end])
    return {(a, b) for a, b in spans}


def main(args) -> int:
    from ..config import load_config
    from ..dates import Normaliser

    root = Path(args.shared) / "data" / "jionlp_tests"
    files = {"test_time_parser.cases.json": run_parser, "test_time_extractor.cases.json": run_extractor}
    missing = [f for f in files if not (root / f).is_file()]
    if missing:
        print(f"error: {root}: missing {', '.join(missing)} (is --shared right?)", file=sys.stderr)
        return 2
    norm = Normaliser(load_config())
    lines: list[str] = []
    for name, fn in files.items():
        t0 = time.perf_counter()
        detail: list[str] = []
        agree, total, skipped = fn(norm, root / name, args.show_misses, detail)
        pct = 100.0 * agree / total if total else 0.0
        na = ", ".join(f"{k} {v}" for k, v in sorted(skipped.items())) or "none"
        lines.append(f"{name}: {agree}/{total} applicable cases agree ({pct:.1f}%); not applicable: {na}; "
                     f"{time.perf_counter() - t0:.2f}s")
        lines.extend(detail)
    if args.speed > 0:
        lines.append(speed(Path(args.shared) / "data" / "gov_reports_2025", args.speed))
    print("\n".join(lines))
    return 0


def speed(folder: Path, n: int) -> str:
    """Characters per second of the dates stage alone (ingest not timed) on real reports."""
    from .. import ingest
    from ..config import load_config
    from ..dates import Normaliser, extract

    files = sorted(folder.glob("*.pdf"))[:n]
    if not files:
        return f"speed: no PDFs in {folder}"
    cfg = load_config()
    norm = Normaliser(cfg)
    chars = rows = 0
    secs = 0.0
    for f in files:
        doc = ingest.load(str(f), cfg)
        if doc.status != "ok":
            continue
        t0 = time.perf_counter()
        rows += len(extract(doc, norm))
        secs += time.perf_counter() - t0
        chars += len(doc.text)
    rate = chars / secs if secs else 0.0
    return f"speed: {len(files)} government reports, {chars} chars, {rows} rows, {secs:.3f}s in the dates stage = {rate:,.0f} chars/s"
