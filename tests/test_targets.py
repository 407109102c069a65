"""Improvement targets: periods, trajectories, every status boundary, generation rules, files, plans, the command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.analysis.targets import (
    STATUSES,
    Targets,
    assess,
    expected_values,
    generated_targets,
    load_plan,
    period_position,
    progress,
    read_targets,
    target_columns,
    target_status,
    targets_from_plan,
    with_target_columns,
)
from evalkit.cli import main
from evalkit.errors import DataError, DefinitionError
from evalkit.io.data import DataSet
from evalkit.io.inputs import read_table

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "targets"
ARGS = (EXAMPLE / "scorecard.yaml", "--data", EXAMPLE / "data.csv", "--units", EXAMPLE / "units.csv")


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, out, err


def status(a, b, t, e, tol=0.1, higher=True) -> str:
    code = target_status(np.array([a], dtype=float), np.array([b], dtype=float), np.array([t], dtype=float),
                         np.array([e], dtype=float), tol, higher)
    return STATUSES[int(code[0])]


# --------------------------------------------------------------------------------------------------
# Periods and trajectories


@pytest.mark.parametrize("text, expected", [("2025", (1, 2025)), ("2025H2", (2, 4051)), ("2025-Q1", (4, 8100)),
                                            ("2025q4", (4, 8103)), ("2025-07", (12, 24306)), ("7", (1, 7))])
def test_period_positions(text, expected):
    assert period_position(text) == expected


@pytest.mark.parametrize("text", ["2025-13", "2025Q5", "FY2025", "", "2025/07"])
def test_unreadable_periods(text):
    with pytest.raises(ValueError):
        period_position(text)


def test_linear_and_stepped_trajectories():
    b, t = np.full(7, 80.0), np.full(7, 100.0)
    elapsed = np.array([-1, 0, 1, 2, 3, 4, 5])
    linear = expected_values(b, t, elapsed, np.full(7, 4))
    assert linear.tolist() == [80, 80, 85, 90, 95, 100, 100]  # clamped before the baseline and after the due period
    one_step = expected_values(b, t, elapsed, np.full(7, 4), stepped=True, steps=1)
    assert one_step.tolist() == [80, 80, 80, 80, 80, 100, 100]
    two_steps = expected_values(b, t, elapsed, np.full(7, 4), stepped=True, steps=2)
    assert two_steps.tolist() == [80, 80, 80, 90, 90, 100, 100]
    quarterly = expected_values(np.full(3, 0.1), np.full(3, 0.3), np.array([0, 6, 12]), np.full(3, 12), stepped=True, steps=3)
    assert quarterly[0] == 0.1 and quarterly[2] == 0.3  # exact at both ends


@settings(max_examples=200)
@given(b=st.floats(-1e4, 1e4), t=st.floats(-1e4, 1e4), horizon=st.integers(1, 40), elapsed=st.integers(-5, 50),
       stepped=st.booleans(), steps=st.integers(1, 12))
def test_expected_value_lies_between_baseline_and_target(b, t, horizon, elapsed, stepped, steps):
    e = expected_values(np.array([b]), np.array([t]), np.array([elapsed]), np.array([horizon]), stepped, steps)[0]
    assert min(b, t) - 1e-9 * max(1, abs(b), abs(t)) <= e <= max(b, t) + 1e-9 * max(1, abs(b), abs(t))
    if elapsed <= 0:
        assert e == b
    if elapsed >= horizon:
        assert e == t


# --------------------------------------------------------------------------------------------------
# Status: every boundary, both directions


def test_status_boundaries_higher_is_better():
    # baseline 80, target 100, expected 90 (half-way), tolerance 0.1 of |100 - 80| = 2
    assert status(100, 80, 100, 90) == "achieved"          # at the target
    assert status(120, 80, 100, 90) == "achieved"          # beyond it
    assert status(99.999, 80, 100, 90) == "on_track"       # just short of the target, ahead of the trajectory
    assert status(90, 80, 100, 90) == "on_track"           # on the trajectory
    assert status(88, 80, 100, 90) == "on_track"           # exactly expected - tolerance x |T - b|
    assert status(87.9999, 80, 100, 90) == "behind"        # just beyond the tolerance
    assert status(80.0001, 80, 100, 90) == "behind"        # just better than the baseline
    assert status(80, 80, 100, 90) == "off_track"          # at the baseline
    assert status(70, 80, 100, 90) == "off_track"          # worse than the baseline
    assert status(math.nan, 80, 100, 90) == "no_data"
    assert status(90, math.nan, 100, 90) == "no_data"
    assert status(90, 80, math.nan, 90) == "no_data"


def test_status_boundaries_lower_is_better():
    # absences: baseline 10, target 5, expected 7.5, tolerance 0.2 of |5 - 10| = 1
    lower = {"tol": 0.2, "higher": False}
    assert status(5, 10, 5, 7.5, **lower) == "achieved"
    assert status(4, 10, 5, 7.5, **lower) == "achieved"
    assert status(5.0001, 10, 5, 7.5, **lower) == "on_track"
    assert status(8.5, 10, 5, 7.5, **lower) == "on_track"  # exactly expected + tolerance x |T - b|
    assert status(8.5001, 10, 5, 7.5, **lower) == "behind"
    assert status(9.9999, 10, 5, 7.5, **lower) == "behind"
    assert status(10, 10, 5, 7.5, **lower) == "off_track"
    assert status(12, 10, 5, 7.5, **lower) == "off_track"


def test_status_edge_cases():
    assert status(88, 80, 100, 90, tol=0) == "behind"          # no tolerance
    assert status(90, 80, 100, 90, tol=0) == "on_track"
    assert status(0.2, 0.1, 0.3, 0.1 + 0.5 * (0.3 - 0.1), tol=0) == "on_track"  # float noise is not a shortfall
    assert status(95, 95, 95, 95) == "achieved"                # a target to hold the baseline, held
    assert status(94, 95, 95, 95) == "off_track"               # ... and not held
    assert status(80, 80, 100, 80) == "on_track"               # at the baseline period nothing is expected yet
    assert status(93, 95, 90, 92.5) == "achieved"              # a target below the baseline (limit a decline), met


def _reference(a, b, t, e, tol, higher):
    """The documented rules, written out with scalars."""
    s = 1 if higher else -1
    eps = 1e-9 * max(1, abs(b), abs(t))
    if any(math.isnan(x) for x in (a, b, t)):
        return "no_data"
    if s * (a - t) >= -eps:
        return "achieved"
    if s * (a - e) >= -tol * abs(t - b) - eps:
        return "on_track"
    if s * (a - b) > eps:
        return "behind"
    return "off_track"


numbers = st.floats(-1000, 1000, allow_nan=False).map(lambda v: round(v, 2))


@settings(max_examples=300)
@given(a=st.one_of(numbers, st.just(math.nan)), b=numbers, t=numbers, f=st.sampled_from([0, 0.25, 0.5, 1]),
       tol=st.sampled_from([0, 0.05, 0.1, 0.25]), higher=st.booleans())
def test_status_follows_the_documented_rules(a, b, t, f, tol, higher):
    e = b + f * (t - b)
    assert status(a, b, t, e, tol, higher) == _reference(a, b, t, e, tol, higher)
    # lower is better is the mirror image of higher is better
    assert status(a, b, t, e, tol, higher) == status(-a, -b, -t, -e, tol, not higher)


def test_progress():
    p = progress(np.array([90.0, 80.0, 110.0, 5.0]), np.array([80.0, 80.0, 80.0, 5.0]), np.array([100.0, 100.0, 100.0, 5.0]))
    assert p[:3].tolist() == [0.5, 0.0, 1.5] and np.isnan(p[3])


# --------------------------------------------------------------------------------------------------
# Generated targets


def test_generation_rules():
    b = np.array([60.0, 70.0, 80.0, 90.0, 100.0, np.nan])
    codes = np.zeros(6, dtype=np.int64)
    median = generated_targets("peer_median", b, codes, True)
    assert median[:5].tolist() == [80, 80, 80, 90, 100] and np.isnan(median[5])  # at or above the median: hold
    gap = generated_targets("close_gap", b, codes, True, years=2, share=25)  # top decile of 5 values: the best one, 100
    assert gap[:5].tolist() == [80, 85, 90, 95, 100]
    capped = generated_targets("close_gap", b, codes, True, years=10, share=25)
    assert capped[:5].tolist() == [100, 100, 100, 100, 100]
    up = generated_targets("above_baseline", b, codes, True, percent=5)
    assert up[:5].tolist() == pytest.approx([63, 73.5, 84, 94.5, 105])
    limited = generated_targets("above_baseline", b, codes, True, percent=5, limit=100)
    assert limited[:5].tolist() == pytest.approx([63, 73.5, 84, 94.5, 100])
    absences = np.array([10.0, 4.0, 2.0, 0.0])
    down = generated_targets("above_baseline", absences, np.zeros(4, dtype=np.int64), False, percent=20)
    assert down.tolist() == pytest.approx([8, 3.2, 1.6, 0])
    med_low = generated_targets("peer_median", absences, np.zeros(4, dtype=np.int64), False)
    assert med_low.tolist() == [3, 3, 2, 0]
    with pytest.raises(ValueError):
        generated_targets("guess", b, codes, True)


def test_generation_by_peer_group():
    b = np.array([60.0, 80.0, 10.0, 30.0])
    codes = np.array([0, 0, 1, 1])
    assert generated_targets("peer_median", b, codes, True).tolist() == [70, 80, 20, 30]


# --------------------------------------------------------------------------------------------------
# Files and plans


def _example():
    scorecard = evalkit.load_scorecard(EXAMPLE / "scorecard.yaml")
    units = evalkit.load_units(EXAMPLE / "units.csv", scorecard.registry)
    return scorecard, evalkit.load_data(EXAMPLE / "data.csv", units, scorecard)


def test_read_targets_fills_empty_baselines(registry):
    scorecard, data = _example()
    targets = read_targets(read_table(EXAMPLE / "targets.csv", registry), data, scorecard.indicators)
    assert len(targets) == 11
    k = next(k for k in range(len(targets)) if targets.indicator[k] == "meetings_rate")
    assert targets.baseline[k] == 60 and targets.trajectory[k] == "stepped"  # B03's 2023 value from the data
    assessment = assess(targets, data, scorecard.indicators)
    row = next(r for r in assessment.rows() if r["indicator"] == "meetings_rate")
    assert row["expected"] == 60 and row["actual"] == 70 and row["status"] == "on_track"


def test_bad_target_rows_are_named(tmp_path, registry):
    scorecard, data = _example()
    path = tmp_path / "targets.csv"
    path.write_text("unit,indicator,baseline_period,baseline,target,due\n"
                    "B99,recruitment,2024,,2,2025\n"
                    "B01,recruits,2024,,2,2025\n"
                    "B01,recruitment,2024,,two,2025\n"
                    "B01,recruitment,2024,,2,2025\n"
                    "B01,recruitment,2024,,3,2025\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_targets(read_table(path, registry), data, scorecard.indicators)
    assert [p.row for p in info.value.problems] == [2, 3, 4, 6]
    path.write_text("unit,indicator,baseline_period,baseline,target,due\n"
                    "B01,recruitment,2025,,2,2024\n"
                    "B02,recruitment,2024,,2,2025Q1\n"
                    "B03,recruitment,FY24,,2,2025\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_targets(read_table(path, registry), data, scorecard.indicators)
    messages = [p.message for p in info.value.problems]
    assert messages == ["the due period must come after the baseline period",
                        "the baseline and due periods are of different kinds", "the period is not readable"]


def test_plan_errors_have_lines(tmp_path):
    scorecard, data = _example()
    plan = tmp_path / "plan.yaml"
    plan.write_text("targets:\n  - indicator: satisfaction\n    rule: close_gap\n    baseline_period: '2023'\n    due: '2026'\n",
                    encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_plan(plan, scorecard.indicators, data.units)
    problem = info.value.problems[0]
    assert "'share' is missing" in problem.message and problem.line == 2
    plan.write_text("targets:\n  - {indicator: nope, rule: peer_median, baseline_period: 2023, due: 2022, units: [B01, X]}\n",
                    encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_plan(plan, scorecard.indicators, data.units)
    assert [p.path for p in info.value.problems] == ["$.targets[0].indicator", "$.targets[0].units[1]", "$.targets[0].due"]


def test_plan_needs_the_baseline_period_in_the_data():
    scorecard, data = _example()
    entries, _ = load_plan({"targets": [{"indicator": "satisfaction", "rule": "peer_median", "baseline_period": "2019",
                                         "due": "2026"}]}, scorecard.indicators, data.units)
    with pytest.raises(DataError, match="no data for the baseline period '2019'"):
        targets_from_plan(entries, data, scorecard.indicators)


def test_plan_example_and_file_override():
    scorecard, data = _example()
    entries, _ = load_plan(EXAMPLE / "plan.yaml", scorecard.indicators, data.units)
    planned = targets_from_plan(entries, data, scorecard.indicators, decimals=2)
    assert len(planned) == 30 and set(planned.source) == {"rule:peer_median", "rule:close_gap", "rule:above_baseline"}
    override = Targets.from_rows(data.units, [{"unit": "B03", "indicator": "meetings_rate", "baseline_period": "2023",
                                               "baseline": 60, "target": 90, "due": "2026"}])
    merged = planned.merged(override)
    assert len(merged) == 30
    rows = [r for r in merged.rows() if r["unit"] == "B03" and r["indicator"] == "meetings_rate"]
    assert rows == [dict(rows[0], target=90, source="file")]


# --------------------------------------------------------------------------------------------------
# Feeding the target-attainment rule


def test_target_columns_feed_the_target_rule(registry):
    scorecard, data = _example()
    targets = read_targets(read_table(EXAMPLE / "targets.csv", registry), data, scorecard.indicators)
    assessment = assess(targets, data, scorecard.indicators)
    columns = target_columns(assessment)
    assert set(columns) == {"recruitment.target", "recruitment.expected", "meetings_rate.target", "meetings_rate.expected"}
    # the example's data file already holds recruitment.target rows (written by evalkit targets --format data);
    # scoring without them but with the columns from the targets gives the same result
    stripped = DataSet(units=data.units, period=data.period, history=data.history,
                       columns={k: v for k, v in data.columns.items() if k != "recruitment.target"})
    with_file = evalkit.evaluate(scorecard, data).to_dict()
    from_targets = evalkit.evaluate(scorecard, with_target_columns(stripped, assessment)).to_dict()
    assert with_file == from_targets
    assert from_targets["units"][0]["items"]["recruit"]["points"] is not None


# --------------------------------------------------------------------------------------------------
# The command


def test_cli_targets(capsys, tmp_path):
    code, out, _err = run(capsys, "targets", *ARGS, "--plan", EXAMPLE / "plan.yaml", "--targets", EXAMPLE / "targets.csv")
    assert code == 0 and "按进度" in out and "无数据" in out
    code, out, _ = run(capsys, "targets", *ARGS, "--plan", EXAMPLE / "plan.yaml", "--format", "json", "--unit", "B07")
    doc = json.loads(out)
    assert code == 0 and {r["unit"] for r in doc["targets"]} == {"B07"} and sum(doc["counts"].values()) == 3
    code, out, _ = run(capsys, "targets", *ARGS, "--targets", EXAMPLE / "targets.csv", "--format", "csv", "--status", "off_track")
    lines = out.lstrip("\ufeff").splitlines()
    assert code == 0 and lines[0].startswith("unit,name,indicator") and all(line.endswith(",off_track") for line in lines[1:])
    code, out, _ = run(capsys, "targets", *ARGS, "--targets", EXAMPLE / "targets.csv", "--indicator", "recruitment",
                       "--format", "data")
    assert code == 0 and out.splitlines()[0] == "unit,indicator,period,value" and "P01,recruitment.target,2025,2" in out
    code, out, _ = run(capsys, "targets", *ARGS, "--plan", EXAMPLE / "plan.yaml", "--lang", "en", "--tolerance", "0")
    assert code == 0 and "on track" in out


def test_cli_targets_errors(capsys, tmp_path):
    code, _, err = run(capsys, "targets", *ARGS)
    assert code == 64 and "--targets" in err
    plan = tmp_path / "plan.yaml"
    plan.write_text("targets:\n  - {indicator: satisfaction, rule: nearest, baseline_period: 2023, due: 2026}\n", encoding="utf-8")
    code, _, err = run(capsys, "targets", *ARGS, "--plan", plan)
    assert code == 2 and "plan.yaml:2" in err
    code, _, err = run(capsys, "targets", *ARGS, "--plan", EXAMPLE / "plan.yaml", "--period", "2025Q1")
    assert code == 3
    code, _, err = run(capsys, "targets", *ARGS, "--plan", EXAMPLE / "plan.yaml", "--tolerance", "-1")
    assert code == 64


def test_the_period_must_be_of_the_targets_kind():
    scorecard, data = _example()
    targets = Targets.from_rows(data.units, [{"unit": "B01", "indicator": "satisfaction", "baseline_period": "2023",
                                              "baseline": 80, "target": 90, "due": "2026"}])
    with pytest.raises(DataError, match="not of the same kind"):
        assess(targets, data, scorecard.indicators, period="2025Q1")
    with pytest.raises(DataError, match="not readable"):
        assess(targets, data, scorecard.indicators, period="FY2025")
