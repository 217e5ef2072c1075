"""Gold files: offsets checked against the text, authoring by span text, importers, `pipeline eval`."""
from __future__ import annotations

import csv
import json
import re

import pytest

from pipeline.cli import main as cli
from pipeline.evaluate.anchor import anchor_draft, anchor_items
from pipeline.evaluate.gold import DocText, GoldError, load_gold, parse_gold, texts_from_pred
from pipeline.evaluate.importers import ImportProblem, import_export
from test_eval_scoring import (BLOCKS, DOC_ID, SOURCE_SHA, TEXT, at, gold_doc, perfect_pred, write_pred,
                               write_run)


def _gold_dir(tmp_path, gold):
    d = tmp_path / "gold"
    d.mkdir(exist_ok=True)
    (d / "case.json").write_text(json.dumps(gold, ensure_ascii=False), "utf-8")
    return d


def test_text_rebuilt_from_blocks(tmp_path):
    write_run(tmp_path / "run")
    texts = texts_from_pred(tmp_path / "run")
    assert texts[DOC_ID].text == TEXT
    assert texts[DOC_ID].page_ranges([2]) == [(len(BLOCKS[0]) + len(BLOCKS[1]) + 2, len(TEXT))]


def test_gold_whose_text_changed_names_the_span(tmp_path):
    run = tmp_path / "run"
    write_run(run, ["（" + BLOCKS[0]] + BLOCKS[1:])  # ingest now keeps one more character up front
    gs = load_gold(_gold_dir(tmp_path, gold_doc()), texts_from_pred(run))
    assert not gs.docs and len(gs.errors) == 1
    msg = gs.errors[0]
    s, e = at("中国科学院")
    assert f"entities[0] '中国科学院' at {s}-{e}" in msg
    assert "nearest shift +1" in msg


def test_eval_cli_fails_on_a_stale_gold_file(tmp_path, capsys):
    run = tmp_path / "run"
    write_run(run, [BLOCKS[0].replace("中国科学院", "中科院")] + BLOCKS[1:])
    code = cli(["eval", "--gold", str(_gold_dir(tmp_path, gold_doc())), "--pred", str(run)])
    err = capsys.readouterr().err
    assert code != 0 and "'中国科学院'" in err and "Traceback" not in err


def test_unchanged_spans_but_new_text_is_a_warning(tmp_path):
    run = tmp_path / "run"
    write_run(run, BLOCKS + ["新增的一段。"])
    gs = load_gold(_gold_dir(tmp_path, gold_doc()), texts_from_pred(run))
    assert gs.docs and not gs.errors and "text_sha256 differs" in gs.warnings[0]


def test_structure_errors_are_listed(tmp_path):
    g = gold_doc()
    del g["entities"][0]["label"]
    g["numbers"][0]["value"] = "1132万"
    with pytest.raises(GoldError) as exc:
        parse_gold(g, "x.json")
    assert "entities[0] '中国科学院': missing 'label'" in str(exc.value)
    assert "'value' must be a number" in str(exc.value)


