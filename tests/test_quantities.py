"""The `numbers` stage: values, units, qualifiers and the noise it must keep out."""
from __future__ import annotations

import pytest

from pipeline.document import Block, Document
from pipeline.quantities import extract, normalise, parse_numeral, rows_for


def found(text: str) -> dict[str, tuple]:
    """span text -> (value, unit, approx, lower, upper, kind)"""
    return {text[q.start:q.end]: (q.value, q.unit, q.approx, q.lower, q.upper, q.kind) for q in extract(text)}


def doc_of(*blocks: tuple[str, str], tables: dict | None = None) -> Document:
    d = Document(source="t.txt", kind="txt", content_hash="ab" * 32)
    d.blocks = [Block(page=i + 1, role=role, text=t) for i, (role, t) in enumerate(blocks)]
    d.finalize()
    d.tables.update(tables or {})
    return d


@pytest.mark.parametrize("numeral,value", [
    ("五", 5), ("两", 2), ("十二", 12), ("一千二百", 1200), ("二〇二〇", 2020), ("一千零十", 1010),
    ("三万五", 35000), ("一百二", 120), ("廿二", 22), ("壹佰叁拾", 130), ("负十一", -11),
    ("零点零五", 0.05), ("1.2万", 12000), ("100万三千", 1003000), ("1,234.5", 1234.5),
    ("一千零一亿一千零一万一千零一", 100110011001),
])
def test_numerals(numeral, value):
    assert parse_numeral(numeral) == pytest.approx(value)


@pytest.mark.parametrize("bad", ["", "负", "零点", "点一", "10..1万", "十百千万"])
def test_not_numerals(bad):
    assert parse_numeral(bad) is None


def test_magnitude_folds_into_value_and_unit_stays():
    f = found("全年财政收入2083亿元，同比增长3千多人，装机超过600万千瓦。")
    assert f["2083亿元"][:2] == (208300000000, "元")
    assert f["2083亿元"][5] == "money"
    assert f["3千多人"][:5] == (3000, "人", "more", 3000, 4000)
    assert f["超过600万千瓦"][:3] == (6000000, "kW", "more")


def test_qualifiers_and_bounds():
    f = found("参会者近2万人，不足50家企业，经济增长5.2%左右，登记1500个以上。")
    assert f["近2万人"][2:5] == ("about", None, 20000)       # 近: about, and at most
    assert f["不足50家"][2:5] == ("less", None, 50)
    assert f["5.2%左右"][:3] == (5.2, "%", "about") and f["5.2%左右"][5] == "percent"
    assert f["1500个以上"][2:5] == ("more", 1500, None)     # 以上: open above
    assert found("达20余万人次")["20余万人次"][3:5] == (200000, 300000)
    assert found("吸引二十余万人")["二十余万人"][:5] == (200000, "人", "more", 200000, 300000)
    assert found("投资三千多万元")["三千多万元"][:2] == (30000000, "元")


def test_percentage_points_ranges_fractions_ordinals():
    f = found("失业率下降0.3个百分点，利率3–5%，约三分之一的企业，第十四条规定，排名第3位。")
    assert f["0.3个百分点"][:2] == (0.3, "个百分点") and f["0.3个百分点"][5] == "percent"
    assert f["3–5%"][3:] == (3, 5, "range") and f["3–5%"][1] == "%"
    assert f["约三分之一"][0] == pytest.approx(1 / 3) and f["约三分之一"][5] == "fraction"
    assert "第十四条" not in f                      # a section number (GUIDELINES), not a figure
    assert f["第3位"][::5] == (3, "ordinal") and f["第3位"][1] is None   # 位 = place, not a unit


def test_section_numbers_and_ranks():
    f = found("第二章总则 第八条依据本办法第十二条执行。出口额居全国前3名，排名第2位，占比超过三成")
    assert not any(k.startswith(("第二章", "第八条", "第十二条")) for k in f)
    assert f["前3名"][:5] == (3, None, "less", None, 3) and f["前3名"][5] == "ordinal"
    assert f["第2位"][:2] == (2, None)


def test_vague_tens_are_more_than_ten_and_thresholds_count():
    f = found("发表了数十篇论文，覆盖十几个城市，实施亿元以上项目56个，已发射38颗卫星")
    assert f["数十篇"][:6] == (10, "篇", "more", 10, 100, "count")
    assert f["十几个"][:3] == (10, "个", "more")
    assert f["亿元以上"][:3] == (1e8, "元", "more")
    assert f["38颗"][:2] == (38, "颗")


def test_bare_figures_in_a_table_block_are_cells():
    d = doc_of(("body", "各部门人员见表2。"), ("table", "部门 人数 职责\n财务部 3 负责核算\n审计部 2 负责审计"),
               ("body", "其中编号 7 的部门负责培训。"))
    assert [(r.text, r.value, r.kind) for r in rows_for(d)] == [("3", 3, "count"), ("2", 2, "count")]


