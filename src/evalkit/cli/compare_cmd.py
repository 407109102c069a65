"""`evalkit compare`: tier transitions between two evaluations (晋位升级) and the rectification list (整改).

Three ways in, one comparison (`evalkit.analysis.comparison.compare_report`; the figures are those of
evalkit.analysis.transitions, which works on result documents, so a stored run plugs in):

    evalkit compare BEFORE.json AFTER.json                       # two `evalkit run --format json -o` files
    evalkit compare SCORECARD --data DATA --units UNITS --periods 2024 2025
    evalkit compare --store history.db --runs 3 7                # two runs kept by `evalkit run --store`
    evalkit compare --store history.db --scorecard-id ID --periods 2024 2025   # the latest run of each period

Decisions (also in --help):

- A file that is not an evalkit result is invalid data: exit 3, with the file and the JSON path.
- Results of different scorecards (different ids) are refused, exit 3, unless --allow-different-scorecards
  (then a warning). Results whose tiers differ are always refused. A different version of the same
  scorecard, or different band minimums, only warn.
- Units in only one of the two results, or without a grade, are listed, never silently dropped.
- "Improved markedly" is declared with --marked (score:N, rank:N, percent:N) and counts, by default,
  units that stayed in their tier (--marked-among all: risers too); shares are of the starting tier.
- Stored runs give the same comparison as the same runs exported with `evalkit run --format json -o`; the
  store form takes no positional files and no --data/--units (exit 64). A run not in the store is invalid
  data (exit 3); a file that is not a usable store keeps the store's own errors (exit 6, or 5).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from evalkit.cli.common import check_output, emit, fold_lines, whole_number_in
from evalkit.cli.formats import output_options


def _marked(text: str) -> Any:
    from evalkit.analysis.transitions import MarkedRule

    try:
        return MarkedRule.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _bottom(text: str) -> str:
    from evalkit.analysis.transitions import parse_bottom

    try:
        parse_bottom(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


def add_commands(sub: Any, plugin_options: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "compare", parents=[plugin_options], help="tier transitions between two evaluations, and the rectification list",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Compare two evaluations: the matrix of tiers (grades, best first), per starting tier the share that\n"
            "moved up, stayed and moved down, the units that improved markedly by a declared rule, and the units\n"
            "behind every figure (--format json). BEFORE and AFTER are `evalkit run --format json -o` files; or give\n"
            "one SCORECARD with --data, --units and --periods P1 P2 to score two periods of one data set; or read two\n"
            "runs kept by `evalkit run --store`: --store PATH --runs A B (run ids as `evalkit history` lists them), or\n"
            "--store PATH --scorecard-id ID --periods P1 P2 (the latest stored run of each period). --runs and\n"
            "--scorecard-id read $EVALKIT_STORE when --store is not given. A run not in the store is invalid data\n"
            "(exit 3); a file that is not an evalkit history store exits 6 (5 when it cannot be read).\n\n"
            "Units are matched by id; units in only one result, or without a grade, are listed, not compared.\n"
            "A file that is not an evalkit result is invalid data (exit 3). Results of scorecards with different\n"
            "ids are refused (exit 3) unless --allow-different-scorecards; results with different tiers always are.\n"
            "Percentages are rounded half up."),
        epilog=("examples:\n"
                "  evalkit compare 2024.json 2025.json --marked score:5\n"
                "  evalkit compare scorecard.yaml --data data.csv --units units.csv --periods 2024 2025 --marked rank:10 --bottom 10%\n"
                "  evalkit compare --store history.db --runs 1 2 --marked score:5\n"
                "  evalkit compare --store history.db --scorecard-id county-organs-254 --periods 2024 2025 --format json"))
    p.add_argument("inputs", nargs="*", metavar="FILE",
                   help="BEFORE AFTER: two result files (.json); or SCORECARD alone, with --data, --units and --periods; "
                        "none with --store")
    p.add_argument("--data", metavar="FILE", help="with SCORECARD: values in long format holding both periods")
    p.add_argument("--units", metavar="FILE", help="with SCORECARD: the units file")
    p.add_argument("--periods", nargs=2, metavar=("BEFORE", "AFTER"),
                   help="with SCORECARD: the two periods to score; with --scorecard-id: the two periods whose latest "
                        "stored runs are compared")
    stored = p.add_argument_group("stored runs (evalkit run --store)")
    stored.add_argument("--store", metavar="PATH",
                        help="compare two runs of this history store instead of files (default with --runs or "
                             "--scorecard-id: $EVALKIT_STORE)")
    stored.add_argument("--runs", nargs=2, metavar=("BEFORE", "AFTER"),
                        help="the two stored runs, by the ids `evalkit history` lists")
    stored.add_argument("--scorecard-id", metavar="ID",
                        help="with --periods P1 P2: the latest stored run of scorecard ID for each period")
    p.add_argument("--marked", type=_marked, metavar="KIND:N",
                   help="declare 'improved markedly' (大幅提升): score:N = total up by at least N points; rank:N = up at "
                        "least N places; percent:N = total up by at least N %% of the earlier total")
    p.add_argument("--marked-among", choices=("stayed", "all"), default="stayed",
                   help="count marked improvement among units that stayed in their tier (default, the seed's reading: "
                        "risers are counted as risers) or among all units of the starting tier")
    rect = p.add_mutually_exclusive_group()
    rect.add_argument("--rectify", action="store_true",
                      help="list AFTER's units in the lowest tier for rectification (整改), with their weakest items")
    rect.add_argument("--bottom", type=_bottom, metavar="SHARE",
                      help="list AFTER's bottom units for rectification: 10%% (places rounded half up, at least 1) or a "
                           "number of units; units tied with the last place are included")
    p.add_argument("--weakest", type=whole_number_in(1, 50), default=3, metavar="K",
                   help="weakest items shown per listed unit (lowest points / max_points; default 3)")
    p.add_argument("--allow-different-scorecards", action="store_true",
                   help="compare results of scorecards with different ids (a warning says so)")
    p.add_argument("--decimals", type=whole_number_in(0, 6), default=1, metavar="D", help="decimals of percentages (default 1)")
    p.add_argument("--list-units", action="store_true", help="text format: list the unit ids behind every figure")
    output_options(p, ("table", "json"))
    p.set_defaults(handler=cmd_compare)


# --------------------------------------------------------------------------------------------------


def cmd_compare(args: argparse.Namespace) -> int:
    from evalkit.analysis.comparison import compare_report, comparison_store

    check_output(args, [*args.inputs, comparison_store(args.store, args.runs, args.scorecard_id)])

    def registry() -> Any:
        from evalkit.cli import registry_from

        return registry_from(args)

    report = compare_report(args.inputs, data=args.data, units=args.units, periods=args.periods, store=args.store,
                            runs=args.runs, scorecard_id=args.scorecard_id, marked=args.marked,
                            marked_among=args.marked_among, allow_different_scorecards=args.allow_different_scorecards,
                            rectify=args.rectify, bottom=args.bottom, weakest=args.weakest, decimals=args.decimals,
                            registry=registry, warn=warn)
    for warning in report.warnings:
        warn(warning)
    if args.format == "json":
        from evalkit.cli.figures import json_text

        content = json_text(report.to_dict())
    else:
        from evalkit.cli.formats import output_width

        # lines wider than the terminal (or $COLUMNS) fold at spaces: no number is cut
        content = fold_lines(report.to_text(args.lang, args.list_units), output_width(args.output is None and sys.stdout.isatty()))
    emit(args, content, f"{len(report.comparison.moves)} units compared, format {args.format}")
    return 0


def warn(text: str) -> None:
    print(f"evalkit: warning: {text}", file=sys.stderr)
