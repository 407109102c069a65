"""Speed of every built-in rule's `score` against the same points written directly in plain numpy.

Run from the repository root:

    .venv/bin/python benchmarks/bench_rules.py                        # every rule, 1,000,000 values
    .venv/bin/python benchmarks/bench_rules.py --rules percentile zscore --repeats 3

Issue 3 sets the bar: each vectorised rule within 3x of the equivalent numpy expression on 1,000,000
values. For each built-in rule the script builds one realistic item (params, max_points, direction)
and seeded data with two decimals, as data files hold them, with a share of values missing (NaN):

- one float64 column of N values for the one-input rules;
- for satisfaction_index an (N, 5) C-ordered count matrix, as the engine stacks it (np.column_stack),
  with some units that have no ballots at all;
- for the peer rules (percentile, zscore, rank_points, achievement_improvement) a units attribute
  `region` with 10 peer groups, held the way the engine holds it: a tuple of text labels in
  `Units.attributes`. The numpy side gets the same groups as int codes 0..9, computed once, untimed;
- for achievement_improvement a baseline period `2024` in `ctx.history`, missing for a few units.

Timed, best of --repeats after one warm-up run of each (evalkit and numpy alternate within a repeat):
- evalkit: ``rule.score(values, ctx)`` with the RuleContext the engine would build (not timed:
  `check`, `prepare`, building the context);
- numpy: the same points written directly with numpy on the same arrays (never calling evalkit),
  the way a numpy programmer would: one expression per formula, and for the peer rules one pass
  per peer group (10 of them, never a loop over units) with np.sort / searchsorted / bincount.

For the peer rules the script also times ``ctx.peer_groups(by)`` alone (labels to int codes),
which `score` calls on every call, and shows it in the note column.

The script asserts that both sides agree (np.allclose, NaN in the same places) and that `score`
left its input unchanged; otherwise it stops with an AssertionError, because the baseline would
no longer be the same computation.
"""

from __future__ import annotations

import argparse
import gc
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import attrs
import numpy as np

from evalkit.definition.model import Indicator
from evalkit.io.data import Units
from evalkit.plugins.builtins import rules as builtin_rules
from evalkit.rules.base import RuleContext

GOAL_RATIO = 3.0  # issue 3: each vectorised rule within 3x of the equivalent numpy expression
N_GROUPS = 10  # peer groups for the peer rules
PERIOD, BASELINE_PERIOD = "2025", "2024"


def builtin_rule_objects() -> dict[str, Any]:
    """The built-in rules, collected exactly as the engine's registry receives them."""
    found: dict[str, Any] = {}
    builtin_rules.evalkit_register_rules(lambda rule: found.__setitem__(rule.name, rule))
    return found


