"""Formulas over time: lag(x, k), yoy(x) and consecutive(condition, k) read the data's earlier periods;
missing history gives a missing value with reason NO_HISTORY."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.definition.expressions import DIVISION_BY_ZERO, MISSING, NO_HISTORY, OK, REASONS, parse
from evalkit.definition.periods import period_before
from evalkit.errors import DefinitionError
from evalkit.io.data import DataSet, Units

NAN = float("nan")


def run(text, current, history, period="2025"):
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in current.items()}
    past = {p: {k: np.asarray(v, dtype=np.float64) for k, v in cols.items()} for p, cols in history.items()}
    n = len(next(iter(arrays.values())))
    values, reasons = parse(text).evaluate(arrays, n, past, period)
    return [None if np.isnan(v) else float(v) for v in values], reasons.tolist()


@pytest.mark.parametrize(("period", "steps", "before"), [
    ("2025", 1, "2024"), ("2025", 3, "2022"), ("2025Q1", 1, "2024Q4"), ("2025Q3", 4, "2024Q3"),
    ("2025H1", 1, "2024H2"), ("2025-01", 1, "2024-12"), ("2025-03", 12, "2024-03")])
def test_period_before(period, steps, before):
    assert period_before(period, steps) == before


def test_lag_reads_the_earlier_period_and_missing_history_has_its_reason():
    values, reasons = run("x - lag(x, 1)", {"x": [5, 5, 5]}, {"2024": {"x": [3, NAN, 5]}})
    assert values == [2, None, 0] and reasons == [OK, NO_HISTORY, OK]
    values, reasons = run("lag(x, 2)", {"x": [5, 5, 5]}, {"2024": {"x": [3, 3, 3]}})
    assert values == [None] * 3 and reasons == [NO_HISTORY] * 3  # no 2023 at all
    assert run("lag(x / y, 1)", {"x": [1], "y": [1]}, {"2024": {"x": [1], "y": [0]}})[1] == [DIVISION_BY_ZERO]
    assert run("lag(z, 1)", {"x": [1]}, {"2024": {"x": [1]}})[1] == [NO_HISTORY]  # z not in the earlier period
    assert run("x + lag(x, 1)", {"x": [NAN]}, {"2024": {"x": [1]}})[1] == [MISSING]  # the current value's reason first
    assert REASONS[NO_HISTORY] == {"en": "no value for an earlier period", "zh": "缺少往期数据"}


def test_quarters_lag_by_quarters_and_yoy_compares_with_the_same_quarter_a_year_before():
    history = {"2024Q4": {"x": [8, 8]}, "2024Q1": {"x": [10, 0]}}
    assert run("lag(x, 1)", {"x": [12, 12]}, history, "2025Q1")[0] == [8, 8]
    values, reasons = run("yoy(x)", {"x": [12, 12]}, history, "2025Q1")
    assert values == [20, None] and reasons == [OK, DIVISION_BY_ZERO]  # (12 - 10) / 10; a base of 0


def test_consecutive_counts_the_run_ending_now_and_is_missing_only_when_the_count_could_change():
    history = {"2024": {"r": [0, 1, 0, NAN, 0]}, "2023": {"r": [0, 0, NAN, 0, 0]}}
    values, reasons = run("consecutive(r == 0, 3)", {"r": [0, 0, 0, 0, 2]}, history)
    # 0,0,0 -> 3; a run broken in 2024 -> 1; 2023 unknown with the run still going -> missing;
    # 2024 unknown -> missing; not 0 now -> 0 whatever the history
    assert values == [3, 1, None, None, 0]
    assert reasons == [OK, OK, NO_HISTORY, NO_HISTORY, OK]
    assert run("consecutive(r == 0, 2)", {"r": [0]}, {"2024": {"r": [0]}})[0] == [2]  # at most k periods are counted
    assert run("consecutive(r == 0, 1)", {"r": [0]}, {})[0] == [1]


@pytest.mark.parametrize(("text", "message"), [
    ("lag(x, 0)", "a whole number from 1 to 20 as the periods of lag"),
    ("lag(x, y)", "a whole number from 1 to 20 as the periods of lag"),
    ("consecutive(x, 3)", "a condition (a comparison such as x > 0) as the first argument of consecutive"),
    ("consecutive(x > 0, 21)", "a whole number from 1 to 20 as the periods of consecutive"),
    ("yoy(x, 1)", "1 argument: yoy(x)"),
])
def test_time_functions_are_checked_when_parsed(text, message):
    with pytest.raises(DefinitionError) as caught:
        parse(text)
    assert message in str(caught.value.problems[0])


def test_a_clause_flag_from_a_consecutive_formula_scores_across_periods():
    """常年未发展党员: a clause flag computed from three years of data, as a county's 细则 writes it."""
    card = evalkit.load_scorecard({
        "id": "t", "name": "发展党员", "period": "2025",
        "indicators": [{"id": "recruited", "name": "发展党员数"}],
        "derived": [{"id": "none_three_years", "name": "连续三年未发展党员", "direction": "lower",
                     "formula": "if(consecutive(recruited == 0, 3) >= 3, 1, 0)"},
                    {"id": "change", "name": "较上年增减", "formula": "recruited - lag(recruited, 1)"}],
        "dimensions": [{"id": "dev", "name": "发展党员", "max_points": 10, "indicators": ["none_three_years", "recruited"],
                        "rule": {"name": "clauses", "params": {"clauses": [
                            {"id": "none3", "text": "常年未发展党员", "flag": "none_three_years", "points": 4},
                            {"id": "none", "text": "本年未发展党员", "when": {"indicator": "recruited", "below": 1}, "points": 2}]}}},
                       {"id": "trend", "name": "增减", "max_points": 10, "indicator": "change",
                        "rule": {"name": "linear", "params": {"lower": -2, "upper": 2}}}],
    })
    units = Units.from_ids(["a", "b", "c", "d"])
    data = DataSet.from_columns(units, {"recruited": [0, 0, 3, 0]}, period="2025",
                                history={"2024": {"recruited": [0, 0, 2, 0]}, "2023": {"recruited": [0, 1, 0, NAN]}})
    ev = evalkit.evaluate(card, data)
    points = {u: ev.unit(u).items["dev"].points for u in "abcd"}
    assert points == {"a": 4, "b": 8, "c": 10, "d": 0}  # d: history unknown, the item's missing policy (zero) applies
    assert "连续三年未发展党员：缺少往期数据" in ev.explanation("d", lang="zh").text()
    assert "连续三年未发展党员: no value for an earlier period" in ev.explanation("d", lang="en").text()
    assert {u: ev.unit(u).items["trend"].value for u in "abcd"} == {"a": 0, "b": 0, "c": 1, "d": 0}


@settings(max_examples=60, deadline=None)
@given(series=st.lists(st.lists(st.sampled_from([0.0, 1.0, NAN]), min_size=4, max_size=4), min_size=1, max_size=5),
       most=st.integers(min_value=1, max_value=4))
def test_consecutive_agrees_with_counting_by_hand(series, most):
    """Per unit, values for 2022..2025; count the run of zeros ending in 2025, at most `most` long."""
    n = len(series)
    years = ["2022", "2023", "2024", "2025"]
    cols = {y: {"r": [s[k] for s in series]} for k, y in enumerate(years)}
    values, reasons = run(f"consecutive(r == 0, {most})", cols["2025"], {y: cols[y] for y in years[:3]})
    for u in range(n):
        back = [series[u][3 - j] for j in range(most)]
        count, expected = 0, None
        for j, v in enumerate(back):
            if np.isnan(v):
                expected = ("missing", MISSING if j == 0 else NO_HISTORY)
                break
            if v != 0:
                break
            count += 1
        if expected is None:
            assert values[u] == count and reasons[u] == OK
        else:
            assert values[u] is None and reasons[u] == expected[1]
