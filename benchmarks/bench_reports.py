"""Speed of every reporter on a large run, against plain baselines in the same run, and the HTML's size.

Run from the repository root:

    .venv/bin/python benchmarks/bench_reports.py                 # 10,000 units (default)
    .venv/bin/python benchmarks/bench_reports.py --units 2000 --repeats 3
    .venv/bin/python benchmarks/bench_reports.py --scorecard wide      # 50 items (bench_scoring.py's)

The run (--scorecard quickstart, the default): the quickstart scorecard (examples/quickstart: 3
dimensions, 6 items, bonus, deductions, a veto and a gate) on N synthetic units with seeded random
values (some missing), a bonus record for every 50th unit, a deduction for every 70th and a veto for
every 500th; Chinese labels. With --scorecard wide: bench_scoring.py's 3-level scorecard of 50 items
(English ids, no adjustments), so that the item detail has 50 rows per unit.

Timed (best of --repeats, after one untimed run), excluding scoring:
- every registered built-in reporter: table, json, csv, xlsx, html, markdown;
- baseline "json.dumps": ``json.dumps`` of the result document (``to_dict()`` built before timing);
- baseline "csv rows": the rows the xlsx holds (summary, item detail, explanation lines), built from
  the Evaluation and written with ``csv.writer`` to memory: the least any report with that content
  can cost in Python. The xlsx and html ratios are against this baseline.

The goal is that every format renders in seconds (GOAL_SECONDS) at 10,000 units.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from pathlib import Path

import numpy as np

import evalkit
from evalkit.io.data import DataSet, Units
from evalkit.reporters.base import ReportOptions

ROOT = Path(__file__).resolve().parent.parent
SCORECARD = ROOT / "examples" / "quickstart" / "scorecard.yaml"
FORMATS = ("table", "json", "csv", "xlsx", "html", "markdown")
GOAL_SECONDS = 5.0


def build(n: int, seed: int):
    """The quickstart scorecard scored on n synthetic units with adjustments."""
    scorecard = evalkit.load_scorecard(SCORECARD)
    rng = np.random.default_rng(seed)
    ids = [f"U{i:05d}" for i in range(n)]
    kinds = ("党委部门", "政府部门", "群团组织")
    units = Units(ids=tuple(ids), names=tuple(f"第{i}单位党支部" for i in range(n)),
                  types=tuple(kinds[i % 3] for i in range(n)), parents=tuple(None for _ in ids))

    def column(low, high, decimals=1, missing=0.02):
        x = np.round(rng.uniform(low, high, n), decimals)
        x[rng.random(n) < missing] = np.nan
        return x

    columns = {
        "meetings_rate": column(50, 100), "study_hours": column(10, 40, 0, 0.05), "dues_on_time": column(88, 100),
        "recruitment": rng.integers(0, 4, n).astype(float), "recruitment_plan": rng.integers(1, 4, n).astype(float),
        "missed_meetings": rng.poisson(1.0, n).astype(float), "satisfaction": column(55, 100),
    }
    adjustments = ([{"unit": ids[i], "item": "honours", "points": 1 + i % 3, "reason": "县级表彰", "evidence": f"县委〔2025〕{i}号"}
                    for i in range(0, n, 50)]
                   + [{"unit": ids[i], "item": "reporting", "points": 1.5, "reason": "信息报送超期"} for i in range(3, n, 70)]
                   + [{"unit": ids[i], "item": "discipline_case", "authority": "县纪委监委", "evidence": "通报"}
                      for i in range(7, n, 500)])
    data = DataSet.from_columns(units, columns, period=scorecard.period)
    return evalkit.evaluate(scorecard, data, adjustments=adjustments)


def build_wide(n: int, seed: int):
    """bench_scoring.py's 50-item scorecard on n units."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_scoring import build_scorecard, generate_columns

    scorecard = evalkit.load_scorecard(build_scorecard())
    units = Units.from_ids([f"U{i:07d}" for i in range(n)])
    return evalkit.evaluate(scorecard, DataSet.from_columns(units, generate_columns(n, seed, 0.01), period="2025"))


def best(func, repeats: int) -> tuple[float, object]:
    result = func()  # warm-up, untimed
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def csv_rows(evaluation) -> bytes:
    """The xlsx's content as plain rows, written with csv.writer: the baseline for the big reports."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    order = [int(i) for i in evaluation.order()]
    ids, names = evaluation.units.ids, evaluation.units.names
    ranks, totals = evaluation.ranks.tolist(), evaluation.totals.tolist()
    tops = [evaluation.dimensions[n.id].tolist() for n in evaluation.scorecard.dimensions if n.id in evaluation.dimensions]
    for i in order:
        writer.writerow([ranks[i], ids[i], names[i], *(t[i] for t in tops), totals[i]])
    items = [(k, r.values.tolist(), r.points.tolist(), r.score.tolist()) for k, r in evaluation.items.items()]
    for i in order:
        for k, values, points, score in items:
            writer.writerow([ranks[i], ids[i], names[i], k, values[i], points[i], score[i]])
    for i in order:
        for line in evaluation.explain(ids[i], "zh"):
            writer.writerow([ids[i], line])
    return buffer.getvalue().encode("utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--scorecard", choices=("quickstart", "wide"), default="quickstart")
    parser.add_argument("--save", metavar="DIR", help="also write every report into DIR (report.<ext>)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    evaluation = (build if args.scorecard == "quickstart" else build_wide)(args.units, args.seed)
    scoring = time.perf_counter() - start
    registry = evalkit.default_registry()
    options = ReportOptions(lang=args.lang)

    print(f"evalkit report benchmark: {args.units:,} units, {args.scorecard} scorecard ({len(evaluation.items)} items), "
          f"lang {args.lang}, best of {args.repeats}")
    print(f"  Python {sys.version.split()[0]}, numpy {np.__version__}; scoring took {scoring:.3f} s (not counted)")
    document = evaluation.to_dict()
    t_json, _ = best(lambda: json.dumps(document, ensure_ascii=False), args.repeats)
    t_csv, rows = best(lambda: csv_rows(evaluation), args.repeats)
    print(f"  {'baseline json.dumps':<22}{t_json:8.3f} s   (the result document, built beforehand)")
    print(f"  {'baseline csv rows':<22}{t_csv:8.3f} s   ({len(rows) / 2**20:.1f} MiB: summary, item detail and explanation rows)")
    slow = []
    for name in FORMATS:
        reporter = registry.reporters[name]
        seconds, content = best(lambda reporter=reporter: reporter.render(evaluation, options), args.repeats)
        size = len(content.encode("utf-8") if isinstance(content, str) else content)
        if seconds > GOAL_SECONDS:
            slow.append(name)
        print(f"  {name:<22}{seconds:8.3f} s   {seconds / t_csv:5.2f} x csv rows   {size / 2**20:7.2f} MiB")
        if args.save:
            path = Path(args.save) / f"report{reporter.extension}"
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    print(f"  goal                  every format within {GOAL_SECONDS:g} s: "
          + ("met" if not slow else f"NOT met by {', '.join(slow)}"))
    return 0 if not slow else 1


if __name__ == "__main__":
    sys.exit(main())
