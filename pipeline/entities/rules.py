"""Rule candidates for Chinese names, all knowledge read from pipeline/data/entities/.

Four rules, each a general mechanism over the tokens of one sentence:
  * titles     《…》 is a publication (WORK_OF_ART) or, by its ending, a law (LAW);
  * suffixes   a name ends in an institution word (…研究所, …基金会, …研讨会) and runs left over
               name-like words, so 美国国家生物技术信息中心 is one ORG, not 美国 + …;
  * persons    a family name + given name before a title (李兰娟院士), and the names listed
               with it (钟南山、李兰娟院士);
  * gazetteer  countries, provinces, cities, regions and major bodies by exact match.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from ..script import is_cjk, is_latin
from ..segment import read_lines


@dataclass
class Cand:
    """A candidate entity span in doc.text, before overlaps are resolved."""

    start: int
    end: int
    label: str
    source: str          # model, rule, gazetteer
    prio: int = 0        # higher wins between equally long spans
    canonical: str = ""


@dataclass
class Tok:
    start: int
    end: int
    text: str


# Stop tags from jieba's dictionary: prepositions, particles, pronouns, adverbs, conjunctions,
# interjections, onomatopoeia, measure words, numerals (一批, 多个; 第…届 sessions are patterns.tsv's):
# none of them sits inside a name.
_STOP_TAGS = ("p", "u", "r", "d", "c", "y", "e", "o", "q", "m")
# Tags a name does not start with: verbs, adverbs, adjectives, idioms (大力盘活…, 显著提升…).
_LEAD_TAGS = {"v", "vd", "ad", "a", "d", "i"}
_PUNCT = re.compile(r"^[\W_]+$")


def _tsv(rel: str) -> list[list[str]]:
    return [ln.split("\t") for ln in read_lines(rel)]


class Lexicon:
    """Everything the rules know, loaded once from the data files."""

    def __init__(self, base: str = "entities"):
        suffix_rows = _tsv(f"{base}/suffixes.tsv")
        self.suffixes: list[tuple[str, str, int]] = sorted(
            ((r[0], r[1], int(r[2]) if len(r) > 2 else 4) for r in suffix_rows), key=lambda s: -len(s[0]))
        # the same list filed by last character: a word is tried only against suffixes it can end in
        self._suffix_by_last: dict[str, list[tuple[str, str, int]]] = {}
        for suf in self.suffixes:
            self._suffix_by_last.setdefault(suf[0][-1:], []).append(suf)
        self.needs_place = {r[0] for r in suffix_rows if len(r) > 3 and r[3] == "place"}
        self.needs_proper = {r[0] for r in suffix_rows if len(r) > 3 and r[3] == "proper"}
        self.gpe_suffixes = tuple(read_lines(f"{base}/gpe_suffixes.txt"))
        self.titles = sorted(read_lines(f"{base}/titles.txt"), key=len, reverse=True)
        self.surnames = set(read_lines(f"{base}/surnames.txt"))
        self.boundaries = set(read_lines(f"{base}/boundaries.txt"))
        conf = {r[0]: r[1:] for r in _tsv(f"{base}/rule_words.tsv")}
        self.soft_conj = set(conf.get("soft_conjunction", []))
        self.connectors = set(conf.get("connector", []))
        self.person_endings = tuple(conf.get("person_noun_ending", []))
        self.deictic = {r[0]: (r[1], r[2] if len(r) > 2 else r[0]) for r in _tsv(f"{base}/deictic.tsv")}
        self.admin_levels = tuple(sorted(conf.get("admin_level", []), key=len, reverse=True))
        self.common_bodies = frozenset(conf.get("common_body", []))
        self.list_marks = set(conf.get("list_mark", []))
        self.title_labels = [(r[0], r[1]) for r in _tsv(f"{base}/title_labels.tsv")]
        self.en_keywords = [(r[0].lower(), r[1]) for r in _tsv(f"{base}/en_keywords.tsv")]
        self.gazetteer: dict[str, str] = {}
        for r in _tsv(f"{base}/gazetteer.tsv"):
            self.gazetteer.setdefault(r[0], r[1])
        names = sorted(self.gazetteer, key=len, reverse=True)
        self._gaz_re = re.compile("|".join(re.escape(n) for n in names)) if names else None
        self._title_re = re.compile(
            "(" + "|".join(re.escape(t) for t in self.titles) + ")") if self.titles else None
        self.patterns = [(re.compile(r[0]), r[1]) for r in _tsv(f"{base}/patterns.tsv")]
        self.abbr_place: dict[str, str] = {}
        self.abbr_lang: dict[str, str] = {}
        for r in _tsv(f"{base}/abbreviations.tsv"):
            if len(r) > 1 and r[1]:
                self.abbr_place[r[0]] = r[1]
            if len(r) > 2 and r[2]:
                self.abbr_lang[r[0]] = r[2]
        chars = "".join(sorted(set(self.abbr_place) | set(self.abbr_lang)))
        if chars:
            c = f"[{re.escape(chars)}]"
            # 中美两国, 港澳台地区, 中日韩三国: a run of abbreviations before 两国/地区 …
            self._abbr_run = re.compile(rf"(?<![\u4e00-\u9fff]{c})({c}{{2,4}})(?=[两三四五六七八九]国|等国|地区|两岸)")
            # 英、法、日、韩等多种语言 / 英、法等国
            self._abbr_list = re.compile(rf"({c}(?:、{c})+)(?=等(?:多种|几种|[一二三四五六七八九十\d]+种)?(语言|国))")
        else:
            self._abbr_run = self._abbr_list = None
        self._tags: dict[str, str] | None = None

    # -- word knowledge ---------------------------------------------------------------------
    def tag(self, word: str) -> str | None:
        """jieba's dictionary part-of-speech tag of a word (None when it does not know it)."""
        if self._tags is None:
            from ..segment import stock_word_tags
            self._tags = stock_word_tags()
        return self._tags.get(word)

    def suffix_of(self, word: str) -> tuple[str, str, int] | None:
        """The longest institution suffix the word ends in."""
        for suf in self._suffix_by_last.get(word[-1:], ()):
            if word.endswith(suf[0]):
                return suf
        return None

    def label_by_suffix(self, name: str) -> str | None:
        s = self.suffix_of(name)
        return s[1] if s else None

    def has_place(self, name: str) -> bool:
        """Does a name hold a place name: a gazetteer place, or a name before 省/市/县 … (湖州市)?

        A level word alone (自治区人民政府, 省政府) is not a place name."""
        if self._gaz_re and any(self.gazetteer[m.group()] in ("GPE", "LOC") for m in self._gaz_re.finditer(name)):
            return True
        return any(i >= 2 and ch in self.gpe_suffixes and ch not in "国区" for i, ch in enumerate(name))

    def place_label(self, name: str) -> str:
        """GPE for states and administrative units, LOC for other places."""
        known = self.gazetteer.get(name)
        if known in ("GPE", "LOC"):
            return known
        return "GPE" if name.endswith(self.gpe_suffixes) else "LOC"

    def title_label(self, inner: str) -> str:
        for ending, label in self.title_labels:
            if inner.endswith(ending):
                return label
        return "WORK_OF_ART"

    def en_label(self, name: str) -> str | None:
        """Label of an English name by its head words (Organization, Journal …), if any says."""
        words = re.findall(r"[A-Za-z]+", name.lower())
        for kw, label in self.en_keywords:
            if kw in words:
                return label
        return None

    def proper(self, word: str) -> bool:
        """A word that can carry a name: jieba's dictionary tags it as one (nr ns nt nz j), or
        does not know it (高测, 通威), or it is Latin (SVOLT)."""
        if not word or _PUNCT.match(word) or word.isdigit():
            return False
        if all(is_latin(c) or c.isdigit() or c in "-&." for c in word):
            return True
        tag = self.tag(word)
        return tag is None or tag.startswith(("nr", "ns", "nt", "nz", "j"))

    def name_like(self, word: str) -> bool:
        """Can this token sit inside a name (left of its institution suffix)?"""
        if not word or word in self.boundaries or _PUNCT.match(word):
            return False
        if word.endswith(self.person_endings) and len(word) > 1:
            return False
        if word.isdigit():
            return len(word) == 4   # a year inside a name (2019新型冠状病毒信息库), not a count
        if all(is_latin(c) or c.isdigit() or c in "-&." for c in word):
            return True             # acronyms inside names: 日本DNA数据库
        if word[0].isdigit():
            return False            # a number with its measure word: 3个, 11万
        if not any(is_cjk(c) for c in word):
            return False
        tag = self.tag(word)
        return not (tag and tag.startswith(_STOP_TAGS))


