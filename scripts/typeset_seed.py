#!/usr/bin/env python3
"""Typeset the clean seed as a two-column article PDF whose truth is known.

    scripts/typeset_seed.py SEED_TXT OUT_PDF [--gold DIR] [--title T] [--authors A]

Reads `DIR/seed.clean.txt` (abstracts, headings, paragraphs: one per line) and
`DIR/seed.footnotes.txt` (label, anchor, text) from the gold folder next to SEED_TXT and
lays them out as a journal page would: title and author line, the abstracts across both
columns, two justified body columns with first-line indents, superscript footnote markers
after their anchors, the footnotes at the bottom of the page where their marker stands,
a running header and page numbers. Font: reportlab's built-in `STSong-Light` CID font (no
font file). Lines are broken and justified here (CJK per character, Latin per word) so the
only spaces on a line are real word spaces; paragraphs run on across columns and pages.

The seed carries no title or author line; the title below restates the article's own
summary sentence ("本文将从五个方面概括中国科学共同体在抗击新冠肺炎疫情知识共享方面的进展")
and the author line says that the source names no author.
"""
from __future__ import annotations

import argparse
import calendar
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
PAGE_W, PAGE_H = 595.28, 841.89
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 56.0, 72.0, 72.0
GUTTER = 20.0
COL_W = (PAGE_W - 2 * MARGIN_X - GUTTER) / 2
FULL_W = PAGE_W - 2 * MARGIN_X
BODY, BODY_LEAD = 10.0, 16.0
H1, H1_LEAD = 12.0, 18.0
ABS, ABS_LEAD = 9.0, 14.0
NOTE, NOTE_LEAD = 7.5, 10.5
SUP = 0.6            # marker size relative to its text
HEADER = "知识共享 · 中国科学共同体抗击新冠肺炎疫情"
TITLE = "中国科学共同体抗击新冠肺炎疫情的知识共享"
AUTHORS = "（原文未署作者）"

OPENING = set("（《“‘「『【〈([")
CLOSING = set("，。、；：？！）》”’」』】〉,.;:?!)]%")
HEADING_RE = re.compile(r"^(\d+\.\s|（\d+）)")


# STSong-Light's UniGB-UCS2-H CMap has no U+00B7; the GB middle dot is reached through U+30FB
# (and reads back as U+00B7), so the drawn glyph is the one the text means.
GLYPH = str.maketrans({"\u00b7": "\u30fb"})


def width(s: str, size: float) -> float:
    return pdfmetrics.stringWidth(s.translate(GLYPH), FONT, size)


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3000 <= o <= 0x9FFF or 0xFF00 <= o <= 0xFFEF or ch in "“”‘’—…·"


@dataclass
class Unit:
    """An unbreakable piece: one CJK character or one Latin word, with glued punctuation/marker."""

    parts: list[tuple[str, float, float]] = field(default_factory=list)  # text, size, rise
    space_before: bool = False
    cjk_edge: tuple[bool, bool] = (False, False)   # starts / ends with CJK
    markers: list[tuple[str, int]] = field(default_factory=list)   # (label, position in text)

    def w(self) -> float:
        return sum(width(t, s) for t, s, _ in self.parts)


