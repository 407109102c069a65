"""Achievement or improvement (CMS Hospital VBP): cases written from the published formulas.

Sources: 42 CFR 412.165(a) for the point ranges (1-9 achievement between the threshold and the
benchmark, 0-9 improvement, 10 at the benchmark) and the FY 2013 Hospital VBP final rule,
76 FR 26490, for the formulas 9 x (v - AT) / (BM - AT) + 0.5 and 10 x (v - B) / (BM - B) - 0.5,
rounded to whole points.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.rules.achievement_improvement import baseline_thresholds


def run(current, baseline, direction="higher", max_points=10, **params):
    ids = [f"h{i}" for i in range(len(current))]
    sc = evalkit.load_scorecard({
        "id": "vbp", "name": "VBP", "period": "2025",
        "indicators": [{"id": "m", "name": "Measure", "direction": direction}],
        "dimensions": [{"id": "i", "indicator": "m", "max_points": max_points,
                        "rule": {"name": "achievement_improvement", "params": {"baseline_period": "2024", **params}}}]})
    data = evalkit.DataSet.from_columns(ids, {"m": list(current)}, period="2025", history={"2024": {"m": list(baseline)}})
    ev = evalkit.evaluate(sc, data)
    return np.array([ev.unit(u).items["i"].points for u in ids]), ev


def test_worked_example_from_the_formulas():
    # AT 0.5, BM 0.9, own baseline 0.6, current 0.8: achievement 9 x 0.3/0.4 + 0.5 = 7.25 -> 7;
    # improvement 10 x 0.2/0.3 - 0.5 = 6.17 -> 6. The higher, 7, of 10.
    points, ev = run([0.8], [0.6], threshold=0.5, benchmark=0.9)
    assert points[0] == 7
    text = "\n".join(ev.explain("h0", "en"))
    assert "achievement 7, improvement 6" in text


@pytest.mark.parametrize("current, baseline, expected", [
    (0.95, 0.2, 10),   # at or beyond the benchmark: 10
    (0.9, 0.2, 10),
    (0.5, 0.5, 1),     # exactly at the threshold: 9 x 0 + 0.5 = 0.5 -> 1 (the 1-9 range starts there)
    (0.49, 0.1, 4),    # short of the threshold: no achievement; improvement 10 x 0.39/0.8 - 0.5 = 4.375 -> 4
    (0.3, 0.35, 0),    # worse than its own baseline and short of the threshold: 0
    (0.89, 0.2, 9),    # achievement 9 x 0.39/0.4 + 0.5 = 9.275 -> 9, improvement 9.5 -> capped at 9
])
def test_ranges(current, baseline, expected):
    points, _ = run([current], [baseline], threshold=0.5, benchmark=0.9)
    assert points[0] == expected


def test_lower_is_better_mirrors():
    # An infection ratio: AT 1.0, BM 0.4 (lower is better), baseline 1.2, current 0.7.
    # achievement 9 x 0.3/0.6 + 0.5 = 5 ; improvement 10 x 0.5/0.8 - 0.5 = 5.75 -> 6. The higher: 6.
    points, _ = run([0.7], [1.2], direction="lower", threshold=1.0, benchmark=0.4)
    assert points[0] == 6
    mirrored, _ = run([-0.7], [-1.2], direction="higher", threshold=-1.0, benchmark=-0.4)
    assert mirrored[0] == 6


def test_thresholds_from_peers_baseline():
    # Baseline values 1..20: median 10.5; the best decile is the best 2 (20, 19): benchmark 19.5.
    baseline = np.arange(1, 21, dtype=float)
    at, bm = baseline_thresholds(baseline, np.zeros(20, dtype=np.int64), True)
    assert at[0] == 10.5 and bm[0] == 19.5
    at, bm = baseline_thresholds(baseline, np.zeros(20, dtype=np.int64), False)
    assert at[0] == 10.5 and bm[0] == 1.5
    points, _ = run(list(baseline + 2), list(baseline))
    # the first unit: 3 is short of 10.5 (no achievement) but improves on its 1:
    # 10 x (3 - 1) / (19.5 - 1) - 0.5 = 0.58 -> 1
    assert points[-1] == 10 and points[0] == 1


def test_no_baseline_means_achievement_only_and_missing_current_is_missing():
    points, ev = run([0.8, float("nan")], [float("nan"), 0.5], threshold=0.5, benchmark=0.9)
    assert points[0] == 7 and ev.unit("h1").items["i"].missing


def test_params_are_checked():
    reg = evalkit.default_registry()
    card = {"id": "v", "name": "V", "period": "1", "indicators": [{"id": "m", "name": "M"}],
            "dimensions": [{"id": "i", "indicator": "m", "max_points": 10,
                            "rule": {"name": "achievement_improvement", "params": {"baseline_period": 0, "threshold": 5}}}]}
    assert "give both threshold and benchmark" in evalkit.validate(card, reg)[0].message
    card["dimensions"][0]["rule"]["params"]["benchmark"] = 4
    assert "must be above the threshold" in evalkit.validate(card, reg)[0].message


@settings(max_examples=60)
@given(values=st.lists(st.floats(0, 100, allow_nan=False), min_size=3, max_size=25),
       base=st.lists(st.floats(0, 100, allow_nan=False), min_size=3, max_size=25),
       bump=st.floats(0, 20))
def test_bounds_and_a_better_value_never_scores_lower(values, base, bump):
    n = min(len(values), len(base))
    values, base = values[:n], base[:n]
    points, _ = run(values, base)
    assert ((points >= 0) & (points <= 10)).all()
    better, _ = run([values[0] + bump] + values[1:], base)
    assert better[0] >= points[0]


def test_a_value_equal_to_the_median_reaches_the_threshold():
    # median of 6.1 and 6.3 is 6.2; in floats (6.1 + 6.3) / 2 = 6.199999999999999, which must not make
    # a lower-is-better 6.2 fall short of the threshold.
    at, _ = baseline_thresholds(np.array([6.1, 6.3]), np.zeros(2, dtype=np.int64), False)
    assert at[0] == np.median([6.1, 6.3]) and at[0] != 6.2  # the float median, as numpy gives it
    points, _ = run([6.2, 6.0], [6.1, 6.3], direction="lower")
    assert points[0] == 1  # at the threshold: 9 x 0 + 0.5 -> 1, not 0


def test_points_at_three_decimals():
    """point_rounding: thousandths (issue 17): the same worked example, points half up at 3 decimals:
    achievement 9 x 0.3 / 0.4 + 0.5 = 7.25, improvement 10 x 0.2 / 0.3 - 0.5 = 6.1666... -> 6.167."""
    points, ev = run([0.8], [0.6], threshold=0.5, benchmark=0.9, point_rounding="thousandths")
    assert points[0] == 7.25
    assert "achievement 7.25, improvement 6.167" in "\n".join(ev.explain("h0", "en"))
    # Between AT and BM the formulas' own ranges hold: just above AT is 0.5 (whole points give 1).
    points, ev = run([0.5000001], [0.9], threshold=0.5, benchmark=0.9, point_rounding="thousandths")
    assert points[0] == 0.5
    assert run([0.5000001], [0.9], threshold=0.5, benchmark=0.9)[0][0] == 1
    # Improvement near the benchmark: 10 x 0.395 / 0.4 - 0.5 = 9.375, not clipped to 9.
    text = "\n".join(run([0.895], [0.5], threshold=0.5, benchmark=0.9, point_rounding="thousandths")[1].explain("h0", "en"))
    assert "improvement 9.375" in text


def test_json_result_carries_achievement_and_improvement_points():
    """Issue 17: the JSON result shows HVBP's figures per unit (they were only in the explanation text)."""
    _, ev = run([0.8], [0.6], threshold=0.5, benchmark=0.9, point_rounding="thousandths")
    details = ev.unit_dict("h0")["items"]["i"]["details"]
    assert details == {"threshold": 0.5, "benchmark": 0.9, "baseline": 0.6, "achievement": 7.25, "improvement": 6.167}
    _, ev = run([0.8], [0.6], threshold=0.5, benchmark=0.9)
    assert ev.unit_dict("h0")["items"]["i"]["details"]["achievement"] == 7


