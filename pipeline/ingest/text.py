"""Plain-text ingest: already-extracted text (often from a PDF) becomes clean blocks.

Text taken out of a PDF keeps the page's damage without its geometry: every line hard-broken,
the abstract and the footnotes dropped between two halves of a sentence, footnote markers
glued to numbers (`1100多篇1，`), letter-spaced digits (`2 0 1 9`). This reader undoes what the
characters alone allow, in this order:

1. decode (UTF-8, UTF-16 with a BOM, GB18030), fold look-alike characters (normalize.fold),
   split pages on form feeds, close up letter-spaced runs;
2. page furniture: a page-number line or a line repeated at the top/bottom of most pages;
3. footnote lines (`1 数据来源：…http…`, with their wrapped continuation lines) and the
   abstract / keyword paragraphs are lifted out of the line stream, so the body lines on
   either side meet again and the sentence they interrupted is rejoined;
4. the remaining lines become paragraphs: a paragraph ends where a line is clearly shorter
   than its neighbours (the column width is measured locally), or the next line starts a
   heading or list item; when lines are not hard-wrapped at all, each line is a paragraph;
5. footnote markers glued to a word or number are taken out of the text and recorded as
   `Marker`s, but only for labels that a footnote of the document confirms;
6. abstracts dropped into the body are moved before it, where a reader expects them.

What plain text cannot give back: two columns interleaved line by line (there is no x
position to separate them; pdfminer's text of a two-column page is like that); a paragraph
end on a full line that closes a sentence when the next line shows no indent; spaces a
justified PDF line put between Han characters (`论 文`), since `主席 嘎玛泽登` shows a real
one; a marker whose footnote is missing or whose label was extracted with a space before
it (`篇 1，`); an abstract of another article that shared the page (kept as `abstract`).
Without form feeds every note is on page 1, so markers link by order only.
"""
from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from ..document import Block, Document, Marker
from ..normalize import fold
from ..script import lang_of
from . import repair

TERMINAL = "。！？；!?;…．"
SENTENCE_PUNCT = re.compile(r"[，。；！？,;!?]")
CLOSERS = "”’）)》」』】]"


@dataclass
class Cues:
    abstract: list[re.Pattern]
    keywords: list[re.Pattern]
    numbered: list[re.Pattern]
    section: list[re.Pattern]
    unnumbered_heading: list[re.Pattern]
    footnote_line: re.Pattern
    cue_after_label: list[re.Pattern]
    cue_anywhere: list[re.Pattern]
    not_after: list[str]
    page_number: list[re.Pattern]


@lru_cache(maxsize=1)
def load_cues() -> Cues:
    """Language cues from pipeline/data/ingest/text.toml (knowledge kept out of the code)."""
    raw = tomllib.loads(resources.files("pipeline").joinpath("data/ingest/text.toml").read_text("utf-8"))

    def comp(ps: list[str]) -> list[re.Pattern]:
        return [re.compile(p) for p in ps]

    r, f = raw["roles"], raw["footnote"]
    return Cues(
        abstract=comp(r["abstract"]), keywords=comp(r["keywords"]),
        numbered=comp(r["numbered"]), section=comp(r["section"]),
        unnumbered_heading=comp(r["unnumbered_heading"]), footnote_line=re.compile(f["line"]),
        cue_after_label=comp(f["cue_after_label"]), cue_anywhere=comp(f["cue_anywhere"]),
        not_after=[w.lower() for w in raw["markers"]["not_after"]],
        page_number=comp(raw["furniture"]["page_number"]),
    )


def _starts(patterns: list[re.Pattern], text: str) -> re.Match | None:
    for p in patterns:
        m = p.match(text)
        if m:
            return m
    return None


