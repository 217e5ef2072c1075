"""Entities: names found whole, labelled in OntoNotes terms, linked across languages."""
from __future__ import annotations

import jieba
import pytest

from pipeline import ingest
from pipeline.config import load_config
from pipeline.document import Block, Document
from pipeline.engine import analyse
from pipeline.entities import extract, map_model_label, resolve
from pipeline.entities.rules import Cand, lexicon
from pipeline.segment import load_userdict, segment

CFG = load_config(overrides={"pipeline": {"stages": ["segment", "entities"]}})


class NoModel:
    """The rules and the gazetteer alone (the trained model is tested by its own suite)."""

    def cands(self, *a, **k):
        return []


def run(*paras: str, model=None):
    doc = Document(source="t.txt", kind="txt", content_hash="ef" * 32)
    doc.blocks = [Block(page=1, role="body", text=p) for p in paras]
    doc.finalize()
    segment(doc)
    extract(doc, lexicon(), model or NoModel(), {"english": True})
    return doc


def ents(doc):
    return {(e.text, e.label) for e in doc.tables["entities"]}


def canon(doc, text):
    found = {e.canonical for e in doc.tables["entities"] if e.text == text}
    assert len(found) == 1, (text, found)
    return found.pop()


def test_long_name_holding_a_place_name_is_one_organisation():
    doc = run("昨天，法国国家健康与医学研究院和德国联邦药品管理局联合发布了报告。")
    got = ents(doc)
    assert ("法国国家健康与医学研究院", "ORG") in got
    assert not any(t == "法国" for t, _ in got)


def test_titled_person_and_the_names_listed_with_it():
    doc = run("王建华、陈思远教授等人出席了会议，刘芳研究员作了报告。")
    persons = {e.text for e in doc.tables["entities"] if e.label == "PERSON"}
    assert persons >= {"王建华", "陈思远", "刘芳"}
    assert "陈思远教授" not in persons


def test_publication_and_law_titles():
    doc = run("论文发表于《自然通讯》，并依据《数据安全法》处理数据。")
    assert ("自然通讯", "WORK_OF_ART") in ents(doc)
    assert ("数据安全法", "LAW") in ents(doc)


def test_chinese_english_acronym_linked_and_later_mentions_follow():
    doc = run("国际能源署（International Energy Agency，IEA）发布了年度报告。",
              "报告指出，IEA预计需求还将增长。International Energy Agency的数据也显示如此。")
    c = canon(doc, "国际能源署")
    assert canon(doc, "IEA") == c
    assert canon(doc, "International Energy Agency") == c
    later = [e for e in doc.tables["entities"] if e.text == "IEA"]
    assert len(later) == 2 and all(e.label == "ORG" for e in later)
    aliases = {(a.alias, a.kind) for a in doc.tables["aliases"] if a.canonical == c}
    assert aliases == {("国际能源署", "zh"), ("International Energy Agency", "en"), ("IEA", "abbr")}


def test_title_glossed_in_english_and_acronym_only_gloss():
    doc = run("研究刊于《细胞研究》（Cell Research），由国际水稻研究所（IRRI）完成。")
    assert canon(doc, "Cell Research") == canon(doc, "细胞研究")
    assert canon(doc, "IRRI") == canon(doc, "国际水稻研究所")
    assert ("Cell Research", "WORK_OF_ART") in ents(doc)


def test_english_name_with_acronym_and_hyphenated_acronym():
    doc = run("The World Meteorological Organization (WMO) warned of heat. Later WMO said more.",
              "合作伙伴包括：全球生物多样性信息机构（Global Biodiversity Information Facility-GBIF）。")
    assert canon(doc, "WMO") == canon(doc, "World Meteorological Organization")
    assert len([e for e in doc.tables["entities"] if e.text == "WMO"]) == 2
    assert canon(doc, "GBIF") == canon(doc, "全球生物多样性信息机构") == canon(doc, "Global Biodiversity Information Facility")


def test_no_overlaps_and_offsets_map_back():
    doc = run("2019年，美国国家航空航天局与欧洲空间局在巴黎签署协议。",
              "“全球气候变化与粮食安全国际研讨会”在北京举行。")
    rows = sorted(doc.tables["entities"], key=lambda e: e.start)
    for a, b in zip(rows, rows[1:]):
        assert a.end <= b.start
    for e in rows:
        assert doc.text[e.start:e.end] == e.text and e.page == 1
    assert ("全球气候变化与粮食安全国际研讨会", "EVENT") in ents(doc)
    assert ("巴黎", "GPE") in ents(doc) and ("北京", "GPE") in ents(doc)


