"""Scorecards unlike the quickstart still render: weights, no grading, 0 decimals, a top-level item that
reads several indicators, three levels, missing values, one unit."""

from __future__ import annotations

import io

import openpyxl
import pytest

import evalkit

from .conftest import render

CATEGORIES = ["very", "satisfied", "basic", "not_very", "dissatisfied"]


def card(grading: bool):
    doc = {
        "id": "odd", "name": {"zh": "特殊考核", "en": "Odd"}, "period": "2025", "rounding": {"decimals": 0},
        "indicators": [{"id": c, "name": c, "unit": "票"} for c in CATEGORIES]
        + [{"id": "x", "name": "x"}, {"id": "y", "name": "y", "direction": "lower"}],
        "dimensions": [
            {"id": "sat", "name": "满意度", "indicators": CATEGORIES, "weight": 40, "rule": {"name": "satisfaction_index"}},
            {"id": "work", "name": "业务", "weight": 60, "children": [
                {"id": "deep", "name": "深层", "weight": 1, "children": [
                    {"id": "ix", "indicator": "x", "weight": 0.5, "rule": {"name": "linear", "params": {"lower": 0, "upper": 10}}},
                    {"id": "iy", "indicator": "y", "weight": 0.5, "missing": "reweight",
                     "rule": {"name": "linear", "params": {"lower": 0, "upper": 10}}}]}]}],
    }
    if grading:
        doc["grading"] = {"bands": [{"min": 50, "grade": "pass", "label": "合格"}, {"min": 0, "grade": "fail", "label": "不合格"}]}
    return evalkit.load_scorecard(doc)


def data(units):
    votes = {c: {u: 3 + k + i for i, u in enumerate(units)} for k, c in enumerate(CATEGORIES)}
    return {**votes, "x": {u: 2.5 * i for i, u in enumerate(units)}, "y": {units[0]: 4}}


@pytest.mark.parametrize("grading", [True, False])
@pytest.mark.parametrize("units", [["only"], ["a", "b", "c"]])
@pytest.mark.parametrize("fmt", ["table", "csv", "json", "xlsx", "html", "markdown"])
def test_renders(fmt, units, grading):
    ev = evalkit.evaluate(card(grading), data(units), units=units)
    for lang in ("zh", "en"):
        content = render(ev, fmt, lang)
        assert content


def test_several_inputs_and_no_grade_in_the_workbook():
    units = ["a", "b", "c"]
    ev = evalkit.evaluate(card(False), data(units), units=units)
    book = openpyxl.load_workbook(io.BytesIO(render(ev, "xlsx")))
    detail = list(book["指标明细"].iter_rows(values_only=True))
    sat = [r for r in detail if r[4] == "sat"]
    assert sat[0][8] == ", ".join(str(v) for v in ev.to_dict()["units"][0]["items"]["sat"]["value"])
    assert book["汇总"].cell(row=2, column=book["汇总"].max_column - 2).number_format == "0"
    grades = list(book["等次分布"].iter_rows(values_only=True))
    assert grades[1][1] == "无等次" and grades[1][3] == 3
    html = render(ev, "html")
    assert 'class="g g' not in html
