"""Speed of the results table in a narrow terminal, where the unit names and notes must wrap.

Run from the repository root:

    .venv/bin/python benchmarks/bench_table_width.py                  # 100,000 units at 80 columns
    .venv/bin/python benchmarks/bench_table_width.py --units 20000 --width 100

The run: benchmarks/bench_reports.py's build (the quickstart scorecard on N seeded synthetic units with
bonus, deduction and veto records, so that some units have notes), with long Chinese unit names
(县第N机关第二党支部委员会...) so the table is wider than the terminal and the names wrap. Timed: the
`table` reporter at --width (best of --repeats after one untimed run), and, as a baseline, the same
table at a width of 1,000 columns, where nothing wraps and the rows are written directly.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

from evalkit.io.data import Units
from evalkit.reporters.base import ReportOptions
from evalkit.reporters.table import render_table

HERE = Path(__file__).resolve().parent


def build(n: int, seed: int):
    spec = importlib.util.spec_from_file_location("bench_reports", HERE / "bench_reports.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ev = module.build(n, seed)
    u = ev.units
    long = tuple(f"县第{i}机关第二党支部委员会（联合支部）" for i in range(n))
    return ev, Units(ids=u.ids, names=long, types=u.types, parents=u.parents)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--width", type=int, default=80)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    import attrs

    ev, units = build(args.units, args.seed)
    ev = attrs.evolve(ev, units=units)

    def timed(width: int) -> tuple[float, str]:
        best, text = float("inf"), ""
        for k in range(args.repeats + 1):
            start = time.perf_counter()
            text = render_table(ev, ReportOptions(lang="zh", width=width))
            if k:
                best = min(best, time.perf_counter() - start)
        return best, text

    narrow, text = timed(args.width)
    wide, _ = timed(1000)
    widest = max(len(line) for line in text.splitlines())
    print(f"{args.units:,} units, table at {args.width} columns: {narrow:.2f} s "
          f"({len(text.splitlines()):,} lines, widest {widest}); at 1000 columns (no wrapping): {wide:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
