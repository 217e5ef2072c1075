"""China's administrative divisions as a place gazetteer (from the `cpca` package's data).

Reports name counties and cities constantly (山西长治壶关厂区, 乐山5GW示范基地) and most are
in no general gazetteer. cpca ships the national division table (adcode, name) and the 56
ethnic groups; only those CSV files are read, the package's code is not imported. The adcode
gives the level (province xx0000…, prefecture xxxx00…, county) and each county's parents.

What becomes a candidate (see rules.division_cands):
  * full names (长治市, 壶关县, 延边朝鲜族自治州) always;
  * short forms of provinces and prefectures (长治, 乐山, 延边: the level word and any ethnic
    group before 自治州 stripped) unless jieba's dictionary reads them as a common word;
  * short forms of counties (壶关, 建湖) only once the document confirms them: right after
    their parent's name (长治壶关) or where the full name also occurs in the document.
Without cpca installed the gazetteer is simply empty.
"""
from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

LEVEL_WORDS = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "省", "市", "县", "区", "盟", "旗")


@dataclass
class Divisions:
    full: dict[str, str] = field(default_factory=dict)          # 长治市 -> 长治市 (canonical)
    short: dict[str, str] = field(default_factory=dict)         # 长治 -> 长治市 (provinces, prefectures)
    # short forms a document must confirm: 壶关 -> (壶关县, parents, strict); strict ones (a verb or
    # adjective by jieba: 振兴) only by their full name, the others also right after a parent (长治壶关)
    county_short: dict[str, tuple[str, frozenset[str], bool]] = field(default_factory=dict)


def _resources() -> Path | None:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(list(spec.submodule_search_locations)[0]) / "resources"
    return p if (p / "adcodes.csv").is_file() else None


def short_form(name: str, ethnic: tuple[str, ...]) -> str:
    """延边朝鲜族自治州 -> 延边, 广西壮族自治区 -> 广西, 长治市 -> 长治, 壶关县 -> 壶关."""
    for w in LEVEL_WORDS:
        if name.endswith(w) and len(name) > len(w):
            name = name[: -len(w)]
            break
    forms, lasts = _ethnic_forms(ethnic)
    changed = True
    while changed and name[-1:] in lasts:   # …蒙古族藏族自治州: strip every ethnic group at the end
        changed = False
        for form in forms:
            if name.endswith(form) and len(name) - len(form) >= 2:
                name = name[: -len(form)]
                changed = True
    return name


@lru_cache(maxsize=4)
def _ethnic_forms(ethnic: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    """Each group's name and its short form (维吾尔族 is written 维吾尔 in 新疆维吾尔自治区), in
    the order they are tried; and their last characters: most names end in none of them, and
    are done without a look at the ~110 forms (8,600 divisions: 0.6 s of a worker's first
    document before)."""
    forms = tuple(f for e in ethnic for f in (e, e[:-1]) if len(f) >= 2)
    return forms, frozenset(f[-1] for f in forms)


@lru_cache(maxsize=1)
def divisions(tag) -> Divisions:
    """`tag(word)`: jieba's dictionary part of speech of a word, or None when it does not know it."""
    out = Divisions()
    res = _resources()
    if res is None:
        return out
    ethnic = tuple(sorted((ln.strip() for ln in (res / "56_nations.csv").read_text("utf-8").splitlines()
                           if ln.strip()), key=len, reverse=True)) if (res / "56_nations.csv").is_file() else ()
    rows: list[tuple[str, str]] = []
    with open(res / "adcodes.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            code, name = (r.get("adcode") or "").strip(), (r.get("name") or "").strip()
            if len(code) >= 6 and name and not name.startswith(("市辖", "省直辖", "自治区直辖")) and name != "县":
                rows.append((code[:6], name))   # the table's placeholders (市辖区) are not places
    by_code = {c: n for c, n in rows}
    for code, name in sorted(rows):
        if len(name) >= 3:
            out.full.setdefault(name, name)
        short = short_form(name, ethnic)
        if len(short) < 2 or short == name:
            continue
        t = tag(short)
        common = t is not None and not t.startswith("ns")
        if (code[2:] == "0000" or code[4:] == "00") and not common:   # province or prefecture
            out.short.setdefault(short, name)
            continue
        parents = set()
        for pc in (code[:4] + "00", code[:2] + "0000"):
            pn = by_code.get(pc)
            if pn and pc != code:
                parents.update((pn, short_form(pn, ethnic)))
        if short not in out.county_short and short not in out.short:
            strict = common and not t.startswith("n")
            out.county_short[short] = (name, frozenset(p for p in parents if len(p) >= 2), strict)
    return out
