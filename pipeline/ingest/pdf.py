"""PDF ingest: pdfminer.six at character level, our own layout, one Block per paragraph.

Steps: open (repairing a broken file in memory with pikepdf/qpdf), collect every character
with its font, size and box in content-stream order, check the text layer (no text ->
`needs_ocr`, unmapped glyphs -> `garbled`), build lines, drop running headers/footers and
page numbers, find footnotes and the superscript markers pointing to them, order lines for
reading (columns), cut them into paragraphs (continuing across columns and pages), label the
paragraphs and write Blocks with one box per character of their text.
"""
from __future__ import annotations

import io
import logging
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from ..document import Block, Document, Marker
from ..script import is_cjk, lang_of
from .layout import Char, Line, _median, build_lines, dedupe, find_markers, joiner, line_text, order_lines

DEFAULTS = {
    "garbled_share": 0.3,
    "min_chars_per_page": 20,
    "max_chars_per_page": 200000,
    "max_pages": 2000,
}
SENTENCE_END = "。！？!?；;…"
# pdfminer warns on stderr about every odd font descriptor; a batch should print one line per
# document, and what matters reaches the user as the document's status and message.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


@lru_cache(maxsize=1)
def cues() -> dict[str, Any]:
    text = resources.files("pipeline").joinpath("data/ingest/cues.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    return {
        "roles": {k: [re.compile(p) for p in v] for k, v in raw["roles"].items()},
        "fn_marker": re.compile(raw["footnote"]["marker"]),
        "marker_chars": raw["footnote"]["marker_chars"],
        "page_number": [re.compile(p) for p in raw["furniture"]["page_number"]],
        "cjk_fonts": tuple(f.lower() for f in raw["garbled"]["cjk_fonts"]),
    }


class PdfProblem(Exception):
    """A document-level verdict (status, message) rather than a bug."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


# -- opening --------------------------------------------------------------------------------
MAGIC = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"PK\x03\x04", "a ZIP/Office file"),
         (b"GIF8", "a GIF image"), (b"II*\x00", "a TIFF image"), (b"MM\x00*", "a TIFF image"),
         (b"\xd0\xcf\x11\xe0", "an old Office file"), (b"{\\rtf", "an RTF file"))


def sniff(data: bytes) -> None:
    if b"%PDF-" in data[:1024]:
        return
    head = data[:16]
    for magic, what in MAGIC:
        if head.startswith(magic):
            raise PdfProblem("unsupported", f"not a PDF: the file is {what}")
    low = data[:512].lstrip().lower()
    if low.startswith((b"<!doctype html", b"<html")):
        raise PdfProblem("unsupported", "not a PDF: the file is an HTML page")
    raise PdfProblem("unsupported", "not a PDF: no %PDF- header in the first 1024 bytes")


def _is_password_error(exc: BaseException) -> bool:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    return isinstance(exc, (PDFPasswordIncorrect, PDFEncryptionError))


def _reason(exc: BaseException) -> str:
    msg = re.sub(r"^stream\s*<_io\.BytesIO object at 0x[0-9a-f]+>:?\s*|<_io\.BytesIO object at 0x[0-9a-f]+>:?\s*",
                 "", " ".join(str(exc).split()))
    return msg[:200] or exc.__class__.__name__


def _pikepdf_rewrite(data: bytes) -> tuple[bytes, str]:
    """Let qpdf (via pikepdf) rebuild the xref/streams (and drop an empty-password encryption)."""
    import pikepdf
    try:
        with pikepdf.open(io.BytesIO(data), password="") as pdf:
            out = io.BytesIO()
            pdf.save(out)
            return out.getvalue(), "repaired with qpdf"
    except pikepdf.PasswordError:
        raise PdfProblem("encrypted", "the PDF is encrypted and needs a password") from None
    except Exception as exc:  # pikepdf raises its own and qpdf's errors
        raise PdfProblem("corrupt", f"unreadable PDF, repair failed: {_reason(exc)}") from None


@dataclass
class PageChars:
    number: int
    width: float
    height: float
    chars: list[Char] = field(default_factory=list)
    images: int = 0
    truncated: bool = False
    rotated: int = 0


class _PageFull(Exception):
    pass


class Glyph:
    """What `collect` needs of a drawn character: pdfminer's LTChar without the layout object
    (its geometry computed by the same expressions, so boxes are bit-for-bit LTChar's)."""

    __slots__ = ("_text", "matrix", "fontname", "adv", "upright", "x0", "y0", "x1", "y1", "size")

    def get_text(self) -> str:
        return self._text


def _device(rsrc, cap: int):
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdffont import PDFUnicodeNotDefined

    class Collector(PDFPageAggregator):
        """Keeps every character in stream order; stops the page at `cap` characters."""

        def __init__(self) -> None:
            super().__init__(rsrc, laparams=None)
            self.chars: list[Any] = []
            self.images = 0

        def reset(self) -> None:
            self.chars, self.images = [], 0

        def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate):  # type: ignore[override]
            # pdfminer's PDFLayoutAnalyzer.render_char + LTChar.__init__, inlined: reading a page
            # builds one of these per glyph, and the layout tree pdfminer would add it to is unused
            try:
                text = font.to_unichr(cid)
            except PDFUnicodeNotDefined:
                text = self.handle_undefined_char(font, cid)
            adv = font.char_width(cid) * fontsize * scaling
            vertical = font.is_vertical()
            if vertical:
                vx, vy = font.char_disp(cid)
                vx = fontsize * 0.5 if vx is None else vx * fontsize * 0.001
                vy = (1000 - vy) * fontsize * 0.001
                bx0, by0, bx1, by1 = -vx, vy + rise + adv, -vx + fontsize, vy + rise
            else:
                descent = font.get_descent() * fontsize
                bx0, by0, bx1, by1 = 0, descent + rise, adv, descent + rise + fontsize
            a, b, c, d, e, f = matrix
            g = Glyph()
            g._text, g.matrix, g.fontname, g.adv = text, matrix, font.fontname, adv
            g.upright = a * d * scaling > 0 and b * c <= 0
            # pdfminer.utils.apply_matrix_rect: the four corners, then their extremes
            left1, bottom1 = a * bx0 + c * by0 + e, b * bx0 + d * by0 + f
            right1, bottom2 = a * bx1 + c * by0 + e, b * bx1 + d * by0 + f
            right2, top1 = a * bx1 + c * by1 + e, b * bx1 + d * by1 + f
            left2, top2 = a * bx0 + c * by1 + e, b * bx0 + d * by1 + f
            g.x0, g.y0 = min(left1, left2, right1, right2), min(bottom1, bottom2, top1, top2)
            g.x1, g.y1 = max(left1, left2, right1, right2), max(bottom1, bottom2, top1, top2)
            g.size = g.x1 - g.x0 if vertical else g.y1 - g.y0
            self.chars.append(g)
            if len(self.chars) > cap:
                raise _PageFull()
            return adv

        def render_image(self, name, stream):  # type: ignore[override]
            self.images += 1

        def paint_path(self, *args, **kwargs):  # type: ignore[override]
            return None   # rules, charts and boxes carry no text: do not build objects for them

    return Collector()


