"""PDF ingest on the project's own two-column seed PDF (truth known) and on small made PDFs.

Body text is measured against corpus/gold/seed.clean.txt by character edit distance; the
footnotes against corpus/gold/seed.footnotes.txt.
"""
from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipeline import ingest
from pipeline.document import FURNITURE
from pipeline.ingest.layout import joiner
from pipeline.script import is_cjk

ROOT = Path(__file__).resolve().parents[1]
SEED_PDF = ROOT / "corpus" / "000_63f442ddd4362203.pdf"
GOLD = ROOT / "corpus" / "gold"
NOT_IN_GOLD = FURNITURE + ("footnote", "title", "author", "affiliation")


def levenshtein(a: str, b: str) -> int:
    if not a or not b:
        return len(a) + len(b)
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, computed inside the differing stretches of a diff alignment.

    An upper bound of the exact distance (so a pass is never flattered), fast on 10k chars.
    """
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(levenshtein(a[i1:i2], b[j1:j2]) for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal")


def gold_notes() -> list[tuple[str, str, str]]:
    rows = []
    for line in (GOLD / "seed.footnotes.txt").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, anchor, text = (line.split("\t") + ["", ""])[:3]
            rows.append((label, anchor, text))
    return rows


@pytest.fixture(scope="module")
def seed_doc():
    return ingest.load(SEED_PDF)


def _cjk_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


# -- the seed PDF -------------------------------------------------------------------------------
def test_seed_body_within_one_percent_of_gold(seed_doc):
    assert seed_doc.status == "ok", seed_doc.message
    body = "\n".join(b.text for b in seed_doc.blocks if b.role not in NOT_IN_GOLD)
    gold = (GOLD / "seed.clean.txt").read_text("utf-8").strip()
    dist = edit_distance(body, gold)
    assert dist / len(gold) <= 0.01, f"edit distance {dist} of {len(gold)} chars"


def test_seed_no_space_between_cjk_characters(seed_doc):
    for b in seed_doc.blocks:
        bad = [m.group(0) for m in re.finditer(r"(.)\s+(.)", b.text) if is_cjk(m.group(1)) and is_cjk(m.group(2))]
        assert not bad, (b.role, bad[:5])


def test_seed_footnotes_are_blocks_linked_to_their_markers(seed_doc):
    notes = [b for b in seed_doc.blocks if b.role == "footnote"]
    with_text = [(l, a, t) for l, a, t in gold_notes() if t]
    assert len(notes) == len(with_text) == 5
    for (label, anchor, text), block in zip(with_text, notes):
        assert block.marker == label
        assert edit_distance(block.text, text) <= 0.02 * len(text), (block.text, text)
        linked = [m for m in seed_doc.markers if m.footnote is block]
        assert len(linked) == 1, f"footnote {label}: {len(linked)} markers"
        m = linked[0]
        # the marker stood right after its anchor and is not left in the text
        assert seed_doc.text[:m.offset].endswith(anchor)
        assert m.footnote_block == block.block_id
    # the marker whose footnote the source lacks is kept, but linked to nothing
    orphans = [m for m in seed_doc.markers if m.footnote is None]
    assert [seed_doc.text[:m.offset][-6:] for m in orphans] == ["亚洲成员单位"]
    # no marker digit glued to its anchor in the body text
    for _, anchor, _ in gold_notes():
        assert not re.search(re.escape(anchor) + r"\d", seed_doc.text)


def test_seed_layout_roles(seed_doc):
    roles = [b.role for b in seed_doc.blocks]
    assert roles.count("title") == 1 and roles[roles.index("title") + 1] == "author"
    assert seed_doc.meta["title"] == next(b.text for b in seed_doc.blocks if b.role == "title")
    abstracts = [b for b in seed_doc.blocks if b.role == "abstract"]
    assert [b.text[:3] for b in abstracts] == ["摘要：", "Abs"]
    assert [b.lang for b in abstracts] == ["zh", "en"]
    gold_heads = [l for l in (GOLD / "seed.clean.txt").read_text("utf-8").splitlines()
                  if re.match(r"^(\d+\. |（\d+）)", l) and l[-1] not in "。！？"]
    assert [b.text for b in seed_doc.blocks if b.role == "heading"] == gold_heads
    # a running header and a page number on every page, none of it in the text
    for page in range(1, seed_doc.pages + 1):
        on_page = {b.role for b in seed_doc.blocks if b.page == page}
        assert {"header", "page_number"} <= on_page
    header = next(b.text for b in seed_doc.blocks if b.role == "header")
    assert header not in seed_doc.text
    assert seed_doc.meta["pdf_date"] == "2021-01-11"


def test_seed_boxes_trace_every_character(seed_doc):
    for b in seed_doc.blocks:
        assert b.char_boxes is not None and len(b.char_boxes) == len(b.text)
        for ch, box in zip(b.text, b.char_boxes):
            if not ch.isspace():
                assert box is not None and box[0] < box[2] and box[1] < box[3]
    # a phrase maps back to its page and a box inside the page
    k = seed_doc.text.index("国际通报会")
    assert seed_doc.page_at(k) >= 1
    x0, y0, x1, y1 = seed_doc.box_of(k, k + 5)
    assert 0 < x0 < x1 < 600 and 0 < y0 < y1 < 842


def test_seed_paragraph_over_a_page_break_is_one_block(seed_doc):
    spanning = [b for b in seed_doc.blocks if b.char_pages]
    assert spanning, "the seed PDF has paragraphs running over a page break"
    gold_lines = set((GOLD / "seed.clean.txt").read_text("utf-8").splitlines())
    for b in spanning:
        assert len(set(b.char_pages)) == 2 and b.text in gold_lines
        k = b.start
        assert seed_doc.page_at(k) == b.char_pages[0] and seed_doc.page_at(b.end - 1) == b.char_pages[-1]


def test_order_does_not_depend_on_hash_seed(tmp_path):
    code = ("import json,sys; from pipeline import ingest; d=ingest.load(sys.argv[1]);"
            "print(json.dumps([[b.page,b.role,b.text,b.marker,b.bbox] for b in d.blocks], ensure_ascii=False))")
    outs = []
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        r = subprocess.run([sys.executable, "-c", code, str(SEED_PDF)], env=env, capture_output=True,
                           text=True, timeout=120, check=True)
        outs.append(json.loads(r.stdout))
    assert outs[0] == outs[1] and len(outs[0]) > 20


# -- made PDFs ------------------------------------------------------------------------------------
def test_two_columns_with_spanning_title_read_column_by_column(tmp_path):
    """English two-column page: a hyphenated word over the column break is one word."""
    path = tmp_path / "two_col.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setFont("Helvetica-Bold", 18)
    c.drawCentredString(297, 780, "A Study Spanning Both Columns")
    left = ["Alpha one starts the left column and", "runs on for a few lines of text until", "it reaches the shared knowl-"]
    right = ["edge base, which the right column", "continues and then the story ends."]
    c.setFont("Helvetica", 10)
    for i, t in enumerate(left):
        c.drawString(56, 720 - 14 * i, t)
    for i, t in enumerate(right):
        c.drawString(310, 720 - 14 * i, t)
    c.showPage()
    c.save()
    doc = ingest.load(path)
    assert doc.status == "ok", doc.message
    assert [b.role for b in doc.blocks][:1] == ["title"]
    body = [b.text for b in doc.blocks if b.role == "body"]
    assert body == ["Alpha one starts the left column and runs on for a few lines of text until it reaches "
                    "the shared knowledge base, which the right column continues and then the story ends."]


def test_line_joining_rules():
    assert joiner("the shared knowl-", "edge") == ("", True)
    assert joiner("命名为“2019-", "nCoV”") == ("", False)
    assert joiner("Research Data", "Alliance") == (" ", False)
    assert joiner("在应对COVID-19（Corona Virus Disease", "2019）疫情中") == (" ", False)
    assert joiner("中国科学家第一时间向全球分享", "病毒全基因组序列") == ("", False)
    assert joiner("发表了关于COVID", "的相关研究") == ("", False)
    assert joiner("http://www.gov.cn/zhengce/2020-06/07/content_", "5517737.htm") == ("", False)


def test_spacing_autospace_letterspacing_and_markers(tmp_path):
    """Word-processor autospace between CJK and digits goes; letter-spaced digits close up;
    a superscript digit after a number is a footnote marker, not part of the number."""
    font = _cjk_font()
    path = tmp_path / "spacing.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    size = 12

    def run(x: float, y: float, s: str, sz: float = size, rise: float = 0) -> float:
        c.setFont(font, sz)
        c.drawString(x, y + rise, s)
        return x + pdfmetrics.stringWidth(s, font, sz)

    y = 700
    x = run(60, y, "产业投资增长")
    x = run(x + 0.27 * size, y, "10.1")          # autospace: not a word space
    x = run(x + 0.27 * size, y, "％，高技术制造业在")
    for d in "2019":                               # letter-spaced digits, equal gaps
        x = run(x, y, d) + 0.5 * size
    x = run(x - 0.5 * size + 0.27 * size, y, "年发表论文1100")
    x = run(x, y, "1", sz=7, rise=5)              # superscript marker glued to a number
    run(x, y, "多篇，其中")
    c.setFont(font, 8)
    c.drawString(60, 90, "1 数据来源：示例。")
    c.showPage()
    c.save()
    doc = ingest.load(path)
    assert doc.status == "ok", doc.message
    body = [b for b in doc.blocks if b.role == "body"]
    assert [b.text for b in body] == ["产业投资增长10.1%，高技术制造业在2019年发表论文1100多篇，其中"]
    assert [(m.label, doc.text[:m.offset][-4:]) for m in doc.markers] == [("1", "1100")]
    notes = [b for b in doc.blocks if b.role == "footnote"]
    assert len(notes) == 1 and notes[0].marker == "1" and doc.markers[0].footnote is notes[0]


def test_fullwidth_and_compat_characters_are_folded():
    from pipeline.normalize import fold
    text, src = fold("⽅⼀⽣常⻅ＣＯＶＩＤ－１９，（ﬁ）")
    assert text == "方一生常见COVID-19，（fi）"
    assert len(src) == len(text) and src[-2] == src[-3]   # ﬁ -> fi, both from one source char


# -- real PDFs from ../shared ----------------------------------------------------------------------
def _shared_pdfs(shared: Path) -> list[Path]:
    return sorted((shared / "data" / "pdfs").glob("*.pdf")) + sorted((ROOT / "corpus").glob("2025*.pdf"))


@pytest.mark.shared
def test_every_shared_pdf_gets_a_status_row(shared):
    from pipeline.engine import process
    cfg = {"ingest": {}, "pipeline": {"stages": []}}
    pdfs = _shared_pdfs(shared)
    assert len(pdfs) >= 9
    for p in pdfs:
        row = process(str(p), cfg)
        assert row["status"] in ("ok", "needs_ocr", "garbled"), (p.name, row["status"])
        assert row["tables"]["documents"][0]["message"].count("\n") == 0


@pytest.mark.shared
def test_kangxi_radicals_come_out_as_normal_cjk(shared):
    doc = ingest.load(shared / "data" / "pdfs" / "zh_chem_intro_kangxi_radicals.pdf")
    assert doc.status == "ok"
    assert not [c for c in doc.text if 0x2E80 <= ord(c) <= 0x2FDF]   # radicals supplement and Kangxi
    assert "方程式" in doc.text and "分子式" in doc.text and "常见" in doc.text


@pytest.mark.shared
def test_no_tounicode_and_scan_are_flagged_not_passed_on(shared):
    garbled = ingest.load(shared / "data" / "pdfs" / "zh_math_garbled_no_tounicode.pdf")
    assert garbled.status == "garbled" and "%" in garbled.message and garbled.text == ""
    scan = ingest.load(shared / "data" / "pdfs" / "zh_scanned_book_2p_notext.pdf")
    assert scan.status == "needs_ocr" and scan.pages == 2 and scan.text == ""


@pytest.mark.shared
def test_gov_report_joins_digits_and_cjk_and_finds_headings(shared):
    doc = ingest.load(ROOT / "corpus" / "2025年吉林省政府工作报告.pdf")
    assert doc.status == "ok"
    assert "产业投资增长10.1%" in doc.text and "2025年" in doc.text
    assert not re.search(r"\d [年月日亿万]", doc.text)
    assert doc.meta["title"] == "2025年吉林省政府工作报告"
    heads = [b.text for b in doc.blocks if b.role == "heading"]
    assert heads[:2] == ["一、2024年工作回顾", "二、2025年工作安排"]


def test_subscript_is_not_a_footnote_marker(tmp_path):
    font = _cjk_font()
    path = tmp_path / "sub.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    x = 60
    for text, size, rise in (("水的分子式是H", 12, 0), ("2", 7, -3), ("O，含量为30%", 12, 0), ("2", 7, 5), ("。", 12, 0)):
        c.setFont(font, size)
        c.drawString(x, 700 + rise, text)
        x += pdfmetrics.stringWidth(text, font, size)
    c.showPage()
    c.save()
    doc = ingest.load(path)
    assert [b.text for b in doc.blocks] == ["水的分子式是H2O，含量为30%。"]
    assert [(m.label, doc.text[:m.offset][-3:]) for m in doc.markers] == [("2", "30%")]


@pytest.mark.parametrize("how", ["page_rotate", "content_rotate"])
def test_landscape_pages_are_read(tmp_path, how):
    """A page turned by /Rotate, or set sideways by a rotation in its content, reads as text."""
    if how == "page_rotate":
        path = tmp_path / "rotate.pdf"
        with pikepdf.open(SEED_PDF) as pdf:
            for page in pdf.pages:
                page.Rotate = 90
            pdf.save(path)
        doc = ingest.load(path)
        plain = ingest.load(SEED_PDF)
        assert doc.status == "ok" and doc.text == plain.text
        return
    font = _cjk_font()
    path = tmp_path / "sideways.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.saveState()
    c.translate(100, 60)
    c.rotate(90)                       # text runs up the page; the next line is to its left
    c.setFont(font, 12)
    lines = ["第一行：横排表格旋转九十度后排在页面上，", "第二行：读取顺序仍应从上一行接到下一行。"]
    for i, t in enumerate(lines):
        c.drawString(0, -18 * i, t)
    c.restoreState()
    c.showPage()
    c.save()
    doc = ingest.load(path)
    assert doc.status == "ok", doc.message
    assert doc.text == "".join(lines)
