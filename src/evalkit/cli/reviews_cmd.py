"""`evalkit review` (multi-rater reviews from ballot files) and `evalkit rollup` (periods into a year).

- review: prints per unit each group's aggregate, the ballots counted and the weighted review score.
  ``--format csv`` writes long-format rows (unit, indicator, period, value) that ``evalkit run --data``
  reads; ``--merge-with DATA`` writes DATA's rows followed by the review's, one file for ``--data``.
  Skipped bad ballots (``bad_ballots: skip``) and void ballots are reported on stderr as warnings; under
  ``bad_ballots: stop`` any bad ballot exits 3 listing them all.
- rollup: prints per unit the annual score, the contribution of each part, and the rank.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from evalkit.cli.common import check_output, emit, render
from evalkit.errors import DataError, Problem, UsageError


def add_commands(sub, plugin_options) -> None:
    review = sub.add_parser(
        "review", parents=[plugin_options], help="multi-rater review: ballots to a review score per unit",
        description="Aggregate the ballots of rater groups (领导点评、党员互评、群众评议) as DEFINITION says, and "
                    "weight the groups into one review score per unit. --format csv writes long-format rows "
                    "(unit, indicator, period, value) for `evalkit run --data`; --merge-with DATA writes DATA's rows "
                    "and the review's in one file.")
    review.add_argument("definition", metavar="DEFINITION", help="the review definition (.yaml or .json)")
    review.add_argument("--ballots", required=True, action="append", metavar="FILE",
                        help="a ballots file (.csv, .xlsx or .json): rater_group, rater, rater_unit, unit, score or "
                             "grade (repeatable: one file per group is fine)")
    review.add_argument("--units", required=True, metavar="FILE", help="units file: id, name, type, parent")
    review.add_argument("--period", metavar="P", help="the period reviewed (default: the definition's)")
    review.add_argument("--format", choices=("table", "csv", "json"), default="table")
    review.add_argument("--indicators", metavar="ID,ID",
                        help="with --format csv: write only these indicators (default: the review score and every "
                             "group's; a scorecard must declare every indicator its data holds)")
    review.add_argument("--merge-with", metavar="DATA",
                        help="with --format csv: write the rows of the long-format DATA file, then the review's rows")
    review.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of the terminal")
    review.add_argument("--lang", choices=("zh", "en"), help="label language (default: zh when the definition has Chinese names)")
    review.set_defaults(handler=cmd_review)

    rollup = sub.add_parser(
        "rollup", parents=[plugin_options], help="roll period results (and reviews) into an annual score",
        description="Weight the results listed in DEFINITION (evalkit run --format json results, evalkit review "
                    "--format json reviews, or long-format tables) into one annual score per unit, with the "
                    "contribution of each part. Paths in DEFINITION are relative to its folder.")
    rollup.add_argument("definition", metavar="DEFINITION", help="the roll-up definition (.yaml or .json)")
    rollup.add_argument("--units", metavar="FILE",
                        help="units file: fixes the units and their names (default: every unit of any part)")
    rollup.add_argument("--format", choices=("table", "csv", "json"), default="table")
    rollup.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of the terminal")
    rollup.add_argument("--lang", choices=("zh", "en"))
    rollup.set_defaults(handler=cmd_rollup)


# --------------------------------------------------------------------------------------------------
# Plumbing


def _csv(rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + buffer.getvalue()  # a BOM, so that Excel shows Chinese correctly; evalkit reads it too


def _json(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def _lang(args, label) -> str:
    if args.lang:
        return args.lang
    return "zh" if label.zh and not label.zh.isascii() else "en"


def _value_text(value: float, decimals: int) -> str:
    return "" if np.isnan(value) else f"{float(value):.{decimals}f}"


def _number_text(value: float) -> str:
    """A rounded value as data: 92 not 92.0, 92.13 as it is."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


# --------------------------------------------------------------------------------------------------
# evalkit review