def _font_size(ch) -> float:
    a, b, c, d, _, _ = ch.matrix
    size = ch.size if ch.upright else 0
    return max(float(size), abs(d), 1.0) if size else max(abs(d), abs(a), 1.0)


def _orientation(ch) -> int:
    """0, 90 (runs upwards), 180 or 270 (runs downwards): the direction a glyph is set in."""
    a, b, c, d, _, _ = ch.matrix
    if abs(b) + abs(c) < 1e-6 * (abs(a) + abs(d) + 1e-9):
        return 0 if a > 0 and d > 0 else 180 if a < 0 and d < 0 else -1
    if abs(a) + abs(d) < 1e-6 * (abs(b) + abs(c)):
        return 90 if b > 0 and c < 0 else 270 if b < 0 and c > 0 else -1
    return -1   # skewed or mirrored: not read


def collect(pc: PageChars, chars: list) -> None:
    """The page's characters in its dominant text direction, turned upright.

    A page set in landscape by a rotation in its content (a wide table) is read in that
    direction; characters in any other direction (a vertical margin note) are left out and
    counted.
    """
    orient = [_orientation(ch) if ch.get_text().strip() else 0 for ch in chars]
    counts = {o: orient.count(o) for o in (0, 90, 180, 270)}
    main = max((0, 90, 180, 270), key=lambda o: (counts[o], o == 0))
    w, h = pc.width, pc.height
    for seq, (ch, o) in enumerate(zip(chars, orient)):
        if o != main and ch.get_text().strip():
            pc.rotated += 1
            continue
        x0, y0, x1, y1 = float(ch.x0), float(ch.y0), float(ch.x1), float(ch.y1)
        if main == 0:
            box, size = (x0, y0, x1, y1), _font_size(ch)
        elif main == 90:    # reads upwards; the next line is to the right
            box, size = (y0, w - x1, y1, w - x0), max(x1 - x0, 1.0)
        elif main == 270:   # reads downwards; the next line is to the left
            box, size = (h - y1, x0, h - y0, x1), max(x1 - x0, 1.0)
        else:
            box, size = (w - x1, h - y1, w - x0, h - y0), max(y1 - y0, 1.0)
        pc.chars.append(Char(ch.get_text(), *box, size, ch.fontname or "", seq))
    if main in (90, 270):
        pc.width, pc.height = h, w