@dataclass
class Line:
    """One non-blank input line after character repairs."""

    idx: int            # position among all lines (blank ones included)
    page: int
    text: str
    blank_after: bool = False
    indent: int = 0     # leading spaces (a tab 4, an ideographic space 2)
    kind: str = "body"  # body, footnote, abstract, keywords, header, footer, page_number
    label: str = ""     # footnotes: their label
    group: int = -1     # footnote / abstract: which note or abstract paragraph it belongs to
    width: float = field(init=False, default=0.0)   # display width (repair.width); text never changes

    def __post_init__(self) -> None:
        self.width = repair.width(self.text)


# -- 1. decoding ---------------------------------------------------------------------------
def decode(data: bytes) -> tuple[str | None, str]:
    """The text of a file, or (None, reason) when it is not text at all."""
    if data.startswith(b"%PDF"):
        return None, "unsupported:a PDF file named .txt; rename it to .pdf"
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), ""
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), ""
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace"), ""


def bad_share(text: str) -> float:
    """Share of characters that no text contains: replacement marks, control codes, NULs."""
    if not text:
        return 0.0
    bad = sum(1 for c in text if c == "\ufffd" or (ord(c) < 32 and c not in "\n\r\t\f"))
    return bad / len(text)


# -- 2. lines --------------------------------------------------------------------------------
def split_lines(text: str) -> tuple[list[Line], int]:
    """Non-blank lines with their page (form feeds separate pages) and letter-spacing closed up."""
    lines: list[Line] = []
    idx = 0
    pages = text.split("\f")
    for pno, page in enumerate(pages, 1):
        for raw in page.splitlines():
            s = raw.strip()
            if not s:
                if lines and lines[-1].page == pno:
                    lines[-1].blank_after = True
            else:
                lead = raw[:len(raw) - len(raw.lstrip())]
                indent = lead.count(" ") + 4 * lead.count("\t") + 2 * lead.count("\u3000")
                s, _ = repair.collapse_spaced(s)
                lines.append(Line(idx=idx, page=pno, text=s, indent=indent))
            idx += 1
        idx += 1
    return lines, len(pages)


