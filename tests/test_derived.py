"""Derived indicators: formulas over other indicators, computed before scoring, checked when loaded."""

import pytest

import evalkit


def card(derived, item_indicator="closure_rate"):
    return {
        "id": "d", "name": "D", "period": "2025",
        "indicators": [{"id": "closed", "name": {"zh": "办结数", "en": "Closed"}},
                       {"id": "received", "name": {"zh": "受理数", "en": "Received"}}],
        "derived": derived,
        "dimensions": [{"id": "closure", "name": {"zh": "按期办结", "en": "Closure"}, "indicator": item_indicator,
                        "max_points": 10, "rule": {"name": "linear", "params": {"lower": 50, "upper": 100}}}],
    }


RATE = [{"id": "closure_rate", "name": {"zh": "办结率", "en": "Closure rate"}, "unit": "%",
         "formula": "closed / received * 100"}]


def test_ratio_is_computed_and_scored():
    sc = evalkit.load_scorecard(card(RATE))
    ev = evalkit.evaluate(sc, {"closed": {"a": 45, "b": 30}, "received": {"a": 50, "b": 60}})
    assert ev.unit("a").items["closure"].value == 90 and ev.unit("a").items["closure"].points == 8
    assert ev.unit("b").items["closure"].value == 50 and ev.unit("b").items["closure"].points == 0


def test_division_by_zero_is_missing_with_its_reason():
    sc = evalkit.load_scorecard(card(RATE))
    ev = evalkit.evaluate(sc, {"closed": {"a": 0}, "received": {"a": 0}})
    assert ev.unit("a").items["closure"].missing
    assert "除数为零" in "\n".join(ev.explain("a", "zh"))
    assert "division by zero" in "\n".join(ev.explain("a", "en"))


def test_derived_from_derived_in_any_order():
    derived = [{"id": "score2", "name": "S2", "formula": "closure_rate / 2"}, *RATE]
    sc = evalkit.load_scorecard(card(derived, item_indicator="score2"))
    assert list(sc.derived) == ["closure_rate", "score2"]
    ev = evalkit.evaluate(sc, {"closed": {"a": 100}, "received": {"a": 100}})
    assert ev.unit("a").items["closure"].value == 50


@pytest.mark.parametrize("derived, path, text", [
    ([{"id": "r", "name": "R", "formula": "closed / (received"}], "$.derived[0].formula", "expected ')'"),
    ([{"id": "r", "name": "R", "formula": "closed / recieved"}], "$.derived[0].formula", "did you mean 'received'"),
    ([{"id": "r", "name": "R", "formula": "s + 1"}, {"id": "s", "name": "S", "formula": "r * 2"}], None, "r -> s -> r"),
    ([{"id": "closed", "name": "C", "formula": "received"}], "$.derived[0].id", "already used"),
])
def test_formula_problems_are_definition_errors(derived, path, text):
    problems = evalkit.validate(card(derived, item_indicator="received"), evalkit.default_registry())
    assert problems and any(text in p.message for p in problems)
    if path:
        assert any(p.path == path for p in problems)


def test_a_derived_value_cannot_be_supplied_as_data():
    sc = evalkit.load_scorecard(card(RATE))
    with pytest.raises(evalkit.DataError) as info:
        evalkit.evaluate(sc, {"closure_rate": {"a": 90}})
    assert "computed from its formula" in str(info.value)


def test_baseline_periods_get_derived_values_too():
    card_ = card(RATE)
    card_["dimensions"][0]["rule"] = {"name": "achievement_improvement",
                                      "params": {"baseline_period": "2024", "threshold": 50, "benchmark": 90}}
    sc = evalkit.load_scorecard(card_)
    data = evalkit.DataSet.from_columns(["a"], {"closed": [30], "received": [50]}, period="2025",
                                        history={"2024": {"closed": [15], "received": [50]}})
    u = evalkit.evaluate(sc, data).unit("a")
    # 2025: 60 %; baseline 2024: 30 % (derived too). achievement 9 x 10/40 + 0.5 = 2.75 -> 3;
    # improvement 10 x 30/60 - 0.5 = 4.5 -> 5, which only a derived baseline can give.
    assert u.items["closure"].value == 60 and u.items["closure"].points == 5
