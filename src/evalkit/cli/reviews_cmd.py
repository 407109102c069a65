"""`evalkit review` (multi-rater reviews from ballot files) and `evalkit rollup` (periods into a year).

- review: prints per unit each group's aggregate, the ballots counted and the weighted review score
  (`evalkit.reviews.review`). ``--format csv`` writes long-format rows (unit, indicator, period, value) that
  ``evalkit run --data`` reads; ``--merge-with DATA`` writes DATA's rows followed by the review's, one file
  for ``--data`` (`evalkit.reviews.data_rows`). Skipped bad ballots (``bad_ballots: skip``) and void ballots
  are reported on stderr as warnings; under ``bad_ballots: stop`` any bad ballot exits 3 listing them all.
- rollup: prints per unit the annual score, the contribution of each part, and the rank
  (`evalkit.analysis.period_rollup.rollup_files`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from evalkit.cli.common import check_output, emit, render
from evalkit.cli.formats import output_options
from evalkit.errors import UsageError


def add_commands(sub: Any, plugin_options: argparse.ArgumentParser) -> None:
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
    review.add_argument("--indicators", metavar="ID,ID",
                        help="with --format csv: write only these indicators (default: the review score and every "
                             "group's; a scorecard must declare every indicator its data holds)")
    review.add_argument("--merge-with", metavar="DATA",
                        help="with --format csv: write the rows of the long-format DATA file, then the review's rows")
    review.add_argument("--store", metavar="PATH",
                        help="with --format csv: keep the definition, ballots and units in this history store and record "
                             "the output's SHA-256, so that a run reading it as data names the review (evalkit history show)")
    output_options(review, ("table", "csv", "json"))
    from evalkit.cli.dask_cmd import add_engine_options

    add_engine_options(review)  # --engine dask: one Parquet ballots file or folder, counted on Dask (docs/dask.md)
    review.set_defaults(handler=cmd_review)

    rollup = sub.add_parser(
        "rollup", parents=[plugin_options], help="roll period results (and reviews) into an annual score",
        description="Weight the results listed in DEFINITION (evalkit run --format json results, evalkit review "
                    "--format json reviews, or long-format tables) into one annual score per unit, with the "
                    "contribution of each part. Paths in DEFINITION are relative to its folder.")
    rollup.add_argument("definition", metavar="DEFINITION", help="the roll-up definition (.yaml or .json)")
    rollup.add_argument("--units", metavar="FILE",
                        help="units file: fixes the units and their names (default: every unit of any part)")
    output_options(rollup, ("table", "csv", "json"))
    rollup.set_defaults(handler=cmd_rollup)


# --------------------------------------------------------------------------------------------------
# Plumbing


def _json(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def _lang(args: argparse.Namespace, label: Any) -> str:
    if args.lang:
        return args.lang
    return "zh" if label.zh and not label.zh.isascii() else "en"


def _fixed(value: float | None, decimals: int) -> str:
    return "" if value is None else f"{float(value):.{decimals}f}"


def _pct(share: float) -> str:
    from evalkit.scoring.rounding import round_array

    return f"{_plain(float(round_array(share * 100, 2)))}%"


def _plain(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# --------------------------------------------------------------------------------------------------
# evalkit review


def cmd_review(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from
    from evalkit.reviews.data_rows import review_data_csv
    from evalkit.reviews.review import review

    if args.store and args.format != "csv":
        raise UsageError("--store keeps the review that a run reads as data: use it with --format csv")
    if (args.merge_with or args.indicators) and args.format != "csv":
        raise UsageError(f"{'--merge-with' if args.merge_with else '--indicators'} is about long-format rows: "
                         "use it with --format csv")
    check_output(args, [args.definition, args.units, args.merge_with, *args.ballots])
    registry = registry_from(args)
    if args.engine == "dask":
        from evalkit.reviews.distributed import review_parquet

        if len(args.ballots) != 1 or (args.scheduler is not None and args.workers is not None):
            raise UsageError("evalkit review --engine dask: one --ballots (a Parquet file, or a folder of them), and "
                             "--scheduler (a cluster's) or --workers (a local cluster), not both")
        if args.store and Path(args.ballots[0]).is_dir():
            raise UsageError("evalkit review --engine dask --store keeps the ballots file with the review: give one "
                             f"Parquet file, not the folder {args.ballots[0]}")
        result = review_parquet(args.definition, args.ballots[0], args.units, args.period, registry,
                                scheduler=args.scheduler, workers=args.workers)
    else:
        for option, value in (("--scheduler", args.scheduler), ("--workers", args.workers)):
            if value is not None:
                raise UsageError(f"evalkit review: {option} goes with --engine dask")
        result = review(args.definition, args.ballots, args.units, period=args.period, registry=registry)
    for notice in result.notices():
        print(f"evalkit: {notice}", file=sys.stderr)
    if args.format == "json":
        text = _json(result.to_dict())
    elif args.format == "csv":
        text = review_data_csv(result, args.indicators, args.merge_with, registry)
    else:
        text = _review_table(args, result, _lang(args, result.definition.name))
    if args.store:  # checked before it is written: a store that cannot be used exits before the output
        from evalkit.store.history import Store
        from evalkit.store.provenance import keep_review

        with Store.open(args.store) as store:
            kept = keep_review(store, text.encode("utf-8"), args.definition, args.ballots, args.units, args.merge_with,
                               args.period)
        print(f"evalkit: the review's inputs are kept as record {kept.id} in {args.store}", file=sys.stderr)
    emit(args, text, f"{len(result.units)} units, format {args.format}")
    return 0


def _review_table(args: argparse.Namespace, result: Any, lang: str) -> str:
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
    for row in result.table_rows(lang):
        cells = [Text(row.id), Text(row.name)]
        for value, count in row.groups:
            cells.append(Text(_fixed(value, decimals) or "—"))
            cells.append(Text(str(count)))
        cells.append(Text(_fixed(row.score, decimals) or "—"))
        cells.append(Text(("；" if zh else "; ").join(row.notes)))
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


# --------------------------------------------------------------------------------------------------
# evalkit rollup


def cmd_rollup(args: argparse.Namespace) -> int:
    from evalkit.analysis.period_rollup import load_rollup, rollup_files
    from evalkit.cli import registry_from

    definition = load_rollup(args.definition)
    check_output(args, [args.definition, args.units, *definition.files()])
    result = rollup_files(definition, args.units, registry_from(args))
    for warning in result.warnings:
        print(f"evalkit: warning: {warning}", file=sys.stderr)
    lang = _lang(args, definition.name)
    if args.format == "json":
        text = _json(result.to_dict())
    elif args.format == "csv":
        text = result.to_csv(lang)
    else:
        text = _rollup_table(args, result, lang)
    emit(args, text, f"{len(result.unit_ids)} units, format {args.format}")
    return 0


def _rollup_table(args: argparse.Namespace, result: Any, lang: str) -> str:
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
    for row in result.table_rows(lang):
        cells = [Text(str(row.rank)), Text(row.id), Text(row.name)]
        for value, _weight, contribution in row.parts:
            cells.append(Text("—" if value is None else f"{_plain(value)} → {_fixed(contribution, d)}"))
        cells.append(Text(_fixed(row.annual, d) or "—"))
        cells.append(Text("; ".join(row.notes)))
        table.add_row(*cells)
    return render(args, table)
