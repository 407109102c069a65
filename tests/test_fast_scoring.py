"""The fast paths of scoring give the same bits as the formulas they replace (issue 14, point 1).

- `round_array` takes in-place ufuncs for arrays whose scaled values lie below 2**52; the reference
  below is the formula it had before, copied verbatim, and the two must agree bit for bit (-0.0 -> 0.0
  included) for every mode and 0..10 decimals;
- the engine rolls item contributions up to dimensions in blocks of units: any block size gives the
  bits of one block over all units;
- rules see their input read-only; one that writes into it is given a copy, and a rule's array that
  someone else holds is never changed in place;
- quotas are applied for all groups at once; the reference is the former loop over groups.
"""

from __future__ import annotations

import math
import weakref
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
from evalkit.scoring.quotas import apply_quotas, places
from evalkit.scoring.rounding import MODES, Rounding, round_array

_SNAP_DECIMALS = 6


def reference_round(values, decimals=2, mode="half_up"):
    """evalkit.scoring.rounding.round_array before issue 14, verbatim."""
    x = np.asarray(values, dtype=np.float64)
    scale = 10.0 ** decimals
    exact = None
    with np.errstate(over="ignore", invalid="ignore"):
        if x.size and np.max(np.abs(x), initial=0.0, where=~np.isnan(x)) * scale >= 2.0 ** 52:
            exact = np.abs(x) * scale >= 2.0 ** 52
            x_safe = np.where(exact, 0.0, x)
        else:
            x_safe = x
        scaled = np.round(x_safe * scale, _SNAP_DECIMALS)
    magnitude = np.abs(scaled)
    if mode == "half_up":
        rounded = np.floor(magnitude + 0.5)
    elif mode == "half_even":
        rounded = np.round(magnitude)
    elif mode == "down":
        rounded = np.floor(magnitude)
    elif mode == "up":
        rounded = np.ceil(magnitude)
    else:
        raise ValueError(mode)
    result = np.copysign(rounded, scaled) / scale
    if exact is not None:
        result = np.where(exact, x, result)
    return result + 0.0


