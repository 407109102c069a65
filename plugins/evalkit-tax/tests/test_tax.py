"""evalkit-tax: what it registers, its indicators from the sample records by hand, and its rule."""

import evalkit_tax
import pytest
from evalkit_tax import SAMPLES, RecordError, compute

import evalkit


def test_registers_its_indicators_and_rule(register_plugin):
    registry = register_plugin(evalkit_tax, name="tax")
    assert {i.id for i in evalkit_tax.INDICATORS} <= set(registry.indicators)
    assert registry.owner("rules", "forecast_accuracy") == "tax"
    assert all(i.name.zh and i.name.en and ".csv" in i.description.en for i in evalkit_tax.INDICATORS)


def test_sample_records_checked_by_hand():
    values = compute(SAMPLES, "2025")
    # T01: 12 x 100 collected against a plan of 1000; forecasts 100 except 110 in March and August
    # (10 % off twice): mean error 20 / 12 %. T02: forecasts 52 for 50 each month (4 % off), 600 of 800.
    # T03: forecasts 180 for 200 (10 % off), 2400 of 2400. T04 has a plan but no monthly report.
    assert values["tax_forecast_accuracy"] == pytest.approx({"T01": 100 - 20 / 12, "T02": 96.0, "T03": 90.0})
    assert values["tax_revenue_plan_completion"] == pytest.approx({"T01": 120.0, "T02": 75.0, "T03": 100.0})
    # 500 -> 400, 300 -> 330, T03 opened at 0 (no value), 200 -> 150.
    assert values["tax_arrears_change"] == pytest.approx({"T01": -20.0, "T02": 10.0, "T04": -25.0})
    # T01's error of November 2024 belongs to 2024.
    assert values["tax_enforcement_errors"] == {"T01": 2.0, "T02": 0.0, "T03": 1.0, "T04": 0.0}


def test_months_without_revenue_are_left_out_of_the_accuracy():
    revenue = {"unit": ["A", "A", "B"], "month": ["2025-01", "2025-02", "2025-01"],
               "forecast": [10, 5, 3], "actual": [8, 0, 0]}
    values = compute({"revenue": revenue}, "2025")
    assert values == {"tax_forecast_accuracy": {"A": 75.0}}  # A: only January counts, 25 % off; B: nothing


def test_the_rule_scores_the_bureau_tiers_by_default(register_plugin, evaluate_small):
    register_plugin(evalkit_tax, name="tax")
    item = {"indicator": "tax_forecast_accuracy", "max_points": 5, "rule": {"name": "forecast_accuracy"}}
    accuracy = compute(SAMPLES, "2025")["tax_forecast_accuracy"]
    evaluation = evaluate_small(item, {"tax_forecast_accuracy": {**accuracy, "T04": 89.99}})
    # 98.33 >= 98: all 5; 96 >= 95: 90 %; 90 >= 90: 80 %; 89.99: nothing.
    assert [evaluation.unit(u).total for u in ("T01", "T02", "T03", "T04")] == [5, 4.5, 4, 0]
    assert "96 % >= 95 %: 90 % of the item's points, 4.5" in "\n".join(evaluation.explain("T02", lang="en"))


def test_the_rule_takes_its_own_tiers(register_plugin, evaluate_small):
    register_plugin(evalkit_tax, name="tax")
    item = {"indicator": "tax_forecast_accuracy", "max_points": 2,
            "rule": {"name": "forecast_accuracy", "params": {"tiers": [{"min": 99, "share": 1}, {"min": 97, "share": 0.5}],
                                                             "otherwise": 0.25}}}
    evaluation = evaluate_small(item, {"tax_forecast_accuracy": {"a": 99, "b": 98, "c": 50}})
    assert [evaluation.unit(u).total for u in "abc"] == [2, 1, 0.5]


@pytest.mark.parametrize("params, path, text", [
    ({"tiers": [{"min": 98, "share": 1.5}]}, "$.dimensions[0].rule.params.tiers[0].share", ""),
    ({"tiers": [{"min": 98, "share": 0.5}, {"min": 95, "share": 0.9}]}, "$.dimensions[0].rule.params.tiers",
     "a lower accuracy would earn a larger share"),
    ({"tiers": [{"min": 98, "share": 1}, {"min": 98, "share": 0.9}]}, "$.dimensions[0].rule.params.tiers[1].min",
     "two tiers start at the same accuracy"),
    ({"tiers": [{"min": 98, "share": 0.5}], "otherwise": 0.6}, "$.dimensions[0].rule.params.otherwise", "below every tier"),
])
def test_bad_params_are_reported_with_their_path(register_plugin, params, path, text):
    registry = register_plugin(evalkit_tax, name="tax")
    card = {"id": "t", "name": "t", "period": "2025", "dimensions": [
        {"id": "f", "indicator": "tax_forecast_accuracy", "max_points": 5, "rule": {"name": "forecast_accuracy", "params": params}}]}
    [problem] = evalkit.validate(card, registry)
    assert problem.path == path and text in problem.message


def test_an_accuracy_outside_0_to_100_is_a_data_error(register_plugin, evaluate_small):
    register_plugin(evalkit_tax, name="tax")
    item = {"indicator": "tax_forecast_accuracy", "max_points": 5, "rule": {"name": "forecast_accuracy"}}
    with pytest.raises(evalkit.DataError, match="outside what rule 'forecast_accuracy' accepts"):
        evaluate_small(item, {"tax_forecast_accuracy": {"a": 120}})


def test_a_bad_period_is_refused():
    with pytest.raises(RecordError, match="expected a year such as 2025"):
        compute(SAMPLES, "2025Q1")


def test_python_dash_m_writes_the_long_csv(tmp_path):
    from evalkit_tax.__main__ import main

    assert main([str(SAMPLES), "2025", "-o", str(tmp_path / "tax.csv")]) == 0
    lines = (tmp_path / "tax.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "unit,indicator,period,value" and "T01,tax_forecast_accuracy,2025,98.333333" in lines
