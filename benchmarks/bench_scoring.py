"""Speed and memory of `evalkit.evaluate` against the same computation written in plain numpy.

Run from the repository root:

    .venv/bin/python benchmarks/bench_scoring.py                 # 100,000 units x 50 indicators
    .venv/bin/python benchmarks/bench_scoring.py --units 1000000  # the size of ARCHITECTURE.md

The scorecard is a 3-level tree built as a dict: 5 dimensions (weights 30/25/20/15/10 %) x 2
sub-dimensions x 5 items = 50 items, one indicator each. Dimensions d1-d3 share their weight out by
the items' max_points; d4-d5 by weights at both lower levels (items on the default 0..100 scale).
The rules cycle through linear (higher and lower is better), tiers, target and per_event.

The data are seeded random values, one contiguous float64 array per indicator (DataSet.from_columns),
with two decimals as data files hold them (so exact halves occur and rounding is really exercised).

Timed, best of --repeats, excluding scorecard loading and data generation:
- evalkit: ``evalkit.evaluate(scorecard, dataset)``;
- numpy: the same rule formulas written directly in numpy on the same arrays, the same half-up
  rounding at 2 decimals (item points, item contributions, every dimension, the total), the roll-up
  to sub-dimension and dimension totals, rank with one argsort (ties: min), grade with searchsorted.

Memory: tracemalloc peak during one extra, untimed `evaluate` call (numpy reports its array buffers
to tracemalloc), minus what was traced before the call, so it counts every array evaluate allocates,
the arrays the returned Evaluation keeps included, and nothing of the input. The input is the 50
float64 columns (50 x N x 8 bytes).

The script asserts that evalkit's totals, dimension scores, ranks and grades equal the numpy ones
bit for bit, so the baseline is really the same computation.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc

import numpy as np

import evalkit
from evalkit.io.data import DataSet, Units

GOAL_TIME_RATIO = 3.0  # evalkit within 3x of plain numpy
GOAL_MEMORY_RATIO = 4.0  # peak memory of evaluate within 4x of the input arrays

DIM_WEIGHTS = (30, 25, 20, 15, 10)  # percent, top level
SUB_WEIGHTS = (0.6, 0.4)  # second level of the weighted dimensions d4, d5
ITEM_WEIGHTS = (0.3, 0.2, 0.2, 0.2, 0.1)  # items of the weighted dimensions
ITEM_POINTS = (4, 6, 10, 5, 5)  # items of the points dimensions d1-d3 (sub-dimension = 30 points)
KINDS = ("linear", "tiers", "target", "per_event", "linear_lower")
BANDS = ((90, "excellent"), (80, "good"), (70, "fair"), (60, "pass"), (0, "fail"))


# --------------------------------------------------------------------------------------------------
# The scorecard (a dict) and the data


def item_specs():
    """(dimension index, sub-dimension index, item index, kind, indicator id) for the 50 items."""
    k = 0
    for d in range(5):
        for s in range(2):
            for i in range(5):
                yield d, s, i, KINDS[k % len(KINDS)], f"ind_{k:02d}"
                k += 1


def rule_for(kind: str, scale: float) -> tuple[dict, str]:
    """The rule spec and the indicator's direction for an item worth `scale` points."""
    if kind == "linear":
        return {"name": "linear", "params": {"lower": 60, "upper": 100}}, "higher"
    if kind == "linear_lower":
        return {"name": "linear", "params": {"lower": 2, "upper": 10}}, "lower"
    if kind == "tiers":
        return {"name": "tiers", "params": {"tiers": [
            {"threshold": 100, "points": scale}, {"threshold": 98, "points": 0.9 * scale},
            {"threshold": 95, "points": 0.75 * scale}, {"threshold": 90, "points": 0.5 * scale}]}}, "higher"
    if kind == "target":
        return {"name": "target", "params": {"target": 32}}, "higher"
    if kind == "per_event":
        return {"name": "per_event", "params": {"per_event": 0.25 * scale, "cap": scale}}, "lower"
    raise ValueError(kind)


