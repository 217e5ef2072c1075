"""Facts: the reader's resolution of metric, subject and date around each reported figure.

The unit tests feed the stage hand-made rows of the earlier stages, so they check the
facts logic alone; the end-to-end test at the bottom runs the whole pipeline.
"""
from __future__ import annotations

import pytest

from pipeline.document import Block, Document
from pipeline.facts import clauses, find_facts


def make_doc(paragraphs: list[tuple[str, str]], source: str = "report.txt") -> Document:
    doc = Document(source=source, kind="txt", content_hash="ab" * 32)
    doc.blocks = [Block(page=1, role=role, text=text) for role, text in paragraphs]
    return doc.finalize()


def span(doc: Document, needle: str, nth: int = 0) -> tuple[int, int]:
    at = -1
    for _ in range(nth + 1):
        at = doc.text.index(needle, at + 1)
    return at, at + len(needle)


def add_number(doc, needle, value, unit, approx=None, kind="count", nth=0):
    s, e = span(doc, needle, nth)
    doc.add_rows("numbers", [dict(start=s, end=e, text=needle, value=value, unit=unit, approx=approx, kind=kind)])


def add_date(doc, needle, value, mod=None, end_date=None):
    s, e = span(doc, needle)
    doc.add_rows("dates", [dict(start=s, end=e, text=needle, value=value, mod=mod, end_date=end_date)])


def add_entity(doc, needle, label="ORG", canonical=None, nth=0):
    s, e = span(doc, needle, nth)
    doc.add_rows("entities", [dict(start=s, end=e, text=needle, label=label, canonical=canonical)])


def sentences(doc):
    rows, sid = [], 0
    for b in doc.blocks:
        start = b.start
        for i, ch in enumerate(b.text):
            if ch in "。！？" or i == len(b.text) - 1:
                rows.append(dict(sent_id=sid, start=start, end=b.start + i + 1))
                sid, start = sid + 1, b.start + i + 1
    doc.tables["sentences"] = rows


def test_clauses_do_not_cut_inside_brackets():
    text = "世界数据系统（World Data System，WDS）认可，并收录。"
    cuts = [text[a:b] for a, b in clauses(text, 0, len(text))]
    assert cuts == ["世界数据系统（World Data System，WDS）认可", "并收录"]


def test_anaphor_points_to_heading_platform_and_date_carries():
    doc = make_doc([("heading", "（2）海洋环境数据共享平台"),
                    ("body", "该平台由海洋中心牵头建设。截至6月底，平台总访问量达到520万，境外访问量达31.5万。")])
    add_entity(doc, "海洋环境数据共享平台", canonical="ocean-platform")
    add_entity(doc, "海洋中心")
    add_date(doc, "截至6月底", "2021-06", mod="END", end_date="2021-06-30")
    add_number(doc, "520万", 5_200_000, None)
    add_number(doc, "31.5万", 315_000, None)
    sentences(doc)
    facts = find_facts(doc)
    got = [(f.subject, f.metric, f.value, f.date_value, f.date_source) for f in facts]
    assert got == [("海洋环境数据共享平台", "总访问量", 5_200_000, "2021-06-30", "sentence"),
                   ("海洋环境数据共享平台", "境外访问量", 315_000, "2021-06-30", "sentence")]
    assert facts[0].subject_canonical == "ocean-platform"


def test_object_cue_takes_metric_after_number_and_list_items_share_it():
    doc = make_doc([("heading", "（1）鸟类观测信息库"),
                    ("body", "截至5月底，该信息库共收录2400条观测记录、310个物种、85篇文献。")])
    add_entity(doc, "鸟类观测信息库")
    add_date(doc, "截至5月底", "2022-05", mod="END", end_date="2022-05-31")
    for needle, v, u in (("2400条", 2400, "条"), ("310个", 310, "个"), ("85篇", 85, "篇")):
        add_number(doc, needle, v, u)
    sentences(doc)
    facts = find_facts(doc)
    assert [(f.metric, f.value, f.unit) for f in facts] == [("观测记录", 2400, "条"), ("物种", 310, "个"), ("文献", 85, "篇")]
    assert {f.subject for f in facts} == {"鸟类观测信息库"}
    assert {f.date_source for f in facts} == {"sentence"}


