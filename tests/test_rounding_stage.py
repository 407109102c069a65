"""Issue 17: the declared rounding stage (``rounding: {stage: total}``), text and JSON agreeing at every
number of decimals, and a dimension with every item re-weighted away having no value (like the total)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import evalkit


def _scorecard(rounding=None):
    def dim(name, weight):
        return {"id": f"d{name}", "name": f"D{name.upper()}", "weight": weight, "children": [
            {"id": f"i{name}", "indicator": name, "weight": 1, "missing": "reweight",
             "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}]}
    doc = {"id": "rw", "name": {"zh": "测试", "en": "Reweight"}, "period": "2025",
           "indicators": [{"id": k, "name": k} for k in "abcd"],
           "dimensions": [dim("a", 10), dim("b", 25), dim("c", 40), dim("d", 25)],
           "grading": {"bands": [{"min": 100, "grade": "top"}, {"min": 0, "grade": "rest"}]}}
    if rounding is not None:
        doc["rounding"] = rounding
    return evalkit.load_scorecard(doc)


NAN = np.nan
DATA = {"a": [100, 100, NAN, 50], "b": [100, NAN, NAN, 50], "c": [100, NAN, NAN, 50], "d": [NAN, NAN, NAN, 50]}
UNITS = ["U1", "U2", "U3", "U4"]


def _unit(ev, uid):
    return json.loads(ev.to_json())["units"][[u["id"] for u in json.loads(ev.to_json())["units"]].index(uid)]


def test_default_stage_rounds_every_contribution():
    """The default is unchanged: 13.33 + 33.33 + 53.33 = 99.99 for a unit at full marks on the domains it has."""
    ev = evalkit.evaluate(_scorecard(), DATA, units=UNITS)
    u = _unit(ev, "U1")
    assert u["total"] == 99.99
    assert "stage" not in json.loads(ev.to_json())["scorecard"]["rounding"]


def test_total_stage_rounds_only_the_total():
    """HVBP order (CMS, FY2024 HVBP TPS: domain scores weighted unrounded, then the total): full marks give 100."""
    ev = evalkit.evaluate(_scorecard({"stage": "total"}), DATA, units=UNITS)
    u = _unit(ev, "U1")
    assert u["total"] == 100
    assert u["grade"] == "top"
    assert u["dimensions"] == {"da": 13.33, "db": 33.33, "dc": 53.33, "dd": None}  # parts shown rounded
    assert json.loads(ev.to_json())["scorecard"]["rounding"] == {"decimals": 2, "mode": "half_up", "stage": "total"}
    text = ev.explanation("U1", "en").lines
    assert text[-1].startswith("total 100, grade top")
    assert "DA: 13.33" in text


@pytest.mark.parametrize("decimals", [2, 6, 8, 10])
@pytest.mark.parametrize("stage", ["item", "total"])
def test_explain_and_json_agree(stage, decimals):
    ev = evalkit.evaluate(_scorecard({"stage": stage, "decimals": decimals}), DATA, units=UNITS)
    u = _unit(ev, "U1")
    text = ev.explanation("U1", "en").lines
    total = text[-1].split(",")[0].removeprefix("total ")
    assert float(total) == u["total"]
    for dim in ("da", "db", "dc"):
        line = next(t for t in text if t.startswith(dim.upper() + ":"))
        assert float(line.split(": ")[1]) == u["dimensions"][dim]


def test_ten_decimals_show_the_same_total_in_text_and_json():
    ev = evalkit.evaluate(_scorecard({"decimals": 10}), DATA, units=UNITS)
    assert _unit(ev, "U1")["total"] == 99.9999999999
    assert ev.explanation("U1", "en").lines[-1].startswith("total 99.9999999999,")


def test_a_dimension_with_every_item_reweighted_away_has_no_value():
    ev = evalkit.evaluate(_scorecard(), DATA, units=UNITS)
    assert _unit(ev, "U3")["total"] is None
    assert _unit(ev, "U3")["dimensions"] == {"da": None, "db": None, "dc": None, "dd": None}
    assert _unit(ev, "U1")["dimensions"]["dd"] is None
    assert _unit(ev, "U4")["dimensions"]["dd"] == 12.5
    assert "DD: n/a" in ev.explanation("U1", "en").lines


def test_bad_stage_is_a_definition_error():
    with pytest.raises(evalkit.DefinitionError, match="stage"):
        _scorecard({"stage": "dimension"})


@pytest.mark.parametrize("present", [(True, False, False, True), (False, True, True, False), (True, True, True, False),
                                     (False, False, True, False), (True, True, True, True)])
def test_full_marks_on_the_domains_a_unit_has_is_the_full_total_at_stage_total(present):
    data = {k: [100.0 if p else NAN] for k, p in zip("abcd", present)}
    ev = evalkit.evaluate(_scorecard({"stage": "total"}), data, units=["U"])
    assert ev.totals[0] == 100


def test_sensitivity_gives_a_unit_with_nothing_to_score_no_total_as_the_run_does():
    """U3 has every item re-weighted away: the run's total is null and it has no grade; sensitivity says the
    same in every draw (total, range null; no grade with probability 1; last place), not a total of 0."""
    from evalkit.io.data import DataSet

    data = DataSet.from_columns(UNITS, DATA, period="2025")
    report = evalkit.sensitivity_of(_scorecard(), data, settings=evalkit.sensitivity_settings(samples=50))
    doc = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    u3 = next(u for u in doc["units"] if u["id"] == "U3")
    assert (u3["total"], u3["total_min"], u3["total_max"], u3["grade"]) == (None, None, None, None)
    assert u3["grade_probability"] == {"top": 0.0, "rest": 0.0, "no_grade": 1.0}
    assert u3["rank_min"] == u3["rank_max"] == 4
    u4 = next(u for u in doc["units"] if u["id"] == "U4")
    assert u4["total"] == 50 and u4["grade_probability"]["no_grade"] == 0.0