def test_eval_cli_writes_json_errors_and_page(tmp_path, capsys):
    run = tmp_path / "run"
    write_run(run)
    pred = perfect_pred(gold_doc())
    pred["dates"].pop()  # a row dropped: one FN
    write_pred(run, pred)
    out = tmp_path / "out"
    code = cli(["eval", "--gold", str(_gold_dir(tmp_path, gold_doc())), "--pred", str(run), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0 and "dates     strict" in printed
    data = json.loads((out / "eval.json").read_text("utf-8"))
    for table in ("entities", "dates", "numbers"):
        for view in ("strict", "exact", "partial", "type"):
            assert {"precision", "recall", "f1"} <= set(data[table][view])
        if table != "entities":
            assert data[table]["value_accuracy"] == 1.0
    assert data["dates"]["strict"]["recall"] == 0.5 and data["facts"]["strict"]["f1"] == 1.0
    rows = list(csv.DictReader((out / "errors.csv").open(encoding="utf-8")))
    assert [(r["table"], r["kind"], r["gold_text"]) for r in rows] == [("dates", "FN", "March 2021")]
    ds, de = at("March 2021")
    assert rows[0]["context"] == (TEXT[ds - 15:ds] + "[March 2021]" + TEXT[de:de + 15]).replace("\n", " ")
    assert rows[0]["context"].startswith("访问量达172.2万。 In [March")
    assert (out / "index.html").stat().st_size > 1000
    code = cli(["eval", "--gold", str(tmp_path / "gold"), "--pred", str(run), "--out", str(out), "--min-f1", "0.9"])
    assert code == 1 and "dates" in capsys.readouterr().err


# -- authoring --------------------------------------------------------------------------------
def test_anchor_in_reading_order_with_occurrence_after_and_all():
    items = [{"text": "5.2%", "value": 5.2},                       # first occurrence
             {"text": "5.2%", "value": 5.2, "unit": "%"},          # the next one, by reading order
             {"text": "万", "occurrence": 2, "value": 0},
             {"text": "万", "after": "1132", "value": 0}]
    out, problems, _ = anchor_items("numbers", items, TEXT, None)
    assert not problems
    starts = sorted(r["start"] for r in out)
    assert starts == sorted([at("5.2%")[0], at("5.2%", 2)[0], at("172.2万")[1] - 1, at("1132万")[1] - 1])
    out, problems, notes = anchor_items("numbers", [{"text": "万", "all": True, "value": 0}], TEXT, None)
    assert len(out) == 2 and "2 occurrence" in notes[0]


def test_anchor_out_of_order_and_missing_are_problems():
    items = [{"text": "北京市", "label": "GPE"}, {"text": "中国科学院", "label": "ORG"}, {"text": "上海", "label": "GPE"}]
    _, problems, _ = anchor_items("entities", items, TEXT, None)
    assert any("'中国科学院': no occurrence after the previous item" in p for p in problems)
    assert any("'上海': not found" in p for p in problems)


def test_anchor_draft_fills_hashes_scope_and_repairs_moved_spans():
    doc = DocText(DOC_ID, "case.txt", TEXT, [(0, len(BLOCKS[0]), 1, "body"),
                                              (len(BLOCKS[0]) + 1, len(BLOCKS[0]) + 1 + len(BLOCKS[1]), 1, "body"),
                                              (len(TEXT) - len(BLOCKS[2]), len(TEXT), 2, "body")])
    draft = {"source": "case.txt", "scope": {"pages": "2"}, "entities": [{"text": "北京市", "label": "GPE"}],
             "dates": []}
    gold, problems, _ = anchor_draft(draft, doc, SOURCE_SHA)
    assert not problems and gold["scope"] == [[len(TEXT) - len(BLOCKS[2]), len(TEXT)]]
    assert gold["entities"] == [{"start": at("北京市")[0], "end": at("北京市")[1], "text": "北京市", "label": "GPE"}]
    parse_gold(gold)  # a valid gold file
    draft = {"source": "case.txt", "entities": [{"start": 3, "end": 8, "text": "中国科学院", "label": "ORG"}]}
    _, problems, _ = anchor_draft(draft, doc, SOURCE_SHA)
    assert problems and "use --repair" in problems[0]
    gold, problems, notes = anchor_draft(draft, doc, SOURCE_SHA, repair=True)
    assert not problems and gold["entities"][0]["start"] == at("中国科学院")[0] and "moved 3" in notes[0]


def test_gold_anchor_and_check_commands(tmp_path, capsys):
    src = tmp_path / "case.txt"
    src.write_text(TEXT + "\n", "utf-8")
    draft = {"source": str(src), "entities": [{"text": "中国科学院", "label": "ORG"}],
             "dates": [{"text": "March 2021", "value": "2021-03"}]}
    (tmp_path / "draft.json").write_text(json.dumps(draft, ensure_ascii=False), "utf-8")
    out = tmp_path / "gold" / "case.json"
    assert cli(["gold", "anchor", str(tmp_path / "draft.json"), "-o", str(out)]) == 0
    gold = json.loads(out.read_text("utf-8"))
    assert len(gold["source"]["sha256"]) == 64 and gold["entities"][0]["text"] == "中国科学院"
    assert cli(["gold", "check", str(out), "--sources", str(tmp_path)]) == 0
    src.write_text("前言。\n" + TEXT + "\n", "utf-8")  # the source changed under the gold file
    capsys.readouterr()
    assert cli(["gold", "check", str(out), "--sources", str(tmp_path)]) == 1
    assert "'中国科学院'" in capsys.readouterr().out


# -- importers --------------------------------------------------------------------------------
def _ls_region(rid, s, e, text, label):
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": s, "end": e, "text": text, "labels": [label]}}


def test_import_label_studio_piece_with_values():
    piece = BLOCKS[1]  # the annotator worked on one paragraph
    s1 = piece.index("March 2021")
    s2 = piece.index("5.2%")
    s3 = piece.index("World Health Organization")
    export = [{"id": 7, "data": {"text": piece}, "annotations": [{"result": [
        _ls_region("a", s1, s1 + 10, "March 2021", "DATE"),
        {"id": "a", "from_name": "norm", "to_name": "text", "type": "textarea", "value": {"text": ["2021-03"]}},
        _ls_region("b", s2, s2 + 4, "5.2%", "PERCENT"),
        {"id": "b", "from_name": "norm", "to_name": "text", "type": "textarea",
         "value": {"text": ["value=5.2; unit=%; approx=true"]}},
        _ls_region("c", s3, s3 + 25, "World Health Organization", "ORG")]}]}]
    import tempfile, pathlib
    with tempfile.TemporaryDirectory() as d:
        p = pathlib.Path(d) / "ls.json"
        p.write_text(json.dumps(export), "utf-8")
        gold = import_export(p, "labelstudio", TEXT, "case.txt", SOURCE_SHA)
    g = parse_gold(gold)
    assert g.items["dates"][0]["start"] == at("March 2021")[0] and g.items["dates"][0]["value"] == "2021-03"
    assert g.items["numbers"][0]["value"] == 5.2 and g.items["numbers"][0]["approx"] is True
    assert g.items["entities"][0]["label"] == "ORG" and gold["scope"] == [list(at(piece))]


def test_import_doccano_jsonl_and_a_foreign_text(tmp_path):
    lines = [{"id": 1, "text": BLOCKS[0], "label": [[BLOCKS[0].index("中国科学院"), BLOCKS[0].index("中国科学院") + 5, "ORG"]]},
             {"id": 2, "text": BLOCKS[2], "label": [[0, 3, "GPE"], [11, 15, "PERCENT"]]}]
    p = tmp_path / "d.jsonl"
    p.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), "utf-8")
    gold = import_export(p, "doccano", TEXT, "case.txt", SOURCE_SHA)
    assert [(r["text"], r["label"]) for r in gold["entities"]] == [("中国科学院", "ORG"), ("北京市", "GPE")]
    assert gold["numbers"][0]["text"] == "5.2%" and gold["numbers"][0]["start"] == at("5.2%", 2)[0]
    with pytest.raises(GoldError, match="missing 'value'"):  # doccano has no values: the curator adds them
        parse_gold(gold)
    p.write_text(json.dumps({"id": 3, "text": "别的文档", "label": []}, ensure_ascii=False), "utf-8")
    with pytest.raises(ImportProblem, match="task 3"):
        import_export(p, "doccano", TEXT, "case.txt", SOURCE_SHA)


