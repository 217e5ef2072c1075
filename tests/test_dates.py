"""The `dates` stage: values, qualifiers, carry-over along the document's timeline, noise kept out."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest

from pipeline.config import load_config
from pipeline.dates import Normaliser, extract
from pipeline.document import Block, Document


def make_doc(*blocks: tuple[str, str], meta: dict | None = None) -> Document:
    doc = Document(source="t.txt", kind="txt", content_hash="ab" * 32, meta=dict(meta or {}))
    doc.blocks = [Block(page=i + 1, role=role, text=text) for i, (role, text) in enumerate(blocks)]
    return doc.finalize()


def rows(text_or_doc, ref_date: str | None = None, **meta):
    cfg = load_config(overrides={"dates": {"ref_date": ref_date}} if ref_date else None)
    doc = text_or_doc if isinstance(text_or_doc, Document) else make_doc(("body", text_or_doc), meta=meta)
    return extract(doc, Normaliser(cfg))


def by_text(rs):
    return {r.text: r for r in rs}


# -- values and carry-over -------------------------------------------------------------------

def test_partial_dates_take_year_and_month_from_the_last_date_mentioned():
    rs = by_text(rows("2019年3月5日，工厂停产。7日，恢复供电；4月2日全面复工。同月，产量回升。"))
    assert rs["2019年3月5日"].anchor == "explicit"
    assert (rs["7日"].value, rs["7日"].anchor) == ("2019-03-07", "inherited")
    assert rs["4月2日"].value == "2019-04-02"
    assert (rs["同月"].value, rs["同月"].start_date, rs["同月"].end_date) == ("2019-04", "2019-04-01", "2019-04-30")


def test_without_a_preceding_date_the_document_date_then_the_reference_date_anchor():
    assert (rows("3月8日召开会议。", pdf_date="2022-05-01")[0].value, rows("3月8日召开会议。", pdf_date="2022-05-01")[0].anchor) \
        == ("2022-03-08", "document")
    r = rows("3月8日召开会议。", ref_date="2018-01-01")[0]
    assert (r.value, r.anchor) == ("2018-03-08", "reference")
    r = rows("3月8日召开会议。")[0]
    assert (r.value, r.anchor, r.start_date) == ("XXXX-03-08", "unresolved", "")


def test_a_received_date_in_the_text_is_the_documents_own_date():
    doc = make_doc(("body", "收稿日期：2021-05-10"), ("body", "今年以来，去年同期相比，当年的数据"))
    rs = by_text(rows(doc, ref_date="2000-01-01"))
    assert (rs["今年以来"].value, rs["今年以来"].anchor, rs["今年以来"].mod) == ("2021", "document", "START")


def test_an_access_date_left_in_the_body_does_not_anchor_what_follows():
    rs = by_text(rows("2020年1月3日起开始通报（访问日期：2021-1-11）。1月24日，首发毒株信息。"))
    assert (rs["1月24日"].value, rs["1月24日"].anchor) == ("2020-01-24", "inherited")


def test_an_access_date_is_not_the_documents_date():
    doc = make_doc(("body", "访问日期：2019-03-01。今年的数据显示增长。"))
    r = by_text(rows(doc, ref_date="2024-05-01"))["今年"]
    assert (r.value, r.anchor) == ("2024", "reference")


def test_deictic_words_count_from_the_document_date_anaphoric_ones_from_the_last_date():
    rs = by_text(rows("2016年，该省遭遇洪水。当年损失较大。今年上半年，次年的重建仍在影响预算。", pdf_date="2023-02-01"))
    assert rs["当年"].value == "2016" and rs["当年"].anchor == "inherited"
    assert rs["今年上半年"].value == "2023-H1" and rs["今年上半年"].anchor == "document"
    assert rs["次年"].value == "2024"   # anaphoric: the year after the last one mentioned (今年 = 2023)


def test_same_period_is_the_last_mentioned_period_one_year_earlier():
    rs = by_text(rows("2023年第三季度营收增长，比上年同期提高5个百分点。"))
    assert rs["2023年第三季度"].value == "2023-Q3"
    assert (rs["上年同期"].value, rs["上年同期"].start_date, rs["上年同期"].end_date) == ("2022-Q3", "2022-07-01", "2022-09-30")


def test_footnote_dates_are_dates_but_never_anchor_the_body():
    doc = make_doc(("body", "2020年1月3日起，开始通报。"),
                   ("footnote", "1 数据来源：官网，访问日期2021-1-11；另见3月2日公告。"))
    rs = by_text(rows(doc))
    assert rs["2021-1-11"].value == "2021-01-11"
    assert rs["3月2日"].value == "2021-03-02"      # from the footnote's own date, not the body's 2020
    doc = make_doc(("body", "2020年1月3日起，开始通报。"), ("footnote", "2 见3月2日公告。"))
    r = by_text(rows(doc, ref_date="2024-06-30"))["3月2日"]
    assert (r.value, r.anchor) == ("2024-03-02", "reference")


# -- qualifiers, periods, ranges -----------------------------------------------------------------

def test_as_of_end_of_month_keeps_both_qualifiers_and_the_month_end():
    rs = by_text(rows("2021年6月，平台上线。截至9月底，累计用户达到300万；截止2021年12月31日，用户过千万。"))
    r = rs["截至9月底"]
    assert (r.value, r.mod, r.end_date) == ("2021-09", "END+AS_OF", "2021-09-30")
    assert rs["截止2021年12月31日"].mod == "AS_OF"


@pytest.mark.parametrize("text, value, mod, start, end", [
    ("自2018年起", "2018", "START", "2018-01-01", "2018-12-31"),
    ("2025年前完成", "2025", "BEFORE", "2025-01-01", "2025-12-31"),
    ("2013年一季度末", "2013-Q1", "END", "2013-03-01", "2013-03-31"),
    ("2022年下半年", "2022-H2", "", "2022-07-01", "2022-12-31"),
    ("1999年7月下旬", "1999-07", "END", "1999-07-21", "1999-07-31"),
    ("2019年4月12-19日", "2019-04-12/2019-04-19", "", "2019-04-12", "2019-04-19"),
    ("2018年1－9月份", "2018-01/2018-09", "", "2018-01-01", "2018-09-30"),
    ("2 0 1 9 年 5 月", "2019-05", "", "2019-05-01", "2019-05-31"),
    ("二〇〇六年十二月", "2006-12", "", "2006-12-01", "2006-12-31"),
    ("上世纪80年代", "198", "", "1980-01-01", "1989-12-31"),
    ("2021年第1周", "2021-W01", "", "2021-01-04", "2021-01-10"),
    ("2022年冬季", "2022-WI", "", "2022-11-07", "2023-02-03"),
    ("农历二〇二一年八月十五", "2021-09-21", "", "2021-09-21", "2021-09-21"),
    ("2023年除夕", "2024-02-09", "", "2024-02-09", "2024-02-09"),
    ("2024年冬至", "2024-12-21", "", "2024-12-21", "2024-12-21"),
])
def test_chinese_expressions_get_timex_values_and_intervals(text, value, mod, start, end):
    r = rows(text)[0]
    assert (r.text, r.value, r.mod, r.start_date, r.end_date) == (text.replace("完成", ""), value, mod, start, end)


@pytest.mark.parametrize("text, span, value, mod, end", [
    ("Revenue fell as of end-November 2020, analysts said.", "as of end-November 2020", "2020-11", "END+AS_OF", "2020-11-30"),
    ("The outbreak was reported on January 24, 2020.", "January 24, 2020", "2020-01-24", "", "2020-01-24"),
    ("Prices peaked in Jan. 2020 and fell.", "Jan. 2020", "2020-01", "", "2020-01-31"),
    ("Sales have grown since 2019.", "since 2019", "2019", "START", "2019-12-31"),
    ("Output rose in the first half of 2020.", "the first half of 2020", "2020-H1", "", "2020-06-30"),
    ("Margins improved in Q3 2021.", "Q3 2021", "2021-Q3", "", "2021-09-30"),
    ("It was signed on 5 March 2019 in Paris.", "5 March 2019", "2019-03-05", "", "2019-03-05"),
    ("Since the first half of 2019, costs rose.", "Since the first half of 2019", "2019-H1", "START", "2019-06-30"),
    ("Debt was high in the 1990s.", "the 1990s", "199", "", "1999-12-31"),
])
def test_english_dates(text, span, value, mod, end):
    rs = by_text(rows(text))
    assert span in rs, list(rs)
    r = rs[span]
    assert (r.value, r.mod, r.end_date) == (value, mod, end)


def test_a_two_digit_year_alone_is_a_year_only_where_a_year_can_stand():
    rs = rows("（688556.SH）：21年业绩预告超预期，预计23年营收增长；董事长从业22年，历时15年建成。")
    got = {(r.text, r.value, r.type) for r in rs}
    assert ("21年", "2021", "date") in got and ("23年", "2023", "date") in got
    assert ("22年", "P22Y", "duration") in got and ("15年", "P15Y", "duration") in got


def test_decades_written_with_four_digits():
    r = rows("1990年代末期，产业转移加快。")[0]
    assert (r.text, r.value, r.start_date, r.end_date) == ("1990年代末期", "199", "1997-01-01", "1999-12-31")


def test_relative_words_inside_other_words_are_not_dates():
    text = "不同年份的数据相当年轻，共同期待；5年以上年均增长，三次年会。这体现在三个方面。"
    assert [r.text for r in rows(text) if r.type == "date"] == []


def test_a_part_word_that_begins_another_word_is_left_out():
    r = rows("截至2021年初步统计，12月底线索增多。")
    assert [(x.text, x.value, x.mod) for x in r] == [("截至2021年", "2021", "AS_OF"), ("12月", "2021-12", "")]


def test_a_range_writes_its_year_once():
    rs = by_text(rows("Sales rose from March to May 2021, and between 2015 and 2019. 2017年8月至11月，产量回升。"))
    assert (rs["from March"].value, rs["from March"].mod) == ("2021-03", "START")
    assert rs["2015"].value == "2015" and rs["2019"].value == "2019"
    assert rs["11月"].value == "2017-11"


def test_date_words_inside_names_and_idioms_are_not_dates():
    text = "成功举办第十四届全国冬季运动会，长春天然气管道开通，全省上下一月接着一月抓落实。"
    assert [r.text for r in rows(text) if r.type == "date"] == []
    r = rows("办好“相约春天”活动", ref_date="2025-01-18")[0]
    assert (r.text, r.mod) == ("春天", "")   # 约 belongs to 相约, not an approximation


def test_a_year_opening_the_title_is_part_of_the_name_and_programme_names_are_not_durations():
    doc = make_doc(("title", "2025年吉林省政府工作报告"), ("author", "——2025年1月14日在吉林省第十四届人民代表大会上"),
                   ("body", "2024年是实现“十四五”规划目标任务的关键一年。开展安全生产治本攻坚三年行动，连续3年增长。"))
    got = [(r.text, r.value) for r in rows(doc)]
    assert got == [("2025年1月14日", "2025-01-14"), ("2024年", "2024"), ("3年", "P3Y")]
    assert [r.text for r in rows(make_doc(("title", "2021年5月10日"), ("body", "正文")))] == ["2021年5月10日"]


def test_english_counts_after_a_preposition_are_not_years_and_offsets_resolve():
    assert [r.text for r in rows("The drug was tested in 2000 patients.") if r.type == "date"] == []
    assert [r.text for r in rows("The drug was approved in 2000 and sold in 2001.")] == ["2000", "2001"]
    r = by_text(rows("Prices fell 3 years ago.", ref_date="2021-06-14"))["3 years ago"]
    assert (r.value, r.anchor) == ("2018", "reference")
    r = by_text(rows("Over the past five years, sales doubled.", ref_date="2021-06-14"))["past five years"]
    assert (r.value, r.start_date, r.end_date) == ("P5Y", "2016-01-01", "2020-12-31")


def test_english_month_words_that_are_verbs_are_not_dates():
    assert rows("We may see growth and the army will march on.") == []


def test_government_report_periods():
    doc = make_doc(("author", "——2025年1月18日在省人民代表大会上"),
                   ("body", "过去一年，经济稳中有进。过去五年，“十四五”圆满收官，“十五五”规划纲要正在编制。2025 年主要预期目标：增长5%左右。"))
    rs = by_text(rows(doc))
    assert (rs["过去一年"].value, rs["过去一年"].anchor) == ("2024", "document")
    assert (rs["过去五年"].type, rs["过去五年"].start_date, rs["过去五年"].end_date) == ("duration", "2020-01-01", "2024-12-31")
    assert (rs["“十四五”"].value, rs["“十四五”"].start_date, rs["“十四五”"].end_date) == ("P5Y", "2021-01-01", "2025-12-31")
    assert rs["2025 年"].value == "2025"
    assert not [t for t in rs if "十五五" in t]   # inside a plan's name: not a period


def test_durations_sets_and_offsets():
    rs = by_text(rows("项目历时三年半，每季度检查一次，三年前启动，近三个月进展加快。", ref_date="2021-06-14"))
    assert (rs["三年半"].type, rs["三年半"].value) == ("duration", "P3.5Y")
    assert (rs["每季度"].type, rs["每季度"].value) == ("set", "P3M")
    assert (rs["三年前"].type, rs["三年前"].value) == ("date", "2018")
    assert (rs["近三个月"].start_date, rs["近三个月"].end_date) == ("2021-03-14", "2021-06-14")


# -- noise ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "详见 http://www.gov.cn/zhengce/2020-06/07/content_5517737.htm 与 https://x.cn/n1/2020/0509/c1.html",
    "doi: 10.1016/j.cell.2020.02.052",
    "新型冠状病毒（2019-nCoV）与COVID-19疫情",
    "联系电话13912345678或010-62345678",
    "身份证号140302197706220124。",
    "营收2020.12万元，软件版本v2.2020.1",
    "一日之计在于晨，财政部36号文",
])
def test_no_dates_from_urls_codes_names_or_numbers(text):
    assert [r.text for r in rows(text) if r.type == "date"] == []


def test_an_entity_name_containing_a_year_is_not_a_date():
    @dataclass
    class Ent:
        start: int
        end: int
        text: str
        label: str

    doc = make_doc(("body", "2019年度新闻人物评选在2020年3月揭晓。"))
    doc.tables["entities"] = [Ent(0, 10, "2019年度新闻人物评选", "ORG")]
    assert [r.text for r in rows(doc)] == ["2020年3月"]


def test_sentence_id_and_page_come_from_the_tables_and_the_document():
    @dataclass
    class Sent:
        sent_id: int
        start: int
        end: int

    doc = make_doc(("body", "第一句。"), ("body", "2020年5月，第二句。"))
    assert rows(doc)[0].sent_id == -1
    doc.tables["sentences"] = [Sent(0, 0, 4), Sent(1, 5, 16)]
    r = rows(doc)[0]
    assert (r.sent_id, r.page) == (1, 2)


def test_bad_calendar_dates_and_empty_text_give_no_rows():
    assert [r for r in rows("2月30日和第60周") if r.type == "date"] == []
    assert rows(make_doc()) == []


def test_solar_terms_that_are_common_words_need_a_year():
    assert [r.text for r in rows("政治清明，雨水充沛，大雪封山。")] == []
    assert rows("2021年清明前后")[0].value == "2021-04-04"


def test_random_date_like_strings_never_raise():
    import datetime as dt
    import random

    pieces = ["2020", "年", "月", "日", "号", "12", "31", "29", "0", "十", "廿", "初", "闰", "农历", "腊月", "除夕",
              "上半年", "底", "起", "截至", "前", "后", "个", "季度", "第", "周", "去年", "同期", "当月", "-", ".", "/",
              "至", "，", " ", "end of", "since", "May", "Q", "H", "半", "每", "过去", "年代", "世纪", "“十四五”", "冬季"]
    rng = random.Random(11)
    norm = Normaliser(load_config())
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        norm.resolve(norm.find(text), rng.choice([None, dt.date(2021, 6, 14)]), "reference")


def test_fast_enough_for_long_reports():
    # dense on purpose (three dates every 50 characters); a pathological pattern would fall far below
    text = "2024年，全省生产总值增长5.2%，截至11月底累计完成投资1.2万亿元。过去一年，工作扎实推进。" * 1000
    doc = make_doc(("body", text))
    norm = Normaliser(load_config())
    t0 = time.perf_counter()
    rs = extract(doc, norm)
    rate = len(text) / (time.perf_counter() - t0)
    assert len(rs) == 3 * 1000
    assert rate > 25_000, f"{rate:.0f} chars/s"


# -- the seed ---------------------------------------------------------------------------------

def test_seed_dates_values_anchors_and_no_url_dates(seed_path):
    from pipeline import ingest

    cfg = load_config()
    doc = ingest.load(str(seed_path), cfg)
    rs = extract(doc, Normaliser(cfg))
    body = [(r.text, r.value, r.mod, r.end_date) for r in rs if r.value.startswith("2020") and "访问" not in
            doc.text[max(0, r.start - 6):r.start]][:9]
    assert body == [
        ("2020年1月3日起", "2020-01-03", "START", "2020-01-03"),
        ("1月24日", "2020-01-24", "", "2020-01-24"),
        ("25日", "2020-01-25", "", "2020-01-25"),
        ("1月29日", "2020-01-29", "", "2020-01-29"),
        ("2020上半年", "2020-H1", "", "2020-06-30"),
        ("截至11月底", "2020-11", "END+AS_OF", "2020-11-30"),
        ("截至12月底", "2020-12", "END+AS_OF", "2020-12-31"),
        ("截至12月10日", "2020-12-10", "AS_OF", "2020-12-10"),
        ("截至12月11日", "2020-12-11", "AS_OF", "2020-12-11"),
    ]
    # the footnotes' access dates, as far as ingest keeps them apart from the next footnote's number
    values = {r.value for r in rs}
    written = re.findall(r"访问日期[：:]?(\d{4}-\d{1,2}-\d{1,2})(?!\d)", doc.text)
    assert len(written) >= 3
    for w in written:
        y, m, d = (int(x) for x in w.split("-"))
        assert f"{y:04d}-{m:02d}-{d:02d}" in values
    # nothing inside a URL
    for url in re.finditer(r"https?://[\x21-\x7e]+", doc.text):
        assert not [r for r in rs if url.start() <= r.start < url.end()]


# -- ranges, report shorthand, tables and specs (broker reports, datasheets) ------------------

def test_compact_ranges_are_one_span_with_an_interval_value():
    rs = by_text(rows("2023年行业回暖，3-8月出货量同比增长，预计2024-2026年收入稳步增长。数据来源：公司公告（2019-2021）"))
    assert (rs["3-8月"].value, rs["3-8月"].start_date, rs["3-8月"].end_date) == ("2023-03/2023-08", "2023-03-01", "2023-08-31")
    assert (rs["2024-2026年"].value, rs["2024-2026年"].end_date) == ("2024/2026", "2026-12-31")
    assert rs["2019-2021"].value == "2019/2021"
    assert "2024" not in rs


def test_two_digit_years_in_running_text_follow_the_full_years_nearby():
    rs = rows("公司2023年营收稳健，看好24年海外订单放量，预计25年净利润提升。创始人从业25年，公司已有30年历史。")
    got = {(r.text, r.value) for r in rs}
    assert ("24年", "2024") in got and ("25年", "2025") in got
    assert ("25年", "P25Y") in got and ("30年", "P30Y") in got
    # without a full year anywhere near, 在职15年 stays a length of time
    assert [(r.text, r.value) for r in rows("他在职15年提升了团队")] == [("15年", "P15Y")]


def test_cong_only_links_when_the_clause_reaches_the_other_end():
    rs = rows("成本从2018年的1.2元下降到2021年的0.6元。从2019年起，公司扩产。")
    assert [(r.text, r.mod) for r in rs] == [("2018年", ""), ("2021年", ""), ("从2019年起", "START")]


def test_table_header_years_are_dates_without_the_estimate_mark():
    rs = rows("主要财务数据 2021 2022 2023E 2024E 营业收入 100 120 150 180")
    assert [(r.text, r.value) for r in rs] == [("2021", "2021"), ("2022", "2022"), ("2023", "2023"), ("2024", "2024")]
    assert rows("股价 2018 2020 2019 元") == []   # not consecutive: figures, not a header


def test_chart_axis_date_ticks_are_a_scale_not_dates():
    doc = make_doc(("body", "股价走势"), ("body", "2022-01 2022-04 2022-07 2022-10"), ("body", "2022年10月公司发布公告"))
    assert [r.text for r in rows(doc)] == ["2022年10月"]


def test_return_windows_and_spec_times_are_durations():
    rs = by_text(rows("相对指数表现 1M 3M 12M 绝对收益(%) 3.1 5.2 8.8；脉冲放电电流（10s）：500A；静置5min后测量"))
    assert [rs[k].value for k in ("1M", "3M", "12M", "10s", "5min")] == ["P1M", "P3M", "P12M", "PT10S", "PT5M"]
    assert "30s" not in by_text(rows("Most of them were in their 30s."))


def test_bounded_durations_keep_the_bound_as_equal_or_less():
    rs = by_text(rows("请于收货后15天以内反馈，spare parts ship within 3 days; 近52周内最高价"))
    assert (rs["15天以内"].value, rs["15天以内"].mod) == ("P15D", "EQUAL_OR_LESS")
    assert (rs["within 3 days"].value, rs["within 3 days"].mod) == ("P3D", "EQUAL_OR_LESS")


def test_years_inside_a_cited_title_are_part_of_the_name():
    rs = rows("相关研究\n1.《某公司：23年业绩预告超预期，2024年增长可期》，2024.1.5")
    assert [r.text for r in rs] == ["2024.1.5"]


def test_guo_counts_forward_only_at_the_start_of_a_clause():
    rs = by_text(rows("过三天再复查。公司成立超过5年，经过两年的建设", ref_date="2023-03-01"))
    assert (rs["过三天"].start_date, rs["过三天"].mod) == ("2023-03-04", "AFTER")
    assert rs["5年"].value == "P5Y" and rs["两年"].value == "P2Y"


def test_literary_year_unit_but_not_in_the_idiom():
    rs = rows("十载耕耘，这是千载难逢的机会")
    assert [(r.text, r.value) for r in rs] == [("十载", "P10Y")]
