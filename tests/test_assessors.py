"""Self-assessment (自评) and the superior's assessment (考评) of the same items: combined by weights or by
override, each source's total kept, and self-assessments above the superior's flagged (自评虚高)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.errors import DataError
from evalkit.io.data import DataSet, Units

CARD = {
    "id": "self", "name": "自评与考评", "period": "2025",
    "indicators": [{"id": "meetings", "name": "三会一课次数"}, {"id": "study", "name": "学习时长"}],
    "dimensions": [{"id": "m", "name": "三会一课", "max_points": 60, "indicator": "meetings",
                    "rule": {"name": "linear", "params": {"lower": 0, "upper": 12}}},
                   {"id": "s", "name": "学习", "max_points": 40, "indicator": "study",
                    "rule": {"name": "linear", "params": {"lower": 0, "upper": 40}}}],
    "grading": {"bands": [{"min": 90, "grade": "good", "label": "好"}, {"min": 0, "grade": "average", "label": "一般"}]},
}
UNITS = Units.from_ids(["a", "b", "c"])


def data(meetings, study):
    return DataSet.from_columns(UNITS, {"meetings": meetings, "study": study}, period="2025")


SELF = data([12, 12, 6], [40, 40, 20])
SUPERIOR = data([12, 6, np.nan], [40, 20, 20])


def test_weights_combine_values_and_a_missing_source_is_left_out_for_that_unit():
    sc = evalkit.load_scorecard(CARD)
    result = evalkit.evaluate_sources(sc, {"self": SELF, "superior": SUPERIOR}, weights={"self": 0.3, "superior": 0.7}, gap=10)
    ev = result.combined
    # b: meetings 0.3*12 + 0.7*6 = 7.8 -> 39 of 60; study 0.3*40 + 0.7*20 = 26 -> 26 of 40; total 65
    assert ev.unit("b").items["m"].value == pytest.approx(7.8) and ev.unit("b").total == 65
    # c: the superior has no meetings value: self's 6 alone -> 30; study 20 -> 20; total 50
    assert ev.unit("c").total == 50
    assert [result.source_totals["self"][i] for i in range(3)] == [100, 100, 50]
    assert [result.source_totals["superior"][i] for i in range(3)] == [100, 50, 20]
    assert result.overrated.tolist() == [False, True, True]  # b: 100 vs 50; c: 50 vs 20
    doc = result.to_dict()
    b = next(u for u in doc["units"] if u["id"] == "b")
    assert (b["source_totals"], b["self_gap"], b["self_overrated"]) == ({"self": 100, "superior": 50}, 50, True)
    assert doc["assessment_sources"] == {"method": "weights", "sources": ["self", "superior"], "self": "self",
                                         "superior": "superior", "gap": 10}
    assert "自评虚高：自评比上级考评高 50 分（≥ 10 分）" in result.explain("b")
    assert b["grade"] == "average" and next(u for u in doc["units"] if u["id"] == "a")["grade"] == "good"


def test_override_takes_the_first_source_that_has_a_value():
    sc = evalkit.load_scorecard(CARD)
    result = evalkit.evaluate_sources(sc, {"self": SELF, "superior": SUPERIOR}, override=["superior", "self"])
    assert result.combined.unit("b").total == 50  # the superior's values
    assert result.combined.unit("c").items["m"].value == 6  # no superior value: self's stands
    assert result.to_dict()["assessment_sources"]["method"] == "override"


def test_combining_needs_weights_or_an_order_and_known_sources():
    sc = evalkit.load_scorecard(CARD)
    with pytest.raises(DataError, match="say how the sources combine"):
        evalkit.evaluate_sources(sc, {"self": SELF})
    with pytest.raises(DataError, match="unknown assessment source"):
        evalkit.evaluate_sources(sc, {"self": SELF}, override=["group"])


values = st.lists(st.one_of(st.just(float("nan")), st.floats(min_value=0, max_value=12)), min_size=3, max_size=3)


@settings(max_examples=40, deadline=None)
@given(a=values, b=values, w=st.floats(min_value=0.05, max_value=0.95))
def test_a_weighted_value_lies_between_the_sources_and_source_order_does_not_matter(a, b, w):
    first, second = data(a, [1, 1, 1]), data(b, [1, 1, 1])
    one = evalkit.combine_values({"x": first, "y": second}, weights={"x": w, "y": 1 - w}).columns["meetings"]
    two = evalkit.combine_values({"y": second, "x": first}, weights={"y": 1 - w, "x": w}).columns["meetings"]
    np.testing.assert_allclose(one, two, equal_nan=True)
    for k in range(3):
        present = [v for v in (a[k], b[k]) if not np.isnan(v)]
        if present:
            assert min(present) - 1e-9 <= one[k] <= max(present) + 1e-9
        else:
            assert np.isnan(one[k])