def units(text: str, size: float, markers: dict[int, str]) -> list[Unit]:
    """Split a paragraph into units; `markers` maps a text position to the label drawn before it."""
    raw: list[tuple[str, bool]] = []   # token, preceded by space
    i, n = 0, len(text)
    space = False
    while i < n:
        ch = text[i]
        if ch == " ":
            space = True
            i += 1
            continue
        if is_cjk(ch):
            raw.append((ch, space))
            i += 1
        else:
            j = i
            while j < n and text[j] != " " and not is_cjk(text[j]):
                j += 1
            raw.append((text[i:j], space))
            i = j
        space = False
    out: list[Unit] = []
    pos = 0
    pending_open = ""
    for tok, sp in raw:
        start = text.index(tok, pos)
        pos = start + len(tok)
        if tok in OPENING and not sp:
            pending_open += tok
            continue
        label = markers.get(pos)
        if tok[0] in CLOSING and out and not sp and not pending_open:
            u = out[-1]
            u.parts.append((tok, size, 0.0))
        else:
            u = Unit(space_before=sp, cjk_edge=(is_cjk((pending_open or tok)[0]), False))
            if pending_open:
                u.parts.append((pending_open, size, 0.0))
                pending_open = ""
            u.parts.append((tok, size, 0.0))
            out.append(u)
        if label:
            u.parts.append((label, size * SUP, size * 0.38))
            u.markers.append((label, pos))
        u.cjk_edge = (u.cjk_edge[0], is_cjk(tok[-1]))
    if pending_open:
        out.append(Unit(parts=[(pending_open, size, 0.0)]))
    return out


def split_long(u: Unit, limit: float) -> list[Unit]:
    """A unit wider than the line (a URL) is broken between characters."""
    if u.w() <= limit:
        return [u]
    pieces: list[Unit] = []
    cur = Unit(space_before=u.space_before)
    for t, s, r in u.parts:
        for ch in t:
            if cur.parts and cur.w() + width(ch, s) > limit:
                pieces.append(cur)
                cur = Unit()
            cur.parts.append((ch, s, r))
    pieces.append(cur)
    pieces[-1].markers = u.markers
    return pieces


@dataclass
class Line:
    units: list[Unit]
    x0: float
    width: float
    size: float
    last: bool = False

    @property
    def markers(self) -> list[tuple[str, int]]:
        return [m for u in self.units for m in u.markers]


def break_lines(text: str, size: float, col_w: float, indent: float, markers: dict[int, str]) -> list[Line]:
    us: list[Unit] = []
    for u in units(text, size, markers):
        us.extend(split_long(u, col_w - indent))
    lines: list[Line] = []
    cur: list[Unit] = []
    cur_w = 0.0
    x0 = indent
    for u in us:
        glue = width(" ", size) if (cur and u.space_before) else 0.0
        if cur and cur_w + glue + u.w() > col_w - x0 + 0.01:
            lines.append(Line(cur, x0, col_w - x0, size))
            cur, cur_w, x0 = [], 0.0, 0.0
            glue = 0.0
        cur.append(u)
        cur_w += glue + u.w()
    if cur:
        lines.append(Line(cur, x0, col_w - x0, size, last=True))
    return lines


def draw_line(c: canvas.Canvas, ln: Line, x: float, y: float, justify: bool = True) -> None:
    """Draw units; the slack of a justified line goes to word spaces and CJK–CJK joints only."""
    natural = 0.0
    stretch = 0
    for k, u in enumerate(ln.units):
        if k:
            prev = ln.units[k - 1]
            if u.space_before:
                natural += width(" ", ln.size)
                stretch += 1
            elif prev.cjk_edge[1] and u.cjk_edge[0]:
                stretch += 1
        natural += u.w()
    extra = 0.0
    if justify and not ln.last and stretch:
        extra = min((ln.width - natural) / stretch, ln.size * 0.5)
    cx = x + ln.x0
    for k, u in enumerate(ln.units):
        if k:
            prev = ln.units[k - 1]
            if u.space_before:
                cx += width(" ", ln.size) + extra
            elif prev.cjk_edge[1] and u.cjk_edge[0]:
                cx += extra
        for t, s, rise in u.parts:
            c.setFont(FONT, s)
            c.drawString(cx, y + rise, t.translate(GLYPH))
            cx += width(t, s)


@dataclass
class Para:
    kind: str        # abstract, h1, h2, body
    text: str
    markers: dict[int, str]