def test_range_borrows_magnitude_only_when_it_fits():
    f = found("投资两到三万港元，另有8500到3万元不等。")
    assert f["两到三万港元"][3:] == (20000, 30000, "range")
    assert f["8500到3万元"][3:] == (8500, 30000, "range")


def test_shared_unit_along_a_list():
    f = found("预计归母净利润4.7、7.2、9.3亿元，对应PE 30、20、15倍")
    assert f["4.7"][:2] == (470000000, "元")
    assert f["7.2"][:2] == (720000000, "元")
    assert f["30"][:2] == (30, "倍")


def test_english_quantities():
    f = found("Over 300 people attended, about 1.7 million visits were logged and 25% of US$3.5 billion was spent.")
    assert f["Over 300 people"][:4] == (300, "people", "more", 300)
    assert f["about 1.7 million visits"][:3] == (1700000, "visits", "about")
    assert f["25%"][:2] == (25, "%")
    assert f["US$3.5 billion"][:2] == (3500000000, "美元")


def test_english_labels_and_units():
    f = found("Table 3 shows that 1,234.5 tonnes went to 12 countries (see Figure 2 and Section 4.1).")
    assert set(f) == {"1,234.5 tonnes", "12 countries"}
    assert found("Refer to 1.4 and see Section 4.1.5 and 5.11; 参考第1.2至1.6节") == {}
    assert f["1,234.5 tonnes"][:2] == (1234.5, "t") and f["1,234.5 tonnes"][5] == "measure"
    assert found("省委十二届六次全会")["六次"][5] == "ordinal"
    g = found("筹办好第四届博览会，建湖二期项目，惠及14.6万户次")
    assert set(g) == {"第四届", "14.6万户次"} and g["第四届"][1] == "届"


def test_noise_is_not_quantities():
    text = ("1. 引言\n（1）据报道[2-4]，COVID-19与2019-nCoV在2019新型冠状病毒信息库中收录，详见"
            "https://example.org/a/2020/0509/c1003-31701887.html，联系 13912345678 或 li@x.cn，"
            "doi 10.1000/xyz123，截至2020年12月30日，一、总体情况；这两个平台合作，是一所研究机构。")
    assert found(text) == {}


def test_axis_scales_are_not_figures_but_table_rows_are():
    f = found("市场表现 100% 120% 140% 160%\n-60% -40% -20% 同比 4.5% 110.0% 135.1% 37.2%")
    assert set(f) == {"4.5%", "110.0%", "135.1%", "37.2%"}


def test_footnote_markers_glued_to_figures_are_dropped():
    f = found("收录论文1100多篇1，总阅读数达到365.3万次4。")
    assert set(f) == {"1100多篇", "365.3万次"}


def test_slogans_and_section_numbers():
    assert found("坚决做到“两个维护”，落实“八条硬措施”，见7.2.1操作者") == {}
    assert found("保持10 s后断开") == {}


def test_lexicalized_and_article_numerals():
    assert found("第一时间通报，千万不要大意，万一出现，一道努力，三元布局，汽车零部件，见表2-3") == {}


def test_row_label_unit_runs_along_the_row():
    f = found("绝对涨幅(%)\n7.18 32.88 80.86相对涨幅(%)\n8.10 25.93")
    assert [(v[0], v[1]) for v in f.values()] == [(7.18, "%"), (32.88, "%"), (80.86, "%"), (8.1, "%"), (25.93, "%")]


def test_kuai_is_money_only_with_jiao_or_qian():
    f = found("征收8块土地，花了十块三毛")
    assert f["8块"][1:] == ("块", None, None, None, "count")
    assert f["十块三毛"][:2] == (pytest.approx(10.3), "元") and f["十块三毛"][5] == "money"


def test_stock_codes_are_code_kind():
    f = found("高测股份（688556.SH）与公司（600519）公告")
    assert [v[5] for v in f.values()] == ["code", "code"]
    assert f["688556.SH"][0] == 688556 and f["600519"][0] == 600519


def test_exchange_suffix_is_part_of_the_code():
    f = found("贵州茅台(600519.SS)收涨，腾讯控股0700.HK跌2%")
    assert f["600519.SS"][::5] == (600519, "code")
    assert f["0700.HK"][::5] == (700, "code")
    assert f["2%"][1] == "%"


@pytest.mark.parametrize("text,span,value,unit", [
    ("电芯容量为280Ah，标称电压3.2V", "280Ah", 280, "Ah"),
    ("电芯容量为280Ah，标称电压3.2V", "3.2V", 3.2, "V"),
    ("以0.5 C恒流充电至截止电压", "0.5 C", 0.5, "C"),
    ("放电电流为120 A，持续", "120 A", 120, "A"),
    ("交流内阻不大于0.3mΩ", "不大于0.3mΩ", 0.3, "mΩ"),
    ("The cell is charged at 1/2C and 100A.", "1/2C", 0.5, "C"),
    ("储能系统容量5MWh，工作频率50Hz", "50Hz", 50, "Hz"),
])
def test_electrical_units_glued_or_spaced(text, span, value, unit):
    f = found(text)
    assert f[span][0] == pytest.approx(value) and f[span][1] == unit and f[span][5] == "measure"