class _NoDebug:
    """A module logger whose `debug` costs nothing: pdfminer calls `log.debug` for every token
    it parses (~5 % of reading a PDF even with debug logging off); warnings still go out."""

    def __init__(self, log: logging.Logger):
        self._log = log

    def debug(self, *args: Any, **kwargs: Any) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._log, name)


def _quiet_pdfminer_debug() -> None:
    import importlib
    for mod in ("psparser", "pdfinterp", "pdfparser", "pdfdocument", "pdfpage", "pdffont", "cmapdb"):
        m = importlib.import_module("pdfminer." + mod)
        log = getattr(m, "log", None)
        if isinstance(log, logging.Logger) and not log.isEnabledFor(logging.DEBUG):
            m.log = _NoDebug(log)


def extract_chars(data: bytes, cfg: dict[str, Any]) -> tuple[list[PageChars], dict[str, Any]]:
    """All pages' characters (stream order) and the PDF metadata; raises PdfProblem."""
    _quiet_pdfminer_debug()
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    from .content import interpreter_class

    cap = int(cfg["max_chars_per_page"])
    max_pages = int(cfg["max_pages"])
    fast = cfg.get("tokenizer", "qpdf") == "qpdf"
    repaired = ""

    def run(blob: bytes) -> tuple[list[PageChars], dict[str, Any]]:
        parser = PDFParser(io.BytesIO(blob))
        pdoc = PDFDocument(parser, password="")
        info = _info(pdoc)
        rsrc = PDFResourceManager(caching=True)
        dev = _device(rsrc, cap)
        interp = (interpreter_class() if fast else PDFPageInterpreter)(rsrc, dev)
        pages: list[PageChars] = []
        for pno, page in enumerate(PDFPage.create_pages(pdoc), 1):
            if pno > max_pages:
                info["_truncated_pages"] = True
                break
            x0, y0, x1, y1 = page.mediabox
            pc = PageChars(pno, float(x1 - x0), float(y1 - y0))
            dev.reset()
            # /Rotate only turns the page on screen: read it as drawn, where its text is upright
            # (pdfminer then only moves the origin to the media box corner).
            page.rotate = 0
            try:
                interp.process_page(page)
            except _PageFull:
                pc.truncated = True
            except Exception as exc:   # one broken page: keep what it drew, note it
                if _is_password_error(exc):
                    raise
                info.setdefault("_page_errors", []).append(f"page {pno}: {_reason(exc)}")
            pc.images = dev.images
            collect(pc, dev.chars[:cap])
            pages.append(pc)
        if not pages:
            raise ValueError("no pages found")
        return pages, info

    try:
        pages, info = run(data)
    except PdfProblem:
        raise
    except Exception as exc:
        if _is_password_error(exc):
            data2, repaired = _pikepdf_rewrite(data)  # empty user password -> decrypted copy
            repaired = "decrypted with the empty password"
        else:
            data2, repaired = _pikepdf_rewrite(data)
        try:
            pages, info = run(data2)
        except PdfProblem:
            raise
        except Exception as exc2:
            if _is_password_error(exc2):
                raise PdfProblem("encrypted", "the PDF is encrypted and needs a password") from None
            raise PdfProblem("corrupt", f"unreadable PDF even after repair: {_reason(exc2)}") from None
    if info.get("_page_errors") and not repaired:
        # some pages failed to parse: a qpdf rewrite often fixes broken streams
        try:
            pages2, info2 = run(_pikepdf_rewrite(data)[0])
            if len(info2.get("_page_errors", [])) < len(info["_page_errors"]):
                pages, info, repaired = pages2, info2, "repaired with qpdf"
        except Exception:
            pass
    if repaired:
        info["_repaired"] = repaired
    return pages, info


def _decode(v: Any) -> str:
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text
    v = resolve1(v)
    if isinstance(v, bytes):
        try:
            if v.startswith(b"\xfe\xff") or v.startswith(b"\xff\xfe"):
                return v.decode("utf-16")
            return decode_text(v)
        except Exception:
            return v.decode("latin-1", errors="replace")
    return str(v) if v is not None else ""


def _info(pdoc) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in getattr(pdoc, "info", []) or []:
        try:
            for k in ("Title", "Author", "CreationDate", "ModDate", "Subject"):
                if k in d and k not in out:
                    s = " ".join(_decode(d[k]).split())
                    if s:
                        out[k] = s
        except Exception:
            continue
    return out


def pdf_date(info: dict[str, Any]) -> str | None:
    """ISO date from CreationDate (else ModDate): `D:20220719...` -> `2022-07-19`."""
    for k in ("CreationDate", "ModDate"):
        m = re.match(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?", info.get(k, "").strip())
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
            if 1980 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


# -- quality of the text layer -----------------------------------------------------------
# private use, the supplementary private-use planes, the replacement character, C0 controls
_BAD_CHAR = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff\ufffd\x00-\x08\x0b\x0c\x0e-\x1f]")
_JUNK_CHAR = re.compile("[\x80-\u02ff]")