def cmd_review(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from
    from evalkit.io.inputs import load_units, read_table
    from evalkit.reviews.review import aggregate, load_review, read_ballots

    if (args.merge_with or args.indicators) and args.format != "csv":
        raise UsageError(f"{'--merge-with' if args.merge_with else '--indicators'} is about long-format rows: "
                         "use it with --format csv")
    check_output(args, [args.definition, args.units, args.merge_with, *args.ballots])
    definition = load_review(args.definition)
    registry = registry_from(args)
    units = load_units(args.units, registry)
    tables = [read_table(path, registry) for path in args.ballots]
    ballots = read_ballots(tables, definition, units, period=args.period)
    result = aggregate(ballots, definition, units)
    for problem in result.skipped:
        print(f"evalkit: warning: bad ballot skipped: {problem}", file=sys.stderr)
    for void in result.void:
        print(f"evalkit: warning: void ballot: {void.problem(definition)}", file=sys.stderr)
    if result.other_periods:
        print(f"evalkit: note: {result.other_periods} ballot rows of other periods than {result.period!r} were not counted",
              file=sys.stderr)
    lang = _lang(args, definition.name)
    if args.format == "json":
        text = _json(result.to_dict())
    elif args.format == "csv":
        rows = [["unit", "indicator", "period", "value"]]
        wanted = _wanted_indicators(args.indicators, result)
        if args.merge_with:
            rows.extend(_merge_rows(args.merge_with, registry, result, wanted))
        rows.extend([u, ind, p, _number_text(v)] for u, ind, p, v in result.long_rows() if ind in wanted)
        text = _csv(rows)
    else:
        text = _review_table(args, result, lang)
    emit(args, text, f"{len(units)} units, format {args.format}")
    return 0


def _wanted_indicators(text: str | None, result) -> set[str]:
    known = [result.definition.indicator] + [result.definition.group_indicator(g) for g in result.definition.groups]
    if not text:
        return set(known)
    wanted = [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
    unknown = [w for w in wanted if w not in known]
    if unknown or not wanted:
        raise UsageError(f"--indicators {text!r}: expected some of {', '.join(known)}"
                         + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    return set(wanted)


def _merge_rows(path: str, registry, result, ours: set[str]) -> list[list[str]]:
    """The rows of a long-format data file, as text, refusing rows the review would duplicate."""
    from evalkit.io.data import OBSERVATION_COLUMNS
    from evalkit.io.inputs import read_table
    from evalkit.io.table import cell_text, find_columns

    table = read_table(path, registry)
    cols = find_columns(table, OBSERVATION_COLUMNS, required=("unit", "indicator", "value"))
    headers = {k: table.columns[v] for k, v in cols.items()}
    period = result.period or ""
    rows, problems = [], []
    for i, row in enumerate(table.rows):
        cells = [cell_text(row[cols[k]]) if k in cols and cols[k] < len(row) else "" for k in ("unit", "indicator", "period", "value")]
        if cells[1] in ours and (not cells[2] or not period or cells[2] == period):
            problems.append(Problem(f"the data already holds {cells[1]!r}, which the review writes", **table.where(i, headers["indicator"]),
                                    expected="no review indicators in the data file (the review supplies them)",
                                    found=f"{cells[1]!r} for unit {cells[0]!r}"))
            continue
        rows.append(cells)
    if problems:
        raise DataError(problems[:50])
    return rows


def _review_table(args, result, lang: str) -> str:
    from rich.table import Table
    from rich.text import Text

    d = result.definition
    zh = lang == "zh"
    decimals = d.rounding.decimals
    weights = "，".join(f"{g.name.text(lang)} {_pct(g.share)}" for g in d.groups) if zh else \
        ", ".join(f"{g.name.text(lang)} {_pct(g.share)}" for g in d.groups)
    declared = ":".join(_plain(g.weight) for g in d.groups)
    period = f" · {result.period}" if result.period else ""
    table = Table(title=f"{d.name.text(lang)}{period}",
                  caption=(f"权重 {weights}（{declared} 归一）" if zh else f"weights {weights} ({declared} normalised)"))
    table.add_column("编号" if zh else "ID", no_wrap=True)
    table.add_column("单位" if zh else "Unit")
    for g in d.groups:
        how = _AGG_NAMES[lang][g.aggregation]
        table.add_column(f"{g.name.text(lang)}\n{how}", justify="right")
        table.add_column("票数" if zh else "Ballots", justify="right")
    table.add_column("评议得分" if zh else "Review score", justify="right")
    table.add_column("说明" if zh else "Notes")
    for i, uid in enumerate(result.units.ids):
        cells = [Text(uid), Text(result.units.names[i])]
        for k in range(len(d.groups)):
            value = result.rounded(result.values[i, k])
            cells.append(Text(_value_text(value, decimals) or "—"))
            cells.append(Text(str(int(result.counts[i, k]))))
        cells.append(Text(_value_text(result.rounded(result.score[i]), decimals) or "—"))
        cells.append(Text(("；" if zh else "; ").join(result.unit_reasons(i, lang))))
        table.add_row(*cells)
    footer = []
    if result.void:
        footer.append(f"废票 {len(result.void)} 张（超出优秀名额）" if zh else f"{len(result.void)} void ballots (over the excellent quota)")
    if result.skipped:
        footer.append(f"问题票 {len(result.skipped)} 处未计入" if zh else f"{len(result.skipped)} bad ballot rows skipped")
    text = render(args, table)
    return text + ("".join(line + "\n" for line in footer))


_AGG_NAMES = {
    "zh": {"mean": "平均", "median": "中位数", "trimmed_mean": "去最高最低", "satisfaction": "满意度指数"},
    "en": {"mean": "mean", "median": "median", "trimmed_mean": "trimmed mean", "satisfaction": "satisfaction"},
}


def _pct(share: float) -> str:
    from evalkit.scoring.rounding import round_array

    return f"{_plain(float(round_array(share * 100, 2)))}%"


def _plain(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# --------------------------------------------------------------------------------------------------
# evalkit rollup


def cmd_rollup(args: argparse.Namespace) -> int:
    from evalkit.analysis.period_rollup import load_rollup, run_rollup
    from evalkit.cli import registry_from
    from evalkit.io.inputs import load_units

    definition = load_rollup(args.definition)
    files = [str(definition.base() / p.file) for p in definition.parts if p.file]
    check_output(args, [args.definition, args.units, *files])
    registry = registry_from(args)
    ids = names = None
    if args.units:
        units = load_units(args.units, registry)
        ids, names = units.ids, dict(zip(units.ids, units.names))
    result = run_rollup(definition, registry, units=ids, names=names)
    for warning in result.warnings:
        print(f"evalkit: warning: {warning}", file=sys.stderr)
    lang = _lang(args, definition.name)
    if args.format == "json":
        text = _json(result.to_dict())
    elif args.format == "csv":
        text = _csv(_rollup_rows(result, lang))
    else:
        text = _rollup_table(args, result, lang)
    emit(args, text, f"{len(result.unit_ids)} units, format {args.format}")
    return 0


def _rollup_rows(result, lang: str) -> list[list[str]]:
    zh = lang == "zh"
    d = result.rounding.decimals
    header = ["排名", "编号", "单位"] if zh else ["rank", "unit", "name"]
    for p in result.parts:
        name = p.name.text(lang)
        header += [name, f"{name}权重" if zh else f"{name} weight", f"{name}折算分" if zh else f"{name} contribution"]
    header.append("年度得分" if zh else "annual")
    rows = [header]
    for i in result.order():
        row = [str(int(result.ranks[i])), result.unit_ids[i], result.names[i]]
        for k in range(len(result.parts)):
            row += [_value_text(result.values[i, k], 10).rstrip("0").rstrip(".") if not np.isnan(result.values[i, k]) else "",
                    f"{result.weights[i, k]:.6g}", _value_text(result.rounding(result.contributions[i, k]), d)]
        row.append(_value_text(result.annual[i], d))
        rows.append(row)
    return rows


def _rollup_table(args, result, lang: str) -> str:
    from rich.table import Table
    from rich.text import Text

    zh = lang == "zh"
    d = result.rounding.decimals
    policy = {"reweight": "缺期按比例折算" if zh else "missing parts re-weighted",
              "zero": "缺期计 0 分" if zh else "missing parts count 0"}[result.missing]
    shares = ("，" if zh else ", ").join(f"{p.name.text(lang)} {_pct(p.share)}" for p in result.parts)
    period = f" · {result.period}" if result.period else ""
    table = Table(title=f"{result.name.text(lang)}{period}",
                  caption=f"权重 {shares}；{policy}" if zh else f"weights {shares}; {policy}")
    table.add_column("排名" if zh else "Rank", justify="right")
    table.add_column("编号" if zh else "ID", no_wrap=True)
    table.add_column("单位" if zh else "Unit")
    for p in result.parts:
        table.add_column(f"{p.name.text(lang)}\n{'得分→折算' if zh else 'score→points'}", justify="right")
    table.add_column("年度得分" if zh else "Annual", justify="right")
    table.add_column("说明" if zh else "Notes")
    for i in result.order():
        cells = [Text(str(int(result.ranks[i]))), Text(result.unit_ids[i]), Text(result.names[i])]
        for k in range(len(result.parts)):
            value = result.values[i, k]
            if np.isnan(value):
                cells.append(Text("—"))
            else:
                cells.append(Text(f"{_plain(value)} → {_value_text(result.rounding(result.contributions[i, k]), d)}"))
        cells.append(Text(_value_text(result.annual[i], d) or "—"))
        cells.append(Text("; ".join(result.notes(int(i), lang))))
        table.add_row(*cells)
    return render(args, table)
