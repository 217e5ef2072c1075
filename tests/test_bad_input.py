"""Bad PDFs each get a status row and one clear line; none raises, none takes a batch down.

Every fixture is made here, in tmp_path, with reportlab / pikepdf / Pillow.
"""
from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipeline import ingest
from pipeline.engine import process

TEXT = "知识共享是指知识源主体有意识、有目的、主动地促进知识转移的行为。"


def _cjk_pdf(path: Path, pages: int = 2, size=(595, 842), lines: int = 12) -> Path:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=size)
    for p in range(pages):
        c.setFont("STSong-Light", 11)
        for i in range(lines):
            c.drawString(60, size[1] - 80 - 18 * i, f"{TEXT}第{p + 1}页第{i + 1}行。")
        c.showPage()
    c.save()
    return path


def _one_line(doc) -> None:
    assert doc.message and "\n" not in doc.message and "Traceback" not in doc.message
    assert len(doc.message) < 400


def test_encrypted_with_a_password_is_flagged(tmp_path):
    plain = _cjk_pdf(tmp_path / "plain.pdf")
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(plain) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="secret", owner="owner", R=6))
    doc = ingest.load(locked)
    assert doc.status == "encrypted", doc.message
    _one_line(doc)
    assert doc.text == ""


def test_encrypted_with_empty_user_password_is_read(tmp_path):
    plain = _cjk_pdf(tmp_path / "plain.pdf")
    locked = tmp_path / "owner_only.pdf"
    with pikepdf.open(plain) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="", owner="owner", R=4))
    doc = ingest.load(locked)
    assert doc.status == "ok", doc.message
    assert "知识共享" in doc.text


def test_truncated_file_is_repaired_or_corrupt(tmp_path):
    data = _cjk_pdf(tmp_path / "plain.pdf", pages=4).read_bytes()
    cut = tmp_path / "truncated.pdf"
    cut.write_bytes(data[: int(len(data) * 0.7)])
    doc = ingest.load(cut)
    assert doc.status in ("ok", "corrupt"), doc.message
    if doc.status == "ok":
        assert "知识共享" in doc.text   # what survived was read
    else:
        _one_line(doc)


def test_broken_xref_is_repaired(tmp_path):
    data = _cjk_pdf(tmp_path / "plain.pdf").read_bytes()
    # point startxref at garbage: the cross-reference table cannot be found
    k = data.rindex(b"startxref")
    broken = data[:k] + b"startxref\n999999\n%%EOF\n"
    path = tmp_path / "badxref.pdf"
    path.write_bytes(broken)
    doc = ingest.load(path)
    assert doc.status == "ok", doc.message
    assert "知识共享" in doc.text


def test_garbage_after_header_is_corrupt(tmp_path):
    path = tmp_path / "garbage.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    doc = ingest.load(path)
    assert doc.status == "corrupt", (doc.status, doc.message)
    _one_line(doc)


@pytest.mark.parametrize("payload,what", [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "PNG"),
    (b"<!DOCTYPE html><html><body>not a pdf</body></html>", "HTML"),
    ("这只是一段文字，不是PDF。".encode("utf-8") * 10, "no %PDF- header"),
])
def test_non_pdf_named_pdf_is_unsupported(tmp_path, payload, what):
    path = tmp_path / "fake.pdf"
    path.write_bytes(payload)
    doc = ingest.load(path)
    assert doc.status == "unsupported"
    assert what in doc.message
    _one_line(doc)


def test_image_only_page_needs_ocr(tmp_path):
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(img).rectangle((40, 40, 360, 260), outline="black", width=6)
    png = tmp_path / "scan.png"
    img.save(png)
    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path))
    c.drawImage(str(png), 50, 300, 400, 300)
    c.showPage()
    c.save()
    doc = ingest.load(path)
    assert doc.status == "needs_ocr"
    assert "image" in doc.message and "OCR" in doc.message
    assert doc.text == ""


def test_font_without_tounicode_is_garbled(tmp_path):
    """A CID font re-labelled Identity with no ToUnicode: pdfminer can only say (cid:N)."""
    plain = _cjk_pdf(tmp_path / "plain.pdf", pages=1)
    path = tmp_path / "nocmap.pdf"
    with pikepdf.open(plain) as pdf:
        for page in pdf.pages:
            for _, font in page.Resources.Font.items():
                if font.get("/Subtype") != pikepdf.Name.Type0:
                    continue
                font.Encoding = pikepdf.Name("/Identity-H")
                if "/ToUnicode" in font:
                    del font.ToUnicode
                for desc in font.DescendantFonts:
                    desc.CIDSystemInfo = pikepdf.Dictionary(Registry=pikepdf.String("Adobe"),
                                                            Ordering=pikepdf.String("Identity"), Supplement=0)
        pdf.save(path)
    doc = ingest.load(path)
    assert doc.status == "garbled", (doc.status, doc.message, doc.text[:80])
    assert "%" in doc.message
    assert doc.text == ""


def test_enormous_page_is_bounded(tmp_path):
    path = _cjk_pdf(tmp_path / "big.pdf", pages=1, size=(2000, 20000), lines=1000)
    doc = ingest.load(path, {"ingest": {"max_chars_per_page": 3000, "min_chars_per_page": 20,
                                         "garbled_share": 0.3}})
    assert doc.status == "ok", doc.message
    assert "truncated" in doc.message
    assert 2000 < len(doc.text) < 4000


def test_a_bad_file_does_not_stop_the_batch(tmp_path):
    good = _cjk_pdf(tmp_path / "good.pdf", pages=1)
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n%%EOF\n")
    cfg = {"ingest": {}, "pipeline": {"stages": []}}
    rows = [process(str(p), cfg) for p in (bad, good)]
    assert rows[0]["status"] in ("corrupt", "empty", "unsupported")
    assert rows[1]["status"] == "ok" and rows[1]["chars"] > 0


def test_damaged_bytes_never_raise(tmp_path_factory):
    """Random damage to a valid PDF gives a status and one line, never a crash (status `error`)."""
    from hypothesis import HealthCheck, given, settings, strategies as st

    base = _cjk_pdf(tmp_path_factory.mktemp("fuzz") / "base.pdf", pages=2).read_bytes()
    out = tmp_path_factory.mktemp("fuzz_out") / "damaged.pdf"

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(st.integers(0, len(base) - 1), st.integers(0, 255)), min_size=1, max_size=40),
           st.integers(10, len(base)))
    def check(edits, cut):
        data = bytearray(base[:cut])
        for pos, val in edits:
            if pos < len(data):
                data[pos] = val
        out.write_bytes(bytes(data))
        doc = ingest.load(out)
        assert doc.status != "error", doc.message
        assert "\n" not in doc.message

    check()