def _bad_char(t: str) -> bool:
    return t.startswith("(cid:") or _BAD_CHAR.search(t) is not None


def _junk_like(t: str) -> bool:
    """Latin-1/Latin-Extended symbols a CJK font without ToUnicode typically decodes to."""
    return _JUNK_CHAR.search(t) is not None


def bad_share(pages: list[PageChars]) -> tuple[float, int]:
    """Share of characters that are unmapped glyphs: (cid:N), private use, or a junk font.

    A font counts as junk when most of what it decodes to is (cid:N), private use or stray
    Latin-1 symbols: a CJK font without ToUnicode typically gives `Ø”½œž`, not text.
    """
    per_font: dict[str, list[int]] = {}
    total = 0
    kinds: dict[str, tuple[bool, bool, bool]] = {}   # per glyph text: (bad, bad or junk, Han)
    for p in pages:
        for c in p.chars:
            t = c.text
            if t.isspace():
                continue
            total += 1
            st = per_font.setdefault(c.font, [0, 0, 0, 0])
            st[0] += 1
            kind = kinds.get(t)
            if kind is None:
                bad = _bad_char(t)
                kind = kinds[t] = (bad, bad or _junk_like(t), any(is_cjk(ch) for ch in t))
            st[1] += kind[0]
            st[2] += kind[1]
            st[3] += kind[2]
    cjk_fonts = cues()["cjk_fonts"]

    def cjk_named(font: str) -> bool:
        name = font.split("+", 1)[-1].lower().replace(" ", "").replace("-", "")
        return any(k in name for k in cjk_fonts)

    # CJK fonts decoding to (almost) no CJK and to junk have no ToUnicode map; once one of
    # them is, the document's other CJK fonts that give no CJK at all are the same case.
    broken = {f for f, (n, b, j, han) in per_font.items() if cjk_named(f) and han < 0.2 * n and j > 0}
    bad = 0
    for font in sorted(per_font):
        n, b, j, han = per_font[font]
        junk_font = font in broken or (broken and cjk_named(font) and han == 0) or (n >= 2 and j / n >= 0.3)
        bad += n if junk_font else b
    return (bad / total if total else 0.0), total


# -- furniture and footnotes ----------------------------------------------------------------
def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def mark_furniture(pages: list[tuple[PageChars, list[Line]]], margin: float = 0.1) -> None:
    """Running headers/footers (repeated in the margins) and page numbers get their role."""
    cands: list[tuple[Line, str, str]] = []   # line, zone, key
    for pc, lines in pages:
        top, bottom = pc.height * (1 - margin), pc.height * margin
        for ln in lines:
            zone = "header" if ln.y0 >= top else "footer" if ln.y1 <= bottom else ""
            if zone:
                cands.append((ln, zone, _furniture_key(ln.text)))
    seen: dict[tuple[str, str], set[int]] = {}
    for ln, zone, key in cands:
        seen.setdefault((zone, key), set()).add(ln.page)
    n_pages = len(pages)
    for ln, zone, key in cands:
        if any(p.match(ln.text) for p in cues()["page_number"]):
            ln.role = "page_number"
        elif n_pages >= 2 and key and len(seen[(zone, key)]) >= max(2, 0.3 * n_pages):
            ln.role = zone


def split_footnote_marker(ln: Line, pattern: re.Pattern) -> str | None:
    """A footnote line's leading marker, taken off the line (raised, smaller or set apart)."""
    chars = [c for c in ln.chars if not c.text.isspace()]
    if len(chars) < 2:
        return None
    head = "".join(c.text for c in chars[:4])
    m = pattern.match(head)
    if not m:
        return None
    label = m.group(1)
    k = 0
    acc = ""
    while k < len(chars) and len(acc) < len(m.group(0)):
        acc += chars[k].text
        k += 1
    nxt = chars[k] if k < len(chars) else None
    if nxt is None:
        return None
    first = chars[0]
    gap = (nxt.x0 - chars[k - 1].x1) / max(nxt.size, 1.0)
    smaller = first.size < 0.9 * nxt.size
    raised = first.y0 > nxt.y0 + 0.2 * nxt.size
    spaced = gap > 0.15 or any(c.text.isspace() for c in ln.chars[:ln.chars.index(nxt)])
    digits = label.isdigit()
    if digits and not (smaller or raised or spaced):
        return None  # "2020年…" is text, not a marker
    if digits and nxt.text.isdigit():
        return None
    cut = ln.chars.index(nxt)
    ln.chars = ln.chars[cut:]
    ln.raw_markers = [(lab, i - cut) for lab, i in ln.raw_markers if i >= cut]
    return label.strip("[]［］")