@lru_cache(maxsize=2)
def lexicon(base: str = "entities") -> Lexicon:
    return Lexicon(base)


# -- titles 《…》 ----------------------------------------------------------------------------
_TITLE = re.compile(r"《([^《》\n]{1,60})》")


def title_cands(text: str, offset: int, lex: Lexicon) -> list[Cand]:
    """《柳叶刀》 -> 柳叶刀 WORK_OF_ART; 《…条例》 -> LAW. The span excludes the brackets."""
    out = []
    for m in _TITLE.finditer(text):
        inner = m.group(1).strip()
        if not inner:
            continue
        s = offset + m.start(1) + (len(m.group(1)) - len(m.group(1).lstrip()))
        out.append(Cand(s, s + len(inner), lex.title_label(inner), "rule", prio=9))
    return out


# -- institution names by suffix ---------------------------------------------------------------
def suffix_cands(toks: list[Tok], text: str, offset: int, lex: Lexicon,
                 max_tokens: int = 14, max_chars: int = 32) -> list[Cand]:
    """Names that end in an institution word, extended left over name-like tokens.

    `text` is the sentence, `offset` its start in doc.text; tokens carry doc offsets.
    """
    out = []
    for i, tok in enumerate(toks):
        suf = lex.suffix_of(tok.text)
        if suf is None:
            continue
        if tok.text in lex.gazetteer:
            first = i               # a known name is complete: 长白山获联合国教科文组织
        else:
            first = _extend_left(toks, i, text, offset, lex, max_tokens, max_chars)
        if first > 0 and first < i and toks[first - 1].text.isdigit():
            first += 1              # the measure word after a count: 3个省实验室
        conj = [k for k in range(first, i) if toks[k].text in lex.soft_conj]
        if conj and not any(lex.proper(t.text) for t in toks[first:conj[0]]):
            first = conj[0] + 1     # 公司拟与壶关县人民政府: a coordination inside a name joins names
        # a name does not start with a connector, a conjunction, a verb, an adverb or an adjective
        while first < i and (toks[first].text in lex.soft_conj or toks[first].text in lex.connectors
                             or (lex.tag(toks[first].text) or "") in _LEAD_TAGS):
            first += 1
        start, end = toks[first].start, tok.end
        if end - start < suf[2] or end - start <= len(suf[0]):
            continue
        if suf[0] in lex.needs_place and not lex.has_place(text[start - offset:end - offset - len(suf[0])]):
            continue
        if suf[0] in lex.needs_proper and not any(lex.proper(t.text) for t in toks[first:i + 1]):
            continue
        out.append(Cand(start, end, suf[1], "rule", prio=3))
    return out


