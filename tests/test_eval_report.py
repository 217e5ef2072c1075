"""The HTML review page: self-contained, the spans on both sides, and it renders in a real browser."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from pipeline.evaluate.evaluation import evaluate
from pipeline.evaluate.report import build_html, render_spans
from pipeline.evaluate.scoring import Span
from test_eval_scoring import at, gold_doc, perfect_pred, write_pred, write_run


@pytest.fixture
def page(tmp_path):
    run = tmp_path / "run"
    write_run(run)
    pred = perfect_pred(gold_doc())
    pred["entities"][1]["label"] = "GPE"             # one wrong label
    pred["numbers"] = pred["numbers"][:-1]           # one number missed
    write_pred(run, pred)
    gdir = tmp_path / "gold"
    gdir.mkdir()
    (gdir / "case.json").write_text(json.dumps(gold_doc(), ensure_ascii=False), "utf-8")
    ev = evaluate(gdir, run)
    html = build_html(ev)
    path = tmp_path / "index.html"
    path.write_text(html, "utf-8")
    return path, html


def test_page_has_spans_scores_errors_and_no_network(page):
    _, html = page
    gold = gold_doc()
    n_gold = sum(len(gold[k]) for k in ("entities", "dates", "numbers"))
    marks = re.findall(r"<mark data-side=(gold|pred) data-kind=(\w+) data-label='([^']*)' data-start=(\d+)", html)
    starts = {(side, kind, int(s)) for side, kind, _, s in marks}
    assert len({x for x in starts if x[0] == "gold"}) == n_gold
    assert len({x for x in starts if x[0] == "pred"}) == n_gold - 1
    assert ("gold", "numbers", at("5.2%左右")[0]) in starts and ("pred", "numbers", at("5.2%左右")[0]) not in starts
    assert "value=11320000" in html and "canonical=WHO" in html          # hover text
    assert "<svg" in html and "id=errors" in html and "id=facts" in html
    assert "wrong label" in html and "ORG -&gt; GPE" in html
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", html)         # nothing fetched from the network


def test_crossing_spans_nest_and_split():
    text = "abcdefgh"
    spans = [("entities", Span("d", 1, 5, text[1:5], "A"), False), ("dates", Span("d", 3, 7, text[3:7], "B"), True)]
    out = render_spans(text, 0, 8, spans, "gold")
    assert out.count("<mark") == out.count("</mark>") == 3  # B is split where A closes
    assert re.sub(r"<[^>]+>", "", out) == text


@pytest.mark.skipif(not shutil.which("chromium"), reason="chromium is not installed")
def test_page_renders_in_headless_chromium(page, tmp_path):
    path, _ = page
    try:
        dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                              f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000",
                              "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=90).stdout
    except subprocess.TimeoutExpired:
        pytest.skip("chromium did not finish in time")
    if "<body" not in dom:
        pytest.skip("chromium could not run here")
    assert 'data-ready="1"' in dom                          # the page's script ran to the end
    m = re.search(r"id=\"spancount\">(\d+) span elements rendered", dom)
    assert m and int(m.group(1)) >= 2 * 11 - 1
    assert "中国科学院</mark>" in dom and "World Health Organization</mark>" in dom
