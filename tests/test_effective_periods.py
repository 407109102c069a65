"""Scorecards carry effective periods: a past period is scored under the scheme in force then."""

import pytest

import evalkit
from evalkit.definition.periods import period_span, within
from evalkit.definition.scorecard import scorecard_for


def card(version, first, last, upper):
    effective = {"from": first} | ({"to": last} if last else {})
    return evalkit.load_scorecard({
        "id": "scheme", "name": "S", "version": version, "period": first, "effective": effective,
        "indicators": [{"id": "x", "name": "X"}],
        "dimensions": [{"id": "i", "indicator": "x", "max_points": 10,
                        "rule": {"name": "linear", "params": {"lower": 0, "upper": upper}}}]})


def test_periods_of_every_kind_compare_by_their_spans():
    assert within("2025Q3", "2023", "2025") and within("2025-12", "2025H2", "2025H2")
    assert not within("2026Q1", "2023", "2025") and not within("2022", "2023", None)
    assert period_span("2024H2")[1] == period_span("2025")[0]


def test_the_scheme_in_force_scores_each_period():
    old, new = card("2023", "2023", "2024", 100), card("2025", "2025", None, 50)
    assert scorecard_for("2024", [old, new]) is old and scorecard_for("2026Q2", [old, new]) is new
    values = {"x": {"u": 40}}
    assert evalkit.evaluate(scorecard_for("2024", [old, new]), values, period="2024").unit("u").total == 4
    assert evalkit.evaluate(scorecard_for("2025", [old, new]), values, period="2025").unit("u").total == 8
    with pytest.raises(evalkit.DefinitionError) as info:
        evalkit.evaluate(new, values, period="2024")
    assert "not in force for period '2024'" in str(info.value)
    with pytest.raises(evalkit.DefinitionError):
        scorecard_for("2022", [old, new])


def test_effective_periods_are_checked():
    raw = card("1", "2023", "2024", 100).raw
    bad = raw | {"effective": {"from": "2025", "to": "2023"}}
    assert [p.message for p in evalkit.validate(bad, evalkit.default_registry())] == ["the scheme ends before it starts"]
    outside = raw | {"period": "2026"}
    assert evalkit.validate(outside, evalkit.default_registry())[0].path == "$.period"
    unreadable = raw | {"effective": {"from": "last year"}}
    assert evalkit.validate(unreadable, evalkit.default_registry())[0].path == "$.effective.from"