def _extend_left(toks: list[Tok], i: int, text: str, offset: int, lex: Lexicon,
                 max_tokens: int, max_chars: int) -> int:
    first = i
    k = i - 1
    while k >= 0 and i - k <= max_tokens and toks[i].end - toks[k].start <= max_chars:
        t = toks[k]
        gap = text[t.end - offset:toks[k + 1].start - offset]
        if gap and not gap.isspace():
            break
        if gap and not (t.text.isascii() and toks[k + 1].text.isascii()):
            break
        if t.text in ("）", ")"):
            # a Latin acronym in brackets inside a name: 新冠病毒（COVID-19）肺炎…系统
            j = k - 1
            while j >= 0 and k - j <= 6 and toks[j].text not in ("（", "("):
                j -= 1
            inner = toks[j + 1:k]
            if (j > 0 and inner and all(x.text.isascii() for x in inner)
                    and lex.name_like(toks[j - 1].text)):
                first = k = j - 1
                k -= 1
                continue
            break
        if t.text in lex.connectors or t.text in lex.soft_conj:
            right = "".join(x.text for x in toks[k + 1:i + 1])
            if t.text in lex.soft_conj and right in lex.gazetteer:
                break               # 定期与世界卫生组织: the name after 与 is complete
            if k > 0 and lex.name_like(toks[k - 1].text):
                first = k - 1
                k -= 2
                continue
            break
        if not lex.name_like(t.text):
            break
        first = k
        k -= 1
    return first


_QUOTED = re.compile(r"[“「『\"]([^“”「」『』\"\n]{2,40})[”」』\"]")


def quoted_cands(text: str, offset: int, lex: Lexicon) -> list[Cand]:
    """A quoted name that ends in an institution word is whole: “分享防治…国际通报会”."""
    out = []
    for m in _QUOTED.finditer(text):
        inner = m.group(1)
        suf = lex.suffix_of(inner)
        if suf and len(inner) >= suf[2] and len(inner) > len(suf[0]) and not _PUNCT.search(inner[:1]):
            if any(c in inner for c in "，。；！？"):
                continue
            s = offset + m.start(1)
            out.append(Cand(s, s + len(inner), suf[1], "rule", prio=6))
    return out