def read_gold(gold: Path) -> tuple[list[Para], dict[str, str]]:
    lines = [l for l in gold.joinpath("seed.clean.txt").read_text("utf-8").splitlines() if l.strip()]
    notes: list[tuple[str, str, str]] = []
    for l in gold.joinpath("seed.footnotes.txt").read_text("utf-8").splitlines():
        if not l.strip() or l.startswith("#"):
            continue
        label, anchor, text = (l.split("\t") + ["", ""])[:3]
        notes.append((label, anchor, text))
    paras: list[Para] = []
    for l in lines:
        if l.startswith(("摘要：", "摘要:", "Abstract:")):
            kind = "abstract"
        elif HEADING_RE.match(l) and l.rstrip()[-1] not in "。！？":
            kind = "h1" if re.match(r"^\d+\.\s", l) else "h2"
        else:
            kind = "body"
        paras.append(Para(kind, l, {}))
    texts: dict[str, str] = {}
    for label, anchor, text in notes:
        hits = [(k, m.end()) for k, p in enumerate(paras) for m in re.finditer(re.escape(anchor), p.text)]
        if len(hits) != 1:
            raise SystemExit(f"footnote {label}: anchor {anchor!r} found {len(hits)} times in the clean text")
        k, end = hits[0]
        paras[k].markers[end] = label
        if text:
            texts[f"{k}:{end}"] = text
    # footnote text keyed by paragraph/position so a repeated label stays distinct
    return paras, texts


class Typesetter:
    def __init__(self, out: Path, notes: dict[str, str]):
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        self.c = canvas.Canvas(str(out), pagesize=(PAGE_W, PAGE_H), invariant=1)
        self.c.setTitle(TITLE)
        self.c.setAuthor("pipeline scripts/typeset_seed.py")
        self.c.setCreator("reportlab")
        self.notes = notes
        self.page = 0
        self.new_page(first=True)

    # page furniture and footnotes
    def new_page(self, first: bool = False) -> None:
        if not first:
            self.finish_page()
            self.c.showPage()
        self.page += 1
        self.col = 0
        self.top = PAGE_H - MARGIN_TOP
        self.y = self.top
        self.col0_low = PAGE_H
        self.page_notes: list[tuple[str, list[Line]]] = []

    def finish_page(self) -> None:
        c = self.c
        c.setFont(FONT, 8)
        c.drawString(MARGIN_X, PAGE_H - 48, HEADER.translate(GLYPH))
        c.setLineWidth(0.4)
        c.line(MARGIN_X, PAGE_H - 52, PAGE_W - MARGIN_X, PAGE_H - 52)
        label = f"— {self.page} —"
        c.setFont(FONT, 9)
        c.drawString((PAGE_W - width(label, 9)) / 2, 36, label)
        if self.page_notes:
            h = self.notes_height(self.page_notes)
            ytop = MARGIN_BOTTOM + h
            c.line(MARGIN_X, ytop + 4, MARGIN_X + 120, ytop + 4)
            y = ytop - NOTE
            for label, lines in self.page_notes:
                c.setFont(FONT, NOTE * SUP * 1.1)
                c.drawString(MARGIN_X, y + NOTE * 0.35, label)
                for ln in lines:
                    draw_line(c, ln, MARGIN_X + 8, y, justify=False)
                    y -= NOTE_LEAD

    def note_lines(self, text: str) -> list[Line]:
        return break_lines(text, NOTE, FULL_W - 8, 0.0, {})

    def notes_height(self, notes: list[tuple[str, list[Line]]]) -> float:
        if not notes:
            return 0.0
        return sum(len(lines) for _, lines in notes) * NOTE_LEAD + 8

    # flowing text
    def full_width(self, lines: list[Line], lead: float, center: bool = False) -> None:
        for ln in lines:
            self.y -= lead
            x = (PAGE_W - sum(u.w() for u in ln.units)) / 2 if center else MARGIN_X
            draw_line(self.c, ln, x, self.y, justify=not center)

    def start_columns(self, gap: float) -> None:
        self.y -= gap
        self.top = self.y
        self.col = 0

    def place(self, ln: Line, lead: float, note_keys: list[str]) -> None:
        while True:
            new_notes = [(lab, self.note_lines(self.notes[key])) for lab, key in note_keys if key in self.notes]
            bottom = MARGIN_BOTTOM + self.notes_height(self.page_notes + new_notes) + 6
            y = self.y - lead
            fits = y - 3 >= bottom and (self.col == 0 or self.col0_low - 3 >= bottom)
            if fits:
                break
            self.next_column()
        self.y = y
        x = MARGIN_X + self.col * (COL_W + GUTTER)
        draw_line(self.c, ln, x, y)
        if self.col == 0:
            self.col0_low = min(self.col0_low, y)
        self.page_notes.extend(new_notes)

    def next_column(self) -> None:
        if self.col == 0:
            self.col = 1
            self.y = self.top
        else:
            self.new_page()

    def save(self) -> None:
        self.finish_page()
        self.c.save()


