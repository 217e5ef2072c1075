"""Character-level page layout: characters -> lines -> reading order, and how lines join.

pdfminer's own grouping iterates sets of objects, so its order can change with
PYTHONHASHSEED. Everything here works on lists sorted by explicit keys (coordinates, then
the character's index in the content stream), so the same page always gives the same lines
in the same order.

Reading order is an XY-cut on lines: lines are grouped into horizontal bands (rows that
overlap vertically); consecutive bands that share a vertical gutter form a column region,
read column by column; a band that crosses the gutter (a title, an abstract across both
columns, a full-width footnote) ends the region. Regions are read top to bottom.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..normalize import fold_char
from ..script import is_cjk, is_cjk_punct, is_latin

Box = tuple[float, float, float, float]


@dataclass
class Char:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    font: str
    seq: int                     # index in the page's content stream (tie-breaker)
    space_before: bool = False   # an explicit space glyph preceded it
    removed_before: float = 0.0  # width of a footnote marker taken out just before it

    @property
    def box(self) -> Box:
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass
class Line:
    """A run of characters on one baseline with no large gap (one column's line)."""

    chars: list[Char]
    page: int = 0
    size: float = 0.0            # main font size (superscripts excluded)
    region: int = 0              # reading-order region on the page
    column: int = 0              # column inside the region
    col_left: float = 0.0        # edges of that column
    col_right: float = 0.0
    role: str = ""               # furniture / footnote decided per line
    cells: int = 1               # fragments in the same band of a flow region (tables)
    raw_markers: list[tuple[str, int]] = field(default_factory=list)  # (label, index in chars) removed
    markers: list[tuple[str, int]] = field(default_factory=list)      # (label, position in text)
    text: str = ""
    boxes: list[Box | None] = field(default_factory=list)

    def __setattr__(self, name, value):   # a new list of chars invalidates the cached box
        if name == "chars":
            object.__setattr__(self, "_box", None)
        object.__setattr__(self, name, value)

    @property
    def bbox(self) -> Box:
        box = self.__dict__.get("_box")
        if box is None:
            cs = self.chars
            box = (min(c.x0 for c in cs), min(c.y0 for c in cs), max(c.x1 for c in cs), max(c.y1 for c in cs))
            object.__setattr__(self, "_box", box)
        return box

    @property
    def x0(self) -> float:
        return self.bbox[0]

    @property
    def x1(self) -> float:
        return self.bbox[2]

    @property
    def y0(self) -> float:
        return self.bbox[1]

    @property
    def y1(self) -> float:
        return self.bbox[3]

    @property
    def seq(self) -> int:
        return min(c.seq for c in self.chars)


def _median(values: list[float]) -> float:
    v = sorted(values)
    if not v:
        return 0.0
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def _vertical_overlap(a: Box, b: Box) -> float:
    """Overlap of the vertical spans as a share of the smaller height."""
    lo, hi = max(a[1], b[1]), min(a[3], b[3])
    h = min(a[3] - a[1], b[3] - b[1])
    if h <= 0:
        return 1.0 if lo <= hi else 0.0
    return max(0.0, hi - lo) / h


# -- characters to lines ------------------------------------------------------------------
def dedupe(chars: list[Char]) -> list[Char]:
    """Drop fake-bold doubles: the same glyph drawn again almost on top of itself."""
    out: list[Char] = []
    for c in chars:
        if out:
            p = out[-1]
            w = max(p.x1 - p.x0, 0.1)
            if p.text == c.text and abs(p.x0 - c.x0) < 0.3 * w and abs(p.y0 - c.y0) < 0.3 * w:
                continue
        out.append(c)
    return out


def build_lines(chars: list[Char], gap_em: float = 1.0) -> list[Line]:
    """Group characters (in content-stream order) into lines, then merge lines split by the stream."""
    frags: list[list[Char]] = []
    for c in chars:
        if frags:
            cur = frags[-1]
            p = cur[-1]
            size = max(p.size, c.size, 1.0)
            gap = c.x0 - p.x1
            if (_vertical_overlap(p.box, c.box) >= 0.3 and -0.8 * size <= gap <= gap_em * size):
                cur.append(c)
                continue
        frags.append([c])
    # Merge fragments on the same line that the stream drew apart (other font, other object).
    frags.sort(key=lambda f: (-round(_median([c.y0 for c in f]), 0), f[0].x0, f[0].seq))
    merged: list[list[Char]] = []
    mboxes: list[list[float]] = []   # running box and max size of each merged line
    for f in frags:
        fb = _frag_box(f)
        fsize = max(c.size for c in f)
        target = -1
        for k in range(len(merged) - 1, max(-1, len(merged) - 13), -1):
            mb = mboxes[k]
            size = max(fsize, mb[4], 1.0)
            if _vertical_overlap((mb[0], mb[1], mb[2], mb[3]), fb) < 0.5:
                continue
            if -0.8 * size <= fb[0] - mb[2] <= gap_em * size or -0.8 * size <= mb[0] - fb[2] <= gap_em * size:
                target = k
                break
        if target < 0:
            merged.append(list(f))
            mboxes.append([fb[0], fb[1], fb[2], fb[3], fsize])
        else:
            merged[target].extend(f)
            merged[target].sort(key=lambda c: (c.x0, c.seq))
            mb = mboxes[target]
            mboxes[target] = [min(mb[0], fb[0]), min(mb[1], fb[1]), max(mb[2], fb[2]), max(mb[3], fb[3]),
                              max(mb[4], fsize)]
    lines = []
    for m in merged:
        ln = Line(chars=m)
        sizes = [c.size for c in m if not c.text.isspace()]
        ln.size = _main_size(sizes)
        lines.append(ln)
    return lines


def _frag_box(f: list[Char]) -> Box:
    return (min(c.x0 for c in f), min(c.y0 for c in f), max(c.x1 for c in f), max(c.y1 for c in f))


def _main_size(sizes: list[float]) -> float:
    """The size most characters of the line have (superscripts do not pull it down)."""
    if not sizes:
        return 0.0
    counts: dict[float, int] = {}
    for s in sizes:
        k = round(s, 1)
        counts[k] = counts.get(k, 0) + 1
    return max(sorted(counts), key=lambda k: (counts[k], k))


# -- reading order ------------------------------------------------------------------------
def _bands(lines: list[Line]) -> list[list[Line]]:
    """Rows of lines whose vertical spans overlap, top to bottom."""
    order = sorted(lines, key=lambda ln: (-ln.y1, ln.x0, ln.seq))
    bands: list[list[Line]] = []
    lo = hi = 0.0
    for ln in order:
        core_lo = ln.y0 + 0.25 * (ln.y1 - ln.y0)
        core_hi = ln.y1 - 0.25 * (ln.y1 - ln.y0)
        if bands and core_hi > lo and core_lo < hi:
            bands[-1].append(ln)
            lo, hi = min(lo, core_lo), max(hi, core_hi)
        else:
            bands.append([ln])
            lo, hi = core_lo, core_hi
    return bands


def _cover(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Union of x intervals, merged where they touch or overlap."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _holes(cover: list[tuple[float, float]], min_gap: float) -> bool:
    return any(b[0] - a[1] >= min_gap for a, b in zip(cover, cover[1:]))


def _gaps(lines: list[Line], min_gap: float) -> list[tuple[float, float]]:
    """Vertical whitespace strips (x intervals) with text on both sides."""
    spans = sorted((ln.x0, ln.x1) for ln in lines)
    gaps = []
    reach = spans[0][1]
    for x0, x1 in spans[1:]:
        if x0 - reach >= min_gap:
            gaps.append((reach, x0))
        reach = max(reach, x1)
    return gaps


def order_lines(lines: list[Line], min_gutter: float, min_col_share: float = 0.15) -> list[Line]:
    """Lines of one page in reading order; sets region/column/col_left/col_right on each."""
    if not lines:
        return []
    bands = _bands(lines)
    regions: list[list[Line]] = []
    cover: list[tuple[float, float]] = []   # x intervals the current region covers (merged)
    for band in bands:
        bcover = _cover([(ln.x0, ln.x1) for ln in band])
        if regions:
            both = _cover(cover + bcover)
            if _holes(both, min_gutter) or (not _holes(cover, min_gutter) and not _holes(bcover, min_gutter)):
                regions[-1].extend(band)
                cover = both
                continue
        regions.append(list(band))
        cover = bcover
    width = max(ln.x1 for ln in lines) - min(ln.x0 for ln in lines)
    # A region read as one column is measured against the page's text block, so that a
    # lone short line (a header, a label) is not "full" just because it is alone.
    page_left, page_right = _left_edge(lines), max(ln.x1 for ln in lines)
    out: list[Line] = []
    for ri, region in enumerate(regions):
        gaps = _gaps(region, min_gutter)
        columns = _split_columns(region, gaps)
        if len(columns) > 3 or any(max(l.x1 for l in col) - min(l.x0 for l in col) < min_col_share * width
                                   for col in columns):
            # Not text columns (a table, a form): read row by row, left to right.
            left, right = min(_left_edge(region), page_left), page_right
            for band in _bands(region):
                band.sort(key=lambda ln: (ln.x0, ln.seq))
                for ln in band:
                    ln.region, ln.column, ln.col_left, ln.col_right = ri, 0, left, right
                    ln.cells = len(band)
                    out.append(ln)
            continue
        for ci, col in enumerate(columns):
            left, right = _left_edge(col), max(l.x1 for l in col)
            if len(columns) == 1:
                left, right = min(left, page_left), max(right, page_right)
            for band in _bands(col):
                band.sort(key=lambda ln: (ln.x0, ln.seq))
                for ln in band:
                    ln.region, ln.column, ln.col_left, ln.col_right = ri, ci, left, right
                    ln.cells = len(band)
                    out.append(ln)
    return out


def _left_edge(lines: list[Line]) -> float:
    """Where most lines of a column start (first-line indents and hanging bullets aside)."""
    counts: dict[int, int] = {}
    for ln in lines:
        k = int(round(ln.x0))
        counts[k] = counts.get(k, 0) + 1
    best = max(sorted(counts), key=lambda k: (counts[k], -k))
    if counts[best] == 1:
        return min(ln.x0 for ln in lines)
    return min(ln.x0 for ln in lines if int(round(ln.x0)) == best)


def _split_columns(region: list[Line], gaps: list[tuple[float, float]]) -> list[list[Line]]:
    if not gaps:
        return [region]
    cols: list[list[Line]] = [[] for _ in range(len(gaps) + 1)]
    for ln in region:
        k = sum(1 for g in gaps if ln.x0 >= g[1] - 0.01)
        cols[k].append(ln)
    return [c for c in cols if c]


# -- text of a line -----------------------------------------------------------------------
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _private(t: str) -> bool:
    """Glyphs with no text: private-use code points (symbol-font bullets) and pdfminer's (cid:N)."""
    if len(t) == 1:
        return "\ue000" <= t <= "\uf8ff"
    return t.startswith("(cid:") or _PRIVATE_USE.search(t) is not None


_FOLDED: dict[str, str] = {}   # fold_char per character seen: a page repeats a few thousand characters


def _cjkish(ch: str) -> bool:
    return is_cjk(ch) or is_cjk_punct(ch)


def find_markers(line: Line, marker_chars: str) -> None:
    """Superscript / small digits glued after text: footnote markers, taken out of the line."""
    main = line.size
    if main <= 0:
        return
    base = _median([c.y0 for c in line.chars if abs(c.size - main) < 0.15 * main] or [line.y0])
    keep: list[Char] = []
    i = 0
    chars = line.chars
    while i < len(chars):
        c = chars[i]
        small = c.size < 0.8 * main and c.text in marker_chars
        if small and keep and not keep[-1].text.isspace():
            j = i
            while j < len(chars) and chars[j].size < 0.8 * main and chars[j].text in marker_chars:
                j += 1
            raised = any(ch.y0 > base + 0.15 * main for ch in chars[i:j])
            lowered = any(ch.y0 < base - 0.1 * main for ch in chars[i:j])   # a subscript: H2O, x1
            if raised or (chars[i].size < 0.7 * main and not lowered):
                label = "".join(ch.text for ch in chars[i:j]).strip(",，")
                if label:
                    line.raw_markers.append((label, len(keep)))
                if j < len(chars):   # the marker's width is no word space
                    chars[j].removed_before = max(0.0, min(chars[j - 1].x1, chars[j].x0) - keep[-1].x1)
                i = j
                continue
        keep.append(c)
        i += 1
    line.chars = keep


def line_text(line: Line, space_em: float = 0.15, mixed_em: float = 0.6) -> None:
    """Fill line.text and line.boxes (one box per output character; inserted spaces get None).

    Spaces come from geometry, not from the stream: CJK–CJK never, CJK–Latin/digit only for
    a gap wider than `mixed_em` (the government reports' 1/4-em autospace is layout, not a
    word space), Latin–Latin for a gap over `space_em` or an explicit space glyph. Runs of
    single letter-spaced digits/letters (`2 0 1 9`) whose gaps are uniform are closed up.
    Marker positions (in chars) are translated into text positions.
    """
    out: list[str] = []
    boxes: list[Box | None] = []
    pos_of_char: list[int] = []
    prev: Char | None = None
    seps: list[tuple[int, float]] = []   # (index in out of an inserted space, gap in em)
    spaced = False
    folded = _FOLDED
    prev_cjk = False
    for c in line.chars:
        t = c.text
        if not t:
            continue   # a glyph its font maps to no text
        if t.isspace():
            spaced = True
            continue
        if _private(t):
            continue   # bullets, dingbats, unmapped glyphs: no text to carry (counted in the message)
        if prev is not None:
            size = max(prev.size, c.size, 1.0)
            gap = (c.x0 - prev.x1 - c.removed_before) / size
            a, b = prev.text[-1], t[0]
            cjk_b = _cjkish(b)
            if prev_cjk and cjk_b:
                space = False
            elif prev_cjk or cjk_b:
                # CJK next to a letter/digit: the 1/4-em autospace of word processors is
                # layout; after Latin punctuation (`1. 通报`) a word space is a word space.
                # A typed space next to a digit is typography too (`2024 年`): Chinese has
                # no word space there; next to a Latin word it is kept.
                latin_punct = not prev_cjk and not a.isalnum()
                digit = a.isdigit() or b.isdigit()
                space = (((spaced and not digit) or latin_punct) and gap > space_em) or gap > mixed_em
            else:
                space = spaced or c.space_before or gap > space_em
            if space:
                seps.append((len(out), gap))
                out.append(" ")
                boxes.append(None)
        pos_of_char.append(len(out))
        box = c.box
        for ch in t:
            f = folded.get(ch)
            if f is None:
                f = folded[ch] = fold_char(ch)
            for fc in f:
                out.append(fc)
                boxes.append(box)
        prev = c
        prev_cjk = _cjkish(t[-1])
        spaced = False
    pos_of_char.append(len(out))
    drop = _letter_spaced(out, seps)
    if drop:
        remap = []
        k = 0
        for i in range(len(out) + 1):
            remap.append(i - k)
            if i in drop:
                k += 1
        out = [ch for i, ch in enumerate(out) if i not in drop]
        boxes = [bx for i, bx in enumerate(boxes) if i not in drop]
        pos_of_char = [remap[p] for p in pos_of_char]
    # markers: char index in `chars` (non-space only counted) -> text position
    nonspace_index = ([i for i, c in enumerate(line.chars)
                       if c.text and not c.text.isspace() and not _private(c.text)]
                      if line.raw_markers else [])
    new_markers = []
    for label, ci in line.raw_markers:
        k = sum(1 for i in nonspace_index if i < ci)
        new_markers.append((label, pos_of_char[k] if k < len(pos_of_char) else len(out)))
    line.markers = new_markers
    line.text = "".join(out)
    line.boxes = boxes


def _letter_spaced(out: list[str], seps: list[tuple[int, float]]) -> set[int]:
    """Indices of spaces inside anomalous letter-spaced runs (`2 0 1 9`, `A B S T R A C T`).

    A run is >= 3 single digits (or >= 4 single letters) each separated by an inserted space
    with nearly equal gaps; ordinary words and numbers never look like that.
    """
    n = len(out)
    sep_at = {i: g for i, g in seps}

    def word(ch: str) -> bool:   # str.isalnum() is also true of Han characters
        return ch.isdigit() or is_latin(ch)

    def single(k: int) -> bool:
        return word(out[k]) and (k == 0 or not word(out[k - 1])) and (k + 1 == n or not word(out[k + 1]))

    drop: set[int] = set()
    k = 0
    while k < n:
        if not single(k):
            k += 1
            continue
        run = [k]
        while run[-1] + 2 < n and run[-1] + 1 in sep_at and single(run[-1] + 2):
            run.append(run[-1] + 2)
        if len(run) >= 3:
            chars = [out[i] for i in run]
            gaps = [sep_at[i + 1] for i in run[:-1]]
            uniform = max(gaps) - min(gaps) <= 0.35 * max(gaps) + 0.05
            if uniform and (all(ch.isdigit() for ch in chars) or len(run) >= 4):
                drop.update(i + 1 for i in run[:-1])
        k = run[-1] + 1
    return drop


URL_TAIL = re.compile(r"(https?://|www\.)\S*$")


def joiner(prev: str, nxt: str) -> tuple[str, bool]:
    """How two lines of one paragraph join: (separator, drop the trailing hyphen)."""
    if not prev or not nxt:
        return "", False
    a, b = prev[-1], nxt[0]
    if a == "-" and len(prev) >= 2 and prev[-2].isalpha() and prev[-2].islower() and b.isalpha() and b.islower() \
            and not _cjkish(prev[-2]):
        return "", True
    if a in "-/–" or _cjkish(a) or _cjkish(b):
        return "", False
    if URL_TAIL.search(prev) and not b.isspace():
        return "", False
    return " ", False