def test_model_labels_map_to_ontonotes():
    lex = lexicon()
    assert map_model_label("PER", "张三", lex) == "PERSON"
    assert map_model_label("LOC", "浙江省", lex) == "GPE"
    assert map_model_label("LOC", "长江", lex) == "LOC"
    assert map_model_label("ORG", "数字经济国际论坛", lex) == "EVENT"


def test_longer_span_wins_titles_first():
    out = resolve([Cand(0, 2, "GPE", "gazetteer", 5), Cand(0, 8, "ORG", "rule", 3),
                   Cand(6, 10, "ORG", "model", 1), Cand(9, 12, "WORK_OF_ART", "rule", 9)])
    assert [(c.start, c.end, c.label) for c in out] == [(0, 8, "ORG"), (9, 12, "WORK_OF_ART")]
    # the model may take over a place name inside its longer name, not a rule's name
    out = resolve([Cand(0, 2, "GPE", "gazetteer", 5), Cand(0, 5, "ORG", "model", 1),
                   Cand(6, 9, "ORG", "rule", 3), Cand(6, 12, "ORG", "model", 1)])
    assert [(c.start, c.end, c.source) for c in out] == [(0, 5, "model"), (6, 9, "rule")]


def test_gazetteer_feeds_jieba():
    load_userdict(["entities/gazetteer.tsv"])
    assert "欧洲疾病预防控制中心" in jieba.lcut("欧洲疾病预防控制中心发布指南")


def test_empty_and_latin_only_documents():
    assert run().tables["entities"] == []
    doc = run("Results were reported by Stanford University in California.")
    assert ("Stanford University", "ORG") in ents(doc)


@pytest.fixture(scope="module")
def seed_doc(seed_path):
    return analyse(ingest.load(str(seed_path), CFG), CFG)


def test_seed_organisations_found_whole(seed_doc):
    got = ents(seed_doc)
    for name in ("中国疾控中心病毒病研究所", "美国国家生物技术信息中心", "比尔及梅琳达·盖茨基金会",
                 "国家微生物科学数据中心", "中国全球健康药物研发中心", "冠状病毒欧洲加速研发联盟",
                 "中国科协联合国咨商信息与通信技术专委会", "英国欧洲生物信息学研究所"):
        assert (name, "ORG") in got, name
    # the place name inside it is not a second entity
    at = seed_doc.text.index("美国国家生物技术信息中心")
    inside = [e.text for e in seed_doc.tables["entities"] if at <= e.start < at + 12]
    assert inside == ["美国国家生物技术信息中心"]


def test_seed_people_and_journals(seed_doc):
    got = ents(seed_doc)
    assert ("钟南山", "PERSON") in got and ("李兰娟", "PERSON") in got
    assert canon(seed_doc, "The Lancet") == canon(seed_doc, "柳叶刀")
    nejm = canon(seed_doc, "新英格兰医学杂志")
    assert canon(seed_doc, "The New England Journal of Medicine") == nejm == canon(seed_doc, "NEJM")
    assert ("新英格兰医学杂志", "WORK_OF_ART") in got


def test_seed_acronyms_linked_to_chinese_names(seed_doc):
    for abbr, zh in (("UNESCO", "联合国教科文组织"), ("WDS", "世界数据系统"),
                     ("CODATA", "国际科技数据委员会"), ("RDA", "科学研究数据全球联盟")):
        assert canon(seed_doc, abbr) == canon(seed_doc, zh) == zh


def test_generic_phrases_are_not_organisations():
    doc = run("我们要大力加强法治政府建设，全面履行好政府职责，建成3个省实验室。",
              "河北省政府和长白山获得联合国教科文组织认可。")
    orgs = {e.text for e in doc.tables["entities"] if e.label == "ORG"}
    assert orgs == {"河北省政府", "联合国教科文组织"}, orgs


class FakeNer:
    """Stands in for the trained model: returns the spans it is given for each sentence."""

    def __init__(self, spans):
        self.spans = spans

    def predict(self, texts):
        return [[(s, e, lab) for s, e, lab, t in self.spans if t == text] for text in texts]


def model_with(sent, *named):
    """A ZhModel whose 'trained model' returns the given (name, label) spans of `sent`."""
    from pipeline.entities import ZhModel
    model = ZhModel(False)
    model.ner = FakeNer([(sent.index(n), sent.index(n) + len(n), lab, sent) for n, lab in named])
    return model