def typeset(paras: list[Para], notes: dict[str, str], out: Path, title: str, authors: str) -> None:
    ts = Typesetter(out, notes)
    ts.full_width(break_lines(title, 18, FULL_W, 0, {}), 26, center=True)
    ts.y -= 6
    ts.full_width(break_lines(authors, 11, FULL_W, 0, {}), 18, center=True)
    ts.y -= 10
    k = 0
    while k < len(paras) and paras[k].kind == "abstract":
        ts.full_width(break_lines(paras[k].text, ABS, FULL_W, 0, paras[k].markers), ABS_LEAD)
        ts.y -= 4
        k += 1
    ts.start_columns(16)
    for pi in range(k, len(paras)):
        p = paras[pi]
        if p.kind == "h1":
            size, lead, indent, before = H1, H1_LEAD, 0.0, 10.0
        elif p.kind == "h2":
            size, lead, indent, before = BODY, BODY_LEAD, 0.0, 8.0
        else:
            size, lead, indent, before = BODY, BODY_LEAD, 2 * BODY, 0.0
        if before and ts.y < ts.top:
            ts.y -= before
        for ln in break_lines(p.text, size, COL_W, indent, p.markers):
            # a marker printed on this line: its footnote (if it has one) goes on this page
            keys = [(lab, f"{pi}:{pos}") for lab, pos in ln.markers if f"{pi}:{pos}" in notes]
            ts.place(ln, lead, keys)
    ts.save()


def newest_date(texts) -> str | None:
    found = []
    for t in texts:
        for y, m, d in re.findall(r"(20\d\d)-(\d{1,2})-(\d{1,2})", t):
            if 1 <= int(m) <= 12 and 1 <= int(d) <= 31:
                found.append((int(y), int(m), int(d)))
    if not found:
        return None
    y, m, d = max(found)
    return f"{y:04d}-{m:02d}-{d:02d}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seed", type=Path, help="the seed text (its folder holds gold/)")
    ap.add_argument("out", type=Path, help="the PDF to write")
    ap.add_argument("--gold", type=Path, help="folder with seed.clean.txt and seed.footnotes.txt")
    ap.add_argument("--title", default=TITLE)
    ap.add_argument("--authors", default=AUTHORS)
    ap.add_argument("--date", help="CreationDate YYYY-MM-DD (default: newest date cited in the footnotes)")
    a = ap.parse_args(argv)
    gold = a.gold or a.seed.parent / "gold"
    if not (gold / "seed.clean.txt").is_file():
        print(f"error: {gold}/seed.clean.txt not found", file=sys.stderr)
        return 2
    paras, notes = read_gold(gold)
    # Reproducible bytes (the doc_id is their hash) and a meaningful CreationDate: the day of
    # the newest access date the footnotes cite, the earliest the article can date from.
    date = a.date or newest_date(notes.values())
    if date:
        y, m, d = (int(x) for x in date.split("-"))
        os.environ["SOURCE_DATE_EPOCH"] = str(calendar.timegm((y, m, d, 0, 0, 0)))
    typeset(paras, notes, a.out, a.title, a.authors)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
