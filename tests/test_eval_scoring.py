"""The scorer: a perfect prediction scores 1.0, each kind of damage lowers exactly what it should.

The case is a small bilingual document written as a run directory (documents + blocks),
a gold file for it, and predictions copied from the gold and then damaged one way at a time.
"""
from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from pipeline.evaluate.evaluation import evaluate
from pipeline.evaluate.gold import sha256_text
from pipeline.evaluate.scoring import Span, score_docs

BLOCKS = [
    "截至2020年11月底，中国科学院的系统总访问量达到1132万，境外访问量达172.2万。",
    "In March 2021, the World Health Organization reported about 5.2% growth in Geneva.",
    "北京市地区生产总值增长5.2%左右，国家卫生健康委员会发布通知。",
]
TEXT = "\n".join(BLOCKS)
SOURCE_SHA = "ab" * 32
DOC_ID = SOURCE_SHA[:16]


def at(text: str, occurrence: int = 1) -> tuple[int, int]:
    i = -1
    for _ in range(occurrence):
        i = TEXT.index(text, i + 1)
    return i, i + len(text)


def span(text: str, occurrence: int = 1, **kw) -> dict:
    s, e = at(text, occurrence)
    return {"start": s, "end": e, "text": text, **kw}


def gold_doc() -> dict:
    return {
        "format": "pipeline-gold/1",
        "source": {"name": "case.txt", "sha256": SOURCE_SHA},
        "text_sha256": sha256_text(TEXT),
        "entities": [span("中国科学院", label="ORG", canonical="CAS"),
                     span("World Health Organization", label="ORG", canonical="WHO"),
                     span("Geneva", label="GPE"),
                     span("北京市", label="GPE"),
                     span("国家卫生健康委员会", label="ORG")],
        "dates": [span("2020年11月底", value="2020-11", mod="END"),
                  span("March 2021", value="2021-03", mod="")],
        "numbers": [span("1132万", value=11320000, unit="", approx=False),
                    span("172.2万", value=1722000, unit="", approx=False),
                    span("5.2%", 1, value=5.2, unit="%", approx=True),
                    span("5.2%左右", value=5.2, unit="%", approx=True)],
        "facts": [span("系统总访问量达到1132万", subject="中国科学院", metric="系统总访问量", value=11320000,
                       unit="", change="level", date_value="2020-11"),
                  span("境外访问量达172.2万", subject="中国科学院", metric="境外访问量", value=1722000,
                       unit="", change="level", date_value="2020-11"),
                  span("地区生产总值增长5.2%左右", subject="北京市", metric="地区生产总值", value=5.2, unit="%",
                       approx=True, change="increase", date_value="")],
    }


def write_run(d: Path, text_blocks: list[str] = BLOCKS, source: str = "case.txt") -> None:
    d.mkdir(parents=True, exist_ok=True)
    rows, pos = [], 0
    for i, b in enumerate(text_blocks):
        rows.append({"doc_id": DOC_ID, "page": 1 + i // 2, "block_id": i, "role": "body", "lang": "zh",
                     "text": b, "start": pos, "end": pos + len(b)})
        pos += len(b) + 1
    rows.append({"doc_id": DOC_ID, "page": 1, "block_id": len(rows), "role": "header", "lang": "zh",
                 "text": "running header", "start": -1, "end": -1})
    pd.DataFrame(rows).to_csv(d / "blocks.csv", index=False)
    pd.DataFrame([{"doc_id": DOC_ID, "source": source, "pages": 2, "chars": pos - 1, "status": "ok",
                   "message": ""}]).to_csv(d / "documents.csv", index=False)


def perfect_pred(gold: dict) -> dict[str, list[dict]]:
    """Predictions in the run's own table shapes, copied from gold."""
    out = {"entities": [], "dates": [], "numbers": [], "facts": []}
    for r in gold["entities"]:
        out["entities"].append({"doc_id": DOC_ID, "start": r["start"], "end": r["end"], "text": r["text"],
                                "label": r["label"], "canonical": r.get("canonical", "")})
    for r in gold["dates"]:
        out["dates"].append({"doc_id": DOC_ID, "start": r["start"], "end": r["end"], "text": r["text"],
                             "value": r["value"], "type": "DATE", "mod": r["mod"]})
    for r in gold["numbers"]:
        out["numbers"].append({"doc_id": DOC_ID, "start": r["start"], "end": r["end"], "text": r["text"],
                               "value": r["value"], "unit": r["unit"], "approx": r["approx"], "kind": "count"})
    for n, r in enumerate(gold["facts"]):
        out["facts"].append({"doc_id": DOC_ID, "fact_id": n, "subject": r["subject"], "metric": r["metric"],
                             "value": r["value"], "unit": r["unit"], "approx": r.get("approx", False),
                             "change": r["change"], "date_value": r["date_value"], "evidence": r["text"]})
    return out