def test_two_platforms_joined_and_region_words_resolve_to_report_region():
    doc = make_doc([("heading", "（1）甲数据系统和乙分析系统"),
                    ("body", "这两个平台均由数据中心牵头，系统总访问量达到80万。"),
                    ("heading", "一、过去一年的工作"),
                    ("body", "2024年，全省地区生产总值增长5.1%，一般公共预算收入下降2.0%。")],
                   source="2025年某某省政府工作报告.pdf")
    add_entity(doc, "甲数据系统")
    add_entity(doc, "乙分析系统")
    add_entity(doc, "数据中心")
    add_date(doc, "2024年", "2024")
    add_number(doc, "80万", 800_000, None)
    add_number(doc, "5.1%", 5.1, "%", kind="percent")
    add_number(doc, "2.0%", 2.0, "%", kind="percent")
    sentences(doc)
    facts = find_facts(doc)
    assert (facts[0].subject, facts[0].metric) == ("甲数据系统 + 乙分析系统", "总访问量")
    gdp, revenue = facts[1], facts[2]
    assert (gdp.subject, gdp.metric, gdp.change, gdp.date_value) == ("某某省", "地区生产总值", "increase", "2024")
    assert (revenue.subject, revenue.metric, revenue.change) == ("某某省", "一般公共预算收入", "decrease")


def test_counts_after_a_hosted_event_report_on_the_event():
    doc = make_doc([("body", "省文旅厅今年举办了“长白山冰雪论坛”，共有32个国家的代表参会，5万人在线观看。"
                             "省文旅厅还发布了8条线路。")])
    add_entity(doc, "省文旅厅", nth=0)
    add_entity(doc, "长白山冰雪论坛", label="EVENT")
    add_entity(doc, "省文旅厅", nth=1)
    add_number(doc, "32个", 32, "个")
    add_number(doc, "5万人", 50_000, "人")
    add_number(doc, "8条", 8, "条")
    sentences(doc)
    got = [(f.subject, f.value) for f in find_facts(doc)]
    assert ("长白山冰雪论坛", 32) in got and ("长白山冰雪论坛", 50_000) in got
    assert ("省文旅厅", 8) in got    # a new sentence naming its subject is not the event's


def test_numbers_that_are_not_figures_make_no_fact():
    doc = make_doc([("body", "本文将从五个方面概括进展。"), ("body", "第3条规定如下。")])
    add_number(doc, "五个", 5, "个")
    add_number(doc, "第3", 3, None, kind="ordinal")
    sentences(doc)
    assert find_facts(doc) == []


def test_target_in_sentence_marks_change_target():
    doc = make_doc([("body", "今年主要预期目标是：地区生产总值增长5.5%左右。")], source="2025年某市政府工作报告.pdf")
    add_number(doc, "5.5%左右", 5.5, "%", approx="about", kind="percent")
    sentences(doc)
    (fact,) = find_facts(doc)
    assert fact.change == "target" and fact.metric == "地区生产总值" and fact.approx == "about"


def test_coordinated_groups_and_counts_of_people():
    doc = make_doc([("body", "2023年，中国企业、高校和科研机构在海外发表论文300余篇，线上展览吸引全球5万人次观看。")])
    add_entity(doc, "中国", label="GPE")
    add_date(doc, "2023年", "2023")
    add_number(doc, "300余篇", 300, "篇", approx="more")
    add_number(doc, "5万人次", 50_000, "人次")
    sentences(doc)
    papers, viewers = find_facts(doc)
    assert papers.subject == "中国企业 + 高校 + 科研机构" and papers.metric == "论文"
    assert (viewers.metric, viewers.value, viewers.date_value) == ("观看", 50_000, "2023")


def test_ranks_are_figures_and_bare_changes_continue_the_previous_one():
    doc = make_doc([("body", "2023年，全省粮食单产连续3年居全国第2位，利润总额达到58亿元，增长12%。")],
                   source="2024年某某省政府工作报告.pdf")
    add_date(doc, "2023年", "2023")
    s3, e3 = span(doc, "3年", nth=1)  # the first 3年 is inside 2023年
    doc.add_rows("dates", [dict(start=s3, end=e3, text="3年", value="P3Y", type="duration")])
    add_number(doc, "第2位", 2, "位", kind="ordinal")
    add_number(doc, "58亿元", 5_800_000_000, "元", kind="money")
    add_number(doc, "12%", 12, "%", kind="percent")
    sentences(doc)
    rank, profit, growth = find_facts(doc)
    assert (rank.metric, rank.value, rank.date_value) == ("粮食单产", 2, "2023")
    assert (profit.metric, profit.change) == ("利润总额", "level")
    assert (growth.metric, growth.value, growth.change) == ("利润总额", 12, "increase")


def test_a_national_rank_belongs_to_the_region_not_to_the_country():
    doc = make_doc([("body", "2024年，全省粮食总产量达到850亿斤，全国第4的地位进一步巩固。")],
                   source="2025年某某省政府工作报告.pdf")
    add_date(doc, "2024年", "2024")
    add_number(doc, "850亿斤", 85_000_000_000, "斤")
    add_number(doc, "第4", 4, None, kind="ordinal")
    sentences(doc)
    output, rank = find_facts(doc)
    assert (rank.subject, rank.metric, rank.value) == ("某某省", "地位", 4)