def test_model_spans_are_mapped_merged_and_linked():
    sent = "湖州市卫健委主任张三在钱塘江边会见了国际能源署（IEA）代表。"
    model = model_with(sent, ("湖州市", "LOC"), ("张三", "PER"), ("钱塘江", "LOC"), ("国际能源署", "ORG"))
    doc = run(sent, model=model)
    got = {(e.text, e.label, e.source) for e in doc.tables["entities"]}
    assert {("张三", "PERSON", "model"), ("钱塘江", "LOC", "model"), ("国际能源署", "ORG", "model")} <= got
    assert ("湖州市卫健委", "ORG", "rule") in got          # the rule's longer name holds the place
    assert canon(doc, "IEA") == canon(doc, "国际能源署")
    doc = run("湖州市今天下雨。", model=model_with("湖州市今天下雨。", ("湖州市", "LOC")))
    assert ("湖州市", "GPE") in ents(doc)


def ents_src(doc):
    return {(e.text, e.label, e.source) for e in doc.tables["entities"]}


def test_model_spans_that_cut_words_or_have_no_name_shape_are_dropped():
    sent = "中国科学家与武汉一线医生交流，吉化1号线开通，Corona Virus病毒。"
    model = model_with(sent, ("中国科", "LOC"), ("武汉一", "LOC"), ("吉化1", "PER"), ("武汉一线医生交流", "PER"),
                       ("Corona Vir", "PER"), ("rus病毒", "ORG"))
    doc = run(sent, model=model)
    assert not any(e.source == "model" for e in doc.tables["entities"])


def test_official_patterns_titles_before_names_and_places_by_ending():
    doc = run("省长王志刚", "会议在湖北省第十三届人民代表大会第二次会议期间举行，贯彻党的十九大和十九届四中全会精神，"
              "落实“十三五”规划。定日县和湖州市受灾。")
    got = ents(doc)
    assert ("王志刚", "PERSON") in got
    assert ("湖北省第十三届人民代表大会第二次会议", "EVENT") in got
    assert ("党的十九大", "EVENT") in got and ("十九届四中全会", "EVENT") in got
    assert ("“十三五”规划", "LAW") in got
    assert ("定日县", "GPE") in got and ("湖州市", "GPE") in got


def test_codes_and_kinds_of_area_are_not_names():
    doc = run("During the COVID-19 epidemic, the World Health Organization issued guidance to members.",
              "查干湖景区和开发区游客增多。")
    got = ents(doc)
    assert not any(t == "COVID-19" for t, _ in got)
    assert ("World Health Organization", "ORG") in got
    assert not any(t.endswith("区") for t, lab in got if lab == "GPE")


from hypothesis import given, settings, strategies as st  # noqa: E402

_CHARS = st.sampled_from(list("中国研究所中心（）()《》“”、，。；！？.!? -·及与和ABCDE abc123 院士李王钟南山联合国组织省长第十届人民代表大会"
                              "党的二十大县市The New York Times (NYT)-RDA"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(_CHARS, max_size=60), max_size=4))
def test_any_text_gives_non_overlapping_spans_that_map_back(paras):
    doc = run(*[p for p in paras if p.strip()])
    rows = sorted(doc.tables["entities"], key=lambda e: e.start)
    for a, b in zip(rows, rows[1:]):
        assert a.end <= b.start
    for e in rows:
        assert e.text and doc.text[e.start:e.end] == e.text == e.text.strip()


def test_one_character_abbreviations_in_coordinations():
    doc = run("中日韩三国代表和港澳台地区同胞出席，材料译成英、法、德等多种语言，美、俄等国也派员参加。")
    rows = {(e.text, e.label, e.canonical) for e in doc.tables["entities"]}
    assert {("中", "GPE", "中国"), ("日", "GPE", "日本"), ("韩", "GPE", "韩国")} <= rows
    assert {("港", "GPE", "香港"), ("澳", "GPE", "澳门"), ("台", "GPE", "台湾")} <= rows
    assert {("英", "LANGUAGE", "英语"), ("法", "LANGUAGE", "法语"), ("德", "LANGUAGE", "德语")} <= rows
    assert {("美", "GPE", "美国"), ("俄", "GPE", "俄罗斯")} <= rows


def test_facilities_by_their_ending():
    doc = run("京张高铁和成都天府国际机场投入使用，一批精品景区和世界级旅游景区加快建设。")
    facs = {e.text for e in doc.tables["entities"] if e.label == "FAC"}
    assert facs == {"京张高铁", "成都天府国际机场"}, facs