@dataclass
class Env:
    """Shared inputs: size, seed, missing share, and (built on first use) the units with peer groups."""

    n: int
    seed: int
    missing: float
    _peers: tuple | None = None

    def rng(self, name: str) -> np.random.Generator:
        """A generator per rule, so a rule's data do not depend on which other rules run."""
        return np.random.default_rng([self.seed, sum(name.encode())])

    def with_missing(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x = np.round(x, 2)  # two decimals, as data files hold them
        if self.missing > 0:
            x[rng.random(self.n) < self.missing] = np.nan
        return np.ascontiguousarray(x, dtype=np.float64)

    def peers(self) -> tuple[Units, tuple[str, ...], np.ndarray]:
        """(Units with a `region` attribute of 10 text labels, unit ids, the same groups as int codes)."""
        if self._peers is None:
            rng = np.random.default_rng([self.seed, 7])
            codes = rng.integers(0, N_GROUPS, self.n)
            labels = np.array([f"片区{k + 1:02d}" for k in range(N_GROUPS)], dtype=object)
            ids = tuple(f"U{i:07d}" for i in range(self.n))
            units = Units(ids=ids, names=ids, types=(None,) * self.n, parents=(None,) * self.n,
                          attributes={"region": tuple(labels[codes])})  # built directly: per-id checks not timed
            # int codes as numpy would hold them: 0..9 in the labels' sorted order
            order = np.argsort(labels.astype(str))
            rank = np.empty(N_GROUPS, dtype=np.int64)
            rank[order] = np.arange(N_GROUPS)
            self._peers = (units, ids, rank[codes])
        return self._peers


@dataclass
class Case:
    """One rule's benchmark item: its params, data, context extras and the numpy computation."""

    params: dict
    max_points: float
    direction: str
    values: np.ndarray
    numpy: Callable[[], np.ndarray]
    setting: str  # a few words on the params, for the table
    inputs: int = 1  # indicators of the item (satisfaction_index: 5)
    peer_by: str | None = None  # the peer group attribute, for the note column
    ctx_extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------
# The cases: realistic params, seeded data, and the points written directly in numpy


def case_linear(env: Env) -> Case:
    rng = env.rng("linear")
    v = env.with_missing(rng.uniform(40, 105, env.n), rng)  # a rate, full points at 100, none at 60
    return Case({"lower": 60, "upper": 100}, 10.0, "higher", v,
                lambda: np.clip((v - 60.0) * (10.0 / 40.0), 0.0, 10.0), "60..100, higher")


def case_tiers(env: Env) -> Case:
    rng = env.rng("tiers")
    v = env.with_missing(np.minimum(rng.uniform(85, 101, env.n), 100.0), rng)
    tiers = [{"threshold": 100, "points": 10}, {"threshold": 98, "points": 9},
             {"threshold": 95, "points": 7.5}, {"threshold": 90, "points": 5}]
    thresholds = np.array([90.0, 95.0, 98.0, 100.0])
    table = np.array([0.0, 5.0, 7.5, 9.0, 10.0])

    def numpy():
        points = table[np.searchsorted(thresholds, v, side="right")]
        return np.where(np.isnan(v), np.nan, points)

    return Case({"tiers": tiers}, 10.0, "higher", v, numpy, "4 tiers, higher")


def case_target(env: Env) -> Case:
    rng = env.rng("target")
    v = env.with_missing(rng.uniform(0, 50, env.n), rng)
    return Case({"target": 32}, 10.0, "higher", v,
                lambda: np.minimum(v / 32.0, 1.0) * 10.0, "shared target 32")


def case_per_event(env: Env) -> Case:
    rng = env.rng("per_event")
    v = env.with_missing(rng.poisson(1.5, env.n).astype(np.float64), rng)
    return Case({"per_event": 0.5, "cap": 5}, 10.0, "lower", v,
                lambda: 10.0 - np.minimum(v * 0.5, 5.0), "0.5 off each, cap 5")


def case_base_slope(env: Env) -> Case:
    rng = env.rng("base_slope")
    v = env.with_missing(rng.uniform(60, 100, env.n), rng)  # closure rate
    params = {"reference": 80, "base": 8, "step": 1, "per_step_above": 0.5, "per_step_below": 1,
              "steps": "whole", "max": 10, "min": 2}

    def numpy():
        steps = np.trunc(np.round((v - 80.0) / 1.0, 9))  # whole steps, float noise removed first
        return np.clip(8.0 + np.where(steps > 0, steps * 0.5, steps * 1.0), 2.0, 10.0)

    return Case(params, 10.0, "higher", v, numpy, "ref 80, +0.5/-1, whole")


def case_shortfall(env: Env) -> Case:
    rng = env.rng("shortfall")
    v = env.with_missing(rng.uniform(80, 100, env.n), rng)
    params = {"standard": 96, "bands": [{"below": 96, "per_point": 0.25}, {"below": 90, "per_point": 0.5}]}

    def numpy():
        off = np.clip(96.0 - v, 0.0, 6.0) * 0.25 + np.maximum(90.0 - v, 0.0) * 0.5
        return np.maximum(10.0 - off, 0.0)  # cap = max_points

    return Case(params, 10.0, "higher", v, numpy, "96, 2 bands")


def case_grade_words(env: Env) -> Case:
    rng = env.rng("grade_words")
    # codes 1 (优秀上, best) .. 10 (不称职); about 0.5 % unlisted code 11 (a data problem)
    probs = np.array([4, 8, 12, 16, 18, 16, 12, 7, 4, 2.5, 0.5])
    v = env.with_missing(rng.choice(np.arange(1, 12), env.n, p=probs / probs.sum()).astype(np.float64), rng)
    points = [100, 95, 90, 85, 80, 75, 70, 65, 60, 55]
    grades = [{"value": k + 1, "label": f"grade {k + 1}", "points": p} for k, p in enumerate(points)]
    table = np.array([np.nan] + points, dtype=np.float64)  # index = code

    def numpy():
        listed = (v >= 1) & (v <= 10) & (v == np.floor(v))
        return np.where(listed, table[np.where(listed, v, 0).astype(np.intp)], np.nan)

    return Case({"grades": grades}, 100.0, "lower", v, numpy, "10 codes, lower")


def case_pass_fail(env: Env) -> Case:
    rng = env.rng("pass_fail")
    v = rng.choice([0.0, 1.0, 2.0], env.n, p=[0.2, 0.799, 0.001])  # 2 is not a yes/no answer
    v = env.with_missing(v, rng)
    return Case({}, 5.0, "higher", v,
                lambda: np.where(v == 1, 5.0, np.where(v == 0, 0.0, np.nan)), "1/0 flag")


def case_stabilize(env: Env) -> Case:
    rng = env.rng("stabilize")
    v = env.with_missing(rng.uniform(80, 115, env.n), rng)  # budget execution rate
    params = {"low": 95, "high": 105, "zero_below": 85, "zero_above": 110}

    def numpy():
        points = 10.0 - np.maximum(95.0 - v, 0.0) * (10.0 / 10.0) - np.maximum(v - 105.0, 0.0) * (10.0 / 5.0)
        return np.clip(points, 0.0, 10.0)

    return Case(params, 10.0, "higher", v, numpy, "[95, 105], 0 at 85/110")


def case_okr(env: Env) -> Case:
    rng = env.rng("okr")
    v = env.with_missing(rng.uniform(0, 1.3, env.n), rng)
    return Case({"scale": 1, "pass_mark": 0.7}, 20.0, "higher", v,
                lambda: np.clip(v * 20.0, 0.0, 20.0), "scale 1, pass 0.7")


def case_satisfaction_index(env: Env) -> Case:
    rng = env.rng("satisfaction_index")
    counts = rng.poisson([20, 15, 10, 3, 2], (env.n, 5)).astype(np.float64)
    counts[rng.random(env.n) < max(env.missing, 0.001)] = 0.0  # units with no ballots: no index
    counts = np.ascontiguousarray(counts)  # (N, 5) C order, as np.column_stack gives the engine
    weights = np.array([100.0, 80.0, 60.0, 30.0, 0.0])

    def numpy():
        total = counts.sum(axis=1)
        index = (counts @ weights) / np.where(total > 0, total, np.nan)
        return index * (10.0 / 100.0)

    return Case({}, 10.0, "higher", counts, numpy, "5 categories, 100..0", inputs=5)


def case_percentile(env: Env) -> Case:
    rng = env.rng("percentile")
    v = env.with_missing(rng.uniform(40, 105, env.n), rng)
    units, ids, groups = env.peers()

    def numpy():
        points = np.empty(v.shape[0])
        for g in range(N_GROUPS):  # one pass per peer group
            members = np.flatnonzero(groups == g)
            x = v[members]
            order = np.argsort(x)  # NaN last
            ranked = x[order]
            peers = ranked[:np.count_nonzero(~np.isnan(ranked))]
            less = np.searchsorted(peers, ranked, side="left")  # sorted needles: one pass
            less_equal = np.searchsorted(peers, ranked, side="right")
            pct = (less + less_equal) / (2.0 * peers.size) * 100.0  # `mean`: ties count half
            points[members[order]] = np.where(np.isnan(ranked), np.nan, np.clip(pct / 100.0, 0.0, 1.0) * 10.0)
        return points

    return Case({"peer_group": "region", "definition": "mean"}, 10.0, "higher", v, numpy,
                "mean, 10 groups", peer_by="region", ctx_extra={"units": units, "unit_ids": ids})


def case_zscore(env: Env) -> Case:
    rng = env.rng("zscore")
    v = env.with_missing(rng.normal(75, 10, env.n), rng)
    units, ids, groups = env.peers()

    def numpy():
        valid = ~np.isnan(v)
        count = np.bincount(groups, weights=valid, minlength=N_GROUPS)
        mean = np.bincount(groups, weights=np.where(valid, v, 0.0), minlength=N_GROUPS) / count
        deviation = np.where(valid, v - mean[groups], 0.0)
        std = np.sqrt(np.bincount(groups, weights=deviation * deviation, minlength=N_GROUPS) / count)
        z = (v - mean[groups]) / std[groups]
        return np.clip((z + 2.0) / 4.0, 0.0, 1.0) * 10.0

    return Case({"peer_group": "region"}, 10.0, "higher", v, numpy, "z -2..2, 10 groups",
                peer_by="region", ctx_extra={"units": units, "unit_ids": ids})


def case_rank_points(env: Env) -> Case:
    rng = env.rng("rank_points")
    v = env.with_missing(rng.uniform(40, 105, env.n), rng)  # two decimals: many ties
    units, ids, groups = env.peers()
    table = [60, 57, 54, 51, 48]
    by_rank = np.array([np.nan] + table + [0.0])  # index = rank; beyond the table: otherwise 0

    def numpy():
        points = np.empty(v.shape[0])
        for g in range(N_GROUPS):  # one pass per peer group
            members = np.flatnonzero(groups == g)
            x = v[members]
            order = np.argsort(x)  # NaN last
            ranked = x[order]
            peers = ranked[:np.count_nonzero(~np.isnan(ranked))]
            rank = peers.size - np.searchsorted(peers, ranked, side="right") + 1  # ties share the best rank
            points[members[order]] = np.where(np.isnan(ranked), np.nan, by_rank[np.minimum(rank, len(table) + 1)])
        return points

    return Case({"peer_group": "region", "table": table}, 60.0, "higher", v, numpy, "5-rank table, 10 groups",
                peer_by="region", ctx_extra={"units": units, "unit_ids": ids})


def case_achievement_improvement(env: Env) -> Case:
    rng = env.rng("achievement_improvement")
    base = np.round(rng.uniform(30, 95, env.n), 2)  # last year's rate
    new_unit = rng.random(env.n) < 0.02  # units new this year: no baseline value
    v = env.with_missing(np.clip(base + rng.normal(1.0, 5.0, env.n), 0.0, 100.0), rng)
    base[new_unit] = np.nan
    units, ids, groups = env.peers()

    def half_up(x):  # whole points, half up as evalkit declares it (snap to 6 decimals first); x >= -0.5 here
        return np.floor(np.round(x, 6) + 0.5)

    def numpy():
        at = np.empty(N_GROUPS)
        bm = np.empty(N_GROUPS)
        for g in range(N_GROUPS):  # peers' baseline median (AT) and mean of the best decile (BM)
            b = base[groups == g]
            b = b[~np.isnan(b)]
            k = math.ceil(b.size / 10)
            at[g] = np.median(b)
            bm[g] = np.partition(b, b.size - k)[b.size - k:].mean()
        at, bm = at[groups], bm[groups]
        achievement = np.where(v >= bm, 10.0, np.where(v < at, 0.0,
                               np.clip(half_up(9.0 * (v - at) / (bm - at) + 0.5), 1.0, 9.0)))
        can_improve = (v > base) & (bm > base) & (v < bm)
        improvement = np.where(can_improve, np.clip(half_up(10.0 * (v - base) / (bm - base) - 0.5), 0.0, 9.0), 0.0)
        return np.where(np.isnan(v), np.nan, np.maximum(achievement, improvement)) * (10.0 / 10.0)

    return Case({"baseline_period": BASELINE_PERIOD, "peer_group": "region"}, 10.0, "higher", v, numpy,
                "CMS HVBP, 10 groups", peer_by="region",
                ctx_extra={"units": units, "unit_ids": ids, "history": {BASELINE_PERIOD: {"x0": base}}})


CASES: dict[str, Callable[[Env], Case]] = {
    "linear": case_linear, "tiers": case_tiers, "target": case_target, "per_event": case_per_event,
    "base_slope": case_base_slope, "shortfall": case_shortfall, "grade_words": case_grade_words,
    "pass_fail": case_pass_fail, "stabilize": case_stabilize, "okr": case_okr,
    "satisfaction_index": case_satisfaction_index, "percentile": case_percentile, "zscore": case_zscore,
    "rank_points": case_rank_points, "achievement_improvement": case_achievement_improvement,
}


# --------------------------------------------------------------------------------------------------
# Measuring


def context(rule, case: Case, n: int) -> RuleContext:
    """check (must pass) and prepare the item, then the RuleContext the engine would build."""
    indicators = tuple(Indicator(id=f"x{k}", name=f"x{k}", direction=case.direction) for k in range(case.inputs))
    indicator = indicators if rule.inputs == "many" else indicators[0]
    problems = list(rule.check(case.params, case.max_points, indicator))
    assert not problems, f"rule {rule.name}: the benchmark params do not pass check(): {problems}"
    prepared = rule.prepare(case.params, case.max_points, indicator)
    extra = dict(case.ctx_extra)
    extra.setdefault("unit_ids", ())  # only the peer rules use them (their case gives them)
    values = case.values
    columns = {ind.id: (values[:, k] if values.ndim == 2 else values) for k, ind in enumerate(indicators)}
    return RuleContext(params=prepared, max_points=case.max_points, indicator=indicators[0], period=PERIOD,
                       columns=columns, indicators=indicators, **extra)


def with_cached_groups(ctx: RuleContext, by: str) -> RuleContext:
    """The same context, but peer_groups() returns int codes computed once (a diagnostic, not the engine)."""
    codes = ctx.peer_groups(by)

    class CachedGroups(type(ctx)):
        def peer_groups(self, by_: str = "all") -> np.ndarray:
            assert by_ == by, by_
            return codes

    return CachedGroups(**attrs.asdict(ctx, recurse=False))


def timed(func) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def run_case(rule, case: Case, n: int, repeats: int) -> dict:
    ctx = context(rule, case, n)
    values = case.values
    before = values.copy()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # as the engine calls score
        got = rule.score(values, ctx)  # warm-up, and the results compared
        expected = case.numpy()
        cached = with_cached_groups(ctx, case.peer_by) if case.peer_by else None
        t_rule = t_numpy = t_groups = t_cached = float("inf")
        for _ in range(repeats):
            t_rule = min(t_rule, timed(lambda: rule.score(values, ctx))[0])
            t_numpy = min(t_numpy, timed(case.numpy)[0])
            if cached is not None:
                t_groups = min(t_groups, timed(lambda: ctx.peer_groups(case.peer_by))[0])
                t_cached = min(t_cached, timed(lambda: rule.score(values, cached))[0])
        if cached is not None:
            assert np.array_equal(rule.score(values, cached), got, equal_nan=True)
    assert np.array_equal(values, before, equal_nan=True), f"rule {rule.name} changed its input values"
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == expected.shape == (n,), f"rule {rule.name}: shapes {got.shape} and {expected.shape}"
    assert np.array_equal(np.isnan(got), np.isnan(expected)), \
        f"rule {rule.name}: evalkit and numpy disagree on which units have no points " \
        f"({int((np.isnan(got) != np.isnan(expected)).sum())} units)"
    assert np.allclose(got, expected, equal_nan=True), \
        f"rule {rule.name}: evalkit and numpy points differ (max difference " \
        f"{np.nanmax(np.abs(got - expected)):.3g})"
    exact = np.array_equal(got, expected, equal_nan=True)
    return {"rule": t_rule, "numpy": t_numpy, "groups": t_groups if case.peer_by else None, "cached": t_cached,
            "check": "exact" if exact else f"close {np.nanmax(np.abs(got - expected)):.0e}"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="values (units) per rule (default 1000000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each side; the best is kept (default 5)")
    parser.add_argument("--rules", nargs="+", metavar="RULE",
                        help="only these rules (names separated by spaces or commas; default every built-in rule)")
    parser.add_argument("--seed", type=int, default=20250101, help="random seed of the data")
    parser.add_argument("--missing", type=float, default=0.01, help="share of values left empty, NaN (default 0.01)")
    args = parser.parse_args(argv)

    rules = builtin_rule_objects()
    uncovered = sorted(set(rules) - set(CASES))
    wanted = [name for part in (args.rules or list(CASES)) for name in part.split(",") if name]
    unknown = [name for name in wanted if name not in CASES]
    if unknown:
        parser.error(f"no benchmark case for {', '.join(unknown)}; known: {', '.join(CASES)}")

    env = Env(args.n, args.seed, args.missing)
    print(f"evalkit rule benchmark: {args.n:,} values per rule (float64), missing {args.missing:g}, "
          f"{N_GROUPS} peer groups, seed {args.seed}, best of {args.repeats}")
    print(f"  numpy {np.__version__}, Python {sys.version.split()[0]}; ratio = evalkit / numpy, goal <= {GOAL_RATIO:g}")
    print()
    header = f"  {'rule':<24} {'params':<24} {'evalkit ms':>10} {'numpy ms':>9} {'ratio':>7}  {'goal':<4}  {'check':<10} note"
    print(header)
    print("  " + "-" * (len(header) - 2))
    met, over = [], []
    for name in wanted:
        case = CASES[name](env)
        r = run_case(rules[name], case, args.n, args.repeats)
        ratio = r["rule"] / r["numpy"]
        ok = ratio <= GOAL_RATIO
        (met if ok else over).append((name, ratio))
        note = ""
        if r["groups"] is not None:
            note = (f"peer_groups() alone {r['groups'] * 1e3:.1f} ms; "
                    f"groups cached: {r['cached'] * 1e3:.1f} ms, {r['cached'] / r['numpy']:.2f}x")
        print(f"  {name:<24} {case.setting:<24} {r['rule'] * 1e3:10.1f} {r['numpy'] * 1e3:9.1f} {ratio:6.2f}x  "
              f"{'ok' if ok else 'OVER':<4}  {r['check']:<10} {note}", flush=True)
    print()
    print("  check: every rule's points agree with numpy (np.allclose, NaN in the same units); 'exact' = bit for bit")
    if uncovered:
        print(f"  not benchmarked (no case in this script): {', '.join(uncovered)}")
    print(f"  within {GOAL_RATIO:g}x: {len(met)} of {len(wanted)} rules"
          + (f" ({', '.join(n for n, _ in met)})" if met else ""))
    print(f"  over {GOAL_RATIO:g}x: " + (", ".join(f"{n} ({r:.1f}x)" for n, r in over) if over else "none")
          + f"; goal {'met' if not over else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