def test_compare_two_passes(tmp_path, capsys):
    write_run(tmp_path / "run")
    first = gold_doc()
    second = json.loads(json.dumps(first))
    second["entities"][2]["label"] = "LOC"        # the passes disagree on Geneva
    second["dates"].pop()                          # and the second missed a date
    for name, g in (("p1", first), ("p2", second)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "case.json").write_text(json.dumps(g, ensure_ascii=False), "utf-8")
    code = cli(["gold", "compare", str(tmp_path / "p1"), str(tmp_path / "p2"), "--pred", str(tmp_path / "run"),
                "--out", str(tmp_path / "cmp")])
    out = capsys.readouterr().out
    assert code == 0 and "2 differences" in out
    rows = list(csv.DictReader((tmp_path / "cmp" / "errors.csv").open(encoding="utf-8")))
    assert sorted((r["kind"], r["gold_text"]) for r in rows) == [("FN", "March 2021"), ("wrong label", "Geneva")]


def test_damaged_or_odd_prediction_tables_are_notes_not_tracebacks(tmp_path, capsys):
    run = tmp_path / "run"
    write_run(run)
    write_pred(run, perfect_pred(gold_doc()))
    (run / "entities.parquet").write_bytes(b"not parquet")      # parquet unreadable, csv fine: csv is used
    (run / "dates.csv").write_text("doc_id,foo\nx,1\n", "utf-8")  # no offsets
    (run / "numbers.parquet").write_bytes(b"garbage")
    (run / "numbers.csv").write_bytes(b"\x00\x01garbage")
    code = cli(["eval", "--gold", str(_gold_dir(tmp_path, gold_doc())), "--pred", str(run), "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert code == 0
    assert "dates: the table lacks end, start" in out
    assert re.search(r"note: numbers: (cannot read|the table lacks).*scored as empty predictions", out)
    data = json.loads((tmp_path / "o" / "eval.json").read_text("utf-8"))
    assert data["entities"]["strict"]["f1"] == 1.0 and data["dates"]["strict"]["recall"] == 0.0


def test_unreadable_parquet_is_named(tmp_path):
    from pipeline.evaluate.evaluation import evaluate
    run = tmp_path / "run"
    write_run(run)
    (run / "entities.parquet").write_bytes(b"not parquet")
    ev = evaluate(_gold_dir(tmp_path, gold_doc()), run)
    assert any(n.startswith("entities: cannot read") and "entities.parquet" in n for n in ev.notes)


def test_gold_show_prints_offsets_pages_and_occurrences(tmp_path, capsys):
    write_run(tmp_path / "run")
    assert cli(["gold", "show", "case.txt", "--pred", str(tmp_path / "run"), "--pages", "2"]) == 0
    out = capsys.readouterr().out
    s, e = at("北京市")
    assert f"[{s:>6}-" in out and "北京市地区生产总值" in out and "中国科学院" not in out
    assert cli(["gold", "show", DOC_ID, "--pred", str(tmp_path / "run"), "--find", "5.2%"]) == 0
    out = capsys.readouterr().out
    assert "'5.2%': 2 occurrence(s)" in out and f"#2 {at('5.2%', 2)[0]}-{at('5.2%', 2)[1]} p2" in out


def test_unknown_entity_label_is_a_warning(tmp_path):
    write_run(tmp_path / "run")
    g = gold_doc()
    g["entities"][0]["label"] = "ORGG"
    gs = load_gold(_gold_dir(tmp_path, g), texts_from_pred(tmp_path / "run"))
    assert gs.docs and any("ORGG" in w for w in gs.warnings)


def test_tasks_round_trip_through_label_studio(tmp_path, capsys):
    """Tasks per page go out, the annotator labels one span on page 2, the import lands it at the right offset."""
    write_run(tmp_path / "run")
    tasks = tmp_path / "tasks.json"
    assert cli(["gold", "tasks", "case.txt", "--pred", str(tmp_path / "run"), "--format", "labelstudio",
                "--pages", "1-2", "-o", str(tasks)]) == 0
    data = json.loads(tasks.read_text("utf-8"))
    assert len(data) == 2 and data[1]["data"]["text"] == BLOCKS[2]
    assert '<Label value="ORG"/>' in (tmp_path / "tasks.config.xml").read_text("utf-8")
    k = BLOCKS[2].index("国家卫生健康委员会")
    data[1]["annotations"] = [{"result": [_ls_region("r", k, k + 9, "国家卫生健康委员会", "ORG")]}]
    tasks.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    out = tmp_path / "g.json"
    src = tmp_path / "case.txt"
    src.write_text("x", "utf-8")  # the source's bytes give the sha256; the text comes from the run
    assert cli(["gold", "import", str(tasks), "--format", "labelstudio", "--pred", str(tmp_path / "run"),
                "--source", str(src), "-o", str(out)]) == 0
    gold = json.loads(out.read_text("utf-8"))
    assert gold["entities"] == [{"start": at("国家卫生健康委员会")[0], "end": at("国家卫生健康委员会")[1],
                                 "text": "国家卫生健康委员会", "label": "ORG"}]


def test_two_gold_files_for_one_document_are_refused(tmp_path):
    write_run(tmp_path / "run")
    d = _gold_dir(tmp_path, gold_doc())
    (d / "copy.json").write_text(json.dumps(gold_doc(), ensure_ascii=False), "utf-8")
    gs = load_gold(d, texts_from_pred(tmp_path / "run"))
    assert len(gs.docs) == 1 and "same document" in gs.errors[0]


def test_anchor_accepts_a_fact_about_several_subjects():
    """这两个平台 → a fact whose subject is a list must anchor like any other."""
    items = [{"text": "1132万", "subject": ["甲系统", "乙系统"], "metric": "总访问量", "value": 11320000}]
    out, problems, _ = anchor_items("facts", items, TEXT, None)
    assert not problems and out[0]["subject"] == ["甲系统", "乙系统"]
    twice, problems, _ = anchor_items("facts", items + [dict(items[0], occurrence=1)], TEXT, None)
    assert any("listed twice" in p for p in problems)


def test_gold_for_a_document_not_in_the_run_is_skipped_not_fatal(tmp_path, capsys):
    run = tmp_path / "run"
    write_run(run)
    write_pred(run, perfect_pred(gold_doc()))
    gold_dir = _gold_dir(tmp_path, gold_doc())
    other = gold_doc()
    other["source"] = {"name": "another_report.pdf", "sha256": "f" * 64}
    (gold_dir / "other.json").write_text(json.dumps(other, ensure_ascii=False), "utf-8")
    code = cli(["eval", "--gold", str(gold_dir), "--pred", str(run), "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0 and "1 gold document(s)" in out and "skipped" in out and "another_report.pdf" in out
