"""String-level repairs of extracted text, shared by text and PDF ingest.

Plain text has no geometry, so each repair decides from the characters alone what a reader
would decide from the page. Every function that deletes characters also returns `keep`:
`keep[i]` is the index in the input of output character `i`, so a caller can carry any
per-character payload (page, box) through the repair.

    join_sep(left, right, words)      how two lines of one paragraph join: (separator, drop_hyphen)
    collapse_spaced(text)             `2 0 1 9` -> `2019`, `摘 要` -> `摘要` (anomalous letter-spacing only)
    tidy_spaces(text)                 `2025 年` -> `2025年`, `面前 ，` -> `面前，` (spaces next to CJK)
    glued_markers(text, labels, stops)  footnote markers glued to a word or number (`1100多篇1，`)
    delete(text, spans)               remove spans, with the keep map
    width(text)                       display width in CJK-character units
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from ..script import is_cjk, is_cjk_punct

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def cjkish(ch: str) -> bool:
    """A character of CJK text: a Han character or CJK punctuation (no spaces around it)."""
    return is_cjk(ch) or is_cjk_punct(ch) or ("\u3040" <= ch <= "\u30ff")


@lru_cache(maxsize=65536)
def char_width(ch: str) -> float:
    if cjkish(ch) or unicodedata.east_asian_width(ch) in "WF":
        return 1.0
    if ch.isalnum():
        return 0.6 if ch.isupper() else 0.5
    return 0.3


def width(text: str) -> float:
    """Display width in units of one CJK character, to compare line lengths across scripts.

    Proportional Latin is about half a CJK cell; spaces and narrow punctuation less.
    """
    return sum(map(char_width, text))


# -- joining the lines of one paragraph ------------------------------------------------------
WORD_TAIL = re.compile(r"([A-Za-z]+)-$")
WORD_HEAD = re.compile(r"^([a-z]+)")
URL_TAIL = re.compile(r"(https?://|www\.)\S*$")


def words_of(text: str) -> set[str]:
    """Lower-case words of a text, and its hyphenated compounds, for de-hyphenation.

    Words broken at a line end are left out: they are what is being decided.
    """
    text = re.sub(r"[A-Za-z]+-[ \t]*\n\s*[A-Za-z]+", " ", text)
    return {w.lower() for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", text)}


def join_sep(left: str, right: str, words: set[str] | None = None) -> tuple[str, bool]:
    """How `left` (a line, right-stripped) continues with `right` (the next line, left-stripped).

    Returns (separator to insert, whether to drop the hyphen ending `left`).
    CJK on either side: no space. Latin–Latin: one space. A word hyphenated at the line end
    loses its hyphen (`hyphen-` + `ated`) unless the document shows the compound elsewhere
    (`well-known`) or both halves are words on their own while the whole is not; a hyphen
    after a digit (`2019-` + `nCoV`) is kept with no space. A URL broken over lines is closed up.
    """
    if not left or not right:
        return "", False
    a, b = left[-1], right[0]
    if a == "-":
        m = WORD_TAIL.search(left)
        h = WORD_HEAD.match(right)
        if m and h and m.group(1)[-1].islower():
            head, tail = m.group(1).lower(), h.group(1)
            if words is not None:
                if f"{head}-{tail}" in words and head + tail not in words:
                    return "", False
                if head + tail not in words and head in words and tail in words and len(head) > 2:
                    return "", False
            return "", True
        return "", False
    if cjkish(a) or cjkish(b):
        return "", False
    if a in "/–—" or b in ".,;:!?)]}%":
        return "", False
    if URL_TAIL.search(left) and not right[:1].isupper():
        return "", False
    if a.isdigit() and b.isdigit():
        before = left.rstrip("0123456789.,")
        if before and cjkish(before[-1]):
            return "", False   # a number broken inside Chinese text: `共收录3137` + `27条`
    return " ", False


# -- anomalous spacing -------------------------------------------------------------------------
def _single(text: str, k: int) -> bool:
    """text[k] stands alone: a one-character token between spaces/punctuation/ends."""
    def boundary(j: int) -> bool:
        if j < 0 or j >= len(text):
            return True
        c = text[j]
        return c.isspace() or (not c.isalnum() and not is_cjk(c))
    return boundary(k - 1) and boundary(k + 1)


SPACED_PAIR = re.compile(r"(?:^|[\s\W])\w \w(?:$|[\s\W])")   # cheap test: two lone characters


def collapse_spaced(text: str, min_digits: int = 3, min_letters: int = 4,
                    min_cjk: int = 2) -> tuple[str, list[int]]:
    """Close up letter-spaced runs: `2 0 1 9` -> `2019`, `A B S T R A C T`, `摘 要`.

    A run is single characters of one kind each separated by exactly one space. Words and
    numbers are never written like that, so the spacing is a typesetting artefact. Runs of
    single Han characters need only 2 (Chinese has no spaces between characters); digits 3
    (`1 2` may be two numbers); Latin letters 4 (`a I` is English).
    """
    if not SPACED_PAIR.search(text):
        return text, list(range(len(text)))
    n = len(text)
    drop: set[int] = set()
    k = 0
    while k < n:
        c = text[k]
        kind = "d" if c.isdigit() and c.isascii() else "c" if is_cjk(c) else "l" if c.isascii() and c.isalpha() else ""
        if not kind or not _single(text, k):
            k += 1
            continue
        run = [k]
        while True:
            j = run[-1] + 2
            if j < n and text[j - 1] == " " and _same_kind(text[j], kind) and _single(text, j):
                run.append(j)
            else:
                break
        need = {"d": min_digits, "c": min_cjk, "l": min_letters}[kind]
        if len(run) >= need:
            drop.update(i + 1 for i in run[:-1])
        k = run[-1] + 1
    return delete(text, [(i, i + 1) for i in sorted(drop)])


def _same_kind(ch: str, kind: str) -> bool:
    if kind == "d":
        return ch.isdigit() and ch.isascii()
    if kind == "c":
        return is_cjk(ch)
    return ch.isascii() and ch.isalpha()


def tidy_spaces(text: str) -> tuple[str, list[int]]:
    """Drop spaces that only an extractor puts next to CJK: `2025 年`, `近 5 年`, `面前 ，`.

    A space between a Han character or CJK punctuation and a digit, percent sign or other CJK
    punctuation carries no meaning in Chinese. Spaces between two Han characters (`主席 嘎玛泽登`)
    and between Han and Latin words are kept: they may separate a title from a name.
    """
    spans = []
    for m in re.finditer(r"[ \t\u3000]+", text):
        s, e = m.start(), m.end()
        if s == 0 or e == len(text):
            continue
        a, b = text[s - 1], text[e]
        pa, pb = is_cjk_punct(a), is_cjk_punct(b)
        ha, hb = is_cjk(a), is_cjk(b)
        numa, numb = _number_end(text, s - 1), _number_start(text, e)
        if (pa and (hb or numb or pb)) or (pb and (ha or numa)) or (ha and numb) or (numa and hb):
            spans.append((s, e))
    return delete(text, spans)


NUMBER_CHARS = "0123456789.,%％"


def _number_end(text: str, k: int) -> bool:
    """text[k] ends a bare number (`10.1％`), not a code like `COVID-19`."""
    if not (text[k].isdigit() or (text[k] in "%％" and k > 0 and text[k - 1].isdigit())):
        return False   # `1. 通报`: the dot ends a label, the space is the author's
    while k >= 0 and text[k] in NUMBER_CHARS:
        k -= 1
    return k < 0 or not (text[k].isascii() and (text[k].isalpha() or text[k] in "-_/"))


def _number_start(text: str, k: int) -> bool:
    """text[k] starts a bare number (`5 年`), not a code like `19A`."""
    if not text[k].isdigit():
        return False
    while k < len(text) and text[k] in NUMBER_CHARS:
        k += 1
    return k >= len(text) or not (text[k].isascii() and (text[k].isalpha() or text[k] in "-_/"))


def delete(text: str, spans: Iterable[tuple[int, int]]) -> tuple[str, list[int]]:
    """Remove non-overlapping [start, end) spans; return the text and its keep map."""
    cut = sorted(spans)
    out: list[str] = []
    keep: list[int] = []
    pos = 0
    for s, e in cut:
        if s < pos:
            s = pos
        out.append(text[pos:s])
        keep.extend(range(pos, s))
        pos = max(pos, e)
    out.append(text[pos:])
    keep.extend(range(pos, len(text)))
    return "".join(out), keep


# -- footnote markers glued to text -----------------------------------------------------------
@dataclass
class Glued:
    start: int
    end: int
    label: str


CLOSE = "”’》）」』】)"
AFTER_OK = "，。；：、！？,.;:!?)）]】”’ \t\n"


def glued_markers(text: str, labels: set[str], not_after: Iterable[str] = ()) -> list[Glued]:
    """Footnote markers glued to the text before them: `1100多篇1，`, `单位1。`, `growth3.`.

    A candidate is 1–2 digits (or a circled digit) right after a Han character, a closing
    quote/bracket or a lower-case word, and right before punctuation, a space or the end —
    where a real number would be followed by its unit or measure word (`3种`, `1132万`).
    It is accepted only when the document has a footnote with that label (`labels`), and not
    after a word that numbers things (`表1。`, `Figure 2.` — `not_after`).
    """
    if not labels:
        return []
    stops = sorted((w for w in not_after if w), key=len, reverse=True)
    out: list[Glued] = []
    for m in re.finditer(r"(?<![0-9.,\-/])([1-9][0-9]?|[①-⑳])(?![0-9]|[.,][0-9])", text):
        label = m.group(1)
        if label in CIRCLED:
            label = str(CIRCLED.index(label) + 1)
        s, e = m.start(1), m.end(1)
        if label not in labels or s == 0:
            continue
        prev = text[s - 1]
        nxt = text[e] if e < len(text) else ""
        if m.group(1) in CIRCLED:
            if prev.isspace():
                continue
        else:
            if is_cjk(prev) or prev in CLOSE:
                pass
            elif prev.isascii() and prev.islower():
                if not re.search(r"(?<![A-Za-z])[A-Za-z]?[a-z]{3,}$", text[:s]):
                    continue
            else:
                continue
            if nxt and (nxt not in AFTER_OK):
                continue
        head = text[max(0, s - 12):s]
        if any(head.endswith(w) for w in stops):
            continue
        out.append(Glued(s, e, label))
    return out


# -- measuring ---------------------------------------------------------------------------------
def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance in characters (Myers/Hyyrö bit-parallel: a whole page in milliseconds).

    Shared by the ingest tests and benches that compare extracted text with a gold text.
    """
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}
    for i, c in enumerate(b):
        peq[c] = peq.get(c, 0) | (1 << i)
    full = (1 << m) - 1
    top = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for c in a:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv
    return score