def write_pred(d: Path, pred: dict[str, list[dict]]) -> None:
    for name, rows in pred.items():
        if rows is None:
            continue
        pd.DataFrame(rows).to_csv(d / f"{name}.csv", index=False)


def run_case(tmp_path: Path, damage=None, gold: dict | None = None) -> dict:
    gold = gold or gold_doc()
    run = tmp_path / "run"
    write_run(run)
    pred = perfect_pred(gold)
    if damage:
        damage(pred)
    write_pred(run, pred)
    gdir = tmp_path / "gold"
    gdir.mkdir(exist_ok=True)
    (gdir / "case.json").write_text(json.dumps(gold, ensure_ascii=False), "utf-8")
    ev = evaluate(gdir, run)
    assert not ev.gold_errors, ev.gold_errors
    return ev.scores


def flat(scores: dict) -> dict[tuple, float]:
    """Every micro figure the tests watch: (table, view, measure) -> value."""
    out = {}
    for table, block in scores.items():
        for view, b in block.items():
            if isinstance(b, dict) and "f1" in b:
                for m in ("precision", "recall", "f1"):
                    out[(table, view, m)] = b[m]
        for key in ("value_accuracy", "value_accuracy_overlap"):
            if key in block:
                out[(table, key, "")] = block[key]
        for key in ("field_accuracy", "field_accuracy_overlap"):
            for f, v in block.get(key, {}).items():
                if f != "matched":
                    out[(table, key, f)] = v
    return out


def changed(base: dict, damaged: dict) -> dict[tuple, tuple]:
    a, b = flat(base), flat(damaged)
    assert a.keys() == b.keys()
    return {k: (a[k], b[k]) for k in a if a[k] != b[k]}


@pytest.fixture
def base(tmp_path):
    return run_case(tmp_path / "base")


def test_perfect_prediction_scores_one(base):
    values = flat(base)
    assert set(base) == {"entities", "dates", "numbers", "facts"}
    assert values and all(v == 1.0 for v in values.values()), {k: v for k, v in values.items() if v != 1.0}


def _find(pred, table, text):
    return next(r for r in pred[table] if r.get("text", r.get("evidence")) == text)


def test_shifted_span_lowers_strict_exact_and_half_of_partial(tmp_path, base):
    def damage(p):
        r = _find(p, "entities", "中国科学院")
        r["end"] += 1
    diff = changed(base, run_case(tmp_path, damage))
    views = {(t, v) for t, v, _ in diff}
    assert views == {("entities", "strict"), ("entities", "exact"), ("entities", "partial")}
    assert diff[("entities", "strict", "precision")][1] == diff[("entities", "strict", "recall")][1] == 0.8
    assert diff[("entities", "exact", "recall")][1] == 0.8
    assert diff[("entities", "partial", "recall")][1] == 0.9  # (4 + 0.5) / 5
    assert diff[("entities", "partial", "precision")][1] == 0.9


def test_changed_label_lowers_strict_and_type_only(tmp_path, base):
    def damage(p):
        _find(p, "entities", "World Health Organization")["label"] = "GPE"
    scores = run_case(tmp_path, damage)
    diff = changed(base, scores)
    assert {(t, v) for t, v, _ in diff} == {("entities", "strict"), ("entities", "type")}
    assert diff[("entities", "strict", "f1")][1] == 0.8 and diff[("entities", "type", "f1")][1] == 0.8
    # the damaged span is English: only the en figures move, and the labels involved
    assert scores["entities"]["strict"]["per_language"]["zh"]["f1"] == 1.0
    assert scores["entities"]["strict"]["per_language"]["en"]["f1"] < 1.0
    per_label = scores["entities"]["strict"]["per_label"]
    assert per_label["ORG"]["recall"] == pytest.approx(2 / 3, abs=1e-4) and per_label["ORG"]["precision"] == 1.0
    assert per_label["GPE"]["precision"] == pytest.approx(2 / 3, abs=1e-4) and per_label["GPE"]["recall"] == 1.0


def test_value_off_lowers_value_accuracy_only(tmp_path, base):
    def damage(p):
        _find(p, "numbers", "1132万")["value"] = 1132
    diff = changed(base, run_case(tmp_path, damage))
    assert set(diff) == {("numbers", "value_accuracy", ""), ("numbers", "value_accuracy_overlap", ""),
                         ("numbers", "field_accuracy", "value"), ("numbers", "field_accuracy", "all"),
                         ("numbers", "field_accuracy_overlap", "value"), ("numbers", "field_accuracy_overlap", "all")}
    assert diff[("numbers", "value_accuracy", "")][1] == 0.75


