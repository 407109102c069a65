"""Clause items (评分细则 clause by clause, 扣完为止), discretionary records inside items, and the grading checks
that catch silently broken scorecards (bands out of order, a band no unit can reach)."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import jsonschema
import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.cli import main
from evalkit.errors import DataError, DefinitionError
from evalkit.io.data import DataSet, Units

RESULT_SCHEMA = json.loads((Path(evalkit.__file__).parent / "schemas" / "result.schema.json").read_text(encoding="utf-8"))

CLAUSES = [
    {"id": "election", "text": {"zh": "不按期换届", "en": "election overdue"}, "flag": "overdue", "points": 5},
    {"id": "meetings", "text": {"zh": "三会一课不落实", "en": "meetings not held"},
     "when": {"indicator": "meetings", "below": 12}, "points": 5},
    {"id": "short", "text": {"zh": "每少1名", "en": "each member short"}, "count": "short", "points": 1, "cap": 3},
    {"id": "org_other", "text": {"zh": "其他组织建设问题", "en": "other problems"}, "discretionary": True, "points": 2,
     "cap": 3, "evidence": "required"},
]


def card(clauses=None, max_points=10, grading=None, **extra):
    data = {
        "id": "branch", "name": {"zh": "支部考核", "en": "Branch assessment"}, "period": "2025",
        "indicators": [{"id": "overdue", "name": "未按期换届", "direction": "lower"},
                       {"id": "meetings", "name": "三会一课次数"},
                       {"id": "short", "name": "缺员人数", "direction": "lower"}],
        "dimensions": [{"id": "org", "name": {"zh": "组织建设", "en": "Organisation"}, "max_points": max_points,
                        "indicators": ["overdue", "meetings", "short"],
                        "rule": {"name": "clauses", "params": {"clauses": CLAUSES if clauses is None else clauses}}}],
        "grading": grading or {"bands": [{"min": 9, "grade": "good"}, {"min": 0, "grade": "poor"}]},
    }
    data.update(extra)
    return data


DATA = {"overdue": {"a": 0, "b": 1, "c": 0, "d": 1}, "meetings": {"a": 12, "b": 10, "c": 12, "d": 12},
        "short": {"a": 0, "b": 4, "c": 2, "d": 0}}


def test_each_clause_takes_its_points_and_the_item_stops_at_zero():
    # worked by hand: a none -> 10; b 5 + 5 + min(4, 3) = 13 off a 10-point item -> 0 (扣完为止);
    # c 2 members short -> 8; d election overdue -> 5
    ev = evalkit.evaluate(evalkit.load_scorecard(card()), DATA)
    assert {u: ev.unit(u).items["org"].points for u in "abcd"} == {"a": 10, "b": 0, "c": 8, "d": 5}
    zh = ev.explanation("b", lang="zh").text()
    assert "不按期换届（扣 5 分）" in zh and "三会一课不落实（扣 5 分）" in zh
    assert "每少1名（4 次，每次扣 1 分，共扣 3 分，本条最多扣 3 分）" in zh and "扣完为止，得 0 分" in zh
    en = ev.explanation("c", lang="en").text()
    assert "each member short (2 × 1 off: 2); 8 points" in en
    assert "no clause applies: 10 points" in ev.explanation("a", lang="en").text()


def test_the_json_result_names_each_clause_that_applied_and_follows_the_result_schema():
    ev = evalkit.evaluate(evalkit.load_scorecard(card()), DATA)
    doc = ev.to_dict()
    jsonschema.validate(doc, RESULT_SCHEMA)
    b = next(u for u in doc["units"] if u["id"] == "b")
    assert [(c["id"], c["occurrences"], c["points"], c.get("capped", False)) for c in b["items"]["org"]["clauses"]] == [
        ("election", 1, 5, False), ("meetings", 1, 5, False), ("short", 4, 3, True)]
    a = next(u for u in doc["units"] if u["id"] == "a")
    assert a["items"]["org"]["clauses"] == []


def test_addition_clauses_start_from_zero_and_stop_at_the_item_maximum():
    clauses = [{"id": "award", "kind": "add", "text": "每获1次表彰加2分", "count": "short", "points": 2},
               {"id": "late", "text": "迟报扣1分", "flag": "overdue", "points": 1}]
    raw = card(clauses, max_points=5)
    raw["dimensions"][0]["rule"]["params"]["start"] = 0
    raw["indicators"][2]["direction"] = "higher"
    ev = evalkit.evaluate(evalkit.load_scorecard(raw), DATA)
    # a 0 -> 0; b 4 awards (8) - 1 -> 5 at most; c 2 awards -> 4; d late from 0 -> 0
    assert {u: ev.unit(u).items["org"].points for u in "abcd"} == {"a": 0, "b": 5, "c": 4, "d": 0}


@pytest.mark.parametrize(("change", "path", "message"), [
    (lambda c: c[0].update(flag="nope"), "$.dimensions[0].rule.params.clauses[0].flag",
     "the clause reads an indicator the item does not list"),
    (lambda c: c[2].update(cap=11), "$.dimensions[0].rule.params.clauses[2].cap", "larger than the item's max_points"),
    (lambda c: c[1].update(id="election"), "$.dimensions[0].rule.params.clauses[1].id", "is used twice"),
    (lambda c: c[3].pop("cap"), "$.dimensions[0].rule.params.clauses[3]", "needs a cap"),
    (lambda c: c[0].update(cap=2), "$.dimensions[0].rule.params.clauses[0].cap", "capped below its own points"),
    (lambda c: c[0].update(count="short"), "$.dimensions[0].rule.params.clauses[0]", "give exactly one of"),
])
def test_clause_mistakes_are_definition_errors_with_their_path(change, path, message):
    clauses = [dict(c) for c in CLAUSES]
    change(clauses)
    with pytest.raises(DefinitionError) as caught:
        evalkit.load_scorecard(card(clauses))
    assert any(p.path == path and message in p.message for p in caught.value.problems), caught.value.problems


def test_a_discretionary_clause_id_is_unique_in_the_whole_scorecard():
    raw = card(bonus={"items": [{"id": "org_other", "name": "x"}]})
    with pytest.raises(DefinitionError) as caught:
        evalkit.load_scorecard(raw)
    assert any("discretionary clause id 'org_other' is already used" in p.message for p in caught.value.problems)


def test_discretionary_records_count_inside_the_clause_cap_and_the_item():
    records = [{"unit": "c", "item": "org_other", "points": 2, "reason": "党员信息采集不及时", "evidence": "督查记录 2025-07",
                "authority": "考核组"},
               {"unit": "c", "item": "org_other", "points": 1.5, "reason": "组织生活会准备不足", "evidence": "通报〔2025〕3号"},
               {"unit": "a", "item": "org_other", "points": 0.5, "reason": "台账不全", "evidence": "督查记录 2025-09"}]
    ev = evalkit.evaluate(evalkit.load_scorecard(card()), DATA, adjustments=records)
    # c: 2 members short (2) + discretionary 3.5 capped at 3 -> 10 - 5 = 5; a: 10 - 0.5 = 9.5
    assert ev.unit("c").items["org"].points == 5 and ev.unit("a").items["org"].points == 9.5
    text = ev.explanation("c", lang="zh").text()
    assert "其他组织建设问题（2 条记录，酌情扣 3 分，本条最多扣 3 分）" in text
    assert "酌情扣 1.5 分（其他组织建设问题）：组织生活会准备不足，佐证 通报〔2025〕3号" in text
    entry = next(c for c in ev.unit_dict("c")["items"]["org"]["clauses"] if c["id"] == "org_other")
    assert entry["points"] == 3 and entry["capped"] and [r["reason"] for r in entry["records"]] == ["党员信息采集不及时", "组织生活会准备不足"]
    jsonschema.validate(ev.to_dict(), RESULT_SCHEMA)


def test_a_record_without_the_evidence_its_clause_requires_is_refused():
    with pytest.raises(DataError) as caught:
        evalkit.evaluate(evalkit.load_scorecard(card()), DATA,
                         adjustments=[{"unit": "c", "item": "org_other", "points": 2, "reason": "x"}])
    problem = caught.value.problems[0]
    assert "requires evidence (佐证)" in problem.message and problem.found == "an empty cell"
    with pytest.raises(DataError, match="may give at most 2 points"):
        evalkit.evaluate(evalkit.load_scorecard(card()), DATA,
                         adjustments=[{"unit": "c", "item": "org_other", "points": 2.5, "evidence": "e"}])


def test_the_clauses_rule_is_in_the_scorecard_schema():
    schema = json.dumps(evalkit.definition.schemas.scorecard_schema(evalkit.load_scorecard(card()).registry))
    assert '"discretionary"' in schema and "Points per occurrence" in schema and '"clauses"' in schema


# -- properties ------------------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=30)
flags = st.integers(min_value=0, max_value=1)
meetings = st.integers(min_value=0, max_value=24)
caps = st.one_of(st.none(), st.sampled_from([0.5, 1, 2.5, 4, 10]))
points = st.sampled_from([0.5, 1, 2, 3, 5])
max_points = st.sampled_from([1, 5, 10, 20])


def clause_card(per_short, cap, flag_points, top):
    flag_points = min(flag_points, top)
    short = {"id": "short", "count": "short", "points": per_short}
    if cap is not None:
        short["cap"] = min(cap, top)
    return evalkit.load_scorecard(card([{"id": "election", "flag": "overdue", "points": flag_points}, short,
                                        {"id": "org_other", "discretionary": True, "points": 3, "cap": min(5, top)}],
                                       max_points=top))


@settings(max_examples=40, deadline=None)
@given(per_short=points, cap=caps, flag_points=points, top=max_points,
       units=st.lists(st.tuples(flags, meetings, counts), min_size=1, max_size=6))
def test_a_clause_item_stays_within_zero_and_its_maximum_and_more_occurrences_never_raise_it(per_short, cap, flag_points,
                                                                                              top, units):
    sc = clause_card(per_short, cap, flag_points, top)
    ids = [f"u{i}" for i in range(len(units))]
    data = {"overdue": dict(zip(ids, [u[0] for u in units])), "meetings": dict(zip(ids, [u[1] for u in units])),
            "short": dict(zip(ids, [u[2] for u in units]))}
    more = {**data, "short": {k: v + 1 for k, v in data["short"].items()},
            "overdue": dict.fromkeys(ids, 1)}
    before = evalkit.evaluate(sc, data)
    after = evalkit.evaluate(sc, more)
    for uid in ids:
        p = before.unit(uid).items["org"].points
        assert 0 <= p <= top
        assert after.unit(uid).items["org"].points <= p


record_points = st.sampled_from([0, 0.5, 1, 1.5, 2, 3])


@settings(max_examples=40, deadline=None)
@given(records=st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), record_points), max_size=8), data=st.data())
def test_discretionary_records_in_any_order_give_the_same_result_and_more_never_raise_it(records, data):
    sc = clause_card(1, 3, 5, 10)
    rows = [{"unit": u, "item": "org_other", "points": p, "evidence": f"doc {k}"} for k, (u, p) in enumerate(records)]
    shuffled = data.draw(st.permutations(rows))
    first = evalkit.evaluate(sc, DATA, adjustments=rows)
    second = evalkit.evaluate(sc, DATA, adjustments=shuffled)
    def scores(ev):  # everything but the listing order of the records themselves
        return [(u["id"], u["total"], u["grade"], u["rank"], u["items"]["org"]["points"],
                 [(c["id"], c["occurrences"], c["points"]) for c in u["items"]["org"]["clauses"]]) for u in ev.to_dict()["units"]]

    assert scores(first) == scores(second)
    assert list(first.totals) == list(second.totals)
    extra = evalkit.evaluate(sc, DATA, adjustments=rows + [{"unit": "a", "item": "org_other", "points": 1, "evidence": "x"}])
    for uid in "abcd":
        p = first.unit(uid).items["org"].points
        assert 0 <= p <= 10 and extra.unit(uid).items["org"].points <= p


# -- grading checks --------------------------------------------------------------------------------------

def write(tmp_path, raw, name="card.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_bands_out_of_order_are_an_error_with_line_path_expected_and_found(tmp_path, capsys):
    raw = card(grading={"bands": [{"min": 9, "grade": "good"}, {"min": 9.5, "grade": "fair"}, {"min": 0, "grade": "poor"}]})
    path = write(tmp_path, raw)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "$.grading.bands[1].min: the bands are out of order: 'fair' starts above 'good' listed before it" in err
    assert f"{path}:" in err and "expected bands from the best grade down, this one starting below 9; found 9.5" in err
    assert "Traceback" not in err


def test_a_band_no_unit_can_reach_is_a_warning(tmp_path, capsys):
    raw = card(grading={"bands": [{"min": 90, "grade": "good"}, {"min": 8, "grade": "fair"}, {"min": 0, "grade": "poor"}]})
    path = write(tmp_path, raw)
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "$.grading.bands[0].min: no unit can reach the grade 'good': the highest possible total is 10" in err
    assert "bands[1]" not in err
    # a bonus raises what can be reached: 10 + 85 is enough for 90
    raw["bonus"] = {"cap": 85, "items": [{"id": "honours", "name": "表彰"}]}
    assert not evalkit.load_scorecard(raw).warnings
    raw["bonus"] = {"items": [{"id": "honours", "name": "表彰", "cap": 70}]}
    assert [w.path for w in evalkit.load_scorecard(raw).warnings] == ["$.grading.bands[0].min"]


def test_the_markdown_html_and_xlsx_reports_name_each_clause_that_applied(tmp_path, capsys):
    import io

    import openpyxl

    from evalkit.reporters.base import ReportOptions
    from evalkit.reporters.html import render_html
    from evalkit.reporters.markdown import render_markdown
    from evalkit.reporters.xlsx import render_xlsx

    records = [{"unit": "c", "item": "org_other", "points": 1, "reason": "台账不全", "evidence": "督查记录 2025-09"}]
    ev = evalkit.evaluate(evalkit.load_scorecard(card()), DATA, adjustments=records)
    text = render_markdown(ev, ReportOptions(lang="zh"))
    assert "## 扣分明细（评分细则）" in text
    assert "| b | b | 组织建设 | 每少1名 | 扣分 | 4 | 3 | 是 |  |" in text
    assert "其他组织建设问题 | 扣分 | 1 | 1 |  | 1 · 台账不全 · 督查记录 2025-09 |" in text
    html = render_html(ev, ReportOptions(lang="en"))
    assert '<section id="clauses"><h2>Clauses that applied</h2>' in html and "<td>election overdue</td>" in html
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(ev, ReportOptions(lang="zh"))))
    rows = [[c.value for c in r] for r in book["扣分明细"].iter_rows()]
    assert rows[0][:8] == ["排名", "编号", "单位", "指标", "条款", "加/扣", "次数", "分值"]
    assert [r[1:8] for r in rows[1:] if r[1] == "b"] == [["b", "b", "组织建设", "不按期换届", "扣分", 1, 5],
                                                         ["b", "b", "组织建设", "三会一课不落实", "扣分", 1, 5],
                                                         ["b", "b", "组织建设", "每少1名", "扣分", 4, 3]]
    plain = evalkit.evaluate(evalkit.load_scorecard({**card(), "dimensions": [
        {"id": "m", "indicator": "meetings", "max_points": 10, "rule": {"name": "linear", "params": {"lower": 0, "upper": 12}}}]}),
        {"meetings": DATA["meetings"]})
    assert "扣分明细" not in render_markdown(plain, ReportOptions(lang="zh"))


EVIDENCE_CARD = {
    "id": "ev-clauses", "name": "换届", "period": "2025",
    "indicators": [{"id": "late", "name": "未按期换届"}, {"id": "short", "name": "缺额"}],
    "dimensions": [{"id": "org", "name": "组织建设", "max_points": 10, "indicators": ["late", "short"],
                    "rule": {"name": "clauses", "params": {"clauses": [
                        {"id": "late", "text": "不按期换届", "flag": "late", "points": 5, "evidence": "required"},
                        {"id": "short", "text": "每缺1名", "count": "short", "points": 1, "evidence": "required",
                         "without_evidence": "flag"}]}}}]}


def evidence_run(tmp_path, rows: str):
    (tmp_path / "sc.yaml").write_text(yaml.safe_dump(EVIDENCE_CARD, allow_unicode=True), encoding="utf-8")
    (tmp_path / "u.csv").write_text("id,name\na,A\nb,B\n", encoding="utf-8")
    (tmp_path / "d.csv").write_text("unit,indicator,period,value,佐证\n" + rows, encoding="utf-8")
    return evalkit.evaluate_files(evalkit.InputFiles(tmp_path / "sc.yaml", units=tmp_path / "u.csv",
                                                     data=[tmp_path / "d.csv"]))


def test_a_data_driven_clause_requiring_evidence_is_not_counted_or_flagged_without_it(tmp_path):
    ev = evidence_run(tmp_path, "a,late,2025,1,县委组织部通报〔2025〕3号\na,short,2025,2,\n"
                                "b,late,2025,1,\nb,short,2025,1,花名册\n")
    # a: the late election has its evidence (5 off); 2 short without evidence are flagged, still 2 off: 3
    # b: the late election has no evidence and the clause is not_counted (0 off); 1 short with evidence: 9
    assert (ev.unit("a").total, ev.unit("b").total) == (3, 9)
    a, b = ev.unit_dict("a")["items"]["org"], ev.unit_dict("b")["items"]["org"]
    assert a["clauses"][1]["without_evidence"] == "flag" and "without_evidence" not in a["clauses"][0]
    assert a["evidence"] == {"late": "县委组织部通报〔2025〕3号"}
    assert b["clauses"][-1] == {"id": "late", "text": {"zh": "不按期换届"}, "kind": "deduct", "occurrences": 0,
                                "points": 0, "without_evidence": "not_counted"}
    assert "每缺1名（2 次，每次扣 1 分，共扣 2 分）（未附佐证，已标记）" in "\n".join(ev.explain("a"))
    assert "不按期换届（未附佐证，按规定不计）；得 9 分" in "\n".join(ev.explain("b"))
    jsonschema_validate(ev.to_dict())
    from evalkit.reporters.base import ReportOptions
    from evalkit.reporters.markdown import render_markdown

    md = render_markdown(ev, ReportOptions(lang="zh"))
    assert "未附佐证，按规定不计" in md and "未附佐证（已标记）" in md


def jsonschema_validate(doc):
    schema = json.loads((Path(evalkit.__file__).parent / "schemas" / "result.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)


@settings(max_examples=30, deadline=None)
@given(late=st.sampled_from([0, 1]), short=st.integers(min_value=0, max_value=12))
def test_a_value_without_required_evidence_never_lowers_the_item_when_it_is_not_counted(late, short):
    sc = evalkit.load_scorecard(EVIDENCE_CARD)
    units = Units.from_ids(["a"])
    with_ev = DataSet.from_columns(units, {"late": [late], "short": [short]}, period="2025")
    with_ev = attrs.evolve(with_ev, evidence={"late": np.asarray(["doc"], dtype=object),
                                              "short": np.asarray(["doc"], dtype=object)})
    without = DataSet.from_columns(units, {"late": [late], "short": [short]}, period="2025")
    supported = evalkit.evaluate(sc, with_ev).unit("a").total
    bare = evalkit.evaluate(sc, without).unit("a").total
    assert bare >= supported and bare == max(0, 10 - short)  # late is not counted, short is flagged but counted