def mark_footnotes(lines: list[Line], body_size: float, page_height: float) -> dict[int, str]:
    """Footnote lines: small type in the lower part of the page with no body-size line below
    them; the first one starts with a marker.

    Returns {id(line): marker} for lines that start a footnote; sets role `footnote` on all.
    """
    pat = cues()["fn_marker"]
    flow = [ln for ln in lines if not ln.role]
    starts: dict[int, str] = {}
    small = []
    for ln in flow:
        if ln.size > 0.9 * body_size or ln.cells >= 3 or ln.y1 > 0.5 * page_height:   # tables, upper half
            continue
        below = any(o.size >= 0.95 * body_size and o.y1 <= ln.y0 and o.x1 > ln.x0 and o.x0 < ln.x1
                    for o in flow if o is not ln)
        if not below:
            small.append(ln)
    in_note = False
    small_ids = {id(ln) for ln in small}
    for ln in flow:
        if id(ln) not in small_ids:
            in_note = False
            continue
        label = split_footnote_marker(ln, pat)
        if label is not None:
            starts[id(ln)] = label
            in_note = True
        if in_note:
            ln.role = "footnote"
    return starts


# -- paragraphs -------------------------------------------------------------------------------
@dataclass
class Para:
    lines: list[Line]
    role: str = "body"
    marker: str | None = None


def _indented(ln: Line) -> bool:
    return ln.x0 - ln.col_left > 1.2 * max(ln.size, 1.0)


def _outdented(ln: Line) -> bool:
    """Starts left of the column's usual edge: a hanging bullet or number."""
    return ln.col_left - ln.x0 > 0.5 * max(ln.size, 1.0)


def _centered(ln: Line) -> bool:
    left, right = ln.x0 - ln.col_left, ln.col_right - ln.x1
    return left > 2 * ln.size and abs(left - right) < 1.5 * max(ln.size, 1.0)


def _full(ln: Line) -> bool:
    return ln.col_right - ln.x1 < 1.5 * max(ln.size, 1.0)


def paragraphs(flow: list[Line], body_size: float) -> list[Para]:
    """Cut lines (reading order, all pages) into paragraphs; continue across columns/pages."""
    gaps: list[float] = []
    for a, b in zip(flow, flow[1:]):
        if a.page == b.page and (a.region, a.column) == (b.region, b.column) and abs(a.size - b.size) < 0.5:
            g = a.y0 - b.y1
            if g > -0.5 * a.size:
                gaps.append(g / max(a.size, 1.0))
    typical = _median(gaps) if gaps else 0.5
    out: list[Para] = []
    prev: Line | None = None
    for ln in flow:
        new = True
        if prev is not None and out:
            same_size = abs(prev.size - ln.size) <= max(0.06 * max(prev.size, ln.size), 0.3)
            table = (prev.cells >= 3) != (ln.cells >= 3)
            # Latin text says it goes on: a word hyphenated at the line end, or a
            # lower-case start after a line that did not end a sentence.
            runs_on = same_size and not table and not _indented(ln) and (
                re.search(r"[a-z]-$", prev.text) is not None
                or (ln.text[:1].islower() and ln.text[:1].isascii() and prev.text.rstrip()[-1:] not in SENTENCE_END + "."))
            if prev.cells >= 3 and ln.cells >= 3 and (prev.page, prev.region) == (ln.page, ln.region):
                new = (prev.y0 - ln.y1) / max(ln.size, 1.0) > 3 * typical + 1   # rows of one table
            elif (prev.page, prev.region, prev.column) == (ln.page, ln.region, ln.column) \
                    and 0 < ln.x0 - prev.x1 < 4 * max(ln.size, 1.0) \
                    and min(prev.y1, ln.y1) - max(prev.y0, ln.y0) > 0.5 * min(prev.y1 - prev.y0, ln.y1 - ln.y0):
                new = not same_size   # the rest of the same row set apart: `(一)   熟悉工会财务…`
            elif prev.text.rstrip()[-1:] in SENTENCE_END + "：:" and _heading_like(ln.text):
                new = True
            elif prev.text.rstrip()[-1:] in "。！？" and lang_of(ln.text) == "en" and lang_of(prev.text) == "zh":
                new = True   # a Chinese paragraph ended and its English counterpart begins
            elif (prev.page, prev.region, prev.column) == (ln.page, ln.region, ln.column):
                gap = (prev.y0 - ln.y1) / max(ln.size, 1.0)
                new = (not same_size or table or gap > typical * 1.5 + 0.3 or gap < -0.5
                       or ((_indented(ln) or _outdented(ln)) and ln.cells < 3)
                       or (not _full(prev) and prev.cells < 3 and ln.cells < 3 and not runs_on))
            else:
                # next column or next page: the paragraph goes on when the previous line ran
                # to the column edge and this one is not indented.
                new = not (runs_on or (same_size and not table and _full(prev) and not _indented(ln)
                                       and prev.cells < 3 and ln.cells < 3))
        if new:
            out.append(Para([ln]))
        else:
            out[-1].lines.append(ln)
        prev = ln
    return out