def test_wrong_unit_and_mod_are_separate_fields(tmp_path, base):
    def damage(p):
        _find(p, "numbers", "5.2%")["approx"] = False
        _find(p, "dates", "2020年11月底")["mod"] = ""
    diff = changed(base, run_case(tmp_path, damage))
    assert ("numbers", "field_accuracy", "approx") in diff and ("numbers", "field_accuracy", "value") not in diff
    assert ("dates", "field_accuracy", "mod") in diff and ("dates", "value_accuracy", "") not in diff


def test_dropped_row_lowers_recall_in_every_view(tmp_path, base):
    def damage(p):
        p["dates"] = [r for r in p["dates"] if r["text"] != "March 2021"]
    diff = changed(base, run_case(tmp_path, damage))
    assert {t for t, _, _ in diff} == {"dates"}
    for view in ("strict", "exact", "partial", "type"):
        assert diff[("dates", view, "recall")][1] == 0.5
        assert ("dates", view, "precision") not in diff
    assert ("dates", "value_accuracy", "") not in diff


def test_added_row_lowers_precision_in_every_view(tmp_path, base):
    def damage(p):
        s, e = at("2021")
        p["numbers"].append({"doc_id": DOC_ID, "start": s, "end": e, "text": "2021", "value": 2021, "unit": "",
                             "approx": False, "kind": "count"})
    diff = changed(base, run_case(tmp_path, damage))
    assert {t for t, _, _ in diff} == {"numbers"}
    for view in ("strict", "exact", "partial", "type"):
        assert diff[("numbers", view, "precision")][1] == 0.8
        assert ("numbers", view, "recall") not in diff


def test_fact_with_wrong_date_or_subject(tmp_path, base):
    def wrong_date(p):
        p["facts"][0]["date_value"] = "2020-12"
    diff = changed(base, run_case(tmp_path / "a", wrong_date))
    assert {(t, v) for t, v, _ in diff} == {("facts", "strict")}

    def wrong_subject(p):
        p["facts"][1]["subject"] = "北京市"
    diff = changed(base, run_case(tmp_path / "b", wrong_subject))
    assert {(t, v) for t, v, _ in diff} == {("facts", "strict"), ("facts", "no_date")}
    assert diff[("facts", "strict", "recall")][1] == pytest.approx(2 / 3, abs=1e-4)


def test_fact_subject_by_containment_or_canonical_id(tmp_path, base):
    def damage(p):
        p["facts"][0]["subject"] = "中国科学院新型冠状病毒国家科技资源服务系统"  # contains the gold subject
        p["facts"][1]["subject"], p["facts"][1]["subject_canonical"] = "CAS", "Q530471"
    gold = gold_doc()
    gold["facts"][1]["subject_canonical"] = "Q530471"
    assert flat(run_case(tmp_path, damage, gold))[("facts", "strict", "f1")] == 1.0


def test_missing_prediction_table_scores_empty_with_a_note(tmp_path):
    gold = gold_doc()
    run = tmp_path / "run"
    write_run(run)
    pred = perfect_pred(gold)
    del pred["facts"]
    write_pred(run, pred)
    (tmp_path / "g.json").write_text(json.dumps(gold, ensure_ascii=False), "utf-8")
    ev = evaluate(tmp_path / "g.json", run)
    assert ev.scores["facts"]["strict"]["recall"] == 0.0 and ev.scores["entities"]["strict"]["f1"] == 1.0
    assert any("no facts table" in n for n in ev.notes)


def test_scope_ignores_predictions_outside_the_curated_part(tmp_path, base):
    gold = gold_doc()
    s, e = 0, len(BLOCKS[0])
    gold["scope"] = [[s, e]]
    for kind in ("entities", "dates", "numbers", "facts"):
        gold[kind] = [r for r in gold[kind] if r["start"] < e]
    scores = run_case(tmp_path, None, gold)
    assert all(v == 1.0 for v in flat(scores).values())
    assert scores["entities"]["strict"]["gold"] == 1 and scores["entities"]["strict"]["predicted"] == 1


def test_entity_labels_for_quantities_are_left_to_their_tables(tmp_path, base):
    def damage(p):
        s, e = at("1132万")
        p["entities"].append({"doc_id": DOC_ID, "start": s, "end": e, "text": "1132万", "label": "CARDINAL"})
    assert not changed(base, run_case(tmp_path, damage))


# -- agreement with nervaluate on random flat annotations -------------------------------------
def _random_case(rng: random.Random):
    """Gold and predicted spans where each span overlaps at most one on the other side."""
    gold, pred = [], []
    pos = 0
    for _ in range(rng.randint(0, 8)):
        pos += rng.randint(1, 6)
        s, e = pos, pos + rng.randint(1, 6)
        pos = e + 8
        lab = rng.choice("AB")
        if rng.random() < 0.85:
            gold.append(Span("d", s, e, "x", lab))
        r = rng.random()
        if r < 0.4:
            pred.append(Span("d", s, e, "x", lab if rng.random() < 0.7 else ("B" if lab == "A" else "A")))
        elif r < 0.8:
            ps = max(s - rng.randint(0, 2), pos - 8 - (e - s) - 3)
            pred.append(Span("d", ps, e + rng.randint(-1, 3), "x", lab if rng.random() < 0.7 else "B"))
    pred = [p for p in pred if p.end > p.start]
    return gold, pred


