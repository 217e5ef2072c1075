"""Content streams tokenised by qpdf must read exactly as pdfminer's own parser reads them."""
from __future__ import annotations

import logging
from dataclasses import astuple
from pathlib import Path

import pikepdf
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipeline import ingest
from pipeline.ingest.pdf import extract_chars

ROOT = Path(__file__).resolve().parents[1]
SEED_PDF = ROOT / "corpus" / "000_63f442ddd4362203.pdf"


def _read(path: Path, tokenizer: str):
    cfg = {"max_chars_per_page": 200000, "max_pages": 2000, "tokenizer": tokenizer}
    pages, info = extract_chars(path.read_bytes(), cfg)
    return [(p.number, p.images, p.rotated, [astuple(c) for c in p.chars]) for p in pages], info


def _same(path: Path) -> list:
    fast, slow = _read(path, "qpdf"), _read(path, "pdfminer")
    assert fast == slow
    return fast[0]


def _base_pdf(path: Path) -> None:
    """reportlab: CJK (CID font) and Latin text, and a form XObject that draws text."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.beginForm("stamp")
    c.setFont("Helvetica", 9)
    c.drawString(60, 60, "Form XObject text")
    c.endForm()
    c.setFont("STSong-Light", 12)
    c.drawString(60, 760, "截至2024年底，平台共收录1100多篇论文。")
    c.setFont("Helvetica", 11)
    c.drawString(60, 740, "The Lancet (NEJM) 2019")
    c.doForm("stamp")
    c.showPage()
    c.save()


def _append(path: Path, out: Path, content: bytes) -> None:
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        fonts = {str(k)[1:]: v for k, v in page.Resources.Font.items()}
        latin = next(k for k, v in fonts.items() if "Helvetica" in str(v.get("/BaseFont", "")))
        page.contents_add(pikepdf.Stream(pdf, content.replace(b"/LATIN", b"/" + latin.encode())))
        pdf.save(out)


OPERATORS = (b"q BT /LATIN 12 Tf 14 TL 60 600 Td (Hello) Tj T* [(Wo) -120 (rld) 80 <2121>] TJ "
             b"(quote) ' 2 1 (double) \" 1 0 0 1 60 500 Tm <48657821> Tj ET Q "
             b"BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI "
             b"/P <</MCID 0 /Lang (en)>> BDC BT /LATIN 10 Tf 60 450 Td (marked) Tj ET EMC "
             b"/Span <</ActualText <FEFF0041>>> BDC BT /LATIN 10 Tf 60 430 Td 3 Tr (inv) Tj ET EMC")


def test_seed_pdf_reads_the_same_with_both_tokenizers():
    pages = _same(SEED_PDF)
    assert sum(len(p[3]) for p in pages) > 3000


def test_operators_forms_inline_images_and_marked_content(tmp_path, caplog):
    base, out = tmp_path / "base.pdf", tmp_path / "ops.pdf"
    _base_pdf(base)
    _append(base, out, OPERATORS)
    with caplog.at_level(logging.INFO, logger="pipeline.ingest.content"):
        pages = _same(out)
    assert "pdfminer parses it" not in caplog.text   # qpdf read every stream
    text = "".join(c[0] for c in pages[0][3])
    for want in ("截至2024年底", "The Lancet", "Form XObject text", "Hello", "World!!", "quote", "double",
                 "Hex!", "marked", "inv"):
        assert want in text, want
    assert pages[0][1] == 1          # the inline image is seen as an image


def test_damaged_stream_is_read_by_pdfminer(tmp_path, caplog):
    """qpdf drops everything after an unclosed array; such a stream keeps pdfminer's reading."""
    base, out = tmp_path / "base.pdf", tmp_path / "bad.pdf"
    _base_pdf(base)
    _append(base, out, b"BT /LATIN 12 Tf 60 600 Td (before) Tj [(open) 1 Tj ET BT 60 580 Td (after) Tj ET")
    with caplog.at_level(logging.INFO, logger="pipeline.ingest.content"):
        pages = _same(out)
    assert "pdfminer parses it" in caplog.text
    assert "before" in "".join(c[0] for c in pages[0][3])


def test_default_ingest_uses_qpdf_and_reads_the_seed(tmp_path):
    doc = ingest.load(SEED_PDF)
    assert doc.status == "ok"
    assert "中国疾控中心病毒病研究所" in doc.text


def test_gov_reports_read_the_same(shared):
    reports = sorted((shared / "data" / "gov_reports_2025").glob("*.pdf"))[:2]
    if not reports:
        pytest.skip("no government reports in ../shared")
    for path in reports:
        _same(path)


@pytest.mark.parametrize("content", [
    # a marked-content tag whose name is not UTF-8 (GBK bytes): must not end the page
    b"/\xcb\xce <</MCID 0>> BDC BT /LATIN 12 Tf 60 600 Td (after) Tj ET EMC",
    # a carriage return inside a literal string: pdfminer's reading is kept (qpdf makes it LF)
    b"BT /LATIN 12 Tf 60 600 Td (line\ronetwo) Tj ET BT 60 580 Td (after) Tj ET",
    # an inline image whose size qpdf cannot read, then text
    b"BI /W /X /H 1 /BPC 8 /CS /G ID \x00 EI BT /LATIN 12 Tf 60 600 Td (after) Tj ET",
    # null operands and a name with a #-escape
    b"BT /LATIN 12 Tf null 60 600 Td (after) Tj /P#20q <</A null>> BDC EMC ET",
])
def test_unusual_streams_read_as_pdfminer_reads_them(tmp_path, content):
    base, out = tmp_path / "base.pdf", tmp_path / "odd.pdf"
    _base_pdf(base)
    _append(base, out, content)
    pages = _same(out)
    assert "after" in "".join(c[0] for c in pages[0][3])