def _heading_like(text: str) -> bool:
    return any(r.match(text) for r in cues()["roles"]["heading"])


def _fonts_bold(lines: list[Line]) -> bool:
    names = [c.font.lower() for ln in lines for c in ln.chars if not c.text.isspace()]
    if not names:
        return False
    bold = sum(1 for n in names if any(k in n for k in ("bold", "heavy", "black", "hei", "semibold", "demi")))
    return bold / len(names) > 0.6


def para_text(p: Para) -> tuple[str, list, list[int], list[tuple[str, int, int]]]:
    """Joined text, one box per character, page per character, markers (label, page, pos)."""
    text = ""
    boxes: list = []
    pages: list[int] = []
    markers: list[tuple[str, int, int]] = []
    prev_ln: Line | None = None
    for ln in p.lines:
        t = ln.text
        if not t:
            continue
        if text and prev_ln is not None and prev_ln.cells >= 3 and ln.cells >= 3:
            # table cells: a space within a row, a line break between rows
            same_row = min(prev_ln.y1, ln.y1) - max(prev_ln.y0, ln.y0) > 0.5 * min(ln.y1 - ln.y0, prev_ln.y1 - prev_ln.y0)
            sep, drop = (" " if same_row else "\n"), False
        elif text:
            sep, drop = joiner(text, t)
        if text:
            if drop:
                text, boxes, pages = text[:-1], boxes[:-1], pages[:-1]
            text += sep
            boxes += [None] * len(sep)
            pages += [ln.page] * len(sep)
        base = len(text)
        text += t
        boxes += ln.boxes
        pages += [ln.page] * len(t)
        for label, pos in ln.markers:
            markers.append((label, ln.page, base + pos))
        prev_ln = ln
    return text, boxes, pages, markers


def assign_roles(paras: list[Para], texts: list[str], body_size: float, page_height: dict[int, float]) -> None:
    roles = cues()["roles"]
    # title: the largest type in the upper part of page 1 (a side bar may come first)
    i = 0
    first = paras[0].lines[0].page if paras else 0
    cands = []
    for k, p in enumerate(paras):
        if p.lines[0].page != first:
            break
        size = _median([ln.size for ln in p.lines])
        if size >= 1.25 * body_size and len(texts[k]) <= 200 and p.lines[0].y0 >= 0.5 * page_height.get(first, 0):
            cands.append((-round(size, 1), k))
    if cands:
        k = min(cands)[1]
        paras[k].role = "title"
        i = k + 1
    # authors and affiliations: short blocks under the title
    if i:
        for k in range(i, min(i + 4, len(paras))):
            p, t = paras[k], texts[k]
            if p.lines[0].page != paras[i - 1].lines[0].page or p.role != "body":
                break
            if len(t) > 150 or len(p.lines) > 3 or any(r.match(t) for r in roles["abstract"] + roles["keywords"]):
                break
            if t.rstrip().endswith(("：", ":", "。")) or any(r.match(t) for r in roles["heading"]):
                break
            size = _median([ln.size for ln in p.lines])
            if not (abs(size - body_size) >= 0.05 * body_size or all(_centered(ln) for ln in p.lines)):
                break   # set like body text: the body has begun
            p.role = "affiliation" if any(r.search(t) for r in roles["affiliation"]) else "author"
    for k, p in enumerate(paras):
        if p.role != "body":
            continue
        t = texts[k]
        if any(r.match(t) for r in roles["abstract"]):
            p.role = "abstract"
        elif any(r.match(t) for r in roles["keywords"]):
            p.role = "keywords"
        elif any(r.match(t) for r in roles["caption"]) and len(t) <= 200:
            p.role = "caption"
        elif any(ln.cells >= 3 for ln in p.lines):
            p.role = "table"
        elif _is_heading(p, t, body_size, paras[k + 1] if k + 1 < len(paras) else None):
            p.role = "heading"