def test_magnitude_scale_only_after_a_decimal():
    f = found("某县发生5.2级地震，启动二级响应，全市有3级医院2家")
    assert f["5.2级"][:2] == (5.2, "级") and f["5.2级"][5] == "measure"
    assert "二级" not in f and "3级" not in f and f["2家"][:2] == (2, "家")


def test_letters_after_digits_that_are_not_units_stay_out():
    f = found("该景区为5A级景区，公司A股上市，3C产品销量增长20%，COVID-19，新型战机歼-20A亮相")
    assert list(f) == ["20%"]
    g = found("能量密度≥176 Wh/Kg，同比-3.8%")
    assert g["-3.8%"][0] == -3.8 and g["176 Wh/Kg"][:2] == (176, "Wh/kg")


def test_bound_after_a_coordinated_list_applies_to_each():
    f = found("两项指标分别控制在4%和2.5%以内，突破300亿元")
    assert f["4%"][2] == "less" and f["2.5%以内"][2] == "less"
    assert f["突破300亿元"][:3] == (3e10, "元", "more")


def test_lone_tick_on_the_axis_grid_is_dropped():
    f = found("走势\n-30% -15%\n15% 30% 45% 60%\n0%\n2021-01 2021-05\n净利润率为12%")
    assert list(f) == ["12%"]


def test_figures_in_a_cited_title_are_part_of_the_name():
    d = doc_of(("body", "相关研究\n1.《某某股份（300750.SZ）：签订5GW电池合同，看好23年业绩》，2023.4.1\n"
                        "某某股份（300750.SZ）签订合同，金额12亿元。"))
    rows = [(r.text, r.kind) for r in rows_for(d)]
    assert rows == [("300750.SZ", "code"), ("12亿元", "money")]


def test_negative_and_signed():
    f = found("气温零下四摄氏度，股价跌幅为-3.8%，同比+24.4%")
    assert f["零下四摄氏度"][:2] == (-4, "℃")
    assert f["-3.8%"][0] == -3.8
    assert f["+24.4%"][0] == 24.4


def test_label_unit_and_money_compounds():
    f = found("当前价格(元)：82.42，总股本(百万股)：227.92，花费123元1角1分")
    assert f["82.42"][:2] == (82.42, "元")
    assert f["227.92"][:2] == (227920000, "股")
    assert f["123元1角1分"][0] == pytest.approx(123.11)


def test_normalise_expression():
    q = normalise("约4.287亿美元")
    assert (q.value, q.unit, q.approx) == (428700000, "美元", "about")
    assert normalise("零点零大") is None


def test_stage_rows_use_sentences_dates_entities_and_pages():
    d = doc_of(("body", "2021年收入增长5%，COVID-19平台访问量达120万次。"), ("body", "共有38家单位。"),
               ("footnote", "3 数据来源：官网，访问日期：2020-12-30."))
    text = d.text
    s2 = text.index("共有")
    d.tables["sentences"] = [{"sent_id": 0, "start": 0, "end": s2 - 1}, {"sent_id": 1, "start": s2, "end": len(text)}]
    d.tables["dates"] = [{"start": 0, "end": 5}]
    plat = text.index("COVID")
    d.tables["entities"] = [{"start": plat, "end": plat + 10, "label": "PRODUCT"}]
    rows = rows_for(d)
    assert [(r.text, r.sent_id, r.page) for r in rows] == [("5%", 0, 1), ("120万次", 0, 1), ("38家", 1, 2)]
    assert rows[1].value == 1200000 and rows[1].unit == "次"


def test_seed_body_quantities(seed_path):
    """The seed's figures come out with their qualifiers; no marker, citation or list number does."""
    from pipeline import ingest
    doc = ingest.load(seed_path)
    rows = {r.text.replace("\n", ""): r for r in rows_for(doc)}
    assert (rows["近13万人次"].value, rows["近13万人次"].approx, rows["近13万人次"].upper) == (130000, "about", 130000)
    assert (rows["14万余篇"].value, rows["14万余篇"].unit, rows["14万余篇"].approx) == (140000, "篇", "more")
    assert rows["五个"].value == 5
    assert rows["1100多篇"].lower == 1100
    assert all(r.kind != "count" or r.unit or r.value >= 10000 for r in rows.values())  # no bare marker digits
    assert not [t for t in rows if t.startswith(("1.", "（", "[")) or "COVID" in t or t in ("2019", "1", "2", "3")]


def test_figures_inside_a_titled_work_entity_belong_to_the_name():
    text = "双方签署某县年产500万千米线材项目投资协议书，总投资12亿元。"
    a = text.index("某县")
    ents = [{"start": a, "end": text.index("，"), "label": "LAW", "text": text[a:text.index("，")]}]
    d = doc_of(("body", text), tables={"entities": ents})
    assert [r.text for r in rows_for(d)] == ["12亿元"]