def same_bits(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    return bool(np.array_equal(nan_a, nan_b) and np.array_equal(a[~nan_a].view(np.uint64), b[~nan_b].view(np.uint64)))


halves = st.builds(lambda k, d: k / 2 / 10.0 ** d, st.integers(-10**9, 10**9), st.integers(0, 11))
decimal_texts = st.builds(lambda k, d: k / 10.0 ** d, st.integers(-10**12, 10**12), st.integers(0, 12))
specials = st.sampled_from([0.0, -0.0, math.nan, 2.0**52, -(2.0**52), 2.0**52 - 0.5, 2.0**53 + 2, 1e300, -1e300,
                            math.inf, -math.inf, 2.675, 1.005, -1.005, 0.125, 5e-324, 1e-9])
any_float = st.floats(allow_nan=True, allow_infinity=True, width=64)
elements = st.one_of(halves, decimal_texts, specials, any_float,
                     st.floats(min_value=0, max_value=1000, allow_nan=False))


@settings(max_examples=600, deadline=None)
@given(values=st.lists(elements, min_size=0, max_size=40), decimals=st.integers(0, 10), mode=st.sampled_from(MODES))
def test_fast_rounding_equals_the_former_formula_bit_for_bit(values, decimals, mode):
    x = np.array(values, dtype=np.float64)
    expected = reference_round(x, decimals, mode)
    assert same_bits(round_array(x, decimals, mode), expected)
    buffer = x.copy()
    assert same_bits(round_array(buffer, decimals, mode, out=buffer), expected)  # in place
    assert same_bits(Rounding(decimals, mode)(x, out=np.empty_like(x)), expected)  # into a reused buffer
    assert not np.signbit(round_array(x, decimals, mode)[x == 0]).any()  # never "-0"


@settings(max_examples=300, deadline=None)
@given(values=hnp.arrays(np.float64, st.integers(1, 300), elements=st.floats(0, 1000, allow_nan=False)),
       decimals=st.integers(0, 10), mode=st.sampled_from(MODES))
def test_scores_take_the_fast_path_and_keep_their_bits(values, decimals, mode):
    rounded = np.round(values, 2)  # data as files hold them: exact halves at the third decimal occur
    assert same_bits(round_array(rounded, decimals, mode), reference_round(rounded, decimals, mode))
    assert same_bits(round_array(rounded * 0.37, decimals, mode), reference_round(rounded * 0.37, decimals, mode))


@pytest.mark.parametrize("value", [2.0**52, 1e300, math.inf, -(2.0**60)])
def test_values_past_2_to_the_52_are_left_as_they_are(value):
    x = np.array([value, 1.005, -0.0, math.nan])
    out = round_array(x, 2)
    assert out[0] == value and out[1] == 1.01 and not np.signbit(out[2]) and np.isnan(out[3])


def test_the_general_formula_is_taken_only_past_2_to_the_52(monkeypatch):
    from evalkit.scoring import rounding
    calls = []
    general = rounding._round_general
    monkeypatch.setattr(rounding, "_round_general", lambda x, scale, mode: calls.append(x.size) or general(x, scale, mode))
    assert round_array(np.array([1.005, 99.995, math.nan]), 2)[:2].tolist() == [1.01, 100.0] and calls == []
    assert round_array(np.array([1.005, 2.0**53]), 2).tolist() == [1.01, 2.0**53] and calls == [2]


def test_scalars_round_as_before():
    assert round_array(2.675, 2) == 2.68 and round_array(-2.5, 0, "half_even") == -2.0
    assert not np.signbit(round_array(-0.001, 2))


# --- blocked roll-up --------------------------------------------------------------------------------------

def capped_card(cap=5.0, missing="reweight"):
    return evalkit.load_scorecard({
        "id": "c", "name": "Blocks", "period": "1", "rounding": {"decimals": 2, "mode": "half_up"},
        "indicators": [{"id": "missed", "name": "Missed", "direction": "lower"},
                       {"id": "late", "name": "Late", "direction": "lower"},
                       {"id": "rate", "name": "Rate"}, {"id": "share", "name": "Share"}],
        "dimensions": [
            {"id": "discipline", "name": "Discipline", "weight": 30, "deduction_cap": cap, "children": [
                {"id": "meetings", "indicator": "missed", "max_points": 10, "rule": {"name": "per_event", "params": {"per_event": 1.5}}},
                {"id": "reports", "indicator": "late", "max_points": 10, "missing": missing,
                 "rule": {"name": "per_event", "params": {"per_event": 2.25}}}]},
            {"id": "work", "name": "Work", "weight": 70, "children": [
                {"id": "sub", "name": "Sub", "weight": 0.6, "children": [
                    {"id": "r", "indicator": "rate", "weight": 0.7, "missing": missing,
                     "rule": {"name": "linear", "params": {"lower": 10, "upper": 90}}},
                    {"id": "s", "indicator": "share", "weight": 0.3, "missing": missing,
                     "rule": {"name": "target", "params": {"target": 7}}}]},
                {"id": "r2", "indicator": "rate", "weight": 0.4, "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}]},
        ]})


def column(draw_values, n):
    return np.array(draw_values[:n] + [math.nan] * (n - len(draw_values[:n])), dtype=np.float64)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 60), block=st.integers(1, 17), data=st.data(), missing=st.sampled_from(["reweight", "zero"]))
def test_blocked_roll_up_equals_one_block_over_all_units(n, block, data, missing):
    def values(low, high):
        return data.draw(hnp.arrays(np.float64, n, elements=st.one_of(
            st.just(math.nan), st.floats(low, high, allow_nan=False).map(lambda v: round(v * 100) / 100))))

    cols = {"missed": np.nan_to_num(values(0, 9)), "late": values(0, 9), "rate": values(0, 100), "share": values(0, 10)}
    card = capped_card(missing=missing)
    ids = [f"u{i}" for i in range(n)]
    whole = evalkit.evaluate(card, DataSet.from_columns(ids, cols, period="1"))
    saved, engine.BLOCK = (engine.BLOCK, engine.STACKED_UNITS), block
    engine.STACKED_UNITS = 0  # item by item: the stacked path has one block
    try:
        blocked = evalkit.evaluate(card, DataSet.from_columns(ids, cols, period="1"))
    finally:
        engine.BLOCK, engine.STACKED_UNITS = saved
    assert same_bits(blocked.totals, whole.totals)
    for key in whole.dimensions:
        assert same_bits(blocked.dimensions[key], whole.dimensions[key])
    for key in whole.cap_restored:
        assert same_bits(blocked.cap_restored[key], whole.cap_restored[key])
    for key in whole.items:
        assert same_bits(blocked.items[key].score, whole.items[key].score)
        assert same_bits(blocked.items[key].points, whole.items[key].points)
    assert np.array_equal(blocked.ranks, whole.ranks) and np.array_equal(blocked.grades, whole.grades)


def test_an_item_score_is_derived_from_its_points_as_the_engine_sums_it():
    card = capped_card()
    ev = evalkit.evaluate(card, {"missed": {"u": 3, "v": 1}, "late": {"u": 2}, "rate": {"u": 55.55, "v": 71.25},
                                 "share": {"u": 3.5, "v": 7}})
    r = ev.items["r"]
    assert r.stored_score is None  # derived, not stored
    assert same_bits(r.score, round_array(r.points * (r.share / r.item.max_points), 2))
    assert r.score is r.score  # computed once
    assert list(ev.dimensions) == ["discipline", "sub", "work"]  # each dimension after those under it, as before


# --- rules see their input read-only ------------------------------------------------------------------------

class WritesIntoItsInput(Rule):
    name = "writes_into_input"

    def score(self, values, ctx):
        values *= 0.5  # allowed before: rules were given a copy
        return np.clip(values, 0.0, ctx.max_points)


class KeepsItsResult(Rule):
    name = "keeps_result"
    kept: ClassVar[dict] = {}

    def score(self, values, ctx):
        out = np.clip(values, 0.0, ctx.max_points) + 0.004
        self.kept["last"] = out  # held elsewhere: the engine must not round it in place
        return out


def one_item_card(rule, rounding=None):
    registry = evalkit.default_registry()
    registry = attrs.evolve(registry, rules={**registry.rules, rule.name: rule})
    return evalkit.load_scorecard({"id": "c", "name": "C", "period": "1", "indicators": [{"id": "x", "name": "X"}],
                                   **({"rounding": rounding} if rounding else {}),
                                   "dimensions": [{"id": "d", "name": "D", "children": [
                                       {"id": "i", "indicator": "x", "max_points": 100, "rule": {"name": rule.name}},
                                       {"id": "j", "indicator": "x", "max_points": 100,
                                        "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}]}]},
                                  registry=registry)


class NegativeZero(Rule):
    name = "negative_zero"

    def score(self, values, ctx):
        return np.full(values.shape, -0.0)  # in range, so not clipped


@pytest.mark.parametrize("rounding", [None, {"decimals": 2, "stage": "total"}, {"decimals": 0, "mode": "up"}])
def test_points_never_keep_a_negative_zero(rounding):
    ev = evalkit.evaluate(one_item_card(NegativeZero(), rounding), {"x": {"a": 50.0, "b": 81.0}})
    for array in (ev.items["i"].points, ev.items["i"].score, ev.dimensions["d"], ev.totals):
        assert not np.signbit(array).any()


def test_a_rule_that_writes_into_its_input_gets_a_copy():
    card = one_item_card(WritesIntoItsInput())
    data = DataSet.from_columns(["a", "b"], {"x": np.array([50.0, 81.0])}, period="1")
    ev = evalkit.evaluate(card, data)
    assert ev.items["i"].points.tolist() == [25.0, 40.5]
    assert data.columns["x"].tolist() == [50.0, 81.0]  # the data set's column is untouched


def test_a_result_the_rule_keeps_is_not_changed_in_place():
    card = one_item_card(KeepsItsResult())
    ev = evalkit.evaluate(card, {"x": {"a": 50.0, "b": 81.0}})
    assert ev.items["i"].points.tolist() == [50.0, 81.0]
    assert KeepsItsResult.kept["last"].tolist() == [50.004, 81.004]


class RemembersItsResult(Rule):
    name = "remembers_result"
    made: ClassVar[list] = []

    def score(self, values, ctx):
        out = np.clip(values, 0.0, ctx.max_points) + 0.004
        self.made.append(weakref.ref(out))  # not a reference: the engine may take the array over
        return out


def test_a_fresh_result_becomes_the_points_without_a_copy(monkeypatch):
    monkeypatch.setattr(engine, "STACKED_UNITS", 0)  # item by item, as for many units
    card = one_item_card(RemembersItsResult())
    ev = evalkit.evaluate(card, {"x": {"a": 50.0, "b": 81.0}})
    assert ev.items["i"].points is RemembersItsResult.made[-1]()  # rounded in place
    assert ev.items["i"].points.tolist() == [50.0, 81.0]


def test_a_few_units_are_scored_into_the_engines_own_array():
    card = one_item_card(RemembersItsResult())
    ev = evalkit.evaluate(card, {"x": {"a": 50.0, "b": 81.0}})
    points = ev.items["i"].points
    assert points.tolist() == [50.0, 81.0] and points.base is not None  # a row of the engine's array
    assert np.shares_memory(points, ev.items["j"].points.base)
    made = RemembersItsResult.made[-1]()
    assert made is None or made.tolist() == [50.004, 81.004]  # the rule's array: read, never changed


def test_from_columns_without_copy_uses_the_array_read_only():
    values = np.array([1.0, 2.0])
    data = DataSet.from_columns(["a", "b"], {"x": values}, copy=False)
    assert np.shares_memory(data.columns["x"], values) and not data.columns["x"].flags.writeable
    values[0] = 5.0
    assert data.columns["x"][0] == 5.0  # documented: the data set sees the caller's later writes
    with pytest.raises(evalkit.DataError, match="a finite number"):
        DataSet.from_columns(["a", "b"], {"x": np.array([1.0, np.inf])}, copy=False)


# --- quotas for all groups at once --------------------------------------------------------------------------

def reference_quotas(grades, totals, unit_ids, scorecard, labels):
    """The per-group loop of evalkit.scoring.quotas.apply_quotas before issue 14."""
    from evalkit.analysis.peers import group_codes
    final = grades.copy()
    moved = {}
    n = final.shape[0]
    ids = np.asarray(unit_ids, dtype=object).astype(str)
    by_grade = {q.grade: q for q in scorecard.quotas}
    bands = scorecard.grading.bands
    for index, band in enumerate(bands):
        quota = by_grade.get(band.grade)
        if quota is None:
            continue
        groups = group_codes(None if quota.per == "all" else labels, n)
        mask = np.zeros(n, dtype=bool)
        sizes = np.bincount(groups)
        holders = np.flatnonzero(final == index)
        holders = holders[np.lexsort((ids[holders], -totals[holders], groups[holders]))]
        bounds = np.searchsorted(groups[holders], np.arange(sizes.size + 1))
        for group in np.flatnonzero(np.diff(bounds)):
            order = holders[bounds[group]:bounds[group + 1]]
            allowed = quota.count if quota.count is not None else places(quota.share, int(sizes[group]), quota.rounding)
            if order.size <= allowed:
                continue
            if quota.ties == "id" or allowed == 0:
                keep = order[:allowed]
            elif quota.ties == "exclude":
                keep = order[:allowed][totals[order[:allowed]] > totals[order[allowed]]]
            else:
                keep = order[totals[order] >= totals[order[allowed - 1]]]
            mask[np.setdiff1d(order, keep)] = True
        final = np.where(mask, index + 1 if index + 1 < len(bands) else -1, final)
        moved[f"quota:{band.grade}"] = mask
    return final, moved


def quota_card(quota):
    return evalkit.load_scorecard({
        "id": "q", "name": "Q", "period": "1", "indicators": [{"id": "x", "name": "X"}],
        "dimensions": [{"id": "d", "name": "D", "children": [{"id": "i", "indicator": "x", "max_points": 100,
                                                              "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}]}],
        "grading": {"bands": [{"min": 90, "grade": "A"}, {"min": 70, "grade": "B"}, {"min": 0, "grade": "C"}],
                    "quotas": [quota, {"grade": "B", "share": 0.5, "per": "type"}]}})


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 80), data=st.data(),
       quota=st.one_of(
           st.builds(lambda s, r, t, per: {"grade": "A", "share": s, "rounding": r, "ties": t, "per": per},
                     st.sampled_from([0.05, 0.1, 0.2, 0.25, 1 / 3, 0.5, 1.0]), st.sampled_from(["floor", "half_up", "ceil"]),
                     st.sampled_from(["exclude", "include", "id"]), st.sampled_from(["all", "type"])),
           st.builds(lambda c, t: {"grade": "A", "count": c, "ties": t, "per": "type"}, st.integers(0, 5),
                     st.sampled_from(["exclude", "include", "id"]))))
def test_quotas_for_all_groups_at_once_equal_the_loop_over_groups(n, data, quota):
    card = quota_card(quota)
    totals = np.array(data.draw(st.lists(st.sampled_from([95.0, 92.5, 92.5, 90.0, 85.0, 71.0, 70.0, 50.0, math.nan]),
                                         min_size=n, max_size=n)))
    grades = data.draw(hnp.arrays(np.int64, n, elements=st.integers(-1, 2)))
    labels = tuple(data.draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n)))
    ids = tuple(data.draw(st.permutations([f"u{i:03d}" for i in range(n)])))
    expected, expected_moved = reference_quotas(grades, totals, ids, card, labels)
    got, moved = apply_quotas(grades, totals, ids, card, lambda name: labels)
    assert np.array_equal(got, expected)
    assert moved.keys() == expected_moved.keys() and all(np.array_equal(moved[k], expected_moved[k]) for k in moved)