def test_model_spans_over_line_ends_half_brackets_or_common_bodies_are_dropped():
    sent = "自治区党委召开会议，宏达股份(600331.SH)发布公告，乐山5GW基地开工，工会工作\n工会主席讲话。"
    model = model_with(sent, ("自治区党委", "ORG"), ("宏达股份(600331.SH", "ORG"), ("工会工作\n工会", "ORG"),
                       ("乐山5GW", "ORG"))
    assert not any(e.source == "model" for e in run(sent, model=model).tables["entities"])
    assert ("宏达股份", "ORG") in ents(run(sent, model=model_with(sent, ("宏达股份", "ORG"))))


def test_deictic_country_and_region_are_gpe_with_canonicals():
    doc = Document(source="r.txt", kind="txt", content_hash="cd" * 32)
    doc.blocks = [Block(page=1, role="title", text="2024年湖南省政府工作报告"),
                  Block(page=1, role="body", text="过去一年，我省经济稳中有进，我国发展面临新挑战，全省上下共同努力。")]
    doc.finalize()
    segment(doc)
    extract(doc, lexicon(), NoModel(), {"english": True})
    got = {(e.text, e.label, e.canonical) for e in doc.tables["entities"]}
    assert ("我省", "GPE", "湖南省") in got and ("我国", "GPE", "中国") in got
    assert not any(e.text == "全省" for e in doc.tables["entities"])
    # without a title naming a place, 我省 is its own canonical
    doc = run("我省经济稳中有进。")
    assert canon(doc, "我省") == "我省"


def test_the_region_of_a_report_is_the_whole_name_opening_its_title():
    """广州市 whose 州 is also an administrative ending: 我市 is 广州市, as 我市 of 苏州市 is 苏州市;
    and the name stops at its ending when the next word starts with one (灞桥区国民经济 -> 灞桥区)."""
    for title, place in (("2025年广州市政府工作报告", "广州市"), ("2025年苏州市政府工作报告", "苏州市"),
                         ("2025年灞桥区国民经济统计公报", "灞桥区"), ("2025年叶城县市场监管报告", "叶城县")):
        doc = Document(source="r.txt", kind="txt", content_hash="cd" * 32)
        doc.blocks = [Block(page=1, role="title", text=title),
                      Block(page=1, role="body", text="过去一年，我市经济稳中有进。")]
        doc.finalize()
        segment(doc)
        extract(doc, lexicon(), NoModel(), {"english": True, "divisions": False})
        assert canon(doc, "我市") == place, title


def test_generic_company_heads_need_a_proper_name_before_them():
    got = ents(run("目前公司订单饱满，预计公司明年扩产，科技公司纷纷跟进。",
                   "宏发股份有限公司和中国中车集团发布公告。",
                   "公司拟与宁海县人民政府签署协议，由法国国家健康与医学研究院牵头。"))
    assert not any(t.endswith("公司") and t in ("目前公司", "预计公司", "科技公司") for t, _ in got)
    assert ("宏发股份有限公司", "ORG") in got and ("中国中车集团", "ORG") in got
    assert ("宁海县人民政府", "ORG") in got and not any(t.startswith("公司拟") for t, _ in got)
    assert ("法国国家健康与医学研究院", "ORG") in got


def test_administrative_divisions_short_forms_and_confirmation():
    from pipeline.entities.places import short_form
    eth = ("朝鲜族", "维吾尔族", "蒙古族", "回族")
    assert [short_form(n, eth) for n in ("延边朝鲜族自治州", "新疆维吾尔自治区", "内蒙古自治区", "长治市")] == \
        ["延边", "新疆", "内蒙古", "长治"]
    got = ents(run("公司把生产线搬到山西长治壶关厂区，依托壶关的低电价，并在乐山新建基地。"))
    assert {("长治", "GPE"), ("乐山", "GPE")} <= got
    assert sum(1 for t, lab in got if t == "壶关" and lab == "GPE") == 1 and ("壶关", "GPE") in got
    doc = run("公司把生产线搬到山西长治壶关厂区，依托壶关的低电价。")
    assert [e.canonical for e in doc.tables["entities"] if e.text == "壶关"] == ["壶关县", "壶关县"]
    # a county's short form that is a common word needs its full name; unconfirmed ones stay out
    assert not any(t == "振兴" for t, _ in ents(run("推动辽宁全面振兴，辽宁振兴取得新突破。")))
    assert not any(t == "壶关" for t, _ in ents(run("依托壶关的低电价。")))