# -- persons -----------------------------------------------------------------------------------
def person_cands(text: str, offset: int, toks: list[Tok], lex: Lexicon) -> list[Cand]:
    """李兰娟院士 -> 李兰娟; and the names listed before it: 钟南山、李兰娟院士 -> 钟南山 too."""
    if lex._title_re is None:
        return []
    starts = {t.start - offset for t in toks}
    out: list[Cand] = []
    for m in lex._title_re.finditer(text):
        name = _name_before(text, m.start(), starts, lex)
        if name is None:
            continue
        s, e = name
        out.append(Cand(offset + s, offset + e, "PERSON", "rule", prio=4))
        # the coordinated names before it: 钟南山、李兰娟院士
        while s > 0 and text[s - 1] in lex.list_marks:
            j = s - 1
            k = j
            while k > 0 and is_cjk(text[k - 1]) and j - k < 4:
                k -= 1
            prev = text[k:j]
            if not (2 <= len(prev) <= 4 and _looks_like_name(prev, lex)):
                break
            if k > 0 and is_cjk(text[k - 1]):
                break               # the item runs on: not a bare name
            out.append(Cand(offset + k, offset + j, "PERSON", "rule", prio=4))
            s = k
    return out


def _looks_like_name(name: str, lex: Lexicon) -> bool:
    sur = name[:2] if name[:2] in lex.surnames else name[:1]
    if sur not in lex.surnames or len(name) - len(sur) not in (1, 2):
        return False
    # 钟南山 is also a mountain (ns) in jieba's dictionary; a common word (高级, 临床) is no name,
    # nor is a surname-like character before a common word (和 + 列席)
    for part in (name, name[len(sur):]):
        tag = lex.tag(part)
        if tag is not None and not tag.startswith(("nr", "ns", "nz")) and len(part) > 1:
            return False
    return True


def _name_before(text: str, end: int, starts: set[int], lex: Lexicon) -> tuple[int, int] | None:
    """The longest plausible full name (family + given name) ending at `end`."""
    for n in (4, 3, 2):
        s = end - n
        if s < 0 or not all(is_cjk(c) for c in text[s:end]):
            continue
        name = text[s:end]
        at_edge = s == 0 or not is_cjk(text[s - 1]) or s in starts
        if at_edge and _looks_like_name(name, lex):
            return s, end
    return None


# -- gazetteer ---------------------------------------------------------------------------------
def gazetteer_cands(text: str, offset: int, toks: list[Tok], lex: Lexicon) -> list[Cand]:
    """Exact gazetteer names that start and end on token boundaries."""
    if lex._gaz_re is None:
        return []
    starts = {t.start - offset for t in toks}
    ends = {t.end - offset for t in toks}
    out = []
    for m in lex._gaz_re.finditer(text):
        if m.start() in starts and m.end() in ends:
            out.append(Cand(offset + m.start(), offset + m.end(), lex.gazetteer[m.group()],
                            "gazetteer", prio=5))
    return out


# -- patterns, places by their ending, titles before names -------------------------------------------
def pattern_cands(text: str, offset: int, lex: Lexicon) -> list[Cand]:
    """Names by the regular expressions of patterns.tsv (党的二十大, 二十届三中全会, “十四五”规划);
    a gazetteer place right before one belongs to it (吉林省第十四届人民代表大会第四次会议)."""
    out = []
    for rx, label in lex.patterns:
        for m in rx.finditer(text):
            s = m.start()
            for n in range(min(s, 9), 1, -1):
                if lex.gazetteer.get(text[s - n:s]) == "GPE":
                    s -= n
                    break
            out.append(Cand(offset + s, offset + m.end(), label, "rule", prio=6))
    return out


def place_cands(toks: list[Tok], lex: Lexicon) -> list[Cand]:
    """A word ending in an administrative unit (定日县, 湖州市) is a GPE even if the gazetteer lacks it."""
    out = []
    for t in toks:
        w = t.text
        if (len(w) >= 3 and all(is_cjk(c) for c in w) and w.endswith(lex.gpe_suffixes)
                and not w.endswith(("区", "国"))   # 景区, 园区: kinds of area; countries: the gazetteer's
                and w not in lex.boundaries and (lex.tag(w) or "ns").startswith("ns")
                and not w.startswith(("全", "各", "本", "该", "我", "省", "市", "县"))):
            out.append(Cand(t.start, t.end, "GPE", "rule", prio=2))
    return out