def _is_heading(p: Para, t: str, body_size: float, nxt: Para | None = None) -> bool:
    """A short stand-alone line: numbered (`1. `, `一、`, `（1）`) or set larger / bold."""
    t = t.strip()
    if not t or len(p.lines) > 3 or len(t) > 60 or t[-1] in "；;，,：:" + SENTENCE_END:
        return False
    if sum(1 for ch in t if is_cjk(ch) or ch.isalpha()) < 2:
        return False
    if _heading_like(t) and not any(ch in t for ch in "，；;"):   # a list item is not a heading
        return True
    if (nxt is not None and len(p.lines) == 1 and len(t) <= 25 and (is_cjk(t[-1]) or t[-1].isalpha())
            and not any(ch in t for ch in "：:，,。；;")
            and len(nxt.lines) >= 2 and _indented(nxt.lines[0])
            and abs(nxt.lines[0].size - p.lines[0].size) < 0.5):
        return True   # a short unpunctuated line set flush before an indented paragraph
    size = _median([ln.size for ln in p.lines])
    return len(t) <= 40 and len(p.lines) <= 2 and (size >= 1.1 * body_size or _fonts_bold(p.lines))


def merge_broken_headings(paras: list[Para]) -> list[Para]:
    """A heading set on two lines (`三、持续提升政府` / `治理效能和服务水平`) is one heading."""
    out: list[Para] = []
    for p in paras:
        if out and p.role == "heading" and out[-1].role == "heading" and len(out[-1].lines) == 1:
            a, b = out[-1].lines[-1], p.lines[0]
            if (len(p.lines) == 1 and a.page == b.page and abs(a.x0 - b.x0) < 1.0 and abs(a.size - b.size) < 0.5
                    and 0 <= a.y0 - b.y1 < 1.5 * a.size and not _heading_like(b.text)):
                out[-1].lines.append(b)
                continue
        out.append(p)
    return out


# -- the reader ---------------------------------------------------------------------------------
def read_pdf(doc: Document, data: bytes, cfg: dict[str, Any]) -> None:
    cfg = {**DEFAULTS, **(cfg or {})}
    try:
        sniff(data)
        pages, info = extract_chars(data, cfg)
    except PdfProblem as p:
        doc.status, doc.message = p.status, p.message
        return
    doc.pages = len(pages)
    notes: list[str] = []
    if info.get("_repaired"):
        notes.append(info["_repaired"])
    for k in ("Title", "Author", "CreationDate", "ModDate"):
        if k in info:
            doc.meta[f"pdf_{k.lower()}"] = info[k]
    date = pdf_date(info)
    if date:
        doc.meta["pdf_date"] = date

    # text layer present?
    counts = [sum(1 for c in p.chars if not c.text.isspace()) + p.rotated for p in pages]
    min_chars = int(cfg["min_chars_per_page"])
    empty_pages = [p.number for p, n in zip(pages, counts) if n < min_chars]
    imgs = sum(p.images for p in pages)
    if len(empty_pages) == len(pages) and (imgs or not sum(counts)):
        # (a few characters and no image at all is a short document, not a scan)
        doc.status = "needs_ocr"
        doc.message = (f"no text layer on any of {len(pages)} page(s)"
                       + (f" ({imgs} image(s)): a scan, needs OCR" if imgs else ": needs OCR"))
        return
    share, total = bad_share(pages)
    if share >= float(cfg["garbled_share"]):
        doc.status = "garbled"
        doc.message = (f"{share:.0%} of {total} characters are unmapped glyphs ((cid:N), private-use or junk; "
                       "fonts without a ToUnicode map): needs OCR")
        return
    if empty_pages:
        notes.append(f"{len(empty_pages)} of {len(pages)} pages have no text layer")
    rotated = sum(p.rotated for p in pages)
    if rotated:
        notes.append(f"{rotated} characters of rotated text left out")
    truncated = [p.number for p in pages if p.truncated]
    if truncated:
        notes.append(f"page(s) {','.join(map(str, truncated[:5]))} truncated at {cfg['max_chars_per_page']} characters")
    if info.get("_page_errors"):
        errs = info["_page_errors"]
        notes.append(f"{len(errs)} page(s) partly unreadable ({errs[0]})")
    if info.get("_truncated_pages"):
        notes.append(f"only the first {cfg['max_pages']} pages read")
    if share > 0:
        notes.append(f"{share:.1%} unmapped glyphs")

    build_blocks(doc, pages, cfg)
    title = next((b.text for b in doc.blocks if b.role == "title"), "") or _meta_title(info.get("Title", ""))
    if title:
        doc.meta["title"] = title
    doc.message = "; ".join(notes)


def _meta_title(t: str) -> str:
    t = t.strip()
    if not t or re.match(r"^(Microsoft\s+\w+\s*-|untitled)", t, re.I) or re.search(r"\.(docx?|pdf|indd|tex)$", t, re.I):
        return ""
    return t