def test_counts_agree_with_nervaluate():
    from nervaluate import Evaluator
    rng = random.Random(7)
    ours = {v: dict(correct=0, incorrect=0, partial=0, missed=0, spurious=0) for v in ("strict", "exact", "partial", "type")}
    docs_g, docs_p, triples = [], [], []
    for n in range(300):
        g, p = _random_case(rng)
        docs_g.append([{"label": s.label, "start": s.start, "end": s.end - 1} for s in g])
        docs_p.append([{"label": s.label, "start": s.start, "end": s.end - 1} for s in p])
        triples.append((f"d{n}", g, p))
    scores, _ = score_docs("entities", triples)
    res = Evaluator(docs_g, docs_p, tags=["A", "B"], loader="dict").evaluate()["overall"]
    for view, theirs in (("strict", "strict"), ("exact", "exact"), ("partial", "partial"), ("type", "ent_type")):
        r = res[theirs]
        for k in ours[view]:
            assert scores[view][k] == getattr(r, k), (view, k)
        assert scores[view]["precision"] == pytest.approx(r.precision, abs=1e-4), view
        assert scores[view]["recall"] == pytest.approx(r.recall, abs=1e-4), view


def test_approx_as_flag_or_as_qualifier():
    from pipeline.evaluate.scoring import same_field
    assert same_field("approx", True, "about") and same_field("approx", False, None)
    assert not same_field("approx", True, "") and not same_field("approx", False, "more")
    assert same_field("approx", "more", "more") and not same_field("approx", "more", "about")


def test_labels_compare_case_insensitively(tmp_path, base):
    def damage(p):
        for r in p["entities"]:
            r["label"] = r["label"].lower()
    assert not changed(base, run_case(tmp_path, damage))


def test_mod_is_a_set_of_qualifiers():
    from pipeline.evaluate.scoring import same_field
    assert same_field("mod", "END+AS_OF", "as_of+END") and same_field("mod", "", None)
    assert not same_field("mod", "END+AS_OF", "END")


def test_subject_of_several_things():
    from pipeline.evaluate.scoring import names_match
    both = ["新型冠状病毒国家科技资源服务系统", "全球冠状病毒组学数据共享与分析系统"]
    assert names_match(both, None, "新型冠状病毒国家科技资源服务系统、全球冠状病毒组学数据共享与分析系统", None)
    assert not names_match(both, None, "新型冠状病毒国家科技资源服务系统", None)  # one of two is not the subject
    assert names_match(both, ["p1", "p2"], "这两个平台", "p2;p1")
    assert names_match("北京市", None, "全市（北京市）", None) and not names_match("北京市", None, "", None)


# -- invariants on arbitrary (also nested and crossing) annotations ---------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

_spans = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 8), st.sampled_from("AB")), max_size=10)


@settings(max_examples=150, deadline=None)
@given(_spans, _spans)
def test_scorer_invariants(g, p):
    gold = [Span("d", s, s + n, "x", lab) for s, n, lab in g]
    pred = [Span("d", s, s + n, "x", lab) for s, n, lab in p]
    scores, _ = score_docs("entities", [("d", gold, pred)])
    for view in ("strict", "exact", "partial", "type"):
        b = scores[view]
        assert b["correct"] + b["incorrect"] + b["partial"] + b["missed"] == len(gold)
        assert b["correct"] + b["incorrect"] + b["partial"] + b["spurious"] == len(pred)
        assert 0 <= b["precision"] <= 1 and 0 <= b["recall"] <= 1
    for m in ("precision", "recall"):
        assert scores["strict"][m] <= scores["exact"][m] <= scores["partial"][m]
        assert scores["strict"][m] <= scores["type"][m]
    same, _ = score_docs("entities", [("d", gold, list(gold))])
    assert all(same[v]["f1"] == 1.0 for v in ("strict", "exact", "partial", "type"))


def test_fact_date_agrees_at_the_granularity_gold_gives():
    from pipeline.evaluate.scoring import dates_agree
    assert dates_agree("2020-11", "2020-11-30")        # as of the end of November
    assert dates_agree("2020-11-30", "2020-11")
    assert not dates_agree("2020-11", "2020-12-31")
    assert not dates_agree("2020-1", "2020-11")        # a prefix is not enough: whole parts only
    assert not dates_agree("2020", "")