def titled_name_cands(text: str, offset: int, toks: list[Tok], lex: Lexicon) -> list[Cand]:
    """A title then a name that ends the clause: 省长胡玉亭 -> 胡玉亭."""
    if lex._title_re is None:
        return []
    out = []
    for m in lex._title_re.finditer(text):
        e = m.end()
        for n in (4, 3, 2):
            stop = e + n
            if stop > len(text) or not all(is_cjk(c) for c in text[e:stop]):
                continue
            if stop < len(text) and (is_cjk(text[stop]) or text[stop].isalnum()):
                continue
            if _looks_like_name(text[e:stop], lex):
                out.append(Cand(offset + e, offset + stop, "PERSON", "rule", prio=4))
                break
    return out


def abbreviation_cands(text: str, offset: int, lex: Lexicon) -> list[Cand]:
    """Each one-character abbreviation in a coordination is a name: 中美两国 -> 中 + 美 (GPE);
    英、法、日、韩等多种语言 -> four LANGUAGE. The canonical is the full name (美 -> 美国)."""
    out: list[Cand] = []
    if lex._abbr_run is None:
        return out
    for m in lex._abbr_run.finditer(text):
        run = m.group(1)
        if all(ch in lex.abbr_place for ch in run):
            for k, ch in enumerate(run):
                s = offset + m.start(1) + k
                out.append(Cand(s, s + 1, "GPE", "rule", prio=6, canonical=lex.abbr_place[ch]))
    for m in lex._abbr_list.finditer(text):
        lang = m.group(2) == "语言"
        table = lex.abbr_lang if lang else lex.abbr_place
        chars = m.group(1).split("、")
        if not all(ch in table for ch in chars):
            continue
        for k, ch in enumerate(chars):
            s = offset + m.start(1) + 2 * k
            out.append(Cand(s, s + 1, "LANGUAGE" if lang else "GPE", "rule", prio=6, canonical=table[ch]))
    return out


def common_body(name: str, lex: Lexicon) -> bool:
    """省政府, 自治区党委, 市委: an administrative level plus a common noun describes a body, it
    does not name one (GUIDELINES, settled difference 3)."""
    for lv in lex.admin_levels:
        if name.startswith(lv) and name[len(lv):] in lex.common_bodies:
            return True
    return False


def deictic_cands(toks: list[Tok], lex: Lexicon) -> list[Cand]:
    """我国, 我省, 本市 as whole words: GPE mentions whose canonical is the country or, for
    `@region`, the report's own region (filled in by the stage once the title is read)."""
    out = []
    for t in toks:
        hit = lex.deictic.get(t.text)
        if hit:
            out.append(Cand(t.start, t.end, hit[0], "rule", prio=5, canonical=hit[1]))
    return out


def division_cands(text: str, toks: list[Tok], lex: Lexicon) -> list[Cand]:
    """China's administrative divisions (places.py) on token boundaries of the whole document:
    full names and province/prefecture short forms as found; a county's short form (壶关) only
    once the document confirms it: right after a parent's name (长治壶关) or with its full name
    (壶关县) somewhere in the text. Names of the hand-made gazetteer are left to it."""
    from .places import divisions
    divs = divisions(lex.tag)
    if not (divs.full or divs.short or divs.county_short) or not toks:
        return []
    ends = sorted({t.end for t in toks})
    out: list[Cand] = []
    county_hits: dict[str, list[int]] = {}
    confirmed: set[str] = set()
    found_full: set[str] = set()
    for t in toks:
        p = t.start
        # names of 2-10 characters that end where a token ends, longest first
        for e in reversed(ends[bisect_right(ends, p + 1):bisect_right(ends, p + 10)]):
            w, n = text[p:e], e - p
            if w in lex.gazetteer:
                continue
            if w in divs.full or w in divs.short:
                out.append(Cand(p, p + n, "GPE", "gazetteer", prio=5, canonical=divs.full.get(w) or divs.short[w]))
                found_full.add(w)
                break
            if w in divs.county_short:
                full, parents, strict = divs.county_short[w]
                county_hits.setdefault(w, []).append(p)
                if not strict and any(text[max(0, p - len(q)):p] == q for q in parents):
                    confirmed.add(w)
                break
    confirmed.update(w for w in county_hits if divs.county_short[w][0] in found_full)
    for w in confirmed:
        full = divs.county_short[w][0]
        out.extend(Cand(p, p + len(w), "GPE", "gazetteer", prio=5, canonical=full) for p in county_hits[w])
    return out
