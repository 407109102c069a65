"""Speed and memory of the weight-sensitivity core against the same computation in plain numpy.

Run from the repository root:

    .venv/bin/python benchmarks/bench_sensitivity.py                       # 10,000 units x 1,000 draws
    .venv/bin/python benchmarks/bench_sensitivity.py --units 100000 --samples 1000

What is measured (the project's rule: a ratio against numpy in the same run, never a timed test):

- the input: seeded per-dimension score fractions for N units on 5 top-level dimensions (declared
  weights 30/25/20/15/10 %, total 100 points), and S Dirichlet weight draws (concentration 200) made
  once with ``sample_weights`` and shared by both sides;
- evalkit: ``weight_sensitivity(values, draws, scale=100, band_mins=(90, 80, 60, 0), decimals=2)``:
  totals batch by batch (one matrix product each), half-up rounding at 2 decimals, ranks per draw
  (ties "min"), grades per draw, every unit's rank range, 5th/50th/95th percentile ranks and grade
  probabilities. Best of --repeats, after one warm-up run;
- numpy: the same written directly, all draws at once: ``(draws @ values.T) * 100``, the same
  rounding, one argsort per draw for the ranks, ``np.percentile(..., method="inverted_cdf")``,
  searchsorted for the grades, one comparison per grade for the probabilities;
- memory: the tracemalloc peak of one more, untimed call of each side (numpy reports its buffers to
  tracemalloc), minus what was traced before it. The (draws x units) float64 matrix is shown for scale.

The script asserts that both sides give the same rank ranges, percentiles and grade probabilities,
so the baseline really is the same computation.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc

import numpy as np

from evalkit.analysis.sensitivity import sample_weights, weight_sensitivity

DIM_WEIGHTS = np.array([0.30, 0.25, 0.20, 0.15, 0.10])
BAND_MINS = np.array([90.0, 80.0, 60.0, 0.0])
SCALE = 100.0


def make_values(n: int, seed: int) -> np.ndarray:
    """Per-dimension scores as fractions of each dimension's share: mostly 0.6-0.95, as real scorecards."""
    rng = np.random.default_rng(seed)
    base = rng.beta(8, 2, size=(n, 1))  # a unit's general level
    values = np.clip(base + rng.normal(0, 0.06, size=(n, DIM_WEIGHTS.size)), 0.0, 1.0)
    return np.ascontiguousarray(values)


def round_half_up(x: np.ndarray) -> np.ndarray:
    """evalkit's half up at 2 decimals for x >= 0: snap x*100 to 6 decimals, then floor(+0.5)."""
    return np.floor(np.round(x * 100.0, 6) + 0.5) / 100.0


def numpy_sensitivity(values: np.ndarray, draws: np.ndarray) -> dict:
    totals = draws @ values.T  # (draws, units), everything at once
    totals *= SCALE
    totals = round_half_up(totals)
    S, n = totals.shape
    key = -totals
    order = np.argsort(key, axis=1)
    sorted_key = np.take_along_axis(key, order, axis=1)
    new = np.ones((S, n), dtype=bool)
    new[:, 1:] = sorted_key[:, 1:] != sorted_key[:, :-1]
    place = np.maximum.accumulate(np.where(new, np.arange(1, n + 1), 0), axis=1)
    ranks = np.empty((S, n), dtype=np.int64)
    np.put_along_axis(ranks, order, place, axis=1)
    pct = np.percentile(ranks, [5, 50, 95], axis=0, method="inverted_cdf").astype(np.int64)
    reached = np.searchsorted(BAND_MINS[::-1], totals, side="right")
    grades = BAND_MINS.size - reached
    grades[reached == 0] = -1
    probs = np.stack([(grades == g).mean(axis=0) for g in range(BAND_MINS.size)] + [(grades < 0).mean(axis=0)], axis=1)
    return {"rank_min": ranks.min(axis=0), "rank_max": ranks.max(axis=0), "rank_p05": pct[0], "rank_median": pct[1],
            "rank_p95": pct[2], "grade_probability": probs}


def evalkit_sensitivity(values: np.ndarray, draws: np.ndarray):
    return weight_sensitivity(values, draws, scale=SCALE, band_mins=BAND_MINS, decimals=2)


def best_time(fn, repeats: int) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def traced_peak(fn) -> int:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    del result
    return peak


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20250101)
    args = parser.parse_args(argv)

    values = make_values(args.units, args.seed)
    draws = sample_weights(DIM_WEIGHTS, args.samples, "dirichlet", concentration=200.0, seed=args.seed)

    ours = evalkit_sensitivity(values, draws)
    theirs = numpy_sensitivity(values, draws)
    for key, expected in theirs.items():
        got = getattr(ours, key)
        assert np.array_equal(got, expected), f"{key} differs between evalkit and the numpy baseline"

    t_evalkit = best_time(lambda: evalkit_sensitivity(values, draws), args.repeats)
    t_numpy = best_time(lambda: numpy_sensitivity(values, draws), args.repeats)
    m_evalkit = traced_peak(lambda: evalkit_sensitivity(values, draws))
    m_numpy = traced_peak(lambda: numpy_sensitivity(values, draws))
    matrix = args.units * args.samples * 8
    mib = 1024 * 1024
    print(f"evalkit sensitivity benchmark: {args.units:,} units x {args.samples:,} Dirichlet draws, "
          f"{DIM_WEIGHTS.size} dimensions, 4 grade bands, ties min, best of {args.repeats}")
    print(f"  numpy {np.__version__}, Python {sys.version.split()[0]}")
    print(f"  weight_sensitivity      {t_evalkit:8.3f} s")
    print(f"  plain numpy             {t_numpy:8.3f} s")
    print(f"  time ratio              {t_evalkit / t_numpy:8.2f} x   (evalkit / numpy)")
    print(f"  draws x units float64   {matrix / mib:8.1f} MiB (one such matrix, for scale)")
    print(f"  evalkit peak            {m_evalkit / mib:8.1f} MiB (tracemalloc, batches of draws)")
    print(f"  numpy peak              {m_numpy / mib:8.1f} MiB (all draws at once)")
    print(f"  memory ratio            {m_evalkit / m_numpy:8.2f} x   (evalkit / numpy)")
    print("  check                   rank ranges, percentiles and grade probabilities equal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
