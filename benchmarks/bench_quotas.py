"""Speed and memory of grade quotas (名额比例) against the same computation written in vectorised numpy.

Run from the repository root:

    .venv/bin/python benchmarks/bench_quotas.py                                   # 10^6 units in 10^4 groups
    .venv/bin/python benchmarks/bench_quotas.py --sizes 100000,1000000 --groups 10000 --rounds 5

The scorecard grades totals into A (>= 90), B (>= 70) and C, with two quotas per unit type (the
groups): A for at most 20 % of a group (floor, ties excluded), B for at most 50 % (floor, ties
included). Totals are seeded random values with one decimal (so ties at the cut occur), grades come
from the bands; units are spread over --groups types.

Measured with benchmarks/harness.py: each contender runs in a forked child (`in_child`), the two
interleaved round by round, medians of --rounds; each child first runs its computation on a 10-unit
case, untimed (the copy-on-write of the pages a fork leaves shared is not the work's time).
- evalkit: ``evalkit.scoring.quotas.apply_quotas(grades, totals, ids, scorecard, units.attribute,
  codes=units.group_codes)``, as `evalkit.evaluate` calls it; the units' group codes are built once per
  units list (`Units.group_codes`), before the children fork, and the baseline is given the same codes;
- numpy: per quota one lexsort of the holders by (group, -total), places per group from the group
  sizes with the same snapping, the first places kept with the tie rule at the cut, all groups at once.

The script checks that both give the same grades and the same moved-unit masks, and prints a
Markdown table with the time ratio (goal: within 2x) and each child's peak RSS.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Sample, in_child, markdown_table, mib, paired, seconds_text, verdict

import evalkit
from evalkit.io.data import Units
from evalkit.scoring.grading import grade_indexes
from evalkit.scoring.quotas import apply_quotas

GOAL_TIME_RATIO = 2.0
QUOTAS = ({"grade": "A", "share": 0.2, "per": "type"},
          {"grade": "B", "share": 0.5, "per": "type", "ties": "include"})


def build_scorecard():
    return evalkit.load_scorecard({
        "id": "q", "name": "quotas benchmark", "period": "2025", "indicators": [{"id": "x", "name": "X"}],
        "dimensions": [{"id": "d", "name": "D", "children": [
            {"id": "i", "indicator": "x", "max_points": 100, "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}]}],
        "grading": {"bands": [{"min": 90, "grade": "A"}, {"min": 70, "grade": "B"}, {"min": 0, "grade": "C"}],
                    "quotas": list(QUOTAS)}})


def case(n: int, groups: int, seed: int, scorecard):
    rng = np.random.default_rng(seed)
    totals = np.round(rng.uniform(40, 100, n), 1)
    types = tuple(f"g{k:05d}" for k in rng.integers(0, groups, n))
    units = Units(ids=tuple(f"U{i:07d}" for i in range(n)), names=("u",) * n, types=types, parents=(None,) * n)
    return units, totals, grade_indexes(totals, scorecard.grading)


def numpy_quotas(grades: np.ndarray, totals: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The quotas of QUOTAS in vectorised numpy: grades after them and, per quota, the units moved down."""
    final = grades.copy()
    masks = []
    sizes = np.bincount(groups)
    for index, (share, ties) in enumerate(((0.2, "exclude"), (0.5, "include"))):
        holders = np.flatnonzero(final == index)
        holders = holders[np.lexsort((-totals[holders], groups[holders]))]
        g = groups[holders]
        t = totals[holders]
        held = np.bincount(g, minlength=sizes.size)
        start = np.cumsum(held) - held
        snapped = np.round(share * sizes * 1e9) / 1e9  # noise removed at 9 decimals (values well below 2**52)
        allowed = np.floor(snapped).astype(np.int64)[g]
        position = np.arange(g.size) - start[g]
        over = held[g] > allowed
        at = start[g] + np.minimum(allowed, np.maximum(held[g] - 1, 0))
        if ties == "exclude":
            keep = ~over | ((position < allowed) & (t > t[at]))
        else:
            keep = ~over | ((allowed > 0) & (t >= t[np.maximum(at - 1, start[g])]))
        mask = np.zeros(grades.size, dtype=bool)
        mask[holders[~keep]] = True
        final[mask] = index + 1
        masks.append(mask)
    return final, masks


def digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(memoryview(np.ascontiguousarray(a)).cast("B"))
    return h.hexdigest()


def timed(work) -> Sample:
    sample = in_child(work)
    sample.seconds, sample.result = sample.result
    return sample


def measure(n: int, groups: int, rounds: int, seed: int, scorecard) -> list:
    units, totals, grades = case(n, groups, seed, scorecard)
    codes = units.group_codes("type")  # built once per units list, before the fork, for both
    small_units, small_totals, small_grades = case(10, 3, seed, scorecard)
    small_units.group_codes("type")

    def run_evalkit():
        apply_quotas(small_grades, small_totals, small_units.ids, scorecard, small_units.attribute, codes=small_units.group_codes)
        start = time.perf_counter()
        final, moved = apply_quotas(grades, totals, units.ids, scorecard, units.attribute, codes=units.group_codes)
        return time.perf_counter() - start, digest(final, moved["quota:A"], moved["quota:B"])

    def run_numpy():
        numpy_quotas(small_grades, small_totals, small_units.group_codes("type"))
        start = time.perf_counter()
        final, (a, b) = numpy_quotas(grades, totals, codes)
        return time.perf_counter() - start, digest(final, a, b)

    gc.collect()
    gc.freeze()
    result = paired({"evalkit": lambda: timed(run_evalkit), "numpy": lambda: timed(run_numpy)}, rounds=rounds)
    assert result.result("evalkit") == result.result("numpy"), f"evalkit and numpy quotas differ at {n} units"
    ratio = result.ratio("evalkit", "numpy")
    return [f"{n:,}", f"{groups:,}", seconds_text(result.seconds("evalkit")), seconds_text(result.seconds("numpy")),
            f"{ratio:.2f}", verdict(ratio, GOAL_TIME_RATIO), mib(result.peak("evalkit")), mib(result.peak("numpy"))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000", help="numbers of units, comma-separated (default 1000000)")
    parser.add_argument("--groups", type=int, default=10_000, help="number of groups (unit types; default 10000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians are reported (default 5)")
    parser.add_argument("--seed", type=int, default=20250101, help="random seed")
    args = parser.parse_args(argv)
    scorecard = build_scorecard()
    rows = [measure(int(n), args.groups, args.rounds, args.seed, scorecard) for n in args.sizes.split(",")]
    print(f"grade quotas vs vectorised numpy: 2 quotas per group, medians of {args.rounds} interleaved rounds; "
          f"numpy {np.__version__}, Python {sys.version.split()[0]}")
    print("grades and moved units equal at every size\n")
    print(markdown_table(["units", "groups", "evalkit", "numpy", "time ratio", f"goal {GOAL_TIME_RATIO:g}x",
                          "evalkit peak", "numpy peak"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