def mark_furniture(lines: list[Line], npages: int, cues: Cues) -> None:
    """Page numbers and running headers/footers: the first/last lines repeated on most pages."""
    if npages < 2:
        return
    by_page: dict[int, list[Line]] = {}
    for ln in lines:
        by_page.setdefault(ln.page, []).append(ln)
    edges: list[tuple[Line, str]] = []
    for pls in by_page.values():
        for ln in pls[:2]:
            edges.append((ln, "header"))
        for ln in pls[-2:]:
            edges.append((ln, "footer"))
    seen: dict[tuple[str, str], set[int]] = {}
    for ln, where in edges:
        if len(ln.text) <= 60:
            key = re.sub(r"\s+", "", re.sub(r"\d+", "#", ln.text))
            seen.setdefault((where, key), set()).add(ln.page)
    need = max(2, (npages + 1) // 2)
    for ln, where in edges:
        if ln.kind != "body":
            continue
        if _starts(cues.page_number, ln.text):
            ln.kind = "page_number"
            continue
        key = re.sub(r"\s+", "", re.sub(r"\d+", "#", ln.text))
        if len(ln.text) <= 60 and len(seen.get((where, key), ())) >= need:
            ln.kind = where


# -- 3. footnotes and abstracts ---------------------------------------------------------------
def footnote_label(ln: Line, cues: Cues) -> tuple[str, str] | None:
    """(label, text after it) when the line starts like a footnote, else None."""
    m = cues.footnote_line.match(ln.text)
    if not m:
        return None
    if m.group("circled"):
        label = str(repair.CIRCLED.index(m.group("circled")) + 1)
    else:
        label = m.group("label")
    return label, ln.text[m.end():]


def mark_footnotes(lines: list[Line], cues: Cues) -> None:
    """Footnote lines: a labelled line with a source cue, or a run of consecutively labelled lines.

    A line between two footnote lines, or after the last one at the page bottom, is the
    wrapped rest of the note before it.
    """
    body = [ln for ln in lines if ln.kind == "body"]
    cand = {}
    for k, ln in enumerate(body):
        fl = footnote_label(ln, cues)
        if fl:
            cand[k] = fl
    accepted: set[int] = set()
    for k, (label, rest) in cand.items():
        cue = _starts(cues.cue_after_label, rest) or any(p.search(rest) for p in cues.cue_anywhere)
        run = any(j in cand and body[j].page == body[k].page and int(cand[j][0]) == int(label) + d
                  for j, d in ((k - 1, -1), (k + 1, 1)))
        if cue or run:
            accepted.add(k)
    group = 0
    for k in sorted(accepted):
        ln = body[k]
        ln.kind, ln.label, ln.group = "footnote", cand[k][0], group
        # wrapped continuation lines
        j = k + 1
        while j < len(body) and j not in accepted and body[j].page == ln.page:
            nxt = j + 1
            last_on_page = nxt >= len(body) or body[nxt].page != ln.page
            if nxt in accepted or (last_on_page and j == k + 1):
                body[j].kind, body[j].label, body[j].group = "footnote", cand[k][0], group
                j += 1
                continue
            break
        group += 1


def _ends(ln_text: str, w: float, ref: float, short: float, end: float) -> bool:
    """A line that ends its paragraph: clearly short, or short-ish and closing a sentence."""
    t = ln_text.rstrip(CLOSERS + "*")
    return w < short * ref or (w < end * ref and bool(t) and t[-1] in TERMINAL + ".")


def mark_abstracts(lines: list[Line], cues: Cues, wrapped: bool, blank_breaks: bool, p: dict) -> None:
    """Abstract and keyword paragraphs, found by their label wherever they were dropped.

    The paragraph runs on while its lines keep the width of its own first full line (an
    abstract set across both columns is wider than the body), and ends at a clearly short
    line, a blank line (when blank lines mean anything), or another label or heading.
    """
    body = [ln for ln in lines if ln.kind == "body"]
    between = _inserts_between(lines)
    group = 1000
    k = 0
    while k < len(body):
        ln = body[k]
        kind = "abstract" if _starts(cues.abstract, ln.text) else "keywords" if _starts(cues.keywords, ln.text) else ""
        if not kind:
            k += 1
            continue
        run = [ln]
        m = _starts(cues.abstract, ln.text) or _starts(cues.keywords, ln.text)
        ref = 0.0 if m.end() >= len(ln.text) else ln.width   # a label alone on its line
        j = k + 1
        while wrapped and j < len(body):
            prev, nxt = body[j - 1], body[j]
            if nxt.page != prev.page or (blank_breaks and prev.blank_after) or between(prev, nxt):
                break
            if ref and _ends(prev.text, prev.width, ref, p["short_ratio"], p["end_ratio"]):
                break
            if _starts(cues.abstract, nxt.text) or _starts(cues.keywords, nxt.text) or _heading_start(nxt.text, cues):
                break
            run.append(nxt)
            ref = max(ref, nxt.width)
            j += 1
        for r in run:
            r.kind, r.group = kind, group
        group += 1
        k = j if wrapped else k + 1


# -- 4. paragraphs ------------------------------------------------------------------------------
def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def is_wrapped(body: list[Line], p: dict) -> bool:
    """Hard-wrapped text has many lines of one width, or many long lines that stop mid-sentence.

    Text with one paragraph per line has neither: its lines end where sentences end, and only
    its (short) headings end without punctuation.
    """
    lns = [ln for ln in body if ln.width >= 3]
    if len(lns) < 4:
        return len(lns) > 1
    ws = [ln.width for ln in lns]
    ref = _quantile(ws, p["ref_quantile"])
    near = sum(1 for w in ws if abs(w - ref) <= p["wrap_tolerance"] * ref)
    cut = sum(1 for ln in lns if ln.width >= 0.6 * ref and ln.text.rstrip(CLOSERS)[-1:] not in TERMINAL + ".:：")
    return near / len(ws) >= p["wrapped_share"] or cut / len(ws) >= p["cut_share"]


@dataclass
class Para:
    lines: list[Line]
    role: str = "body"


def paragraphs(lines: list[Line], body: list[Line], cues: Cues, wrapped: bool, blank_breaks: bool,
               p: dict) -> list[Para]:
    """Group the body lines (inserts removed) into paragraphs and headings."""
    out: list[Para] = []
    if not body:
        return out
    widths = [ln.width for ln in body]
    win = int(p["window"])
    between_insert = _inserts_between(lines)
    # an indented line starts a paragraph, where indentation is the exception (not a layout)
    indents = sum(1 for ln in body if ln.indent >= 2) < 0.5 * len(body)

    page_ref: dict[int, float] = {}
    for pg in {ln.page for ln in body}:
        page_ref[pg] = _quantile([w for ln, w in zip(body, widths) if ln.page == pg and w >= 3], p["ref_quantile"])
    all_ref = _quantile([w for w in widths if w >= 3], p["ref_quantile"])

    page_col = {pg: _quantile([w for ln, w in zip(body, widths) if ln.page == pg], 0.95) for pg in page_ref}

    def col_at(k: int) -> float:
        """The full width of the column (for ragged-right text): its longest lines."""
        seg = widths[max(0, k - win):k + win + 1]
        return max(_quantile(seg, 0.95), page_col.get(body[k].page, 0.0))

    def ref_at(k: int) -> float:
        """The column width around line k: the page's, unless the lines nearby are wider."""
        seg = [w for w in widths[max(0, k - win):k + win + 1] if w >= 3]
        local = _quantile(seg, p["ref_quantile"]) if len(seg) >= win else 0.0
        return max(local, page_ref.get(body[k].page) or all_ref) or widths[k]

    first = body[0]
    # the document's first line, short and unpunctuated, is its title
    cur = Para([first], "heading" if _heading_start(first.text, cues)
               else "title" if wrapped and first.page == 1 and _standalone(first, ref_at(0)) else "body")
    for k in range(1, len(body)):
        prev, ln = body[k - 1], body[k]
        inserted = between_insert(prev, ln)
        ref = ref_at(k - 1)
        starts_new = _heading_start(ln.text, cues)
        if blank_breaks and prev.blank_after and not inserted:
            brk = True
        elif starts_new or (indents and ln.indent >= 2 and wrapped):
            brk = True
        elif not wrapped:
            t = prev.text.rstrip(CLOSERS)
            brk = not (inserted and t and t[-1] not in TERMINAL + ".")
        elif cur.role == "heading" and not SENTENCE_PUNCT.search(prev.text):
            # a heading wraps onto one more line only when that line is its short tail
            brk = not (len(cur.lines) == 1 and prev.width >= p["full_ratio"] * ref
                       and ln.width < p["full_ratio"] * ref and not SENTENCE_PUNCT.search(ln.text))
        elif not _mostly_cjk(prev.text) and not _mostly_cjk(ln.text):
            # ragged-right Latin text: the author broke the line if the next word would have fit
            col = col_at(k - 1)
            word = ln.text.split(maxsplit=1)[0]
            fits = prev.width + repair.char_width(" ") + repair.width(word) <= col
            t = prev.text.rstrip(CLOSERS)
            brk = fits and (t[-1:] in TERMINAL + ".:" or prev.width < p["short_ratio"] * ref)
        else:
            brk = _ends(prev.text, prev.width, ref, p["short_ratio"], p["end_ratio"])
            ended = prev.text.rstrip(CLOSERS)[-1:] in TERMINAL
            # a short standalone line with no punctuation after a finished paragraph: a heading
            if not brk and ended and _standalone(ln, ref):
                brk = True
            # justified Chinese text: a paragraph's first line is indented, so it is shorter
            if not brk and ended and _mostly_cjk(ln.text) and ln.width <= ref - p["indent"] \
                    and ln.width >= p["short_ratio"] * ref:
                brk = True
        if brk:
            out.append(cur)
            cur = Para([ln], "heading" if _heading_start(ln.text, cues) or (wrapped and _standalone(ln, ref_at(k)))
                       else "body")
        else:
            cur.lines.append(ln)
    out.append(cur)
    for para in out:
        if para.role == "heading":
            text = "".join(x.text for x in para.lines)
            if repair.width(text) > p["heading_max_width"] or text.rstrip()[-1:] in TERMINAL + "，,：:.":
                para.role = "body"
    return out


def _heading_start(text: str, cues: Cues) -> bool:
    """A line that opens a heading or list item (`1. `, `（1）`, `一、`, `2.3 方法` without punctuation)."""
    return bool(_starts(cues.numbered, text) or _starts(cues.unnumbered_heading, text)
                or (_starts(cues.section, text) and not SENTENCE_PUNCT.search(text)))


def _mostly_cjk(text: str) -> bool:
    return sum(1 for c in text if repair.cjkish(c)) * 2 >= len(text)


def _standalone(ln: Line, ref: float) -> bool:
    """A short line without any punctuation: a heading when it stands alone."""
    return ln.width <= 0.5 * ref and ln.width <= 20 and not re.search(r"[^\w\s\-–·]", ln.text)


def _inserts_between(lines: list[Line]):
    """Whether footnote/abstract/furniture lines lay between two body lines."""
    order = {ln.idx: i for i, ln in enumerate(lines)}

    def f(a: Line, b: Line) -> bool:
        i, j = order[a.idx], order[b.idx]
        return any(lines[x].kind != "body" for x in range(i + 1, j))
    return f


# -- joining lines into text with a page per character ----------------------------------------
def join(lines: list[Line], words: set[str]) -> tuple[str, list[int]]:
    parts: list[str] = []
    pages: list[int] = []
    for ln in lines:
        t = ln.text
        if parts:
            sep, drop = repair.join_sep(parts[-1], t, words)
            if drop:
                parts[-1] = parts[-1][:-1]
                pages.pop()
            if sep:
                parts.append(sep)
                pages.extend([ln.page] * len(sep))
        parts.append(t)
        pages.extend([ln.page] * len(t))
    return "".join(parts), pages


def tidy(text: str, pages: list[int], on: bool) -> tuple[str, list[int]]:
    if not on:
        return text, pages
    out, keep = repair.tidy_spaces(text)
    return out, [pages[i] for i in keep]


# -- the reader -------------------------------------------------------------------------------
DEFAULTS = {
    "short_ratio": 0.75, "end_ratio": 0.9, "full_ratio": 0.85, "ref_quantile": 0.7, "window": 8,
    "wrap_tolerance": 0.15, "wrapped_share": 0.45, "cut_share": 0.3, "double_spaced_share": 0.6,
    "heading_max_width": 40, "indent": 1.5, "tidy_spaces": True, "garbled_share": 0.3,
}


def read_text(doc: Document, data: bytes, cfg: dict[str, Any]) -> None:
    """Fill `doc` from the bytes of a .txt file (see the module docstring for the steps)."""
    p = dict(DEFAULTS)
    p.update(cfg.get("text", {}) if isinstance(cfg.get("text"), dict) else {})
    p["garbled_share"] = cfg.get("garbled_share", p["garbled_share"])
    cues = load_cues()

    text, why = decode(data)
    if text is None:
        doc.status, doc.message = why.split(":", 1)
        return
    share = bad_share(text)
    if share > p["garbled_share"]:
        doc.status = "garbled"
        doc.message = f"{share:.0%} of the characters are control codes or undecodable bytes: not a text file"
        return
    text, _ = fold(text.replace("\r\n", "\n").replace("\r", "\n"))

    lines, npages = split_lines(text)
    doc.pages = npages
    mark_furniture(lines, npages, cues)
    mark_footnotes(lines, cues)
    body0 = [ln for ln in lines if ln.kind == "body"]
    blank_share = sum(1 for ln in lines if ln.blank_after) / max(1, len(lines))
    blank_breaks = blank_share < p["double_spaced_share"]
    wrapped = is_wrapped(body0, p)
    mark_abstracts(lines, cues, wrapped, blank_breaks, p)
    body = [ln for ln in lines if ln.kind == "body"]
    words = repair.words_of(text)

    # body paragraphs and inserts, in the order they come
    paras = paragraphs(lines, body, cues, wrapped, blank_breaks, p)
    first_line_of = {id(para.lines[0]): para for para in paras}
    items: list[tuple[str, list[Line], str]] = []   # (role, lines, label)
    groups: dict[tuple[str, int], list[Line]] = {}
    for ln in lines:
        if ln.kind in ("footnote", "abstract", "keywords"):
            groups.setdefault((ln.kind, ln.group), []).append(ln)
    seen_groups: set[tuple[str, int]] = set()
    for ln in lines:
        if ln.kind == "body":
            para = first_line_of.get(id(ln))
            if para is not None:
                items.append((para.role, para.lines, ""))
        elif ln.kind in ("header", "footer", "page_number"):
            items.append((ln.kind, [ln], ""))
        elif (ln.kind, ln.group) not in seen_groups:
            seen_groups.add((ln.kind, ln.group))
            items.append((ln.kind, groups[(ln.kind, ln.group)], ln.label))

    blocks: list[Block] = []
    pages_of: dict[int, list[int]] = {}
    for role, group, label in items:
        if role == "footnote":
            fl = footnote_label(group[0], cues)
            first = Line(group[0].idx, group[0].page, fl[1] if fl else group[0].text)
            t, pg = join([first] + group[1:], words)
        else:
            t, pg = join(group, words)
        t, pg = tidy(t, pg, p["tidy_spaces"])
        if not t:
            continue
        b = Block(page=pg[0], role=role, text=t, lang=lang_of(t), marker=label or None)
        blocks.append(b)
        pages_of[id(b)] = pg

    find_markers(doc, blocks, pages_of, cues)
    for b in blocks:
        pg = pages_of[id(b)]
        if len(set(pg)) > 1:
            b.char_pages = pg
    doc.blocks = reorder(blocks)
    title = next((b.text for b in doc.blocks if b.role == "title"), "")
    if title:
        doc.meta["title"] = title


def find_markers(doc: Document, blocks: list[Block], pages_of: dict[int, list[int]], cues: Cues) -> None:
    """Take glued footnote markers out of the text and link each to its footnote.

    A marker's note is an unclaimed footnote with its label on the same page: the first one
    after the marker (notes sit at the page bottom), else the nearest one before it (the
    body may go on after the notes). A marker whose note is not in the text links to none.
    """
    notes = [(i, b) for i, b in enumerate(blocks) if b.role == "footnote" and b.marker]
    labels = {b.marker for _, b in notes}
    claimed: set[int] = set()
    for i, b in enumerate(blocks):
        if b.role not in ("body", "heading", "abstract", "keywords"):
            continue
        found = repair.glued_markers(b.text, labels, cues.not_after)
        if not found:
            continue
        text, keep = repair.delete(b.text, [(g.start, g.end) for g in found])
        pg = pages_of[id(b)]
        for g in found:
            page = pg[g.start]
            pool = [(j, n) for j, n in notes if n.marker == g.label and n.page == page and id(n) not in claimed]
            after = [n for j, n in pool if j > i]
            before = [n for j, n in pool if j < i]
            note = after[0] if after else before[-1] if before else None
            if note is not None:
                claimed.add(id(note))
            doc.markers.append(Marker(label=g.label, page=page, block=b, pos=bisect_left(keep, g.start),
                                      footnote=note))
        b.text = text
        pages_of[id(b)] = [pg[k] for k in keep]


def reorder(blocks: list[Block]) -> list[Block]:
    """Abstracts and keywords found after the body began go before it, in their own order."""
    first = next((i for i, b in enumerate(blocks) if b.role in ("body", "heading")), None)
    if first is None:
        return blocks
    late = [b for b in blocks[first:] if b.role in ("abstract", "keywords")]
    if not late:
        return blocks
    rest = [b for b in blocks[first:] if b.role not in ("abstract", "keywords")]
    return blocks[:first] + late + rest