def build_scorecard() -> dict:
    indicators = []
    dims = []
    specs = list(item_specs())
    for d in range(5):
        weighted = d >= 3
        subs = []
        for s in range(2):
            children = []
            for dd, ss, i, kind, ind in specs:
                if (dd, ss) != (d, s):
                    continue
                scale = 100.0 if weighted else float(ITEM_POINTS[i])
                rule, direction = rule_for(kind, scale)
                indicators.append({"id": ind, "name": ind, "direction": direction})
                child = {"id": f"item_{ind}", "indicator": ind, "rule": rule}
                child.update({"weight": ITEM_WEIGHTS[i]} if weighted else {"max_points": ITEM_POINTS[i]})
                children.append(child)
            sub = {"id": f"d{d + 1}_s{s + 1}", "name": f"sub-dimension {d + 1}.{s + 1}", "children": children}
            if weighted:
                sub["weight"] = SUB_WEIGHTS[s]
            subs.append(sub)
        dims.append({"id": f"d{d + 1}", "name": f"dimension {d + 1}", "weight": DIM_WEIGHTS[d], "children": subs})
    return {
        "evalkit": 1, "id": "bench", "name": "benchmark scorecard", "period": "2025",
        "rounding": {"decimals": 2, "mode": "half_up"}, "ranking": {"ties": "min"},
        "indicators": indicators, "dimensions": dims,
        "grading": {"bands": [{"min": m, "grade": g} for m, g in BANDS]},
    }


def generate_columns(n: int, seed: int, missing: float) -> dict[str, np.ndarray]:
    """One contiguous float64 array per indicator, values with two decimals; NaN for a `missing` share."""
    rng = np.random.default_rng(seed)
    columns = {}
    for _, _, _, kind, ind in item_specs():
        if kind == "linear":
            x = rng.uniform(40, 105, n)
        elif kind == "linear_lower":
            x = rng.uniform(0, 12, n)
        elif kind == "tiers":
            x = np.minimum(rng.uniform(85, 101, n), 100.0)
        elif kind == "target":
            x = rng.uniform(0, 50, n)
        else:
            x = rng.poisson(1.5, n).astype(np.float64)
        x = np.round(x, 2)
        if missing > 0:
            x[rng.random(n) < missing] = np.nan
        columns[ind] = np.ascontiguousarray(x, dtype=np.float64)
    return columns


# --------------------------------------------------------------------------------------------------
# The same computation in plain numpy


def round_half_up(x: np.ndarray) -> np.ndarray:
    """Half up at 2 decimals as evalkit declares it: snap x*100 to 6 decimals, then floor(+0.5). x >= 0."""
    return np.floor(np.round(x * 100.0, 6) + 0.5) / 100.0


def numpy_scores(sc: dict, columns: dict[str, np.ndarray]):
    """Points, roll-up, rank and grade written directly in numpy; returns (totals, dims, ranks, grades)."""
    directions = {i["id"]: i["direction"] for i in sc["indicators"]}
    total_points = 100.0
    dim_total = float(sum(d["weight"] for d in sc["dimensions"]))
    n = len(next(iter(columns.values())))
    dims = {}
    top_scores = []
    for dim in sc["dimensions"]:
        dim_share = total_points * dim["weight"] / dim_total
        subs = dim["children"]
        sub_amounts = [s.get("weight", sum(c.get("max_points", 0) for c in s["children"])) for s in subs]
        sub_total = float(sum(sub_amounts))
        dim_acc = np.zeros(n)
        for sub, amount in zip(subs, sub_amounts):
            sub_share = dim_share * amount / sub_total
            items = sub["children"]
            item_amounts = [c.get("weight", c.get("max_points")) for c in items]
            item_total = float(sum(item_amounts))
            sub_acc = np.zeros(n)
            for item, amount_i in zip(items, item_amounts):
                v = columns[item["indicator"]]
                m = float(item.get("max_points", 100.0))
                rule, p = item["rule"]["name"], item["rule"]["params"]
                if rule == "linear":
                    slope = m / (p["upper"] - p["lower"])
                    if directions[item["indicator"]] == "higher":
                        pts = np.clip(v * slope + (-p["lower"] * slope), 0.0, m)
                    else:
                        pts = np.clip(v * -slope + p["upper"] * slope, 0.0, m)
                elif rule == "tiers":
                    tiers = sorted(p["tiers"], key=lambda t: t["threshold"])
                    table = np.array([0.0] + [t["points"] for t in tiers])
                    pts = table[np.searchsorted([t["threshold"] for t in tiers], v, side="right")]
                elif rule == "target":
                    pts = np.minimum(v / p["target"], 1.0) * m
                elif rule == "per_event":
                    pts = m - np.minimum(v * p["per_event"], p["cap"])
                else:
                    raise ValueError(rule)
                if np.isnan(v).any():  # the missing-data policy 'zero'
                    pts = np.where(np.isnan(v), 0.0, pts)
                pts = round_half_up(pts)
                score = round_half_up(pts * (sub_share * amount_i / item_total / m))
                sub_acc += score
                dim_acc += score
            dims[sub["id"]] = round_half_up(sub_acc)
        dims[dim["id"]] = round_half_up(dim_acc)
        top_scores.append(dims[dim["id"]])
    totals = round_half_up(np.sum(top_scores, axis=0))
    # Rank (ties: min, 1 = best) with one argsort; grade with one searchsorted.
    order = np.argsort(-totals, kind="stable")
    sorted_totals = totals[order]
    positions = np.arange(1, n + 1)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = sorted_totals[1:] != sorted_totals[:-1]
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.maximum.accumulate(np.where(new_group, positions, 0))
    mins = np.array(sorted(m for m, _ in BANDS), dtype=np.float64)
    grades = len(BANDS) - np.searchsorted(mins, totals, side="right")  # index, highest band first
    return totals, dims, ranks, grades


