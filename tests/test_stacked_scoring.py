"""A few units are scored with every item's points as the rows of one array (issue 14, point 1).

`evalkit.scoring.engine` scores up to STACKED_UNITS units this way: range checks, the rounding of points and
of contributions and each level of dimensions take one numpy call for all items instead of one per item.
Everything must be what scoring item by item gives: the same bits, the same problems in the same order,
the same first error. The reference is the same engine with STACKED_UNITS = 0 (item by item, the path for
many units). Also: the scorecard's plan is computed once and kept on the (frozen) scorecard.
"""

from __future__ import annotations

import math
from typing import ClassVar

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import evalkit
from evalkit.io.data import DataSet
from evalkit.rules.base import Rule
from evalkit.scoring import engine


def same_bits(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind != "f":
        return bool(np.array_equal(a, b))
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    return bool(np.array_equal(nan_a, nan_b) and np.array_equal(a[~nan_a].view(np.uint64), b[~nan_b].view(np.uint64)))


def item_by_item(card, data, **kwargs):
    saved, engine.STACKED_UNITS = engine.STACKED_UNITS, 0
    try:
        return evalkit.evaluate(card, data, **kwargs)
    finally:
        engine.STACKED_UNITS = saved


def assert_same(stacked, reference):
    assert same_bits(stacked.totals, reference.totals) and same_bits(stacked.items_total, reference.items_total)
    assert list(stacked.dimensions) == list(reference.dimensions)
    for key in reference.dimensions:
        assert same_bits(stacked.dimensions[key], reference.dimensions[key]), key
    assert list(stacked.cap_restored) == list(reference.cap_restored)
    for key in reference.cap_restored:
        assert same_bits(stacked.cap_restored[key], reference.cap_restored[key]), key
    assert list(stacked.items) == list(reference.items)
    for key, r in reference.items.items():
        s = stacked.items[key]
        assert same_bits(s.points, r.points) and same_bits(s.score, r.score), key
        assert same_bits(s.missing, r.missing) and same_bits(s.share, r.share) and same_bits(s.values, r.values), key
    assert same_bits(stacked.ranks, reference.ranks) and same_bits(stacked.grades, reference.grades)
    assert stacked.to_dict() == reference.to_dict()


def card(missing="zero", rounding=None, cap=5.0):
    """Points and weights at three levels, a deduction cap, every built-in kind of the benchmark."""
    return evalkit.load_scorecard({
        "id": "c", "name": "Stacked", "period": "1", "rounding": rounding or {"decimals": 2, "mode": "half_up"},
        "indicators": [{"id": "missed", "name": "Missed", "direction": "lower"},
                       {"id": "late", "name": "Late", "direction": "lower"},
                       {"id": "rate", "name": "Rate"}, {"id": "share", "name": "Share"}],
        "dimensions": [
            {"id": "discipline", "name": "Discipline", "weight": 30, "deduction_cap": cap, "children": [
                {"id": "meetings", "indicator": "missed", "max_points": 10, "rule": {"name": "per_event", "params": {"per_event": 1.5}}},
                {"id": "reports", "indicator": "late", "max_points": 10, "missing": missing,
                 "rule": {"name": "per_event", "params": {"per_event": 2.25}}}]},
            {"id": "work", "name": "Work", "weight": 60, "children": [
                {"id": "sub", "name": "Sub", "weight": 0.6, "children": [
                    {"id": "r", "indicator": "rate", "weight": 0.7, "missing": missing,
                     "rule": {"name": "linear", "params": {"lower": 10, "upper": 90}}},
                    {"id": "s", "indicator": "share", "weight": 0.3, "missing": missing,
                     "rule": {"name": "target", "params": {"target": 7}}}]},
                {"id": "deeper", "name": "Deeper", "weight": 0.4, "children": [
                    {"id": "inner", "name": "Inner", "weight": 0.5, "children": [
                        {"id": "t", "indicator": "rate", "max_points": 6, "rule": {"name": "tiers", "params": {"tiers": [
                            {"threshold": 90, "points": 6}, {"threshold": 60, "points": 3.5}]}}}]},
                    {"id": "r2", "indicator": "rate", "weight": 0.5, "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}]}]},
            {"id": "alone", "indicator": "share", "weight": 10, "rule": {"name": "target", "params": {"target": 3}}},
        ],
        "grading": {"bands": [{"min": 80, "grade": "A"}, {"min": 50, "grade": "B"}, {"min": 0, "grade": "C"}]}})


ROUNDINGS = [None, {"decimals": 2, "mode": "half_even"}, {"decimals": 0, "mode": "up"}, {"decimals": 3, "mode": "down"},
             {"decimals": 2, "stage": "total"}]


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 50), data=st.data(), missing=st.sampled_from(["reweight", "zero"]),
       rounding=st.sampled_from(ROUNDINGS))
def test_a_few_units_score_as_item_by_item(n, data, missing, rounding):
    def values(low, high):
        return data.draw(hnp.arrays(np.float64, n, elements=st.one_of(
            st.just(math.nan), st.floats(low, high, allow_nan=False).map(lambda v: round(v * 100) / 100))))

    cols = {"missed": np.nan_to_num(values(0, 9)), "late": values(0, 9), "rate": values(0, 100), "share": values(0, 10)}
    sc = card(missing, rounding)
    ids = [f"u{i}" for i in range(n)]
    stacked = evalkit.evaluate(sc, DataSet.from_columns(ids, cols, period="1"))
    assert_same(stacked, item_by_item(sc, DataSet.from_columns(ids, cols, period="1")))


def test_the_benchmark_scorecard_scores_as_item_by_item():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_scoring

    sc = evalkit.load_scorecard(bench_scoring.build_scorecard())
    for missing in (0.0, 0.1):
        cols = bench_scoring.generate_columns(300, 7, missing)
        ids = [f"u{i}" for i in range(300)]
        assert_same(evalkit.evaluate(sc, DataSet.from_columns(ids, cols)), item_by_item(sc, DataSet.from_columns(ids, cols)))


# --- rules that misbehave: the same message, and the first one, either way ---------------------------------------

class Overshoots(Rule):
    name = "overshoots"

    def score(self, values, ctx):
        return np.full(values.shape, ctx.max_points + 0.5)  # past the tolerance: a plugin bug


class Raises(Rule):
    name = "raises"

    def score(self, values, ctx):
        raise ZeroDivisionError("no")


class WrongShape(Rule):
    name = "wrong_shape"

    def score(self, values, ctx):
        return np.zeros(values.shape[0] + 1)


class Integers(Rule):
    name = "integers"

    def score(self, values, ctx):
        return np.where(np.isnan(values), 0, 3).astype(np.int32)


class NotNumbers(Rule):
    name = "not_numbers"

    def score(self, values, ctx):
        return np.array(["a"] * values.shape[0], dtype=object)


class SlightlyOver(Rule):
    name = "slightly_over"
    made: ClassVar[list] = []

    def score(self, values, ctx):
        out = np.where(np.isnan(values), np.nan, ctx.max_points * (1 + 1e-12))  # within the tolerance: clipped
        self.made.append(out)
        return out


RULES = (Overshoots(), Raises(), WrongShape(), Integers(), NotNumbers(), SlightlyOver())


def rules_card(first, second, missing="zero"):
    registry = evalkit.default_registry()
    registry = attrs.evolve(registry, rules={**registry.rules, **{r.name: r for r in RULES}})
    return evalkit.load_scorecard({
        "id": "m", "name": "M", "period": "1",
        "indicators": [{"id": "x", "name": "X"}, {"id": "k", "name": "K", "direction": "lower"}],
        "dimensions": [{"id": "d", "name": "D", "children": [
            {"id": "a", "indicator": "x", "max_points": 10, "missing": missing, "rule": {"name": first}},
            {"id": "e", "indicator": "k", "max_points": 10, "rule": {"name": "per_event", "params": {"per_event": 1}}},
            {"id": "b", "indicator": "x", "max_points": 10, "missing": missing, "rule": {"name": second}}]}]},
        registry=registry)


def outcome(sc, values, stacked):
    try:
        ev = evalkit.evaluate(sc, values) if stacked else item_by_item(sc, values)
    except evalkit.EvalkitError as exc:
        return type(exc).__name__, [str(p) for p in exc.problems]
    return "ok", ev.to_dict()


@pytest.mark.parametrize("first", [r.name for r in RULES] + ["linear"])
@pytest.mark.parametrize("second", [r.name for r in RULES])
@pytest.mark.parametrize("events", [[1.0, 2.0, 0.0], [1.0, -2.0, -1.0]])  # negative counts: per_event refuses them
@pytest.mark.parametrize("missing", ["zero", "fail"])
def test_errors_are_the_same_and_come_in_the_same_order(first, second, events, missing):
    if first == "linear":
        sc = rules_card("slightly_over", second, missing)
        sc = attrs.evolve(sc, dimensions=sc.dimensions)  # a copy: its own plan
    else:
        sc = rules_card(first, second, missing)
    values = {"x": {"u1": 50.0, "u2": 81.0}, "k": {"u1": events[0], "u2": events[1], "u3": events[2]}}
    assert outcome(sc, values, stacked=True) == outcome(sc, values, stacked=False)


def test_an_earlier_items_range_error_comes_before_a_later_rules_failure():
    kind, problems = outcome(rules_card("overshoots", "raises"), {"x": {"u1": 1.0}, "k": {"u1": 0.0}}, stacked=True)
    assert kind == "PluginError" and "outside the item's range" in problems[0] and "(item 'a')" in problems[0]


def test_a_result_kept_by_its_rule_is_not_changed():
    sc = rules_card("slightly_over", "integers")
    ev = evalkit.evaluate(sc, {"x": {"u1": 5.0, "u2": math.nan}, "k": {"u1": 1.0, "u2": 0.0}})
    assert ev.items["a"].points.tolist() == [10.0, 0.0] and ev.items["b"].points.tolist() == [3.0, 0.0]
    assert SlightlyOver.made[-1][0] == 10.0 * (1 + 1e-12)  # clipped in the engine's array, not in the rule's


def test_progress_is_called_once_per_item():
    calls = []
    evalkit.evaluate(card(), {"missed": {"u": 1}, "late": {"u": 2}, "rate": {"u": 50}, "share": {"u": 5}},
                     progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, 7) for k in range(1, 8)]


# --- the plan is kept on the scorecard ----------------------------------------------------------------------------

def test_the_plan_is_computed_once_and_kept_on_the_scorecard():
    sc = card()
    plan = engine.scoring_plan(sc)
    assert engine.scoring_plan(sc) is plan
    assert [item.id for item in plan.items] == [item.id for item in sc.items()] == ["meetings", "reports", "r", "s", "t", "r2",
                                                                                    "alone"]
    assert [[d.id for d in level] for level in plan.levels] == [["discipline", "sub", "inner"], ["deeper"], ["work"]]
    assert sc.items() is not sc.items()  # a new list each call: changing it changes nothing
    sc.items().clear()
    assert len(sc.items()) == 7
    assert not plan.reweights and math.isclose(sum(plan.shares.values()), 100.0)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        sc.dimensions = ()  # type: ignore[misc]


def test_a_changed_copy_of_a_scorecard_gets_a_plan_of_its_own():
    sc = card()
    engine.scoring_plan(sc)
    fewer = attrs.evolve(sc, dimensions=sc.dimensions[1:])
    assert engine.scoring_plan(fewer) is not engine.scoring_plan(sc)
    assert [item.id for item in engine.scoring_plan(fewer).items] == ["r", "s", "t", "r2", "alone"]
    values = {"missed": {"u": 1}, "late": {"u": 2}, "rate": {"u": 50}, "share": {"u": 5}}
    ev = evalkit.evaluate(fewer, values)
    assert list(ev.items) == ["r", "s", "t", "r2", "alone"]
    assert_same(ev, item_by_item(fewer, values))


def test_reweighted_shares_are_not_taken_from_the_plan():
    sc = card("reweight")
    assert engine.scoring_plan(sc).reweights and engine.scoring_plan(sc).shares == {}
    ev = evalkit.evaluate(sc, {"missed": {"u": 1, "v": 0}, "late": {"u": 2}, "rate": {"u": 50, "v": 70},
                               "share": {"u": 5, "v": 1}})
    assert isinstance(ev.items["meetings"].share, np.ndarray)  # per unit: v's `reports` was re-weighted away


def test_the_stacked_path_is_taken_for_a_few_units_only(monkeypatch):
    calls = []
    stacked = engine._score_stacked
    monkeypatch.setattr(engine, "_score_stacked", lambda *args: calls.append(len(args[2].units)) or stacked(*args))
    monkeypatch.setattr(engine, "STACKED_UNITS", 5)
    sc = card()
    for n in (5, 6):
        ids = [f"u{i}" for i in range(n)]
        evalkit.evaluate(sc, {"missed": dict.fromkeys(ids, 1.0), "late": dict.fromkeys(ids, 2.0),
                              "rate": dict.fromkeys(ids, 50.0), "share": dict.fromkeys(ids, 5.0)})
    assert calls == [5]  # six units: item by item
