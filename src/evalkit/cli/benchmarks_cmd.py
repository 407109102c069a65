"""`evalkit benchmarks`: every indicator's benchmarks per peer group; with --unit, its gaps and league tables.

The figures come from `evalkit.analysis.benchmarks.benchmark_report`; this module parses and prints.
"""

from __future__ import annotations

import argparse
from typing import Any

from evalkit.analysis.benchmarks import QUANTILE_METHODS
from evalkit.cli.common import check_output, emit, number_in, render
from evalkit.cli.figures import data_inputs, heading, json_text, lang_of, load, number, text


def add_commands(sub: Any, plugin_options: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "benchmarks", parents=[plugin_options], help="benchmarks per indicator and peer group, gaps and league tables (标杆)",
        description="Mean, median, best, mean of the top decile (the best ceil(n/10) values in the indicator's direction), "
                    "percentiles (numpy's linear method, taken on performance: p90 is a level about 90 % of peers do not "
                    "reach, in either direction), designated benchmark units and external standards, for every indicator "
                    "and peer group. With --unit: the unit's gap to each benchmark in the indicator's own unit "
                    "(POSITIVE = BETTER than the benchmark) and its league table (the five units above and below it).")
    data_inputs(p)
    p.add_argument("--peer-group", default="all", metavar="G",
                   help="all (default), type, parent, level (depth in the unit hierarchy) or a column of the units file")
    p.add_argument("--percentile", type=number_in(0, 100), action="append", metavar="Q",
                   help="add the Q-th percentile of performance (repeatable; default 75 and 90)")
    p.add_argument("--quantile-method", choices=QUANTILE_METHODS, default="linear",
                   help="numpy.percentile's method for the pQ benchmarks (default linear, as Excel PERCENTILE.INC; "
                        "weibull as PERCENTILE.EXC; hazen, median_unbiased, inverted_cdf, ... as Hyndman & Fan)")
    p.add_argument("--benchmark-unit", action="append", default=[], metavar="ID",
                   help="a designated benchmark unit (标杆单位), compared with the units of its peer group (repeatable)")
    p.add_argument("--standards", metavar="FILE",
                   help="external standards: indicator, value, and optionally group (a peer-group label) and name")
    p.add_argument("--indicator", action="append", metavar="ID", help="only this indicator (repeatable)")
    p.add_argument("--unit", metavar="ID", help="show this unit's gaps and league tables")
    p.set_defaults(handler=cmd_benchmarks)


def cmd_benchmarks(args: argparse.Namespace) -> int:
    from evalkit.analysis.benchmarks import benchmark_report

    check_output(args, (args.scorecard, args.data, args.units, args.standards))
    scorecard, data, registry = load(args)
    report = benchmark_report(scorecard, data, indicators=args.indicator, peer_group=args.peer_group,
                              percentiles=args.percentile, designated=args.benchmark_unit, standards=args.standards,
                              quantile_method=args.quantile_method,
                              unit=args.unit, registry=registry, units_source=args.units)
    if args.format == "json":
        content = json_text(report.to_dict())
    elif args.format == "csv":
        content = report.to_csv()
    else:
        content = benchmarks_table(args, report, lang_of(args, scorecard))
    emit(args, content, f"benchmarks of {len(report.benchmarks.indicators)} indicators, format {args.format}")
    return 0


def benchmark_heading(name: str, lang: str) -> str:
    if name == "standard":
        return "标准" if lang == "zh" else "Standard"
    if name.startswith("standard:"):
        return name.split(":", 1)[1]
    return heading(name, lang)  # mean, median ... or p75 as it is


def benchmarks_table(args: argparse.Namespace, report: Any, lang: str) -> str:
    from rich.table import Table

    bm = report.benchmarks
    decimals = report.decimals
    names = report.benchmark_names()
    title = (f"标杆 · {bm.period} · 同类组：{bm.peer_group}" if lang == "zh" else f"Benchmarks · {bm.period} · peers: {bm.peer_group}")
    if report.unit is None:
        table = Table(title=title)
        for key in ("indicator", "group", "n"):
            table.add_column(heading(key, lang), justify="right" if key == "n" else "left")
        for name in names:
            table.add_column(benchmark_heading(name, lang), justify="right")
        for indicator, group, n, values in report.group_rows():
            table.add_row(text(indicator.name.text(lang) or indicator.id), text(group), str(n),
                          *(number(values[name], decimals) if name in values else "" for name in names))
        return render(args, table, note(lang))
    uid = report.unit
    head = Table(title=f"{bm.units.names[bm.units.index[uid]]} ({uid}) · {title}")
    for key in ("indicator", "value", "rank", "benchmark", "gap"):
        head.add_column(heading(key, lang), justify="left" if key in ("indicator", "benchmark") else "right")
    head.add_column(heading("value", lang) + (" (标杆)" if lang == "zh" else " (benchmark)"), justify="right")
    leagues = []
    for row in report.unit_rows():
        label = row.indicator.name.text(lang) or row.indicator.id
        for k, (name, gap, value) in enumerate(row.benchmarks):
            first = k == 0
            head.add_row(text(label) if first else "", number(row.value, decimals) if first else "",
                         (f"{row.rank}/{row.peers}" if row.rank else "-") if first else "", benchmark_heading(name, lang),
                         number(gap, decimals, signed=True), number(value, decimals))
        lt = Table(title=(f"{label} · 排名（{row.group}，共 {row.league_size}）" if lang == "zh"
                          else f"{label} · league ({row.group}, {row.league_size} with a value)"))
        for key in ("rank", "id", "unit", "value"):
            lt.add_column(heading(key, lang), justify="right" if key in ("rank", "value") else "left")
        lt.add_column("与本单位差距" if lang == "zh" else "vs this unit", justify="right")
        for peer in row.league:
            lt.add_row(str(peer.rank), text(peer.id + (" ◀" if peer.this_unit else "")), text(peer.name),
                       number(peer.value, decimals), "" if peer.this_unit else number(peer.difference, decimals, signed=True))
        leagues.append(lt)
    return render(args, head, note(lang), *leagues)


def note(lang: str) -> str:
    if lang == "zh":
        return ("差距：按指标方向，正数表示优于标杆，负数表示落后于标杆（单位同指标）。前10%均值：同类中最好的 ceil(n/10) 个值的均值；"
                "pQ：按表现取第 Q 百分位（numpy linear 插值）。")
    return ("Gap: in the indicator's direction and unit, positive = better than the benchmark. Top 10% mean: mean of the "
            "best ceil(n/10) values; pQ: the Q-th percentile of performance (numpy linear interpolation).")