@pytest.mark.parametrize(("method", "threshold"), [
    # baseline 1 2 3 4 (even count): numpy.percentile(q=50) gives 2.5 (linear, the default, = numpy.median),
    # 2 (lower, inverted_cdf: H&F definition 1), 3 (higher), 2.5 (midpoint, hazen)
    ("linear", 2.5), ("lower", 2.0), ("higher", 3.0), ("inverted_cdf", 2.0), ("midpoint", 2.5), ("hazen", 2.5),
])
def test_the_median_method_of_the_achievement_threshold_is_selectable(method, threshold):
    baseline = np.array([1.0, 2.0, 3.0, 4.0])
    at, bm = baseline_thresholds(baseline, np.zeros(4, dtype=int), True, method)
    assert at.tolist() == [threshold] * 4 and bm.tolist() == [4.0] * 4
    # through the scorecard: h1 (baseline 2, current 2) reaches a threshold of 2 (1 point: 9 x 0 + 0.5, half up)
    # but not one of 2.5 or 3 (0 points; no improvement on its own baseline)
    points, _ = run([2.0, 2.0, 2.0, 2.0], baseline, median_method=method)
    assert points[1] == (1 if threshold == 2.0 else 0)


def test_an_unknown_median_method_is_a_definition_error():
    with pytest.raises(evalkit.DefinitionError, match="median_method"):
        run([1.0], [1.0], median_method="median")
