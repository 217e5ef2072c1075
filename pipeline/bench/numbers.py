"""`pipeline bench numbers --shared ../shared [--show N]`: agreement of the quantity normaliser
with the cn2an and JioNLP unit-test cases, per file, plus throughput on the corpus.

Applicable cases are those that state a Chinese (or mixed) numeral or amount and its value.
Cases about things this pipeline deliberately does differently are counted apart as
`convention` and listed, so the figure says what we disagree on by choice and what by error:
- cn2an "strict" error cases (一一, 百十一 …): we read like cn2an's normal/smart modes, leniently.
- cn2an `direct` sentence mode and digit strings in running text (电话零零三, 编号负零一): codes and
  phone numbers are not quantities here; leading zeros are lost in a float value.
- date parts (2001年3月4日, 约2.5亿年): they belong to the dates table.
- 块 without 钱/毛/角 is a measure word here (8块土地), money to JioNLP (三五百块).
- JioNLP's default currency: a bare 三百万 is 元 to JioNLP; here it has no unit (the text names none).
- JioNLP reads 多 as a range (3000多 → [3000, 4000]); so do we: approx more, lower 3000 and an
  upper bound one unit of the last non-zero place above (1100多 → 1200, 20余万 → 30万).
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

DATE_AFTER = re.compile(r"\s?[年月日天号]")
ARABIC = re.compile(r"-?\d+(?:\.\d+)?(?:/\d+)?")


def add_parser(sub) -> None:
    p = sub.add_parser("numbers", help="agreement of the quantity normaliser with cn2an and JioNLP cases")
    p.add_argument("--shared", default="../shared", help="folder holding data/cn2an_tests and data/jionlp_tests")
    p.add_argument("--show", type=int, default=8, help="disagreements to list per file")
    p.add_argument("--speed", nargs="*", default=["corpus"], metavar="PATH",
                   help=".txt files or folders to time the numbers stage on (default: corpus)")
    p.set_defaults(func=main)


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _blocks(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text("utf-8"))


class Tally:
    def __init__(self, name: str) -> None:
        self.name, self.ok, self.bad, self.conv, self.na = name, 0, [], [], 0

    def add(self, good: bool, case: str, conv: bool = False) -> None:
        if good:
            self.ok += 1
        elif conv:
            self.conv.append(case)
        else:
            self.bad.append(case)

    @property
    def applicable(self) -> int:
        return self.ok + len(self.bad)

    def line(self) -> str:
        pct = 100 * self.ok / self.applicable if self.applicable else 0.0
        return (f"{self.name:<34} {self.ok:>4}/{self.applicable:<4} = {pct:5.1f} %   "
                f"convention {len(self.conv):>3}   not applicable {self.na:>3}")


def _value(expr: str) -> float | None:
    from ..quantities import normalise
    q = normalise(expr)
    if q is None or q.start != 0 or q.end != len(expr):
        return None
    return q.value


def bench_cn2an(path: Path) -> list[Tally]:
    from ..quantities import normalise
    out = []
    t = Tally("cn2an_test (cn2an)")
    for blk in _blocks(path / "cn2an_test.cases.json"):
        var = blk["variable"]
        for case in blk["cases"]:
            if var.startswith("self.error"):
                q = normalise(case) if case else None
                whole = q is not None and q.start == 0 and q.end == len(case)
                if "strict" in var:
                    t.add(not whole, f"{case!r}: accepted (lenient reading)", conv=True)
                else:
                    t.add(not whole, f"{case!r}: should be rejected, got {q.value if q else None}")
                continue
            expr, want = case
            got = _value(expr)
            if "direct" in var:
                t.add(got is not None and _close(got, float(want)), f"{expr!r}: want {want}, got {got}",
                      conv=want.startswith(("0", "-0")) and want not in ("0",))
            else:
                t.add(got is not None and _close(got, float(want)), f"{expr!r}: want {want}, got {got}")
    out.append(t)

    t = Tally("an2cn_test (cn2an, read back)")
    for blk in _blocks(path / "an2cn_test.cases.json"):
        if blk["variable"] == "self.error_input_data":
            for case in blk["cases"]:
                if not isinstance(case, str):
                    t.na += 1
                    continue
                t.add(_value(case) is None, f"{case!r}: should be rejected, got {_value(case)}")
            continue
        for num, forms in blk["cases"]:
            forms = forms if isinstance(forms, list) else [forms]
            for i, form in enumerate(forms):
                want = round(num, 2) if i == 2 else num   # the 元/角/分 form rounds to the 分
                got = _value(form)
                t.add(got is not None and _close(got, want), f"{form!r}: want {want}, got {got}")
    out.append(t)

    t = Tally("transform_test (cn2an, sentences)")
    for blk in _blocks(path / "transform_test.cases.json"):
        var = blk["variable"]
        for src, dst in blk["cases"]:
            if "direct" in var:
                t.na += 1        # digit-by-digit codes and phone numbers: not quantities here
                continue
            arabic, chinese = (src, dst) if "strict" in var or "an2cn" in var else (dst, src)
            want = []
            for m in ARABIC.finditer(arabic):
                if DATE_AFTER.match(arabic, m.end()):
                    continue
                a, _, b = m.group(0).partition("/")
                want.append(float(a) / float(b) if b else float(a))
            got = [q.value for q in _extract(chinese)]
            if not want and not got:
                if ARABIC.search(arabic):
                    t.na += 1    # only date parts
                else:
                    t.add(True, chinese)
                continue
            good = len(want) == len(got) and all(_close(a, b) for a, b in zip(sorted(want), sorted(got)))
            conv = "半" in chinese or re.search(r"[两一二三]半|两千分|一个", chinese) is not None
            t.add(good, f"{chinese!r}: want {want}, got {got}", conv=conv)
    out.append(t)
    return out


def _extract(text: str):
    from ..quantities import extract
    return extract(text)


def _money_want(exp: dict[str, Any]) -> tuple[float, float | None]:
    num = exp["num"]
    if isinstance(num, list):
        return float(num[0]), float(num[1])
    return float(num), None


def bench_jionlp(path: Path) -> list[Tally]:
    from ..quantities import normalise
    out = []
    t = Tally("test_money_parser (JioNLP)")
    cur = Tally("  … currency named in the text")
    for blk in _blocks(path / "test_money_parser.cases.json"):
        for text, exp in blk["cases"]:
            lo, hi = _money_want(exp)
            q = normalise(text)
            if q is None:
                t.add(False, f"{text!r}: nothing found")
                continue
            if hi is None:
                good = _close(q.value, lo)
                t.add(good, f"{text!r}: want {lo}, got {q.value}")
            else:
                lower = q.lower if q.lower is not None else q.value
                if _close(lower, lo) and q.upper is None and q.approx == "more":
                    t.add(False, f"{text!r}: want [{lo}, {hi}], got lower {lower}, open above", conv=True)
                else:
                    good = _close(lower, lo) and q.upper is not None and _close(q.upper, hi)
                    t.add(good, f"{text!r}: want [{lo}, {hi}], got [{lower}, {q.upper}]")

            if q.unit == "块":
                cur.add(False, f"{text!r}: 块 with no 钱 read as a measure word", conv=True)
            elif q.unit is None:
                cur.add(False, f"{text!r}: no currency named; JioNLP assumes {exp['case']}", conv=True)
            else:
                cur.add(q.unit == exp["case"], f"{text!r}: want {exp['case']}, got {q.unit}")
    out += [t, cur]

    t = Tally("test_money_extractor (JioNLP)")
    for blk in _blocks(path / "test_money_extractor.cases.json"):
        for text, exp in blk["cases"]:
            want = sorted((e["offset"][0], e["offset"][1]) for e in exp)
            qs = _extract(text)
            got = sorted((q.start, q.end) for q in qs if q.kind == "money"
                         or (q.kind == "range" and q.unit and _is_money(q.unit)))
            if want == got:
                t.add(True, text)
                continue
            # a 10k~15k with no currency is money to JioNLP; here a count (no currency named)
            nocur = [q for q in qs if (q.start, q.end) in want and q.unit is None]
            t.add(False, f"{text[:40]!r}: want {[text[a:b] for a, b in want]}, got {[text[a:b] for a, b in got]}",
                  conv=bool(nocur))
    out.append(t)
    return out


def _is_money(unit: str) -> bool:
    from ..quantities import lexicon
    return lexicon().units.get(unit, ("",))[0] == "money"


def speed(paths: list[str]) -> str:
    """Characters per second of the numbers stage alone on the given .txt files."""
    from ..quantities import extract
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(p.rglob("*.txt")) if p.is_dir() else [p] if p.suffix == ".txt" and p.is_file() else []
    texts = [f.read_text("utf-8", errors="replace") for f in files if "gold" not in f.parts]
    if not texts:
        return "speed: no .txt input"
    chars = sum(map(len, texts))
    reps = max(1, 2_000_000 // max(chars, 1))
    t0 = time.perf_counter()
    found = 0
    for _ in range(reps):
        for tx in texts:
            found += len(extract(tx))
    dt = time.perf_counter() - t0
    return (f"speed: {chars * reps / dt:,.0f} chars/s on {len(texts)} file(s), {chars:,} chars × {reps} "
            f"({found // reps} quantities per pass)")


GOLD = (("seed.tsv", "corpus/000_63f442ddd4362203.txt", None),
        ("broker_p1.tsv", "{shared}/data/pdfs/zh_broker_research_report_2022.pdf", 1))


def _gold_rows(name: str) -> list[dict[str, Any]]:
    from importlib import resources
    text = resources.files("pipeline").joinpath(f"data/quantities/gold/{name}").read_text("utf-8")
    lines = text.splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, ln.split("\t"))) for ln in lines[1:] if ln.strip()]


def _key(text: str) -> str:
    return "".join(str(text).split())


def bench_gold(shared: Path, show: int) -> list[str]:
    """P/R/F1 of the whole pipeline's `numbers` rows against the curated gold, matched in
    reading order on the text span; `full` also needs value, unit and approx right."""
    from ..config import load_config
    from ..engine import process
    cfg = load_config()
    out = []
    for gold_name, src, page in GOLD:
        path = src.format(shared=shared)
        if not Path(path).is_file():
            out.append(f"{gold_name}: {path} not found, skipped")
            continue
        res = process(path, cfg)
        if res["status"] != "ok":
            out.append(f"{gold_name}: {path}: {res['status']}")
            continue
        pred = [r for r in res["tables"].get("numbers", []) if page is None or r["page"] == page]
        gold = _gold_rows(gold_name)
        used = [False] * len(pred)
        tp_span = tp_full = 0
        misses, wrong = [], []
        for g in gold:
            for i, r in enumerate(pred):
                if not used[i] and _key(r["text"]) == _key(g["text"]):
                    used[i] = True
                    tp_span += 1
                    ok = (_close(float(r["value"]), float(g["value"])) and (r["unit"] or "") == g["unit"]
                          and (r["approx"] or "") == g["approx"] and r["kind"] == g["kind"])
                    tp_full += ok
                    if not ok:
                        wrong.append(f"{g['text']}: want {g['value']} {g['unit']} {g['approx']} {g['kind']}, "
                                     f"got {r['value']} {r['unit']} {r['approx']} {r['kind']}")
                    break
            else:
                misses.append(g["text"])
        extra = [r["text"] for i, r in enumerate(pred) if not used[i]]
        for label, tp in (("span", tp_span), ("full", tp_full)):
            p = tp / len(pred) if pred else 0.0
            r_ = tp / len(gold) if gold else 0.0
            f = 2 * p * r_ / (p + r_) if p + r_ else 0.0
            out.append(f"{gold_name:<14} {label}: P={p:.3f} R={r_:.3f} F1={f:.3f}  (gold {len(gold)}, predicted {len(pred)}, matched {tp})")
        for title, items in (("missed", misses), ("extra", extra), ("wrong value/unit/approx", wrong)):
            if items:
                out.append(f"    {title}: " + "; ".join(map(str, items[:show])) + (" …" if len(items) > show else ""))
    return out


def main(args) -> int:
    shared = Path(args.shared) / "data"
    cn, jio = shared / "cn2an_tests", shared / "jionlp_tests"
    if not cn.is_dir() or not jio.is_dir():
        print(f"error: {shared} has no cn2an_tests/jionlp_tests folder (use --shared)")
        return 2
    tallies = bench_cn2an(cn) + bench_jionlp(jio)
    for t in tallies:
        print(t.line())
    total_ok = sum(t.ok for t in tallies if not t.name.startswith(" "))
    total_app = sum(t.applicable for t in tallies if not t.name.startswith(" "))
    print(f"{'all applicable cases':<34} {total_ok:>4}/{total_app:<4} = {100 * total_ok / max(total_app, 1):5.1f} %")
    for t in tallies:
        if t.bad:
            print(f"\n{t.name}: disagreements ({len(t.bad)})")
            for c in t.bad[:args.show]:
                print("   ", c)
        if t.conv:
            print(f"\n{t.name}: convention differences kept on purpose ({len(t.conv)})")
            for c in t.conv[:args.show]:
                print("   ", c)
    print()
    for line in bench_gold(Path(args.shared), args.show):
        print(line)
    if args.speed:
        print("\n" + speed(args.speed))
    return 0
