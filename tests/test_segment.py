"""Sentences and tokens: split where a reader would, never across blocks, offsets exact."""
from __future__ import annotations

from pipeline.document import Block, Document
from pipeline.segment import runs_of, segment, split_runs, split_sentences


def make_doc(*paras: str) -> Document:
    doc = Document(source="t.txt", kind="txt", content_hash="ab" * 32)
    doc.blocks = [Block(page=1, role="body", text=p) for p in paras]
    return doc.finalize()


def texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_chinese_sentences_keep_their_closing_quote():
    t = "他说：“会议明天召开。”随后离开了！问题是什么？第二项；第三项"
    assert texts(t) == ["他说：“会议明天召开。”", "随后离开了！", "问题是什么？", "第二项；", "第三项"]


def test_english_abbreviations_initials_and_decimals_do_not_end_sentences():
    t = "Dr. Wang et al. reported 3.5 cases in the U.S. on Jan. 5. Then J. Smith left. Was it e.g. fine? Yes."
    assert texts(t) == ["Dr. Wang et al. reported 3.5 cases in the U.S. on Jan. 5.",
                        "Then J. Smith left.", "Was it e.g. fine?", "Yes."]


def test_list_number_is_not_a_sentence():
    assert texts("2. 搭建开放平台") == ["2. 搭建开放平台"]


def test_latin_inside_chinese_is_an_english_run():
    t = "发表在《柳叶刀》（The Lancet，NEJM）上的2020年论文"
    runs = [(t[s:e], lang) for s, e, lang in split_runs(t)]
    assert ("The Lancet", "en") in runs and ("NEJM", "en") in runs
    assert all(lang == "zh" for text, lang in runs if "2020" in text)  # digits stay with the Chinese


def test_sentences_never_cross_blocks_and_offsets_map_back():
    doc = make_doc("一、总体要求", "我们在北京开会，讨论了WHO的报告。会后散会", "1 数据来源：国家统计局")
    segment(doc)
    rows = doc.tables["sentences"]
    assert [r.text for r in rows] == ["一、总体要求", "我们在北京开会，讨论了WHO的报告。", "会后散会",
                                      "1 数据来源：国家统计局"]
    for r in rows:
        assert doc.text[r.start:r.end] == r.text
        assert r.tokens.replace(" ", "") == r.text.replace(" ", "")
    assert [r.sent_id for r in rows] == [0, 1, 2, 3]
    for run in runs_of(doc):
        for tok in run.doc:
            assert doc.text[run.start + tok.idx:run.start + tok.idx + len(tok.text)] == tok.text
    assert "WHO" in rows[1].tokens.split()


def test_empty_document_gives_no_sentences():
    doc = make_doc()
    segment(doc)
    assert doc.tables.get("sentences", []) == []


def test_jiebas_dictionary_is_cached_privately_and_a_damaged_cache_is_not_trusted(tmp_path):
    """A fresh process reads jieba's stock dictionary from the pipeline's own pickle in the
    user's cache folder; a damaged one is ignored (jieba's own cache is read) and rewritten."""
    import subprocess
    import sys
    from pathlib import Path

    probe = ("import sys, jieba; from pipeline import segment; tok = segment.stock_jieba(); "
             "ref = jieba.Tokenizer(); ref.initialize(); "
             "print(segment._freq_cache()); print(ref.FREQ == tok.FREQ and ref.total == tok.total)")
    env = {**__import__("os").environ, "XDG_CACHE_HOME": str(tmp_path)}
    root = Path(__file__).resolve().parents[1]

    def run() -> tuple[Path, str]:
        out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=root, capture_output=True,
                             text=True, check=True).stdout.split("\n")
        return Path(out[0]), out[1]

    path, same = run()
    assert same == "True" and path.parent == tmp_path / "pipeline" and path.stat().st_size > 1_000_000
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    path.write_bytes(b"not a pickle")
    path2, same = run()
    assert path2 == path and same == "True" and path.stat().st_size > 1_000_000
    # a well-formed pickle that others could have written is never loaded
    import pickle
    path.write_bytes(pickle.dumps(({"假": 1}, 1)))
    path.chmod(0o666)
    _, same = run()
    assert same == "True" and oct(path.stat().st_mode & 0o777) == "0o600"