# --------------------------------------------------------------------------------------------------
# Measuring


def best_time(func, repeats: int):
    best, result = float("inf"), None
    for _ in range(repeats):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def traced_peak(func):
    """(peak bytes allocated during func beyond what was traced before, bytes still held after, result)."""
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = func()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before, after - before, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000, help="number of units N (default 100000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each; the best is kept (default 5)")
    parser.add_argument("--seed", type=int, default=20250101, help="random seed of the data")
    parser.add_argument("--missing", type=float, default=0.0,
                        help="share of values left empty (scored 0, the default missing policy; default 0)")
    args = parser.parse_args(argv)
    n = args.units

    sc_dict = build_scorecard()
    scorecard = evalkit.load_scorecard(sc_dict)
    columns = generate_columns(n, args.seed, args.missing)
    units = Units(ids=tuple(f"U{i:07d}" for i in range(n)), names=tuple(f"unit {i}" for i in range(n)),
                  types=(None,) * n, parents=(None,) * n)  # built directly: the per-id checks are not timed
    dataset = DataSet.from_columns(units, columns, period="2025")
    input_bytes = sum(a.nbytes for a in dataset.columns.values())
    n_items = len(scorecard.items())

    # Warm up both (imports, first-touch page faults), then time.
    evalkit.evaluate(scorecard, dataset)
    numpy_scores(sc_dict, dataset.columns)
    t_evalkit, evaluation = best_time(lambda: evalkit.evaluate(scorecard, dataset), args.repeats)
    t_numpy, expected = best_time(lambda: numpy_scores(sc_dict, dataset.columns), args.repeats)
    del evaluation
    peak, held, evaluation = traced_peak(lambda: evalkit.evaluate(scorecard, dataset))
    np_peak, _, _ = traced_peak(lambda: numpy_scores(sc_dict, dataset.columns))

    totals, dims, ranks, grades = expected
    assert np.array_equal(evaluation.totals, totals), "evalkit totals differ from the numpy totals"
    for dim_id, scores in dims.items():
        assert np.array_equal(evaluation.dimensions[dim_id], scores), f"dimension {dim_id} differs"
    assert np.array_equal(evaluation.ranks, ranks), "ranks differ"
    assert np.array_equal(evaluation.grades, grades), "grades differ"

    time_ratio = t_evalkit / t_numpy
    mem_ratio = peak / input_bytes
    mib = 1024 * 1024
    print(f"evalkit benchmark: {n:,} units x {len(dataset.columns)} indicators (float64, one array each), "
          f"{n_items} items in 3 levels, missing {args.missing:g}, seed {args.seed}, best of {args.repeats}")
    print(f"  numpy {np.__version__}, Python {sys.version.split()[0]}")
    print(f"  input arrays        {input_bytes / mib:10.1f} MiB")
    print(f"  evalkit.evaluate    {t_evalkit:10.3f} s")
    print(f"  plain numpy         {t_numpy:10.3f} s")
    print(f"  time ratio          {time_ratio:10.2f} x   (evalkit / numpy; goal <= {GOAL_TIME_RATIO:g})")
    print(f"  evaluate peak       {peak / mib:10.1f} MiB (tracemalloc peak during evaluate; "
          f"{held / mib:.1f} MiB still held by the Evaluation)")
    print(f"  memory ratio        {mem_ratio:10.2f} x   (evaluate peak / input arrays; goal <= {GOAL_MEMORY_RATIO:g})")
    print(f"  numpy peak          {np_peak / mib:10.1f} MiB ({np_peak / input_bytes:.2f} x input, for comparison)")
    print("  check               totals, dimension scores, ranks and grades equal bit for bit")
    met = time_ratio <= GOAL_TIME_RATIO and mem_ratio <= GOAL_MEMORY_RATIO
    print(f"  goals               {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