def build_blocks(doc: Document, pages: list[PageChars], cfg: dict[str, Any]) -> None:
    c = cues()
    page_lines: list[tuple[PageChars, list[Line]]] = []
    sizes: dict[float, int] = {}
    for pc in pages:
        lines = build_lines(dedupe(pc.chars))
        for ln in lines:
            ln.page = pc.number
            find_markers(ln, c["marker_chars"])
        lines = [ln for ln in lines if any(not ch.text.isspace() for ch in ln.chars)]
        for ln in lines:
            line_text(ln)
            for ch in ln.chars:
                if not ch.text.isspace():
                    k = round(ch.size, 1)
                    sizes[k] = sizes.get(k, 0) + 1
        page_lines.append((pc, lines))
    if not sizes:
        return
    body_size = max(sorted(sizes), key=lambda k: (sizes[k], k))
    mark_furniture(page_lines)

    flow_all: list[Line] = []
    fn_paras: dict[int, list[Para]] = {}
    furniture: dict[int, list[Line]] = {}
    for pc, lines in page_lines:
        furniture[pc.number] = [ln for ln in lines if ln.role]
        rest = [ln for ln in lines if not ln.role]
        ordered = order_lines(rest, min_gutter=max(0.4 * body_size, 3.0))
        starts = mark_footnotes(ordered, body_size, pc.height)
        for ln in ordered:
            if id(ln) in starts:
                line_text(ln)   # marker taken off: redo the text
        fns: list[Para] = []
        for ln in ordered:
            if ln.role == "footnote":
                if id(ln) in starts or not fns:
                    fns.append(Para([ln], role="footnote", marker=starts.get(id(ln))))
                else:
                    fns[-1].lines.append(ln)
            else:
                flow_all.append(ln)
        fn_paras[pc.number] = fns

    paras = paragraphs(flow_all, body_size)
    texts = [para_text(p)[0] for p in paras]
    assign_roles(paras, texts, body_size, {pc.number: pc.height for pc in pages})
    paras = merge_broken_headings(paras)

    # emit blocks page by page: header furniture, flow paragraphs starting on the page,
    # footnotes, footer furniture
    by_page: dict[int, list[Para]] = {}
    for p in paras:
        by_page.setdefault(p.lines[0].page, []).append(p)
    fn_blocks: list[Block] = []
    pending: list[tuple[str, int, Block, int]] = []
    for pc in pages:
        furn = furniture.get(pc.number, [])
        for ln in sorted((f for f in furn if f.role == "header"), key=lambda l: (-l.y1, l.x0)):
            doc.blocks.append(_line_block(ln))
        for p in by_page.get(pc.number, []):
            b, marks = _para_block(p)
            if b is None:
                continue
            doc.blocks.append(b)
            for label, page, pos in marks:
                pending.append((label, page, b, pos))
        for p in fn_paras.get(pc.number, []):
            b, _ = _para_block(p)
            if b is not None:
                doc.blocks.append(b)
                fn_blocks.append(b)
        for ln in sorted((f for f in furn if f.role != "header"), key=lambda l: (-l.y1, l.x0)):
            doc.blocks.append(_line_block(ln))
    for label, page, b, pos in pending:
        doc.markers.append(Marker(label=label, page=page, block=b, pos=pos, footnote=_find_note(fn_blocks, label, page)))


def _find_note(notes: list[Block], label: str, page: int) -> Block | None:
    """The footnote with this label on the marker's page (or, run over, on the next page)."""
    same = [b for b in notes if b.marker == label and page <= b.page <= page + 1]
    if not same:
        return None
    return min(same, key=lambda b: (b.page - page, b.bbox[1] if b.bbox else 0))


def _line_block(ln: Line) -> Block:
    return Block(page=ln.page, role=ln.role, text=ln.text, lang=lang_of(ln.text), bbox=ln.bbox,
                 font_size=ln.size, char_boxes=list(ln.boxes))


def _para_block(p: Para) -> tuple[Block | None, list[tuple[str, int, int]]]:
    text, boxes, pages, markers = para_text(p)
    # trim outer spaces while keeping the maps aligned
    lead = len(text) - len(text.lstrip())
    text2 = text.strip()
    if not text2:
        return None, []
    boxes = boxes[lead:lead + len(text2)]
    pages = pages[lead:lead + len(text2)]
    markers = [(l, pg, max(0, min(len(text2), pos - lead))) for l, pg, pos in markers]
    first = p.lines[0].page
    on_first = [ln for ln in p.lines if ln.page == first]
    bbox = (min(l.x0 for l in on_first), min(l.y0 for l in on_first),
            max(l.x1 for l in on_first), max(l.y1 for l in on_first))
    b = Block(page=first, role=p.role, text=text2, lang=lang_of(text2), bbox=bbox,
              font_size=_median([ln.size for ln in p.lines]), marker=p.marker, char_boxes=boxes,
              char_pages=pages if len(set(pages)) > 1 else None)
    return b, markers
